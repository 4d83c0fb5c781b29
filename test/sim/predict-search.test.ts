import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ScalingRequestSchema } from '../../shared/core/request';
import { predictEvaluation, simulateEvaluationMetrics } from '../../shared/core/sim/predict';
import { simulate } from '../../shared/core/sim/results';
import {
  baselinePolicySets,
  paretoFront,
  searchCandidates,
  searchPolicies,
} from '../../shared/core/sim/search';
import { countsTraffic } from '../../shared/core/sim/traffic';
import { ANALYSIS, minutesOf, policies, tt } from './fixtures';

const request = (maxRps: number) =>
  ScalingRequestSchema.parse({
    model: { kind: 'local', demo: true },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 10, maxRps },
    latencySlo: { percentile: 'P95', ms: 1000 },
    evaluation: { initialUsers: 1, spawnRate: 1, durationSeconds: 3600 },
  });

describe('predictEvaluation', () => {
  it('passes when the fleet reaches maxRps x 60 and stops there, like MaxInvocations', () => {
    // 300 rps = 18,000/min needs 3 instances at their 6000/min peak; Max 10.
    const { verdict, simulation } = predictEvaluation({
      policySet: policies(),
      analysis: ANALYSIS,
      request: request(300),
    });
    assert.equal(verdict.passed, true, JSON.stringify(verdict.failures));
    assert.equal(simulation.stoppedEarly, true);
    assert.ok(simulation.maxInvocationsPerMinute >= 18000);
    assert.equal(verdict.targetInvocationsPerMinute, 18000);
    assert.equal(simulation.errorCount, 0);
  });

  it('fails on throughput when MaxCapacity is too small', () => {
    // Max 2 -> at most 2 x 6000 = 12,000/min against 18,000.
    const { verdict, simulation } = predictEvaluation({
      policySet: policies({ maxCapacity: 2 }),
      analysis: ANALYSIS,
      request: request(300),
    });
    assert.equal(verdict.passed, false);
    assert.deepEqual(
      verdict.failures.map((f) => f.code),
      ['throughputNotReached'],
    );
    assert.ok(Math.abs(simulation.maxInvocationsPerMinute - 12000) < 1e-6);
    assert.equal(simulation.durationSeconds, 3600);
  });

  it('serves per-minute metrics for the local Advanced job', () => {
    const m = simulateEvaluationMetrics({
      policySet: policies({ maxCapacity: 2 }),
      analysis: ANALYSIS,
      request: request(300),
      startTime: '2024-05-01T10:00:00Z',
    });
    assert.equal(m.periodSeconds, 60);
    assert.equal(m.points.length, 60);
    assert.equal(m.points[0]?.timestamp, '2024-05-01T10:00:00.000Z');
    assert.equal(m.points[59]?.instanceCount, 2);
    assert.ok((m.points[0]?.modelLatencyP95Us ?? 0) > 0);
  });
});

describe('search', () => {
  it('the default grid has 1512 candidates: 756 with step scaling on or off, 756 with a concurrency policy', () => {
    const n = searchCandidates({
      analysis: ANALYSIS,
      base: policies(),
      scenarios: [],
      latencySloMs: 100,
    }).length;
    assert.equal(n, 1512);
  });

  it("baselines: the sample's 55%, the documented rps x 0.5 x 60, static at Max", () => {
    const sample = { ...ANALYSIS, peakInvocationsPerMinute: 9068 };
    const [a, b, c] = baselinePolicySets(sample, policies({ maxCapacity: 8 }));
    assert.deepEqual(
      [
        a?.policySet.invocationsTargetTracking?.targetValue,
        a?.policySet.invocationsTargetTracking?.scaleOutCooldownSeconds,
        a?.policySet.invocationsTargetTracking?.scaleInCooldownSeconds,
      ],
      [4987, 10, 100],
    );
    assert.deepEqual(
      [
        b?.policySet.invocationsTargetTracking?.targetValue,
        b?.policySet.invocationsTargetTracking?.scaleInCooldownSeconds,
      ],
      [4534, 300],
    );
    assert.deepEqual(
      [c?.policySet.minCapacity, c?.policySet.maxCapacity, c?.policySet.invocationsTargetTracking],
      [8, 8, undefined],
    );
  });

  it('the Pareto front keeps only non-dominated outcomes', () => {
    const o = (label: string, instanceHours: number, sloAttainment: number) =>
      ({ label, instanceHours, sloAttainment }) as Parameters<typeof paretoFront>[0][number];
    assert.deepEqual(
      paretoFront([o('a', 1, 0.9), o('b', 2, 0.95), o('c', 3, 0.94), o('d', 2, 0.93)]).map((x) => x.label),
      ['a', 'b'],
    );
  });

  it('finds a cheaper policy than the static fleet that meets the SLO: step scaling catches the ramp', () => {
    // 30 min at 3000/min, a 30-minute ramp to 30,000/min (+900 a minute), 30 min there, 30 min at 3000.
    const ramp = Array.from({ length: 30 }, (_, i) => 3000 + 900 * (i + 1));
    const traffic = countsTraffic(
      [...minutesOf([30, 3000]), ...ramp, ...minutesOf([30, 30000], [30, 3000])],
      {
        stepSeconds: 60,
      },
    );
    const r = searchPolicies({
      analysis: ANALYSIS,
      base: policies({ maxCapacity: 10 }),
      scenarios: [{ name: 'ramp', traffic }],
      latencySloMs: 1000,
      sloTarget: 0.99,
      grid: {
        targetSharesOfPeak: [0.5, 0.7],
        scaleOutCooldownSeconds: [10],
        scaleInCooldownSeconds: [300],
        stepThresholdsOverTarget: [null, 1],
        minCapacityOffsets: [0],
        maxCapacityOffsets: [0],
        concurrencySharesOfPeak: [null],
      },
    });
    assert.equal(r.candidatesEvaluated, 4);
    assert.equal(r.best?.label, 'inv 50% out 10s in 300s step 1x min 1 max 10');
    assert.equal(r.best?.sloAttainment, 1);
    assert.ok(r.best.instanceHours < 14);
    // the sample's recipe and the documented start lag behind the ramp (target tracking alone)
    assert.ok(r.baselines[0]!.sloAttainment < 0.99 && r.baselines[1]!.sloAttainment < 0.99);
    assert.deepEqual([r.baselines[2]!.instanceHours, r.baselines[2]!.sloAttainment], [20, 1]);
    // oracle at the peak, by minute: 30 x 1 + ramp (3 x 1 + 7 x 2 + 6 x 3 + 7 x 4 + 7 x 5 = 98) + 30 x 5 + 30 x 1 = 308
    assert.ok(Math.abs(r.oracleAtPeak.instanceHours - 308 / 60) < 1e-9);
    assert.ok(r.front.length >= 2 && r.front.at(-1)!.sloAttainment === 1);
  });
});

describe('search over several scenarios', () => {
  it('reports a finite worst-scenario SLO attainment and finds a best with two scenarios', () => {
    const day = (start: number, base: number) =>
      countsTraffic(
        Array.from({ length: 180 }, (_, i) => base + 2000 * Math.sin(i / 20)),
        { stepSeconds: 60, startEpochSeconds: start },
      );
    const r = searchPolicies({
      analysis: ANALYSIS,
      base: policies(),
      scenarios: [
        { name: 'a', traffic: day(0, 3000) },
        { name: 'b', traffic: day(86400, 4000) },
      ],
      latencySloMs: 100,
      sloTarget: 0.99,
      grid: {
        targetSharesOfPeak: [0.5],
        scaleOutCooldownSeconds: [60],
        scaleInCooldownSeconds: [300],
        stepThresholdsOverTarget: [null],
        minCapacityOffsets: [0],
        maxCapacityOffsets: [0],
      },
    });
    for (const b of r.baselines) assert.ok(Number.isFinite(b.sloAttainment), b.label);
    assert.ok(r.best, 'a candidate meets the SLO on both scenarios');
    const worst = Math.min(...r.best.scenarios.map((s) => s.summary.sloAttainment));
    assert.equal(r.best.sloAttainment, worst);
    assert.equal(r.best.scenarios.length, 2);
  });
});

describe('properties', () => {
  const countsArb = fc.array(fc.integer({ min: 0, max: 60000 }), { minLength: 20, maxLength: 90 });

  it('capacity always stays within [Min, Max]', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 6 }),
        fc.double({ min: 0.3, max: 0.95, noNaN: true }),
        fc.constantFrom(0, 10, 300),
        fc.constantFrom(0, 100, 300),
        fc.boolean(),
        fc.array(
          fc.record({
            minute: fc.integer({ min: 0, max: 89 }),
            minCapacity: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
            maxCapacity: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
          }),
          { maxLength: 3 },
        ),
        (counts, min, extra, share, outCd, inCd, withStep, actions) => {
          const max = min + extra;
          const target = Math.floor(share * ANALYSIS.peakInvocationsPerMinute);
          // Scheduled actions change the bounds; capacity must follow the bounds in force at each
          // minute (an action's new bounds apply once the running update ends).
          const scheduledActions = actions.map((a, k) => ({
            name: `a${k}`,
            schedule: `at(${new Date(a.minute * 60_000).toISOString().slice(0, 19)})`,
            ...(a.minCapacity !== undefined ? { minCapacity: a.minCapacity } : {}),
            ...(a.maxCapacity !== undefined ? { maxCapacity: a.maxCapacity } : {}),
          }));
          const r = simulate({
            policySet: policies({
              minCapacity: min,
              maxCapacity: max,
              scheduledActions,
              invocationsTargetTracking: tt(target, outCd, inCd),
              cpuTargetTracking: tt(60, outCd, inCd),
              ...(withStep
                ? {
                    stepScaling: {
                      alarmThresholdInvocationsPerInstance: target,
                      steps: [{ lower: 0, upper: null, adjustment: 3 }],
                      cooldownSeconds: outCd,
                      evaluationPeriods: 1,
                      datapointsToAlarm: 1,
                    },
                  }
                : {}),
            }),
            analysis: ANALYSIS,
            traffic: countsTraffic(counts, { stepSeconds: 60 }),
            latencySloMs: 100,
            computePercentiles: false,
          });
          if (scheduledActions.length === 0) {
            for (let m = 0; m < counts.length; m++) {
              const n = r.state.minutes.inServiceInstances[m]!;
              const d = r.state.minutes.desiredCapacity[m]!;
              if (n < min || n > max || d < min || d > max) return false;
            }
            return r.activities.every((a) => a.toCapacity >= min && a.toCapacity <= max);
          }
          // With schedules: every activity lands within the bounds in force when it starts (the
          // bounds after every action due by then, replayed here by hand: a new Min above Max
          // raises Max to it), and the desired capacity ends within the final bounds.
          const due = actions.map((a, k) => ({ ...a, k })).sort((x, y) => x.minute - y.minute || x.k - y.k);
          const boundsAt = (seconds: number) => {
            let lo = min;
            let hi = max;
            for (const a of due) {
              if (a.minute * 60 > seconds) break;
              if (a.minCapacity !== undefined) lo = a.minCapacity;
              if (a.maxCapacity !== undefined) hi = a.maxCapacity;
              if (lo > hi) hi = lo;
            }
            return [lo, hi] as const;
          };
          const inBounds = r.activities.every((a) => {
            const [lo, hi] = boundsAt(a.epochSeconds);
            return a.toCapacity >= lo && a.toCapacity <= hi;
          });
          // the last minute boundary the run evaluates
          const [lo, hi] = boundsAt((counts.length - 1) * 60);
          const end = r.state.desired;
          const settled = r.state.update !== null || (end >= lo && end <= hi);
          return inBounds && settled;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('more capacity never lowers SLO attainment', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 15, max: 5000 }),
        (counts, n, sloMs) => {
          const at = (instances: number) =>
            simulate({
              policySet: policies({
                minCapacity: instances,
                maxCapacity: instances,
                invocationsTargetTracking: undefined,
              }),
              analysis: ANALYSIS,
              traffic: countsTraffic(counts, { stepSeconds: 60 }),
              latencySloMs: sloMs,
              computePercentiles: false,
            }).summary.sloAttainment;
          // Tolerance 1e-4 of the requests, or 5 requests when there are few within the SLO: the
          // 10 s steps approximate the FIFO waits linearly, which can move a few requests across the
          // SLO (the fluid model itself is monotone). Found by this property: 36,190 requests in one
          // minute, SLO 69 ms, gave 17.6 requests within the SLO at 3 instances and 14.0 at 4.
          const total = counts.reduce((sum, c) => sum + c, 0);
          const tolerance = Math.max(1e-4, total > 0 ? 5 / total : 0);
          return at(n + 1) >= at(n) - tolerance;
        },
      ),
      { numRuns: 150 },
    );
  });
});
