/**
 * The local Advanced job on the local endpoint: closed-loop users in IR phases against a real
 * fleet that scales, measured metrics for the judge, and IR's MaxInvocations stopping condition.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createFleetEvaluationDriver } from '../../shared/adapters/local/fleet';
import { DEMO_PAYLOAD_PATH } from '../../shared/adapters/local/model-server';
import type { EvaluationInput } from '../../shared/core/ports';

const ONE_ROW = Buffer.from(`${readFileSync(DEMO_PAYLOAD_PATH, 'utf8').split('\n')[0]}\n`);

function evaluationInput(name: string, extra: Partial<EvaluationInput>): EvaluationInput {
  return {
    evaluationName: name,
    modelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/demo/1',
    endpointName: name,
    variantName: 'AllTraffic',
    instanceType: 'ml.c5.large',
    phases: [{ initialUsers: 2, spawnRatePerMinute: 0, durationSeconds: 1200 }],
    jobDurationSeconds: 1200,
    maxInvocationsPerMinute: 1e9,
    latencySlo: { percentile: 'P95', ms: 10_000 },
    policySet: {
      minCapacity: 1,
      maxCapacity: 3,
      invocationsTargetTracking: {
        targetValue: 10,
        scaleOutCooldownSeconds: 300,
        scaleInCooldownSeconds: 300,
        disableScaleIn: false,
      },
      scheduledActions: [],
    },
    ...extra,
  };
}

async function finished(driver: ReturnType<typeof createFleetEvaluationDriver>, name: string) {
  for (;;) {
    const described = await driver.describe(name);
    if (described.status !== 'IN_PROGRESS') return described;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('fleet evaluation driver', { timeout: 60_000 }, () => {
  it('runs closed-loop users against a real fleet that scales out, and measures per-period metrics', async () => {
    const driver = createFleetEvaluationDriver({
      endpoint: {
        command: { kind: 'demo' },
        timeScale: 120,
        settings: { startupSeconds: 120, metricDelaySeconds: 60 },
      },
      sample: { payload: ONE_ROW, contentType: 'text/csv' },
      afterLoadSeconds: 3600,
    });
    const input = evaluationInput('fleet-eval', {});
    await driver.start(input);
    const described = await finished(driver, 'fleet-eval');
    assert.equal(described.status, 'COMPLETED', described.failureReason);
    const metrics = await driver.collectMetrics('fleet-eval', input);
    assert.equal(metrics.points.length >= 12, true, `${metrics.points.length} periods`);
    // The first period may hold only the end of the creation, before the users began; the
    // periods after the 1200 s of load (kept to watch the scale-in) have none.
    const startMs = Date.parse(metrics.points[0]!.timestamp);
    const duringLoad = metrics.points.filter((p) => Date.parse(p.timestamp) - startMs < 1_140_000);
    assert.equal(
      duringLoad.slice(1).every((p) => p.invocations > 0),
      true,
    );
    assert.equal(
      metrics.points.some((p) => (p.modelLatencyP95Us ?? 0) > 0),
      true,
    );
    const activities = driver.activitiesOf('fleet-eval');
    assert.equal(activities[0]?.toCapacity !== undefined && activities[0].toCapacity > 1, true);
    assert.equal(Math.max(...metrics.points.map((p) => p.instanceCount ?? 0)) > 1, true);
    // After the load the fleet is kept until the policies have scaled it back in to MinCapacity,
    // and the metrics carry every activity timed from the start of the evaluation.
    const measured = metrics.activities ?? [];
    const scaleOut = measured.find((a) => a.toCapacity > a.fromCapacity);
    const scaleIn = measured.find((a) => a.toCapacity < a.fromCapacity);
    assert.ok(scaleOut && scaleIn, JSON.stringify(measured));
    assert.equal(
      scaleIn.atSeconds > 1200,
      true,
      `scale-in at ${scaleIn.atSeconds} s, after the 1200 s of load`,
    );
    assert.equal(scaleOut.atSeconds >= 0 && scaleOut.atSeconds < 1200, true);
    assert.equal(metrics.points.at(-1)?.instanceCount, 1);
    assert.match(metrics.measuredOn ?? '', /local endpoint.*time scale 120/);
  });

  it('stops at MaxInvocations, as IR does, and completes', async () => {
    const driver = createFleetEvaluationDriver({
      endpoint: { command: { kind: 'demo' }, timeScale: 120, settings: { metricDelaySeconds: 60 } },
      sample: () => ({ payload: ONE_ROW, contentType: 'text/csv' }),
    });
    const input = evaluationInput('fleet-eval-max', { maxInvocationsPerMinute: 5 });
    await driver.start(input);
    const described = await finished(driver, 'fleet-eval-max');
    assert.equal(described.status, 'COMPLETED');
    const metrics = await driver.collectMetrics('fleet-eval-max', input);
    // 1200 s of phases would give 20 periods; the condition stops it after a few.
    assert.equal(metrics.points.length < 8, true, `${metrics.points.length} periods`);
    assert.equal(
      metrics.points.some((p) => p.invocations >= 5),
      true,
    );
  });
});
