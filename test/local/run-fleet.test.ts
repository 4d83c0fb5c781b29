/**
 * The whole local workflow with the local endpoint as the Advanced job (the default): the Default
 * job benchmarks one fleet instance on the scaled clock, the evaluation is a real load test of a
 * fleet that runs the policies RegisterPolicies registered, and the recommendation shows the
 * twin's prediction beside the measurement. Tiny durations on the scaled clock (time scale 120).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import type { Recommendation } from '../../shared/core/recommendation';
import { runLocalWorkflow } from '../../shared/workflow/run-local';

const demoRequest = JSON.parse(readFileSync('examples/demo.request.json', 'utf8')) as Record<string, unknown>;

/**
 * Model-server processes (the fleet's instances, the benchmark's instance) this test process
 * started that are still running. Other children (the TypeScript loader's esbuild service, ps
 * itself) are not the run's.
 */
function serverChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes('server-main'));
}

describe('the local workflow on the local endpoint (time scale 120, tiny durations)', {
  timeout: 240_000,
}, () => {
  it('benchmarks one fleet instance, evaluates on a real fleet, and puts the measurement beside the prediction', async () => {
    // Prepare: an SLO and a throughput any machine meets (this test is about the wiring; the
    // fleet's timing is test/local/fleet.test.ts's).
    const outDir = mkdtempSync(join(tmpdir(), 'scaleplan-run-fleet-'));
    const request = {
      ...demoRequest,
      traffic: { minRps: 0.05, maxRps: 0.2, growthFactor: 1.2, pattern: 'spiky' },
      latencySlo: { percentile: 'P95', ms: 5_000 },
      evaluation: {
        initialUsers: 1,
        spawnRate: 1,
        durationSeconds: 600,
        jobDurationSeconds: 600,
        maxIterations: 1,
      },
    };
    const progress: string[] = [];

    // Act
    const result = await runLocalWorkflow({
      request,
      outDir,
      executionName: 'local-test-fleet',
      benchmarkSeconds: 14,
      periodSeconds: 2,
      fleet: { timeScale: 120, afterLoadSeconds: 600, onFleetProgress: (p) => progress.push(p.status) },
    });

    // Assess
    assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
    const series = JSON.parse(readFileSync(join(outDir, 'benchmark.json'), 'utf8')) as BenchmarkSeries;
    // The benchmark's 2 s periods are 240 s of the scaled clock, and the file says which clock.
    assert.equal(series.periodSeconds, 240);
    assert.equal(series.timeScale, 120);
    const recommendation = JSON.parse(
      readFileSync(join(outDir, 'recommendation.json'), 'utf8'),
    ) as Recommendation;
    const [iteration] = recommendation.iterations;
    assert.ok(iteration?.verdict?.measurement && iteration.prediction?.verdict.measurement);
    assert.match(iteration.verdict.measurement.measuredOn ?? '', /local endpoint.*time scale 120/);
    assert.equal(iteration.prediction.verdict.measurement.measuredOn, 'the digital twin');
    assert.ok(iteration.verdict.measurement.invocations > 0, 'requests were measured');
    assert.ok((iteration.verdict.measurement.instanceHours ?? 0) > 0);
    // Every measured activity was made by a policy RegisterPolicies registered (their names).
    const registered = new Set(recommendation.requests.putScalingPolicies.map((p) => p.PolicyName));
    for (const activity of iteration.verdict.measurement.activities)
      assert.ok(
        registered.has(activity.cause) || activity.cause.startsWith('scheduledAction:'),
        activity.cause,
      );
    assert.equal(recommendation.reasons.at(-1)?.code, 'evaluationOnLocalEndpoint');
    assert.ok(progress.length > 0, 'the fleet was shown while it ran');
    const summary = readFileSync(result.summaryPath, 'utf8');
    assert.match(summary, /- evaluation: measured on the local endpoint: real model-server processes/);
    assert.match(summary, /## Prediction and measurement/);
    assert.match(summary, /\| 1 \| verdict \| (pass|fail) \| (pass|fail) \|/);
    // Every path out stops what it started: no instance, benchmark server or other child is left.
    assert.deepEqual(serverChildren(), []);
  });

  const refused = [
    {
      name: 'more instances than fit on this machine',
      request: { ...demoRequest, maxInstancesLimit: 20 },
      expected: /maxInstancesLimit 20: at most \d+ instances of [\d.]+ cores fit/,
    },
    {
      name: 'a server given only by its URL',
      request: { ...demoRequest, model: { kind: 'local', url: 'http://127.0.0.1:8080' } },
      expected: /needs model.command .* or model.demo; to evaluate a running server, use --evaluation twin/,
    },
  ];
  for (const c of refused) {
    it(`refuses ${c.name} before creating or starting anything`, async () => {
      const outDir = join(mkdtempSync(join(tmpdir(), 'scaleplan-run-fleet-')), 'out');
      await assert.rejects(
        runLocalWorkflow({ request: c.request, outDir, executionName: 'local-test-fleet-refused' }),
        { name: 'InvalidInputError', message: c.expected },
      );
      assert.equal(existsSync(outDir), false);
    });
  }
});
