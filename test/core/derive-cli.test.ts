/**
 * `scaleplan derive`, run as a user runs it: the real bin in a child process, JSON on stdout,
 * one line on stderr and exit code 2 for a bad file or option, 1 for a derivation that fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function derive(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/scaleplan.js', 'derive', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const sample = [
  '--benchmark',
  'examples/benchmark.c5-large.json',
  '--min-rps',
  '70',
  '--max-rps',
  '500',
  '--growth',
  '1.2',
];

describe('scaleplan derive', () => {
  it('prints the AWS sample derivation as JSON: 9068/min at 55 % -> 4987, Min 1, Max 8', () => {
    const run = derive([
      ...sample,
      '--goal',
      '55',
      '--latency-slo-ms',
      '50',
      '--endpoint-name',
      'xgboost-eval',
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const out = JSON.parse(run.stdout);
    assert.equal(out.benchmark.peakInvocationsPerMinute, 9068);
    assert.equal(out.thresholds.invocationsPerInstance, 4987);
    assert.equal(out.thresholds.cpuTargetPercent, 110);
    assert.equal(out.capacity.minCapacity, 1);
    assert.equal(out.capacity.maxCapacity, 8);
    assert.deepEqual(out.requests.registerScalableTarget, {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/xgboost-eval/variant/AllTraffic',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      MinCapacity: 1,
      MaxCapacity: 8,
    });
    assert.equal(out.requests.putScalingPolicies.length, 3);
    assert.equal(out.requests.stepAlarm.Threshold, 4987);
    assert.deepEqual(out.cost, {
      instanceType: 'ml.c5.large',
      pricePerInstanceHourUsd: 0.102,
      source: 'approximateTable',
      atMinCapacityPerHourUsd: 0.102,
      atMaxCapacityPerHourUsd: 0.816,
    });
  });

  it('balanced goal: CPU target 100 on the 2-vCPU ml.c5.large; smooth traffic has no step scaling', () => {
    const run = derive([...sample, '--goal', 'balanced', '--pattern', 'smooth', '--compact']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim().split('\n').length, 1);
    const out = JSON.parse(run.stdout);
    assert.equal(out.thresholds.cpuTargetPercent, 100);
    assert.equal(out.thresholds.invocationsPerInstance, 4534);
    assert.equal(out.requests.stepAlarm, null);
    assert.equal(
      out.requests.putScalingPolicies[0].TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown,
      300,
    );
    assert.ok(out.reasons.some((r: { code: string }) => r.code === 'noLatencySlo'));
  });

  it("reproduces the AWS sample's step adjustments by default; --step-bounds scaled reads them as percent", () => {
    const stepConfig = (args: string[]) => {
      const run = derive([...sample, '--goal', '55', '--compact', ...args]);
      assert.equal(run.status, 0, run.stderr);
      const out = JSON.parse(run.stdout);
      const step = out.requests.putScalingPolicies.find(
        (p: { PolicyType: string }) => p.PolicyType === 'StepScaling',
      );
      assert.equal(out.requests.stepAlarm.Threshold, 4987);
      return step.StepScalingPolicyConfiguration;
    };
    const sampleConfig = stepConfig([]);
    assert.equal(sampleConfig.AdjustmentType, 'ChangeInCapacity');
    assert.equal(sampleConfig.MetricAggregationType, 'Average');
    assert.deepEqual(sampleConfig.StepAdjustments, [
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 5, MetricIntervalUpperBound: 80, ScalingAdjustment: 3 },
      { MetricIntervalLowerBound: 80, ScalingAdjustment: 4 },
    ]);
    assert.deepEqual(stepConfig(['--step-bounds', 'scaled']).StepAdjustments, [
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 249, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 249, MetricIntervalUpperBound: 3990, ScalingAdjustment: 3 },
      { MetricIntervalLowerBound: 3990, ScalingAdjustment: 4 },
    ]);
  });

  it('reads a goal written as a decimal percent with a % sign (55.5%)', () => {
    const run = derive([...sample, '--goal', '55.5%', '--compact']);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.thresholds.targetPercent, 55.5);
    // floor(9068 x 0.555) = 5032
    assert.equal(out.thresholds.peakShare.invocationsPerInstance, 5032);
  });

  it('a local 10 s series without CPU: per-minute peak 8250, no CPU overlay, Min 2, Max 9', () => {
    const run = derive([
      '--benchmark',
      'test/fixtures/benchmark-local-10s.json',
      '--min-rps',
      '70',
      '--max-rps',
      '500',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.benchmark.peakInvocationsPerMinute, 8250);
    assert.equal(out.thresholds.cpuOverlay.invocationsPerInstance, null);
    assert.equal(out.thresholds.invocationsPerInstance, 4125);
    assert.equal(out.capacity.minCapacity, 2);
    assert.equal(out.capacity.maxCapacity, 9);
    assert.equal(out.cost.source, 'unknown');
    assert.equal(out.cost.atMaxCapacityPerHourUsd, null);
  });

  /** commander's line for a refused option value: it names the option, the value and what is expected. */
  const refused = (flag: string, value: string, expected: string) =>
    new RegExp(`^scaleplan: option '${flag} <[^>]+>' argument '${value}' is invalid\\. ${expected}`);
  const decimal = 'expected a decimal number > 0 in plain digits \\(e\\.g\\. 500 or 12\\.5\\)';
  const goal = 'expected availability, balanced, cost or a percent between 0 and 100';
  const BAD_INPUT = 2;
  const FAILED = 1;
  const failures: { name: string; args: string[]; line: RegExp; code?: number }[] = [
    {
      name: 'a missing --benchmark',
      args: ['--min-rps', '70', '--max-rps', '500'],
      line: /required option '--benchmark <file>' not specified/,
    },
    {
      name: 'a file that does not exist',
      args: [...sample.slice(2), '--benchmark', 'nope.json'],
      line: /cannot read benchmark file 'nope.json': no such file/,
    },
    {
      name: 'a file that is not JSON',
      args: [...sample.slice(2), '--benchmark', 'test/fixtures/benchmark-not-json.txt'],
      line: /is not valid JSON/,
    },
    {
      name: 'a field of the wrong type',
      args: [...sample.slice(2), '--benchmark', 'test/fixtures/benchmark-bad-field.json'],
      line: /not a valid benchmark file: points\[1\]\.invocations: expected a number, got "many"/,
    },
    {
      name: 'a series without a rise (the job fails: exit 1)',
      args: [...sample.slice(2), '--benchmark', 'test/fixtures/benchmark-flat.json'],
      line: /InsufficientBenchmarkDataError: no rise in load/,
      code: FAILED,
    },
    {
      name: 'a non-numeric rate',
      args: [...sample, '--max-rps', 'lots'],
      line: refused('--max-rps', 'lots', decimal),
    },
    {
      name: 'a hexadecimal goal',
      args: [...sample, '--goal', '0x10'],
      line: refused('--goal', '0x10', goal),
    },
    { name: 'an empty goal', args: [...sample, '--goal', ''], line: refused('--goal', '', goal) },
    {
      name: 'a goal with spaces',
      args: [...sample, '--goal', ' 50 '],
      line: refused('--goal', ' 50 ', goal),
    },
    {
      name: 'a goal in exponent form',
      args: [...sample, '--goal', '5e1'],
      line: refused('--goal', '5e1', goal),
    },
    { name: 'a negative goal', args: [...sample, '--goal', '-50'], line: refused('--goal', '-50', goal) },
    {
      name: 'a hexadecimal rate',
      args: [...sample, '--max-rps', '0x1F4'],
      line: refused('--max-rps', '0x1F4', decimal),
    },
    { name: 'an empty rate', args: [...sample, '--min-rps', ''], line: refused('--min-rps', '', decimal) },
    {
      name: 'a rate with spaces',
      args: [...sample, '--min-rps', ' 70'],
      line: refused('--min-rps', ' 70', decimal),
    },
    {
      name: 'an infinite rate',
      args: [...sample, '--max-rps', 'Infinity'],
      line: refused('--max-rps', 'Infinity', decimal),
    },
    {
      name: 'a growth in exponent form',
      args: [...sample, '--growth', '12e-1'],
      line: refused(
        '--growth',
        '12e-1',
        'expected a decimal number > 1 in plain digits \\(e\\.g\\. 1\\.2\\)',
      ),
    },
    {
      name: 'a binary instance limit',
      args: [...sample, '--max-instances', '0b10100'],
      line: refused(
        '--max-instances',
        '0b10100',
        'expected a whole number >= 1 in plain digits \\(e\\.g\\. 20\\)',
      ),
    },
    {
      name: 'a fractional instance limit',
      args: [...sample, '--max-instances', '20.5'],
      line: refused('--max-instances', '20.5', 'expected a whole number >= 1'),
    },
    {
      name: 'boundary: growth 1',
      args: [...sample, '--growth', '1'],
      line: refused('--growth', '1', 'expected a decimal number > 1'),
    },
    {
      name: 'min above max',
      args: [...sample, '--min-rps', '600'],
      line: /--min-rps 600 must not exceed --max-rps 500/,
    },
    { name: 'an unknown goal', args: [...sample, '--goal', 'speed'], line: refused('--goal', 'speed', goal) },
    {
      name: 'boundary: goal 100 %',
      args: [...sample, '--goal', '100'],
      line: refused('--goal', '100', goal),
    },
    {
      name: 'a bad percentile',
      args: [...sample, '--latency-slo-ms', '50', '--percentile', 'P90'],
      line: refused('--percentile', 'P90', 'Allowed choices are P95, P99\\.'),
    },
    {
      name: 'a bad endpoint name',
      args: [...sample, '--endpoint-name', 'my_endpoint'],
      line: /endpointName 'my_endpoint' must be 1..63 letters/,
    },
    {
      name: 'MaxCapacity over the limit (the job fails: exit 1)',
      args: [...sample, '--max-instances', '7'],
      line: /InfeasibleCapacityPlanError: MaxCapacity .* = 8 exceeds the limit of 7 instances/,
      code: FAILED,
    },
    {
      name: 'unknown step bounds',
      args: [...sample, '--step-bounds', 'percent'],
      line: refused('--step-bounds', 'percent', 'Allowed choices are sample, scaled\\.'),
    },
    { name: 'an unknown option', args: [...sample, '--bogus'], line: /unknown option '--bogus'/ },
  ];
  for (const c of failures) {
    it(`fails with one line on stderr for ${c.name}`, () => {
      const run = derive(c.args);
      assert.equal(run.status, c.code ?? BAD_INPUT, run.stderr);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, c.line);
    });
  }
});
