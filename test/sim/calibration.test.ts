/**
 * The twin against measured closed-loop steps, worked out by hand.
 *
 * Analysis: one instance serves at most 12,000 invocations/min (200 rps); its latency curve is
 * flat at p50/p95/p99 8/16/24 ms. The twin's quantile function has knots 4, 8, 16, 24, 32 ms at
 * q = 0, 0.5, 0.95, 0.99, 1, so its mean latency is
 *   0.5 x (4 + 8) / 2 + 0.45 x (8 + 16) / 2 + 0.04 x (16 + 24) / 2 + 0.01 x (24 + 32) / 2 = 9.48 ms.
 * - 1 user: 200 rps x 9.48 ms = 1.896 users are needed to saturate, so X = 1 / 9.48 ms
 *   = 105.485 rps = 6329.11/min, p95 16 ms.
 * - 2 users (>= 1.896): saturated at 12,000/min; Little's law: 2 / 200 rps = 10 ms in the system,
 *   10 - 9.48 = 0.52 ms of queueing added to every knot: p95 16.52 ms.
 * - 4 users: 20 ms in the system, 10.52 ms of queueing: p95 26.52 ms, 12,000/min.
 * p95 comes from a bisection accurate to 0.1%, hence the 0.02 ms tolerance on latencies.
 *
 * These numbers are those of the latency-curve closed loop (`closedLoopModel: 'latencyCurve'`),
 * kept as a setting; the default queueing model is worked out in queueing.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../shared/core/errors';
import {
  compareTwinWithBenchmark,
  type MeasuredClosedLoopStep,
  predictClosedLoopStep,
} from '../../shared/core/sim/calibration';
import type { BenchmarkAnalysis } from '../../shared/core/types';

const ANALYSIS: BenchmarkAnalysis = {
  instanceType: 'local',
  vcpus: 1,
  periodSeconds: 10,
  peakInvocationsPerMinute: 12000,
  peakTimestamp: '2024-01-01T00:00:00.000Z',
  latencyAtPeak: { avgMs: 10, p95Ms: 16, p99Ms: 24 },
  cpuFit: { slopePercentPerInvocationPerMinute: 0.008, interceptPercent: 2, rSquared: 1, sampleCount: 4 },
  bottleneck: 'cpu',
  latencyCurve: [{ invocationsPerMinute: 12000, avgMs: 10, p50Ms: 8, p95Ms: 16, p99Ms: 24 }],
  reasons: [],
};

/** The closed loop these hand-worked numbers are for. */
const CURVE_MODEL = { settings: { closedLoopModel: 'latencyCurve' as const } };

const ONE_USER_PER_MINUTE = 60000 / 9.48; // 6329.11

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not ${expected} +- ${tolerance}`,
  );

describe('predictClosedLoopStep', () => {
  const cases = [
    { name: '1 user: below saturation, X = users / mean latency', users: 1, perMinute: 6329.11, p95Ms: 16 },
    {
      name: 'boundary: 2 users, just past the 1.896 that saturate',
      users: 2,
      perMinute: 12000,
      p95Ms: 16.52,
    },
    { name: '4 users: saturated, queueing by Little', users: 4, perMinute: 12000, p95Ms: 26.52 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const predicted = predictClosedLoopStep(ANALYSIS, c.users, CURVE_MODEL);
      near(predicted.invocationsPerMinute, c.perMinute, 0.01, 'invocations/min');
      near(predicted.p95Ms, c.p95Ms, 0.02, 'p95 ms');
    });
});

describe('compareTwinWithBenchmark', () => {
  const cases: {
    name: string;
    measured: MeasuredClosedLoopStep[];
    /** Signed relative errors per step, throughput then p95. */
    errors: [number, number][];
    throughput: { median: number; max: number; worstUsers: number; withinGoal: boolean };
    p95: { median: number; max: number; worstUsers: number; withinGoal: boolean };
  }[] = [
    {
      name: 'the twin exactly right',
      measured: [
        { users: 1, invocationsPerMinute: ONE_USER_PER_MINUTE, p95Ms: 16 },
        { users: 4, invocationsPerMinute: 12000, p95Ms: 26.52 },
      ],
      errors: [
        [0, 0],
        [0, 0],
      ],
      throughput: { median: 0, max: 0, worstUsers: 1, withinGoal: true },
      p95: { median: 0, max: 0, worstUsers: 1, withinGoal: true },
    },
    {
      name: 'mixed: optimistic at 1 and 4 users, pessimistic on p95 at 2',
      // 1: (6329.11 - 6000) / 6000 = +5.49%; 2: p95 (16.52 - 14) / 14 = +18%;
      // 4: (12000 - 10000) / 10000 = +20%, p95 (26.52 - 30) / 30 = -11.6%.
      measured: [
        { users: 1, invocationsPerMinute: 6000, p95Ms: 16 },
        { users: 2, invocationsPerMinute: 12000, p95Ms: 14 },
        { users: 4, invocationsPerMinute: 10000, p95Ms: 30 },
      ],
      errors: [
        [0.05485, 0],
        [0, 0.18],
        [0.2, -0.116],
      ],
      throughput: { median: 0.05485, max: 0.2, worstUsers: 4, withinGoal: false },
      p95: { median: 0.116, max: 0.18, worstUsers: 2, withinGoal: false },
    },
    {
      name: 'even count: the median is the mean of the two middle errors',
      // 1 user measured 7000: (6329.11 - 7000) / 7000 = -9.58%; 2 users exact.
      measured: [
        { users: 1, invocationsPerMinute: 7000, p95Ms: 16 },
        { users: 2, invocationsPerMinute: 12000, p95Ms: 16.52 },
      ],
      errors: [
        [-0.09584, 0],
        [0, 0],
      ],
      throughput: { median: 0.04792, max: 0.09584, worstUsers: 1, withinGoal: true },
      p95: { median: 0, max: 0, worstUsers: 1, withinGoal: true },
    },
    {
      name: 'boundary: throughput just inside 15% (12000 / 10435 - 1 = 14.998%), p95 at 14.5%',
      // p95: 16.52 / 1.145 = 14.428 ms measured.
      measured: [{ users: 2, invocationsPerMinute: 10435, p95Ms: 16.52 / 1.145 }],
      errors: [[0.14998, 0.145]],
      throughput: { median: 0.14998, max: 0.14998, worstUsers: 2, withinGoal: true },
      p95: { median: 0.145, max: 0.145, worstUsers: 2, withinGoal: true },
    },
    {
      name: 'boundary: throughput just outside 15% (12000 / 10430 - 1 = 15.053%), p95 at 15.5%',
      measured: [{ users: 2, invocationsPerMinute: 10430, p95Ms: 16.52 / 1.155 }],
      errors: [[0.15053, 0.155]],
      throughput: { median: 0.15053, max: 0.15053, worstUsers: 2, withinGoal: false },
      p95: { median: 0.155, max: 0.155, worstUsers: 2, withinGoal: false },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      // Act
      const report = compareTwinWithBenchmark(ANALYSIS, c.measured, CURVE_MODEL);
      // Assess
      assert.equal(report.goal, 0.15);
      assert.deepEqual(
        report.steps.map((s) => s.users),
        c.measured.map((m) => m.users),
      );
      report.steps.forEach((s, i) => {
        near(s.throughputRelativeError, c.errors[i]![0], 1e-4, `step ${i + 1} throughput error`);
        near(s.p95RelativeError, c.errors[i]![1], 2e-3, `step ${i + 1} p95 error`);
        assert.deepEqual(s.measured, {
          invocationsPerMinute: c.measured[i]!.invocationsPerMinute,
          p95Ms: c.measured[i]!.p95Ms,
        });
      });
      near(report.throughput.medianAbsRelativeError, c.throughput.median, 1e-4, 'throughput median');
      near(report.throughput.maxAbsRelativeError, c.throughput.max, 1e-4, 'throughput max');
      assert.equal(report.throughput.worstUsers, c.throughput.worstUsers);
      assert.equal(report.throughput.withinGoal, c.throughput.withinGoal);
      near(report.p95.medianAbsRelativeError, c.p95.median, 2e-3, 'p95 median');
      near(report.p95.maxAbsRelativeError, c.p95.max, 2e-3, 'p95 max');
      if (c.p95.max > 0) assert.equal(report.p95.worstUsers, c.p95.worstUsers);
      assert.equal(report.p95.withinGoal, c.p95.withinGoal);
      assert.deepEqual(
        report.reasons.map((r) => r.code),
        [
          c.throughput.withinGoal ? 'throughputWithinGoal' : 'throughputOffGoal',
          c.p95.withinGoal ? 'p95WithinGoal' : 'p95OffGoal',
        ],
      );
    });

  it('a wider goal passes what 15% fails', () => {
    const report = compareTwinWithBenchmark(
      ANALYSIS,
      [{ users: 4, invocationsPerMinute: 10000, p95Ms: 30 }],
      { ...CURVE_MODEL, goal: 0.25 },
    );
    assert.equal(report.goal, 0.25);
    assert.equal(report.throughput.withinGoal, true);
    assert.equal(report.p95.withinGoal, true);
  });

  const invalid: { name: string; measured: MeasuredClosedLoopStep[]; goal?: number }[] = [
    { name: 'no step', measured: [] },
    { name: 'zero users', measured: [{ users: 0, invocationsPerMinute: 100, p95Ms: 1 }] },
    { name: 'zero throughput', measured: [{ users: 1, invocationsPerMinute: 0, p95Ms: 1 }] },
    { name: 'zero p95', measured: [{ users: 1, invocationsPerMinute: 100, p95Ms: 0 }] },
    { name: 'NaN p95', measured: [{ users: 1, invocationsPerMinute: 100, p95Ms: Number.NaN }] },
    { name: 'goal 0', measured: [{ users: 1, invocationsPerMinute: 100, p95Ms: 1 }], goal: 0 },
  ];
  for (const c of invalid)
    it(`rejects ${c.name} with InvalidInputError`, () =>
      assert.throws(
        () =>
          compareTwinWithBenchmark(
            ANALYSIS,
            c.measured,
            c.goal === undefined ? CURVE_MODEL : { ...CURVE_MODEL, goal: c.goal },
          ),
        InvalidInputError,
      ));
});
