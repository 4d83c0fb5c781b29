import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../shared/core/errors';
import { defaultSteps } from '../../shared/core/plan';
import { canonicalKey, tunePolicies } from '../../shared/core/tuning';
import type { PolicySet, TargetTrackingSpec, Verdict } from '../../shared/core/types';
import { awsSampleStepScaling } from '../fixtures/aws-sample';

const failed: Verdict = {
  passed: false,
  maxInvocationsPerMinute: 24000,
  targetInvocationsPerMinute: 30000,
  errorRate: 0,
  worstLatencyMs: 8,
  failures: [{ code: 'throughputNotReached', message: 'max 24000 vs 30000', observed: 24000, limit: 30000 }],
  reasons: [],
};
const passed: Verdict = { ...failed, passed: true, maxInvocationsPerMinute: 39783, failures: [] };

function tracking(targetValue: number, scaleOut: number): TargetTrackingSpec {
  return {
    targetValue,
    scaleOutCooldownSeconds: scaleOut,
    scaleInCooldownSeconds: 300,
    disableScaleIn: false,
  };
}

/** Smooth traffic as derived: 300 s cooldowns, no step scaling. */
const smooth: PolicySet = {
  minCapacity: 1,
  maxCapacity: 8,
  invocationsTargetTracking: tracking(4987, 300),
  cpuTargetTracking: tracking(110, 300),
  scheduledActions: [],
};
/** Spiky traffic as derived: 10 s cooldowns and step scaling. */
const spiky: PolicySet = {
  ...smooth,
  invocationsTargetTracking: tracking(4987, 10),
  cpuTargetTracking: tracking(110, 10),
  stepScaling: awsSampleStepScaling(),
};
const options = { iteration: 1, maxIterations: 5, maxInstancesLimit: 20 };

describe('tunePolicies: stopping', () => {
  it('stops when the evaluation passed', () => {
    const decision = tunePolicies(passed, smooth, [smooth], options);
    assert.equal(decision.next, null);
    assert.equal(decision.step, null);
    assert.deepEqual(
      decision.reasons.map((r) => r.code),
      ['passed'],
    );
  });

  it('boundary: stops after the last allowed evaluation (iteration 3 of 3)', () => {
    const decision = tunePolicies(failed, smooth, [smooth], { ...options, iteration: 3, maxIterations: 3 });
    assert.equal(decision.next, null);
    assert.match(decision.reasons.at(-1)?.message ?? '', /3 of 3 evaluations used/);
    assert.match(decision.reasons[0]?.message ?? '', /throughputNotReached \(observed 24000, limit 30000\)/);
  });

  it('boundary: iteration 2 of 3 still tunes', () => {
    assert.notEqual(
      tunePolicies(failed, smooth, [smooth], { ...options, iteration: 2, maxIterations: 3 }).next,
      null,
    );
  });

  it('stops when every lever is exhausted', () => {
    const exhausted: PolicySet = {
      minCapacity: 1,
      maxCapacity: 20,
      scheduledActions: [],
      cpuTargetTracking: tracking(1, 10),
    };
    const decision = tunePolicies(failed, exhausted, [exhausted], options);
    assert.equal(decision.next, null);
    assert.deepEqual(
      decision.reasons.map((r) => r.code),
      [
        'failedCriteria',
        'shortenScaleOutCooldownUnavailable',
        'lowerTargetValueUnavailable',
        'strengthenStepScalingUnavailable',
        'raiseMaxCapacityUnavailable',
        'nothingLeft',
      ],
    );
  });

  const invalid = [
    { name: 'iteration 0', options: { ...options, iteration: 0 } },
    { name: 'maxIterations 0', options: { ...options, maxIterations: 0 } },
    { name: 'a fractional limit', options: { ...options, maxInstancesLimit: 1.5 } },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => tunePolicies(failed, smooth, [], c.options), InvalidInputError);
    });
  }
});

describe('tunePolicies: the documented order', () => {
  it('iteration 1 of smooth traffic shortens the scale-out cooldowns 300 -> 60 s', () => {
    const decision = tunePolicies(failed, smooth, [smooth], options);
    assert.equal(decision.step, 'shortenScaleOutCooldown');
    assert.deepEqual(decision.next, {
      ...smooth,
      invocationsTargetTracking: tracking(4987, 60),
      cpuTargetTracking: tracking(110, 60),
    });
    assert.match(decision.reasons.at(-1)?.message ?? '', /from 300 s to 60 s/);
  });

  it('walks cooldown, target, step scaling, MaxCapacity over four failed iterations', () => {
    const tried: PolicySet[] = [smooth];
    let current = smooth;
    const steps: string[] = [];
    for (let iteration = 1; iteration <= 4; iteration++) {
      const decision = tunePolicies(failed, current, tried, { ...options, iteration });
      assert.ok(decision.next);
      steps.push(decision.step!);
      current = decision.next;
      tried.push(current);
    }
    assert.deepEqual(steps, [
      'shortenScaleOutCooldown',
      'lowerTargetValue',
      'strengthenStepScaling',
      'raiseMaxCapacity',
    ]);
    assert.deepEqual(current, {
      minCapacity: 1,
      maxCapacity: 12, // ceil(8 x 1.5)
      invocationsTargetTracking: tracking(4239, 60), // ceil(4987 x 0.85)
      cpuTargetTracking: tracking(93.5, 60), // 110 x 0.85
      scheduledActions: [],
      stepScaling: {
        alarmThresholdInvocationsPerInstance: 4239,
        steps: defaultSteps('sample', 4239),
        cooldownSeconds: 60,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      },
    });
  });

  it('spiky traffic already at 10 s goes on to lower the targets (and the step alarm)', () => {
    const decision = tunePolicies(failed, spiky, [spiky], options);
    assert.equal(decision.step, 'lowerTargetValue');
    assert.equal(decision.next?.invocationsTargetTracking?.targetValue, 4239);
    assert.equal(decision.next?.cpuTargetTracking?.targetValue, 93.5);
    assert.equal(decision.next?.stepScaling?.alarmThresholdInvocationsPerInstance, 4239);
    assert.equal(decision.reasons[1]?.code, 'shortenScaleOutCooldownUnavailable');
  });

  it('strengthens existing steps by doubling, capped at MaxCapacity', () => {
    const decision = tunePolicies(failed, spiky, [spiky], { ...options, iteration: 3 });
    assert.equal(decision.step, 'strengthenStepScaling');
    assert.deepEqual(
      decision.next?.stepScaling?.steps.map((s) => s.adjustment),
      [2, 6, 8],
    );
    const again = tunePolicies(failed, decision.next!, [spiky, decision.next!], { ...options, iteration: 3 });
    // +4 -> +8 is at MaxCapacity 8; +2 -> +4, +6 -> +8.
    assert.deepEqual(
      again.next?.stepScaling?.steps.map((s) => s.adjustment),
      [4, 8, 8],
    );
  });

  it('boundary: MaxCapacity is raised up to the limit, not beyond', () => {
    const nearLimit = { ...spiky, maxCapacity: 19 };
    const decision = tunePolicies(failed, nearLimit, [nearLimit], { ...options, iteration: 4 });
    assert.equal(decision.step, 'raiseMaxCapacity');
    assert.equal(decision.next?.maxCapacity, 20);
  });

  it('lowers targets at most to 70 % of the highest tried', () => {
    let current = { ...spiky, stepScaling: undefined } as PolicySet;
    const tried = [current];
    const targets: number[] = [];
    for (let i = 0; i < 5; i++) {
      const decision = tunePolicies(failed, current, tried, { ...options, iteration: 2 });
      if (decision.step !== 'lowerTargetValue') break;
      current = decision.next!;
      tried.push(current);
      targets.push(current.invocationsTargetTracking!.targetValue);
    }
    // 4987 x 0.85 = 4239; x 0.85 = 3604; then the floor ceil(4987 x 0.7) = 3491.
    assert.deepEqual(targets, [4239, 3604, 3491]);
  });

  it('never proposes a set already tried: skips to the next lever', () => {
    const shortened = tunePolicies(failed, smooth, [smooth], options).next!;
    const decision = tunePolicies(failed, smooth, [smooth, shortened], options);
    assert.equal(decision.step, 'lowerTargetValue');
    assert.equal(decision.reasons[1]?.code, 'shortenScaleOutCooldownAlreadyTried');
  });
});

describe('tunePolicies properties', () => {
  it('the next set is new, keeps 1 <= Min <= Max <= limit, and valid cooldowns and targets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(smooth, spiky),
        fc.integer({ min: 8, max: 30 }),
        (iterations, start, initial, limit) => {
          let current = initial;
          const tried = [current];
          for (let iteration = start; iteration < start + iterations; iteration++) {
            const decision = tunePolicies(failed, current, tried, {
              iteration,
              maxIterations: 20,
              maxInstancesLimit: limit,
            });
            if (!decision.next) break;
            const keys = tried.map(canonicalKey);
            assert.ok(!keys.includes(canonicalKey(decision.next)));
            assert.ok(decision.next.minCapacity >= 1);
            assert.ok(decision.next.minCapacity <= decision.next.maxCapacity);
            assert.ok(decision.next.maxCapacity <= Math.max(limit, initial.maxCapacity));
            assert.ok((decision.next.invocationsTargetTracking?.targetValue ?? 1) >= 1);
            assert.ok((decision.next.invocationsTargetTracking?.scaleOutCooldownSeconds ?? 0) >= 0);
            current = decision.next;
            tried.push(current);
          }
        },
      ),
      { numRuns: 200, seed: 41 },
    );
  });

  it('canonicalKey ignores key order and undefined members', () => {
    assert.equal(canonicalKey({ a: 1, b: { c: 2, d: undefined } }), canonicalKey({ b: { c: 2 }, a: 1 }));
    assert.notEqual(canonicalKey({ a: [1, 2] }), canonicalKey({ a: [2, 1] }));
  });
});
