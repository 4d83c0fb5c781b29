import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LocalState } from '../../shared/adapters/local';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import type { Recommendation } from '../../shared/core/recommendation';
import type { DefinitionBounds } from '../../shared/workflow/definition';
import { runWorkflowLocally } from '../../shared/workflow/local-runner';
import {
  LOCAL_POLL_INTERVAL_MS,
  LOCAL_SERVER_START_SECONDS,
  localJobMaxSeconds,
  localJobWaitMs,
  runLocalWorkflow,
} from '../../shared/workflow/run-local';
import { createFakePorts } from '../fakes/ports';
import { isAlive } from '../fakes/processes';

const demoRequest = JSON.parse(readFileSync('examples/demo.request.json', 'utf8')) as Record<string, unknown>;
/**
 * The demo request with a latency SLO any machine meets. The whole-workflow test is about the
 * workflow (states, files, clean-up, a judged evaluation), not about this machine's latency: on a
 * shared, busy machine the demo server's p95 reached 17-66 ms at one user, and the twin then
 * rightly failed the demo's 50 ms SLO.
 */
const relaxedRequest = {
  ...demoRequest,
  latencySlo: { percentile: 'P95', ms: 2_000 },
  // The same for the instance limit: a 14 s benchmark on a busy machine measured 127 rps, and the
  // demo's 3000 rps then needed 29 instances, over its limit of 20 (InfeasibleCapacityPlanError).
  maxInstancesLimit: 500,
};

/**
 * The fields of the recommendation `npm start` writes: its top-level keys and the keys of each
 * section (of every iteration, and of the sections inside one), so that a field lost in a move of
 * the code fails here. An iteration's keys are those any iteration has (a verdict is absent on an
 * iteration the twin did not evaluate; the run asserts that one was).
 */
const EXPECTED_RECOMMENDATION_FIELDS: Record<string, string[]> = {
  '(top level)': [
    'benchmark',
    'capacity',
    'cost',
    'evaluatedOn',
    'expectations',
    'formatVersion',
    'instanceType',
    'iterations',
    'name',
    'policySet',
    'reasons',
    'requests',
    'runId',
    'thresholds',
    'verdict',
  ],
  benchmark: [
    'bottleneck',
    'cpuFit',
    'instanceType',
    'latencyAtPeak',
    'latencyCurve',
    'peakInvocationsPerMinute',
    'peakTimestamp',
    'periodSeconds',
    'reasons',
    'vcpus',
  ],
  'benchmark.cpuFit': ['interceptPercent', 'rSquared', 'sampleCount', 'slopePercentPerInvocationPerMinute'],
  'benchmark.latencyAtPeak': ['avgMs', 'p95Ms', 'p99Ms'],
  'benchmark.latencyCurve[]': ['avgMs', 'invocationsPerMinute', 'p50Ms', 'p95Ms', 'p99Ms'],
  'benchmark.reasons[]': ['code', 'message'],
  capacity: ['maxCapacity', 'minCapacity', 'reasons', 'rpsPerInstance'],
  'capacity.reasons[]': ['code', 'message'],
  cost: [
    'atMaxCapacityPerHourUsd',
    'atMinCapacityPerHourUsd',
    'instanceType',
    'pricePerInstanceHourUsd',
    'source',
  ],
  evaluatedOn: ['endpointName', 'variantName'],
  expectations: ['allowedErrorRate', 'goal', 'growthFactor', 'latencySlo', 'maxRps', 'minRps', 'pattern'],
  'expectations.latencySlo': ['ms', 'percentile'],
  'iterations[]': ['iteration', 'outcome', 'policySet', 'prediction', 'verdict'],
  'iterations[].policySet': [
    'cpuTargetTracking',
    'invocationsTargetTracking',
    'maxCapacity',
    'minCapacity',
    'scheduledActions',
    'stepScaling',
  ],
  'iterations[].prediction': ['simulation', 'verdict'],
  'iterations[].verdict': [
    'errorRate',
    'failures',
    'maxInvocationsPerMinute',
    'measurement',
    'passed',
    'reasons',
    'targetInvocationsPerMinute',
    'worstLatencyMs',
  ],
  policySet: [
    'cpuTargetTracking',
    'invocationsTargetTracking',
    'maxCapacity',
    'minCapacity',
    'scheduledActions',
    'stepScaling',
  ],
  'policySet.cpuTargetTracking': [
    'disableScaleIn',
    'scaleInCooldownSeconds',
    'scaleOutCooldownSeconds',
    'targetValue',
  ],
  'policySet.invocationsTargetTracking': [
    'disableScaleIn',
    'scaleInCooldownSeconds',
    'scaleOutCooldownSeconds',
    'targetValue',
  ],
  'policySet.stepScaling': [
    'alarmThresholdInvocationsPerInstance',
    'cooldownSeconds',
    'datapointsToAlarm',
    'evaluationPeriods',
    'steps',
  ],
  'reasons[]': ['code', 'message'],
  requests: [
    'putScalingPolicies',
    'putScheduledActions',
    'registerScalableTarget',
    'stepAlarm',
    'stepPolicyName',
  ],
  'requests.putScalingPolicies[]': [
    'PolicyName',
    'PolicyType',
    'ResourceId',
    'ScalableDimension',
    'ServiceNamespace',
    'StepScalingPolicyConfiguration',
    'TargetTrackingScalingPolicyConfiguration',
  ],
  'requests.registerScalableTarget': [
    'MaxCapacity',
    'MinCapacity',
    'ResourceId',
    'ScalableDimension',
    'ServiceNamespace',
  ],
  'requests.stepAlarm': [
    'AlarmDescription',
    'AlarmName',
    'ComparisonOperator',
    'DatapointsToAlarm',
    'Dimensions',
    'EvaluationPeriods',
    'MetricName',
    'Namespace',
    'Period',
    'Statistic',
    'Threshold',
    'TreatMissingData',
  ],
  thresholds: [
    'chosen',
    'cpuOverlay',
    'cpuTargetPercent',
    'goal',
    'invocationsPerInstance',
    'peakShare',
    'reasons',
    'targetPercent',
  ],
  'thresholds.cpuOverlay': ['cpuTargetPercent', 'formula', 'invocationsPerInstance'],
  'thresholds.peakShare': ['formula', 'invocationsPerInstance'],
  'thresholds.reasons[]': ['code', 'message'],
  verdict: [
    'errorRate',
    'failures',
    'maxInvocationsPerMinute',
    'measurement',
    'passed',
    'reasons',
    'targetInvocationsPerMinute',
    'worstLatencyMs',
  ],
  'verdict.measurement': [
    'activities',
    'durationMinutes',
    'errors',
    'instanceHours',
    'instanceHoursAfterLoad',
    'invocations',
    'maxInstances',
    'measuredOn',
    'minInstances',
  ],
  'verdict.reasons[]': ['code', 'message'],
};

/**
 * The keys of the recommendation and of its sections two levels down, sorted; the elements of an
 * array count as one section (`iterations[]`: the keys any iteration has).
 */
function recommendationFields(recommendation: Recommendation): Record<string, string[]> {
  const fields: Record<string, Set<string>> = {};
  const visit = (path: string, value: unknown, depth: number) => {
    if (Array.isArray(value)) {
      // A verdict's failures are empty when it passed: their shape is the judge's, not the file's.
      if (!path.endsWith('.failures')) for (const item of value) visit(`${path}[]`, item, depth);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const section = path || '(top level)';
    const keys = fields[section] ?? new Set<string>();
    fields[section] = keys;
    for (const key of Object.keys(value)) keys.add(key);
    if (depth === 0) return;
    for (const [key, item] of Object.entries(value)) visit(path ? `${path}.${key}` : key, item, depth - 1);
  };
  visit('', recommendation, 2);
  return Object.fromEntries(
    Object.entries(fields)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, keys]) => [path, [...keys].sort()]),
  );
}

describe('the whole local workflow on the demo model, evaluated by the twin (tiny durations)', () => {
  it('benchmarks the real server, derives, evaluates in the twin, writes the recommendation and cleans up', async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'scaleplan-run-'));
    const states: string[] = [];
    const periods: number[] = [];
    let serverPids: number[] = [];

    // Act
    const result = await runLocalWorkflow({
      request: relaxedRequest,
      evaluation: 'twin',
      outDir,
      executionName: 'local-test-run',
      benchmarkSeconds: 14,
      periodSeconds: 2,
      onStateEntered: (state) => states.push(state),
      onBenchmarkPeriod: (p) => periods.push(p.invocationsPerMinute),
      onServerStarted: (server) => {
        serverPids = server.pids;
      },
    });

    // Assess
    assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
    assert.deepEqual(states.slice(0, 5), [
      'ReceiveInput',
      'NormalizeInput',
      'IsHistoryGiven',
      'CreateModelPackage',
      'StartRecommenderJob',
    ]);
    for (const state of [
      'DeriveThresholds',
      'RegisterPolicies',
      'SimulatePolicies',
      'RunEvaluation',
      'Judge',
      'Cleanup',
    ])
      assert.ok(states.includes(state), `${state} was entered`);
    assert.equal(states.at(-1), 'Succeeded');
    assert.ok(periods.length >= 3, `benchmark reported ${periods.length} periods`);

    const series = JSON.parse(readFileSync(join(outDir, 'benchmark.json'), 'utf8')) as BenchmarkSeries;
    assert.equal(series.periodSeconds, 2);
    const measuredPerMinute = series.points.map((p) => (p.invocations * 60) / series.periodSeconds);
    const recommendation = JSON.parse(
      readFileSync(join(outDir, 'recommendation.json'), 'utf8'),
    ) as Recommendation;
    const peak = recommendation.benchmark.peakInvocationsPerMinute;
    assert.ok(
      measuredPerMinute.some((rate) => Math.abs(rate - peak) <= 1e-6 * rate),
      `peak ${peak} is one of the measured periods ${measuredPerMinute.map(Math.round).join(', ')}`,
    );
    assert.ok(recommendation.benchmark.cpuFit.sampleCount >= 3);
    assert.ok(recommendation.thresholds.invocationsPerInstance > 0);
    assert.ok(
      recommendation.thresholds.invocationsPerInstance < recommendation.benchmark.peakInvocationsPerMinute,
    );
    assert.ok(recommendation.capacity.minCapacity >= 1);
    assert.ok(recommendation.capacity.maxCapacity >= recommendation.capacity.minCapacity);
    assert.equal(
      recommendation.requests.registerScalableTarget.MaxCapacity,
      recommendation.capacity.maxCapacity,
    );
    assert.ok(recommendation.iterations.length >= 1);
    assert.ok(
      recommendation.iterations.some((i) => i.verdict !== undefined),
      'at least one judged evaluation',
    );
    assert.ok(
      recommendation.iterations.every((i) => i.prediction !== undefined),
      'every iteration was predicted first',
    );

    const state = JSON.parse(readFileSync(join(outDir, 'state.json'), 'utf8')) as LocalState;
    assert.deepEqual(state.endpoints, {}, 'evaluation endpoint deleted');
    assert.deepEqual(state.scalableTargets, {}, 'scalable target deregistered');
    assert.deepEqual(state.alarms, {}, 'step alarm deleted');
    assert.deepEqual(state.modelPackages, {}, 'model package deleted');
    assert.deepEqual(state.modelPackageGroups, []);
    // Locally the evaluation is the digital twin, and both files say so.
    assert.equal(recommendation.reasons.at(-1)?.code, 'evaluationByDigitalTwin');
    assert.deepEqual(result.recommendation, recommendation, 'the result holds the recommendation as stored');
    // Nothing is lost on the way to the file: every field the workflow's recommendation has.
    assert.deepEqual(recommendationFields(recommendation), EXPECTED_RECOMMENDATION_FIELDS);
    const summary = readFileSync(result.summaryPath, 'utf8');
    assert.match(summary, /- evaluation: done by the digital twin on the local backend/);
    assert.match(
      summary,
      /- iteration \d+: predicted (pass|fail|n\/a), twin evaluation (passed|failed|not run)/,
    );
    assert.doesNotMatch(summary, /, evaluation passed/);
    assert.ok(
      serverPids.length > 0 && serverPids.every((pid) => !isAlive(pid)),
      'the demo server was stopped',
    );
  });

  it('a workflow runner that throws stops the job and waits for it before stopping the server', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'scaleplan-run-'));
    let periodsAtThrow = -1;
    const periods: number[] = [];
    await assert.rejects(
      runLocalWorkflow({
        request: relaxedRequest,
        evaluation: 'twin',
        outDir,
        executionName: 'local-test-throws',
        benchmarkSeconds: 30,
        periodSeconds: 1,
        onBenchmarkPeriod: (p) => periods.push(p.periodIndex),
        // Starts the Default job as the workflow does, then fails as a bug in the runner would
        // (not an ExecutionError, so the workflow's own clean-up never ran).
        runWorkflow: async (request, { ports }) => {
          const { modelPackageArn } = await ports.registry.ensureModelPackage(
            request as Parameters<typeof ports.registry.ensureModelPackage>[0],
            'throws',
          );
          await ports.jobs.startDefaultJob({
            jobName: 'job-throws',
            modelPackageArn,
            instanceType: 'ml.c5.large',
          });
          await new Promise((resolve) => setTimeout(resolve, 4_000));
          periodsAtThrow = periods.length;
          throw new TypeError('the runner broke');
        },
      }),
      { name: 'TypeError', message: 'the runner broke' },
    );
    const state = JSON.parse(readFileSync(join(outDir, 'state.json'), 'utf8')) as LocalState;
    assert.equal(state.jobs['job-throws']?.status, 'STOPPED', 'the job was stopped');
    // The load ended with the run: no period after it (the 30 s job would run 27 s more).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.ok(periodsAtThrow >= 0);
    assert.ok(
      periods.length <= periodsAtThrow + 1,
      `${periods.length} periods, ${periodsAtThrow} at the throw`,
    );
  });

  it('refuses a request for AWS models at NormalizeInput, as on AWS, before creating or starting anything', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'scaleplan-run-'));
    let started = false;
    const result = await runLocalWorkflow({
      request: {
        ...demoRequest,
        model: {
          kind: 'modelPackage',
          modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1',
        },
      },
      outDir,
      executionName: 'local-test-bad',
      onServerStarted: () => {
        started = true;
      },
    });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'InvalidInputError');
    assert.match(
      result.error?.cause ?? '',
      /model\.kind "modelPackage" is not supported by this backend: use "local"/,
    );
    assert.ok(!result.states.includes('CreateModelPackage'), result.states.join(', '));
    assert.equal(started, false);
    assert.equal(existsSync(join(outDir, 'state.json')), false, 'no local resource was created');
    assert.match(readFileSync(result.summaryPath, 'utf8'), /- error: InvalidInputError: /);
  });
});

describe('scaleplan run (CLI)', () => {
  const cases = [
    {
      name: 'a file that does not exist',
      file: 'does-not-exist.json',
      expected: /cannot read request file 'does-not-exist.json'/,
    },
    { name: 'a request with maxRps below minRps', file: 'bad', expected: /minRps/ },
    {
      name: 'a 30 s period in the default 75 s benchmark',
      file: 'examples/demo.request.json',
      args: ['--period-seconds', '30'],
      expected: /at least 5 whole periods .*floor\(75 \/ 30\) = 2/,
    },
  ];
  for (const c of cases) {
    it(`gives one clear line and a non-zero exit for ${c.name}`, () => {
      let file = c.file;
      if (file === 'bad') {
        file = join(mkdtempSync(join(tmpdir(), 'scaleplan-cli-')), 'bad.json');
        writeFileSync(file, JSON.stringify({ ...demoRequest, traffic: { minRps: 10, maxRps: 5 } }));
      }
      const run = spawnSync(
        process.execPath,
        ['bin/scaleplan.js', 'run', file, '--quiet', ...(c.args ?? [])],
        {
          encoding: 'utf8',
        },
      );
      assert.notEqual(run.status, 0);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0] ?? '', c.expected);
    });
  }
});

describe('the local wait for the Default job scales with the benchmark', () => {
  it("gets the polls' maxRounds from the runner, as the definition states them", async () => {
    let bounds: DefinitionBounds | undefined;
    // An input NormalizeInput refuses: the run ends at once, after the runner sized the waits.
    const result = await runWorkflowLocally(
      { name: 'bounds' },
      {
        ports: createFakePorts().ports,
        waitTimeOverridesMs: (given) => {
          bounds = given;
          return {};
        },
      },
    );
    assert.equal(result.status, 'FAILED');
    assert.deepEqual(bounds?.maxRounds, {
      PollJob: 90,
      PollEndpoint: 60,
      PollEvaluation: 330,
      PollEndpointBeforeReset: 60,
    });
  });

  const cases = [
    { name: 'a tiny test benchmark', benchmarkSeconds: 14, maxRounds: 90, waitMs: 1_000 },
    { name: 'the default 75 s', benchmarkSeconds: 75, maxRounds: 90, waitMs: 1_175 },
    // 90 s failed before: 90 polls 1 s apart ended the run with WaitTimeoutError at ~88 s.
    { name: '90 s, past the old 1 s x 90 polls', benchmarkSeconds: 90, maxRounds: 90, waitMs: 1_360 },
    { name: '10 minutes', benchmarkSeconds: 600, maxRounds: 90, waitMs: 7_663 },
    { name: 'the longest accepted (1 h)', benchmarkSeconds: 3_600, maxRounds: 90, waitMs: 44_742 },
    { name: 'a definition with 5 polls', benchmarkSeconds: 75, maxRounds: 5, waitMs: 26_125 },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.maxRounds - 1} waits of ${c.waitMs} ms outlast the longest job`, () => {
      const waitMs = localJobWaitMs(c.benchmarkSeconds, c.maxRounds);
      assert.equal(waitMs, c.waitMs);
      assert.ok(waitMs >= LOCAL_POLL_INTERVAL_MS);
      // The job has ended by the poll before the last, whatever the probe, drain and late timers took.
      assert.ok((c.maxRounds - 1) * waitMs >= 1000 * localJobMaxSeconds(c.benchmarkSeconds));
      // The demo server's start, the probe and the drain are inside the bound.
      assert.ok(
        localJobMaxSeconds(c.benchmarkSeconds) > c.benchmarkSeconds + LOCAL_SERVER_START_SECONDS + 2 + 10,
      );
    });
  }

  const refused = [
    {
      name: 'a benchmark longer than an hour',
      benchmarkSeconds: 3_601,
      expected: /at most 3600 s, got 3601/,
    },
    { name: 'a benchmark of 0 s', benchmarkSeconds: 0, expected: /more than 0 and at most 3600 s, got 0/ },
    {
      name: 'a period longer than the benchmark',
      benchmarkSeconds: 10,
      periodSeconds: 20,
      expected: /at least 5 whole periods .*got floor\(10 \/ 20\) = 0: use a period of at most 2 s/,
    },
    {
      name: 'a 30 s period in the default 75 s (2 steps)',
      benchmarkSeconds: 75,
      periodSeconds: 30,
      expected: /at least 5 whole periods .*got floor\(75 \/ 30\) = 2: use a period of at most 15 s/,
    },
    {
      name: '4 whole periods, one short of the minimum',
      benchmarkSeconds: 9.9,
      periodSeconds: 2,
      expected: /got floor\(9\.9 \/ 2\) = 4/,
    },
    { name: 'a negative period', benchmarkSeconds: 10, periodSeconds: -1, expected: /more than 0 s, got -1/ },
  ];
  for (const c of refused) {
    it(`refuses ${c.name} before starting anything`, async () => {
      const outDir = join(mkdtempSync(join(tmpdir(), 'scaleplan-run-')), 'out');
      await assert.rejects(
        runLocalWorkflow({
          request: demoRequest,
          outDir,
          executionName: 'local-test-bounds',
          benchmarkSeconds: c.benchmarkSeconds,
          ...(c.periodSeconds ? { periodSeconds: c.periodSeconds } : {}),
        }),
        { name: 'InvalidInputError', message: c.expected },
      );
      assert.equal(existsSync(outDir), false);
    });
  }
});
