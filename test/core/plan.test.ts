import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseBenchmarkSeries } from '../../shared/core/benchmark-file';
import {
  InfeasibleCapacityPlanError,
  InsufficientBenchmarkDataError,
  InvalidInputError,
} from '../../shared/core/errors';
import { buildInitialPolicySet, defaultSteps, derivePlan, scaledSteps } from '../../shared/core/plan';
import {
  type ScalingRequest,
  type ScalingRequestInput,
  ScalingRequestSchema,
} from '../../shared/core/request';
import type { CapacityPlan, Thresholds } from '../../shared/core/types';
import { awsSamplePolicySet, awsSampleTracking } from '../fixtures/aws-sample';
import { seriesOf } from '../fixtures/benchmark-series';

function requestOf(overrides: Partial<ScalingRequestInput> = {}): ScalingRequest {
  return ScalingRequestSchema.parse({
    model: { kind: 'local', demo: true },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500, growthFactor: 1.2 },
    latencySlo: { percentile: 'P95', ms: 50 },
    goal: 55,
    ...overrides,
  });
}

const thresholds = { invocationsPerInstance: 4987, cpuTargetPercent: 110 } as Thresholds;
const capacity: CapacityPlan = { minCapacity: 1, maxCapacity: 8, rpsPerInstance: 4987 / 60, reasons: [] };

describe('defaultSteps', () => {
  it("'sample' reproduces the AWS notebook's bounds 0, 5, 80 whatever the threshold", () => {
    for (const threshold of [1, 4987, 100_000]) {
      assert.deepEqual(defaultSteps('sample', threshold), [
        { lower: 0, upper: 5, adjustment: 1 },
        { lower: 5, upper: 80, adjustment: 3 },
        { lower: 80, upper: null, adjustment: 4 },
      ]);
    }
  });

  it("'sample' returns a copy: changing it leaves the next call alone", () => {
    const steps = defaultSteps('sample', 4987);
    steps[0]!.adjustment = 9;
    assert.equal(defaultSteps('sample', 4987)[0]?.adjustment, 1);
  });

  const cases: { name: string; threshold: number; bounds: [number, number | null, number][] }[] = [
    {
      name: "'scaled' on the AWS sample threshold 4987: 5 % and 80 % above it",
      threshold: 4987,
      bounds: [
        [0, 249, 1],
        [249, 3990, 3],
        [3990, null, 4],
      ],
    },
    {
      name: "'scaled' on a round threshold",
      threshold: 1000,
      bounds: [
        [0, 50, 1],
        [50, 800, 3],
        [800, null, 4],
      ],
    },
    {
      name: "boundary: 'scaled' on threshold 1 keeps bounds strictly ascending",
      threshold: 1,
      bounds: [
        [0, 1, 1],
        [1, 2, 3],
        [2, null, 4],
      ],
    },
    {
      name: "boundary: 'scaled' on threshold 10 rounds 0.5 up",
      threshold: 10,
      bounds: [
        [0, 1, 1],
        [1, 8, 3],
        [8, null, 4],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const expected = c.bounds.map(([lower, upper, adjustment]) => ({ lower, upper, adjustment }));
      assert.deepEqual(defaultSteps('scaled', c.threshold), expected);
      assert.deepEqual(scaledSteps(c.threshold), expected);
    });
  }
});

describe('buildInitialPolicySet', () => {
  it('spiky traffic: cooldowns 10 s out / 100 s in, both target trackings and step scaling', () => {
    const set = buildInitialPolicySet(requestOf(), thresholds, capacity);
    // The AWS sample's set, with the CPU target of the 55 % goal (110 on 2 vCPUs) and the
    // sample's literal step bounds in invocations per instance per minute above 4987.
    assert.deepEqual(set, awsSamplePolicySet({ cpuTargetTracking: awsSampleTracking(110) }));
  });

  it("stepBounds 'scaled' reads 0, 5, 80 as percent of the threshold: 4987 -> 249, 3990", () => {
    const set = buildInitialPolicySet({ ...requestOf(), stepBounds: 'scaled' }, thresholds, capacity);
    assert.deepEqual(set.stepScaling?.steps, [
      { lower: 0, upper: 249, adjustment: 1 },
      { lower: 249, upper: 3990, adjustment: 3 },
      { lower: 3990, upper: null, adjustment: 4 },
    ]);
  });

  it('custom steps in the request win over stepBounds', () => {
    const steps = [{ lower: 0, upper: null, adjustment: 2 }];
    const set = buildInitialPolicySet(
      { ...requestOf({ policies: { stepScaling: { steps } } }), stepBounds: 'scaled' },
      thresholds,
      capacity,
    );
    assert.deepEqual(set.stepScaling?.steps, steps);
  });

  const cases: {
    name: string;
    request: Partial<ScalingRequestInput>;
    scaleOut: number;
    scaleIn: number;
    step: boolean;
    stepCooldown?: number;
    invocations?: boolean;
    cpu?: boolean;
  }[] = [
    {
      name: 'smooth traffic: 300/300 s and no step scaling',
      request: { traffic: { minRps: 70, maxRps: 500, pattern: 'smooth' } },
      scaleOut: 300,
      scaleIn: 300,
      step: false,
    },
    {
      name: 'smooth traffic with step scaling forced on',
      request: { traffic: { minRps: 70, maxRps: 500, pattern: 'smooth' }, policies: { stepScaling: true } },
      scaleOut: 300,
      scaleIn: 300,
      step: true,
      stepCooldown: 300,
    },
    {
      name: 'spiky traffic with step scaling off',
      request: { policies: { stepScaling: false } },
      scaleOut: 10,
      scaleIn: 100,
      step: false,
    },
    {
      name: 'cooldowns from the request override the pattern',
      request: { policies: { scaleOutCooldownSeconds: 30, scaleInCooldownSeconds: 600 } },
      scaleOut: 30,
      scaleIn: 600,
      step: true,
      stepCooldown: 30,
    },
    {
      name: 'boundary: cooldowns of 0 s are kept',
      request: { policies: { scaleOutCooldownSeconds: 0, scaleInCooldownSeconds: 0 } },
      scaleOut: 0,
      scaleIn: 0,
      step: true,
      stepCooldown: 0,
    },
    {
      name: 'custom step cooldown',
      request: { policies: { stepScaling: { cooldownSeconds: 60 } } },
      scaleOut: 10,
      scaleIn: 100,
      step: true,
      stepCooldown: 60,
    },
    {
      name: 'CPU target tracking off',
      request: { policies: { cpuTargetTracking: false } },
      scaleOut: 10,
      scaleIn: 100,
      step: true,
      cpu: false,
    },
    {
      name: 'invocations target tracking off',
      request: { policies: { invocationsTargetTracking: false, stepScaling: false } },
      scaleOut: 10,
      scaleIn: 100,
      step: false,
      invocations: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const set = buildInitialPolicySet(requestOf(c.request), thresholds, capacity);
      const tracking = set.invocationsTargetTracking ?? set.cpuTargetTracking;
      assert.equal(tracking?.scaleOutCooldownSeconds, c.scaleOut);
      assert.equal(tracking?.scaleInCooldownSeconds, c.scaleIn);
      assert.equal(set.stepScaling !== undefined, c.step);
      if (c.stepCooldown !== undefined) assert.equal(set.stepScaling?.cooldownSeconds, c.stepCooldown);
      assert.equal(set.invocationsTargetTracking !== undefined, c.invocations ?? true);
      assert.equal(set.cpuTargetTracking !== undefined, c.cpu ?? true);
    });
  }

  it('uses custom steps as given (invocations per instance per minute above the threshold)', () => {
    const steps = [
      { lower: 0, upper: 1000, adjustment: 2 },
      { lower: 1000, upper: null, adjustment: 5 },
    ];
    const set = buildInitialPolicySet(
      requestOf({ policies: { stepScaling: { steps } } }),
      thresholds,
      capacity,
    );
    assert.deepEqual(set.stepScaling?.steps, steps);
  });

  it('refuses custom steps with a gap (the request schema refuses them first, at NormalizeInput)', () => {
    const steps = [
      { lower: 0, upper: 10, adjustment: 1 },
      { lower: 11, upper: null, adjustment: 2 },
    ];
    assert.throws(() => requestOf({ policies: { stepScaling: { steps } } }), /bounds must be contiguous/);
    const unchecked = { ...requestOf(), policies: { ...requestOf().policies, stepScaling: { steps } } };
    assert.throws(
      () => buildInitialPolicySet(unchecked, thresholds, capacity),
      /policies.stepScaling.steps: steps 0 and 1: bounds must be contiguous \(10 vs 11\)/,
    );
  });

  it('copies scheduled actions, and refuses one above the instance limit', () => {
    const action = { name: 'morning', schedule: 'cron(0 8 * * ? *)', minCapacity: 2, maxCapacity: 20 };
    const set = buildInitialPolicySet(
      requestOf({ policies: { scheduledActions: [action] } }),
      thresholds,
      capacity,
    );
    assert.deepEqual(set.scheduledActions, [action]);
    assert.throws(
      () =>
        buildInitialPolicySet(
          // Past the schema, which refuses it first (at NormalizeInput).
          {
            ...requestOf(),
            policies: { ...requestOf().policies, scheduledActions: [{ ...action, maxCapacity: 21 }] },
          },
          thresholds,
          capacity,
        ),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        /maxCapacity 21 exceeds maxInstancesLimit 20/.test(error.message),
    );
  });
});

describe('derivePlan', () => {
  const example = parseBenchmarkSeries(
    JSON.parse(readFileSync(new URL('../../examples/benchmark.c5-large.json', import.meta.url), 'utf8')),
  );

  it('reproduces the AWS sample end to end: 9068/min, 55 % -> 4987, Min 1, Max 8', () => {
    const plan = derivePlan(example, requestOf());
    assert.equal(plan.benchmark.peakInvocationsPerMinute, 9068);
    assert.equal(plan.thresholds.invocationsPerInstance, 4987);
    assert.equal(plan.thresholds.cpuTargetPercent, 110);
    assert.equal(plan.capacity.minCapacity, 1);
    assert.equal(plan.capacity.maxCapacity, 8);
    assert.equal(plan.policySet.invocationsTargetTracking?.targetValue, 4987);
    assert.deepEqual(plan.reasons, []);
  });

  it('balanced goal on the example: CPU target 100 on 2 vCPUs, peakShare 4534 is the more conservative', () => {
    const plan = derivePlan(example, requestOf({ goal: 'balanced' }));
    assert.equal(plan.thresholds.cpuTargetPercent, 100);
    assert.equal(plan.thresholds.peakShare.invocationsPerInstance, 4534);
    assert.equal(plan.thresholds.chosen, 'peakShare');
    assert.equal(plan.capacity.maxCapacity, 8); // ceil(500 / 75.567 x 1.2) = ceil(7.94)
  });

  it('a tight latency SLO lowers the peak and so the target', () => {
    const plan = derivePlan(example, requestOf({ latencySlo: { percentile: 'P95', ms: 10 } }));
    // P95 first exceeds 10 ms at 6684/min (9.121 ms is the last within).
    assert.equal(plan.benchmark.peakInvocationsPerMinute, 6684);
    assert.equal(plan.thresholds.invocationsPerInstance, 3676); // floor(6684 x 0.55)
  });

  it('notes a vCPU and instance type mismatch and keeps the benchmark vCPUs', () => {
    const plan = derivePlan(example, requestOf({ vcpus: 4, instanceType: 'ml.c5.xlarge' }));
    assert.deepEqual(
      plan.reasons.map((r) => r.code),
      ['vcpusMismatch', 'instanceTypeMismatch'],
    );
    assert.equal(plan.thresholds.cpuTargetPercent, 110);
  });

  it('passes the named errors through', () => {
    assert.throws(
      () => derivePlan(seriesOf([1000, 1000, 1000]), requestOf()),
      InsufficientBenchmarkDataError,
    );
    assert.throws(
      () => derivePlan(example, requestOf({ traffic: { minRps: 70, maxRps: 5000 } })),
      InfeasibleCapacityPlanError,
    );
  });
});
