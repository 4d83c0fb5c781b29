import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLocalPorts } from '../../shared/adapters/local/ports';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import { buildScalingRequests, withAlarmAction } from '../../shared/core/policies';
import { type ScalingRequest, ScalingRequestSchema } from '../../shared/core/request';
import type { PolicySet } from '../../shared/core/types';

const request: ScalingRequest = ScalingRequestSchema.parse({
  name: 'unit',
  model: { kind: 'local', demo: true },
  instanceType: 'ml.c5.large',
  traffic: { minRps: 10, maxRps: 100 },
  latencySlo: { ms: 50 },
});

const series: BenchmarkSeries = {
  instanceType: 'ml.c5.large',
  vcpus: 1,
  periodSeconds: 10,
  points: [
    {
      timestamp: '2026-01-01T00:00:10.000Z',
      invocations: 100,
      modelLatencyAvgUs: 900,
      cpuUtilizationPercent: 20,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    },
    {
      timestamp: '2026-01-01T00:00:20.000Z',
      invocations: 200,
      modelLatencyAvgUs: 900,
      cpuUtilizationPercent: 40,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    },
    {
      timestamp: '2026-01-01T00:10:00.000Z',
      invocations: 999,
      modelLatencyAvgUs: 900,
      cpuUtilizationPercent: 90,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
    },
  ],
};

const policySet: PolicySet = {
  minCapacity: 1,
  maxCapacity: 4,
  invocationsTargetTracking: {
    targetValue: 600,
    scaleOutCooldownSeconds: 10,
    scaleInCooldownSeconds: 100,
    disableScaleIn: false,
  },
  stepScaling: {
    alarmThresholdInvocationsPerInstance: 600,
    steps: [
      { lower: 0, upper: 30, adjustment: 1 },
      { lower: 30, upper: null, adjustment: 3 },
    ],
    cooldownSeconds: 10,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  },
  scheduledActions: [],
};

function setUp(runBenchmark: (jobName: string) => Promise<BenchmarkSeries> = async () => series) {
  const runDir = mkdtempSync(join(tmpdir(), 'scaleplan-ports-'));
  const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:05:00.000Z'];
  let tick = 0;
  const local = createLocalPorts({
    runDir,
    runBenchmark,
    simulateEvaluation: () => ({ periodSeconds: 60, points: [] }),
    now: () => new Date(times[Math.min(tick++, times.length - 1)] ?? times[0]!),
  });
  return { ...local, runDir };
}

async function settle(benchmarks: Map<string, Promise<BenchmarkSeries>>) {
  await Promise.allSettled([...benchmarks.values()]);
}

describe('local backend ports', () => {
  it('runs the Default job in the background and answers its window like GetMetricData', async () => {
    const { ports, benchmarks } = setUp();
    const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r1');
    await ports.jobs.startDefaultJob({ jobName: 'job-1', modelPackageArn, instanceType: 'ml.c5.large' });
    await settle(benchmarks);
    const described = await ports.jobs.describeJob('job-1');
    assert.equal(described.status, 'COMPLETED');
    assert.ok(described.benchmarkWindow);
    const read = await ports.metrics.getBenchmarkSeries({
      window: described.benchmarkWindow,
      instanceType: 'ml.c5.large',
      vcpus: 1,
      periodSeconds: 60,
    });
    // The window is 00:00:00..00:05:00: the point at 00:10:00 is outside it (end exclusive).
    assert.deepEqual(
      read.points.map((p) => p.invocations),
      [100, 200],
    );
  });

  it('reports a failed benchmark as a FAILED job with its reason', async () => {
    const { ports, benchmarks } = setUp(async () => {
      throw new Error('connection refused on 127.0.0.1:9');
    });
    const { modelPackageArn } = await ports.registry.ensureModelPackage(request, 'r2');
    await ports.jobs.startDefaultJob({ jobName: 'job-2', modelPackageArn, instanceType: 'ml.c5.large' });
    await settle(benchmarks);
    const described = await ports.jobs.describeJob('job-2');
    assert.equal(described.status, 'FAILED');
    assert.match(described.failureReason ?? '', /connection refused/);
  });

  it('refuses what Application Auto Scaling would refuse', async () => {
    const { ports } = setUp();
    const target = { endpointName: 'ep', variantName: 'AllTraffic' };
    const requests = buildScalingRequests(target, policySet);
    await assert.rejects(ports.scaling.registerScalableTarget(requests.registerScalableTarget), {
      name: 'InvalidInputError',
      message: /endpoint ep does not exist/,
    });
    await ports.hosting.createEndpoint({
      endpointName: 'ep',
      modelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/x/1',
      instanceType: 'ml.c5.large',
      variantName: 'AllTraffic',
      initialInstanceCount: 1,
    });
    await assert.rejects(
      ports.scaling.registerScalableTarget({
        ...requests.registerScalableTarget,
        MinCapacity: 5,
        MaxCapacity: 2,
      }),
      { name: 'InvalidInputError', message: /MaxCapacity 2 must be an integer >= MinCapacity 5/ },
    );
    await ports.scaling.registerScalableTarget(requests.registerScalableTarget);
    assert.ok(requests.stepAlarm);
    await assert.rejects(ports.scaling.putMetricAlarm(withAlarmAction(requests.stepAlarm, 'arn:unknown')), {
      name: 'InvalidInputError',
      message: /unknown scaling policy/,
    });
    let stepArn = '';
    for (const policy of requests.putScalingPolicies) {
      const { policyArn } = await ports.scaling.putScalingPolicy(policy);
      if (policy.PolicyName === requests.stepPolicyName) stepArn = policyArn;
    }
    await ports.scaling.putMetricAlarm(withAlarmAction(requests.stepAlarm, stepArn));
  });

  it('cleans up exactly what exists, and a second clean-up finds nothing', async () => {
    const { ports, runDir } = setUp();
    const { created } = await ports.registry.ensureModelPackage(request, 'r3');
    const endpointRefs = await ports.hosting.createEndpoint({
      endpointName: 'ep3',
      modelPackageArn: created[1]?.arn ?? '',
      instanceType: 'ml.c5.large',
      variantName: 'AllTraffic',
      initialInstanceCount: 1,
    });
    const ledger = [...created, ...endpointRefs];
    const first = await Promise.all([...ledger].reverse().map((ref) => ports.cleanup.deleteResource(ref)));
    assert.deepEqual(first, ['deleted', 'deleted', 'deleted', 'deleted', 'deleted']);
    const second = await Promise.all(ledger.map((ref) => ports.cleanup.deleteResource(ref)));
    assert.deepEqual(second, ['notFound', 'notFound', 'notFound', 'notFound', 'notFound']);
    const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8'));
    assert.deepEqual(state.endpoints, {});
    assert.deepEqual(state.modelPackages, {});
    assert.deepEqual(state.models, []);
  });
});
