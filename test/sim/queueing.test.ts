/**
 * The instance as a queueing server: exact MVA of one server (S) and a delay (D) with closed-loop
 * users, worked out by hand from R(n) = D + S x (1 + Q(n-1)), X(n) = n / R(n), Q(n) = X(n) x (R(n) - D).
 *
 * S = 1 ms, D = 0: Q(0) = 0 -> R(1) = 1, X(1) = 1/ms, Q(1) = 1 -> R(2) = 2, X(2) = 1/ms (one
 * server saturates at once: the second user always waits one service).
 * S = 1 ms, D = 1 ms: R(1) = 2, X(1) = 0.5, Q(1) = 0.5 x 1 = 0.5
 *                     R(2) = 1 + 1.5 = 2.5, X(2) = 0.8, Q(2) = 0.8 x 1.5 = 1.2
 *                     R(3) = 1 + 2.2 = 3.2, X(3) = 0.9375, Q(3) = 0.9375 x 2.2 = 2.0625
 *                     R(4) = 1 + 3.0625 = 4.0625, X(4) = 4 / 4.0625 = 0.984615
 * 1.5 users (spread over instances): X = 0.5 + 0.5 x (0.8 - 0.5) = 0.65, R = 1.5 / 0.65 = 2.307692.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../shared/core/errors';
import { predictClosedLoopStep } from '../../shared/core/sim/calibration';
import {
  closedLoopKnots,
  closedLoopMva,
  deriveServiceModel,
  EXPONENTIAL_WAIT_P95_RATIO,
  type ServiceModel,
} from '../../shared/core/sim/queueing';
import type { BenchmarkAnalysis } from '../../shared/core/types';

function model(serviceMs: number, delayMs: number): ServiceModel {
  return {
    serviceMs,
    delayMs,
    base: { p50Ms: 1, p95Ms: 2, p99Ms: 3 },
    wait: { p95Ratio: 3, p99Ratio: 4.6, source: 'setting' },
    responseMs: [0],
    queue: [0],
  };
}

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not ${expected} +- ${tolerance}`,
  );

describe('closedLoopMva', () => {
  const cases = [
    { name: 'S 1, D 0, 1 user: no queueing', s: 1, d: 0, users: 1, r: 1, x: 1 },
    { name: 'S 1, D 0, 2 users: saturated, one service of wait', s: 1, d: 0, users: 2, r: 2, x: 1 },
    { name: 'S 1, D 0, 8 users', s: 1, d: 0, users: 8, r: 8, x: 1 },
    { name: 'S 1, D 1, 1 user', s: 1, d: 1, users: 1, r: 2, x: 0.5 },
    { name: 'S 1, D 1, 2 users', s: 1, d: 1, users: 2, r: 2.5, x: 0.8 },
    { name: 'S 1, D 1, 3 users', s: 1, d: 1, users: 3, r: 3.2, x: 0.9375 },
    { name: 'S 1, D 1, 4 users', s: 1, d: 1, users: 4, r: 4.0625, x: 0.984615 },
    { name: 'S 1, D 1, 1.5 users: X interpolated', s: 1, d: 1, users: 1.5, r: 2.307692, x: 0.65 },
    { name: 'S 1, D 1, 0.5 user: X between 0 and X(1)', s: 1, d: 1, users: 0.5, r: 2, x: 0.25 },
    { name: 'boundary: no user', s: 1, d: 1, users: 0, r: 0, x: 0 },
    { name: 'past the table (4096 users): R = n x S', s: 0.5, d: 1, users: 5000, r: 2500, x: 2 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const result = closedLoopMva(model(c.s, c.d), c.users);
      near(result.responseMs, c.r, 1e-6, 'R ms');
      near(result.throughputPerMs, c.x, 1e-6, 'X per ms');
    });

  it('is monotone: more users never lower throughput nor response time', () => {
    const m = model(0.48, 0.07);
    let previous = closedLoopMva(m, 0.25);
    for (let users = 0.5; users <= 64; users += 0.25) {
      const now = closedLoopMva(m, users);
      assert.ok(now.throughputPerMs >= previous.throughputPerMs - 1e-12, `X at ${users}`);
      assert.ok(now.responseMs >= previous.responseMs - 1e-12, `R at ${users}`);
      assert.ok(now.throughputPerMs <= 1 / 0.48 + 1e-12, `X at ${users} above 1 / S`);
      previous = now;
    }
  });
});

describe('closedLoopKnots', () => {
  it('adds the wait R - (D + S) shaped by the ratios; the wait knots average the wait', () => {
    // S 1, D 1, R 4: wait 2 ms; p50 ratio (1 - 0.24 x 3 - 0.035 x 4.6) / 0.475 = 0.250526
    const knots = Array.from(closedLoopKnots(model(1, 1), 4, new Float64Array(5)));
    const expected = [0.5, 1 + 2 * 0.250526, 2 + 6, 3 + 9.2, 4 + 2 * (9.2 - 3)];
    for (const [i, k] of knots.entries()) near(k, expected[i]!, 1e-5, `knot ${i}`);
    const waitKnots = knots.map((k, i) => k - [0.5, 1, 2, 3, 4][i]!);
    const waitMean =
      0.25 * (waitKnots[0]! + waitKnots[1]!) +
      0.225 * (waitKnots[1]! + waitKnots[2]!) +
      0.02 * (waitKnots[2]! + waitKnots[3]!) +
      0.005 * (waitKnots[3]! + waitKnots[4]!);
    near(waitMean, 2, 1e-5, 'mean wait');
  });
  it('boundary: a response at D + S adds no wait', () => {
    assert.deepEqual(Array.from(closedLoopKnots(model(1, 1), 2, new Float64Array(5))), [0.5, 1, 2, 3, 4]);
  });
});

const ANALYSIS: BenchmarkAnalysis = {
  instanceType: 'local',
  vcpus: 1,
  periodSeconds: 10,
  peakInvocationsPerMinute: 12000,
  peakTimestamp: '2024-01-01T00:00:00.000Z',
  latencyAtPeak: { avgMs: 20, p95Ms: 40, p99Ms: 60 },
  cpuFit: { slopePercentPerInvocationPerMinute: 0.008, interceptPercent: 2, rSquared: 1, sampleCount: 4 },
  bottleneck: 'cpu',
  latencyCurve: [
    { invocationsPerMinute: 12000, avgMs: 20, p50Ms: 18, p95Ms: 40, p99Ms: 60 },
    { invocationsPerMinute: 3000, avgMs: 10, p50Ms: 8, p95Ms: 16, p99Ms: 24 },
  ],
  reasons: [],
};
const OFF = { serviceTimeMs: null, fixedDelayMs: null, waitP95ToMeanRatio: null, waitP99ToMeanRatio: null };

describe('deriveServiceModel', () => {
  it('S = 60,000 / peak, D = lowest-load average - S, wait ratios from the curve', () => {
    // S = 60,000 / 12,000 = 5 ms; D = 10 - 5 = 5 ms; the average grows 10 ms from 3000 to
    // 12,000/min, the p95 24 ms and the p99 36 ms: ratios 2.4 and 3.6.
    const m = deriveServiceModel(ANALYSIS, OFF);
    assert.deepEqual(
      { s: m.serviceMs, d: m.delayMs, base: m.base, wait: m.wait },
      {
        s: 5,
        d: 5,
        base: { p50Ms: 8, p95Ms: 16, p99Ms: 24 },
        wait: { p95Ratio: 2.4, p99Ratio: 3.6, source: 'calibrationCurve' },
      },
    );
  });
  it('boundary: D is floored at 0 when the lowest-load average is below S', () => {
    const m = deriveServiceModel(ANALYSIS, { ...OFF, serviceTimeMs: 12 });
    assert.equal(m.delayMs, 0);
  });
  it('a curve without queueing (one point) falls back to exponential waits', () => {
    const m = deriveServiceModel({ ...ANALYSIS, latencyCurve: [ANALYSIS.latencyCurve[1]!] }, OFF);
    assert.equal(m.wait.source, 'exponential');
    near(m.wait.p95Ratio, EXPONENTIAL_WAIT_P95_RATIO, 1e-12, 'p95 ratio');
  });
  it('settings override the derived values', () => {
    const m = deriveServiceModel(ANALYSIS, {
      serviceTimeMs: 4,
      fixedDelayMs: 1,
      waitP95ToMeanRatio: 2,
      waitP99ToMeanRatio: null,
    });
    assert.deepEqual(
      { s: m.serviceMs, d: m.delayMs, wait: m.wait },
      { s: 4, d: 1, wait: { p95Ratio: 2, p99Ratio: 3.6, source: 'setting' } },
    );
  });
  it('throws InvalidInputError without a peak', () => {
    assert.throws(
      () => deriveServiceModel({ ...ANALYSIS, peakInvocationsPerMinute: 0 }, OFF),
      InvalidInputError,
    );
  });
});

describe('the twin with the queueing model (predictClosedLoopStep)', () => {
  // S 5 ms, D 5 ms, wait ratios 2.4 / 3.6, base p95 16 ms.
  // 1 user: R = 10 ms, X = 100/s = 6000/min, no wait: p95 16 ms.
  // 2 users: Q(1) = 0.1 x 5 = 0.5, R = 5 + 5 x 1.5 = 12.5 ms, X = 160/s = 9600/min;
  //          wait 2.5 ms: p95 16 + 2.4 x 2.5 = 22 ms.
  // 4 users: Q(2) = 0.16 x 7.5 = 1.2, R(3) = 5 + 11 = 16, X(3) = 0.1875, Q(3) = 0.1875 x 11 = 2.0625,
  //          R(4) = 5 + 5 x 3.0625 = 20.3125 ms, X = 196.92/s = 11,815.4/min; wait 10.3125 ms:
  //          p95 16 + 24.75 = 40.75 ms.
  const cases = [
    { users: 1, perMinute: 6000, p95Ms: 16 },
    { users: 2, perMinute: 9600, p95Ms: 22 },
    { users: 4, perMinute: 11815.38, p95Ms: 40.75 },
  ];
  for (const c of cases)
    it(`${c.users} user(s)`, () => {
      const predicted = predictClosedLoopStep(ANALYSIS, c.users);
      near(predicted.invocationsPerMinute, c.perMinute, 0.01, 'invocations/min');
      // p95 comes from a bisection accurate to 0.1%
      near(predicted.p95Ms, c.p95Ms, 0.001 * c.p95Ms + 1e-6, 'p95 ms');
    });
});
