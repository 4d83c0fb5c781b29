/**
 * Target tracking on the high-resolution SageMakerVariantConcurrentRequestsPerModelHighResolution:
 * the twin's 10-second datapoints (concurrent requests per instance by Little's law), its alarms
 * (3 of 3 within 30 s; 90 of 90 within 15 min below 0.9 x target), and the exact request,
 * validated by botocore.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScalingRequests } from '../../shared/core/policies';
import { neighbours } from '../../shared/core/sim/holdout';
import { simulate } from '../../shared/core/sim/results';
import {
  closedLoopOracleInstanceHours,
  concurrencyAtShareOfPeak,
  searchCandidates,
  searchPolicies,
} from '../../shared/core/sim/search';
import { countsTraffic, phasesTraffic } from '../../shared/core/sim/traffic';
import { validateContractRecords } from '../contract/botocore';
import { AWS_SAMPLE_ANALYSIS } from '../fixtures/aws-sample';
import { ANALYSIS, policies, tt } from './fixtures';

/** Per-minute counts: `low` for `before` minutes, `high` for `during`, `low` for `after`. */
function burst(low: number, high: number, before: number, during: number, after: number) {
  return countsTraffic([...Array(before).fill(low), ...Array(during).fill(high), ...Array(after).fill(low)], {
    stepSeconds: 60,
  });
}

const concurrencyOnly = (target: number, overrides = {}) =>
  policies({ invocationsTargetTracking: undefined, concurrencyTargetTracking: tt(target), ...overrides });

describe('concurrency target tracking in the twin', () => {
  it('records concurrent requests per instance every 10 s: answered per second x latency, over the instances', () => {
    // 3000/min on 1 instance = 50 rps; the twin's mean latency there (its quantile model through
    // p50 15, p95 30, p99 45 ms) is about 17.8 ms: 0.89 requests in flight
    const r = simulate({
      policySet: concurrencyOnly(5),
      analysis: ANALYSIS,
      traffic: burst(3000, 3000, 10, 0, 0),
      latencySloMs: 100,
    });
    const series = r.state.highResolution.concurrencyPerInstance;
    assert.equal(series.length, 60);
    const littlesLaw = (3000 / 60) * (r.state.minutes.avgLatencyMs[0]! / 1000);
    assert.ok(littlesLaw > 0.75 && littlesLaw < 1, `${littlesLaw}`);
    for (const value of series) assert.ok(Math.abs(value - littlesLaw) < 1e-9, `${value}`);
    assert.ok(r.state.highResolution.inServiceInstances.every((n) => n === 1));
  });

  it('keeps no 10-second series without a concurrency policy', () => {
    const r = simulate({
      policySet: policies(),
      analysis: ANALYSIS,
      traffic: burst(3000, 3000, 5, 0, 0),
      latencySloMs: 100,
    });
    assert.equal(r.state.highResolution.concurrencyPerInstance.length, 0);
  });

  it('scales out 40 s after a burst starts (3 datapoints of 10 s, published 10 s late), 200 s before InvocationsPerInstance', () => {
    const traffic = burst(1500, 15000, 10, 20, 0);
    const fast = simulate({ policySet: concurrencyOnly(1), analysis: ANALYSIS, traffic, latencySloMs: 100 });
    const slow = simulate({ policySet: policies(), analysis: ANALYSIS, traffic, latencySloMs: 100 });
    assert.equal(fast.activities[0]!.epochSeconds, 640);
    assert.equal(fast.activities[0]!.cause, 'concurrencyTargetTracking');
    assert.match(fast.activities[0]!.reason, /for 3 of 3 datapoints/);
    // standard resolution: 3 one-minute datapoints, the last one visible 60 s after its minute
    assert.equal(slow.activities[0]!.epochSeconds, 840);
    assert.ok(fast.summary.sloAttainment > slow.summary.sloAttainment);
  });

  it('boundary: the publication delay is a setting (30 s -> 20 s later)', () => {
    const r = simulate({
      policySet: concurrencyOnly(1),
      analysis: ANALYSIS,
      traffic: burst(1500, 15000, 10, 20, 0),
      latencySloMs: 100,
      settings: { highResolutionMetricDelaySeconds: 30 },
    });
    assert.equal(r.activities[0]!.epochSeconds, 660);
  });

  it('scales in only after 90 of 90 datapoints (15 minutes) below 0.9 x target', () => {
    // 4 instances at Min 4, Min dropped by nothing: start at 4 with Min 1 and a quiet load
    const r = simulate({
      policySet: concurrencyOnly(1),
      analysis: ANALYSIS,
      traffic: burst(600, 600, 30, 0, 0),
      latencySloMs: 100,
      initialInstances: 4,
    });
    const scaleIn = r.activities.find((a) => a.toCapacity < a.fromCapacity)!;
    assert.match(scaleIn.reason, /for 90 of 90 datapoints/);
    // 90 periods [0, 900 s) are visible at 910 s, the first 10-second boundary after that
    assert.equal(scaleIn.epochSeconds, 910);
  });

  it('boundary: scale-in disabled leaves the scale-in to the other policies (none here)', () => {
    const r = simulate({
      policySet: concurrencyOnly(1, {
        concurrencyTargetTracking: { ...tt(1), disableScaleIn: true },
      }),
      analysis: ANALYSIS,
      traffic: burst(600, 600, 30, 0, 0),
      latencySloMs: 100,
      initialInstances: 4,
    });
    assert.deepEqual(r.activities, []);
  });

  it('refuses a step that does not divide the 10-second datapoints, and accepts 5 s', () => {
    const spec = {
      policySet: concurrencyOnly(1),
      analysis: ANALYSIS,
      traffic: burst(1500, 1500, 2, 0, 0),
      latencySloMs: 100,
    };
    assert.throws(() => simulate({ ...spec, settings: { stepSeconds: 15 } }), {
      name: 'InvalidInputError',
      message: /10 s datapoints need stepSeconds \(15\) to divide them/,
    });
    assert.ok(simulate({ ...spec, settings: { stepSeconds: 5 } }).summary.requests > 0);
  });
});

describe('concurrency target tracking request', () => {
  const target = { endpointName: 'ep-1', variantName: 'AllTraffic' };
  const set = policies({ concurrencyTargetTracking: { ...tt(1.5, 60, 900), disableScaleIn: true } });

  it('is a PutScalingPolicy on the predefined high-resolution metric, after the invocations policy', () => {
    const requests = buildScalingRequests(target, set).putScalingPolicies;
    assert.equal(requests.length, 2);
    assert.deepEqual(requests[1], {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/ep-1/variant/AllTraffic',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      PolicyName: 'scaleplan-ep-1-AllTraffic-concurrency-target-tracking',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 1.5,
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution',
        },
        ScaleOutCooldown: 60,
        ScaleInCooldown: 900,
        DisableScaleIn: true,
      },
    });
  });

  it('boundary: a target of 0 is refused', () => {
    assert.throws(() => buildScalingRequests(target, policies({ concurrencyTargetTracking: tt(0) })), {
      name: 'InvalidInputError',
      message: /TargetValue must be > 0/,
    });
  });

  it('passes botocore validation of PutScalingPolicy', (t) => {
    const outcome = validateContractRecords(
      buildScalingRequests(target, set).putScalingPolicies.map((input) => ({
        service: 'application-autoscaling',
        operation: 'PutScalingPolicy',
        input,
      })),
    );
    if (outcome.status === 'skipped') return t.skip(outcome.reason);
    assert.equal(outcome.results.length, 2);
    for (const r of outcome.results) assert.deepEqual(r.errors, [], JSON.stringify(r.record.input));
  });
});

describe('concurrency candidates in the search', () => {
  const input = { analysis: ANALYSIS, base: policies(), scenarios: [], latencySloMs: 100 };

  it("concurrencyAtShareOfPeak is the twin's steady datapoint at that share of the peak", () => {
    const r = simulate({
      policySet: concurrencyOnly(5),
      analysis: ANALYSIS,
      traffic: burst(3000, 3000, 3, 0, 0),
      latencySloMs: 100,
    });
    const measured = r.state.highResolution.concurrencyPerInstance[5]!;
    assert.ok(Math.abs(concurrencyAtShareOfPeak(ANALYSIS, 0.5) - measured) <= 0.005, `${measured}`);
    // boundary: never 0, the request would be refused
    assert.equal(concurrencyAtShareOfPeak(ANALYSIS, 0), 0.01);
  });

  it('the default grid pairs InvocationsPerInstance with a scale-out-only concurrency policy at 70%, 80% and 90% of the peak, step off', () => {
    const withConcurrency = searchCandidates(input).filter((c) => c.policySet.concurrencyTargetTracking);
    assert.equal(withConcurrency.length, 7 * 3 * 3 * 3 * 2 * 2);
    const targets = new Set(withConcurrency.map((c) => c.policySet.concurrencyTargetTracking!.targetValue));
    assert.deepEqual(
      [...targets],
      [0.7, 0.8, 0.9].map((share) => concurrencyAtShareOfPeak(ANALYSIS, share)),
    );
    for (const c of withConcurrency) {
      const conc = c.policySet.concurrencyTargetTracking!;
      const inv = c.policySet.invocationsTargetTracking!;
      assert.equal(c.policySet.stepScaling, undefined);
      assert.equal(conc.disableScaleIn, true);
      assert.equal(conc.scaleOutCooldownSeconds, inv.scaleOutCooldownSeconds);
      assert.match(c.label, /conc \d+(\.\d+)? \((70|80|90)%\)/);
    }
  });

  it('boundary: concurrencySharesOfPeak [null] leaves the grid without concurrency policies', () => {
    const grid = { concurrencySharesOfPeak: [null] };
    assert.equal(
      searchCandidates({ ...input, grid }).filter((c) => c.policySet.concurrencyTargetTracking).length,
      0,
    );
    assert.equal(searchCandidates({ ...input, grid }).length, 756);
  });

  it('the refinement moves the concurrency target by 5% and 10% and its scale-out cooldown one notch', () => {
    const set = policies({ concurrencyTargetTracking: { ...tt(1.5, 300, 300), disableScaleIn: true } });
    const moved = neighbours(set, ANALYSIS.peakInvocationsPerMinute)
      .filter((n) => n.invocationsTargetTracking === set.invocationsTargetTracking)
      .map((n) => [
        n.concurrencyTargetTracking!.targetValue,
        n.concurrencyTargetTracking!.scaleOutCooldownSeconds,
      ]);
    assert.deepEqual(moved, [
      [1.35, 300],
      [1.43, 300],
      [1.58, 300],
      [1.65, 300],
      [1.5, 180],
      [1.5, 450],
    ]);
  });
});

describe('the oracle of closed-loop users', () => {
  // AWS sample's ml.c5.large: 6.6 ms a request and no fixed delay, so n users on one instance
  // answer in n x 6.6 ms; 5 users on one get 98.1% within 100 ms, 2.5 users on each of two 100%.
  const constantUsers = (users: number, minutes: number) =>
    phasesTraffic({
      phases: [{ initialUsers: users, spawnRatePerMinute: 0, durationSeconds: minutes * 60 }],
    });
  const oracle = (users: number, sloTarget: number) =>
    closedLoopOracleInstanceHours(constantUsers(users, 60), {
      analysis: AWS_SAMPLE_ANALYSIS,
      latencySloMs: 100,
      sloTarget,
    });

  for (const [users, sloTarget, instances] of [
    [1, 0.999, 1],
    [5, 0.98, 1],
    [5, 0.999, 2],
    [10, 0.999, 3],
  ] as const)
    it(`${users} users, ${sloTarget * 100}% within 100 ms: ${instances} instance(s) all hour`, () => {
      assert.ok(Math.abs(oracle(users, sloTarget) - instances) < 1e-9, `${oracle(users, sloTarget)}`);
    });

  it("stays below the search's best and is the same at every target (users fill any fleet)", () => {
    // IR's 1 + 1/min users for 30 minutes; the earlier oracle divided the base fleet's own
    // throughput by the target, 12.07 h against a static fleet's 8 h on the sample's hour
    const r = searchPolicies({
      analysis: ANALYSIS,
      base: policies({ maxCapacity: 10 }),
      scenarios: [
        {
          name: 'phases',
          traffic: phasesTraffic({
            phases: [{ initialUsers: 1, spawnRatePerMinute: 1, durationSeconds: 1800 }],
          }),
        },
      ],
      latencySloMs: 100,
      sloTarget: 0.99,
      grid: {
        targetSharesOfPeak: [0.5, 0.9],
        scaleOutCooldownSeconds: [60],
        scaleInCooldownSeconds: [300],
        stepThresholdsOverTarget: [null],
        minCapacityOffsets: [0],
        maxCapacityOffsets: [0],
      },
    });
    assert.ok(r.best);
    assert.ok(r.oracleAtPeak.instanceHours <= r.best.instanceHours, `${r.oracleAtPeak.instanceHours}`);
    assert.equal(r.oracle.instanceHours, r.oracleAtPeak.instanceHours);
    assert.ok(r.oracleAtPeak.instanceHours <= r.baselines[2]!.instanceHours);
  });
});
