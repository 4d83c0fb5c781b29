/**
 * The stop rule (shared/core/load/stop-rule.ts): plateau and 1% errors, the decision at a period
 * boundary, and the warning of a run that ended while throughput still rose.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_STOP_RULE,
  decideAtBoundary,
  decideStop,
  endInsidePeriod,
  type PeriodOutcome,
  stillRisingAtEnd,
  stopRuleFor,
} from '../../../shared/core/load/stop-rule';

describe('stop rule: plateau or 1% errors', () => {
  const periods = (perSecond: number[], errors: number[] = []): PeriodOutcome[] =>
    perSecond.map((rate, i) => ({ invocations: rate * 5, errors: errors[i] ?? 0, coveredSeconds: 5 }));
  const cases = [
    { name: 'still rising', input: periods([100, 180, 200, 250]), stop: false, best: 3 },
    {
      name: 'flat for 3 periods after the best',
      input: periods([100, 180, 200, 205, 204, 206]),
      stop: true,
      reason: 'plateau',
      best: 2,
    },
    { name: 'flat for only 2 periods', input: periods([100, 180, 200, 205, 204]), stop: false, best: 2 },
    {
      name: '+5% exactly is not a new best (boundary)',
      input: periods([100, 200, 210, 210, 210]),
      stop: true,
      reason: 'plateau',
      best: 1,
    },
    {
      name: '+5.1% is a new best (boundary)',
      input: periods([100, 200, 210.2, 210, 210]),
      stop: false,
      best: 2,
    },
    {
      name: 'never stop on a plateau before 4 periods',
      input: periods([100, 100, 100]),
      stop: false,
      best: 0,
    },
    {
      name: 'a fall counts as flat',
      input: periods([300, 200, 100, 50]),
      stop: true,
      reason: 'plateau',
      best: 0,
    },
    // 5 of 1000 = 0.5%: fine; 10 of 1000 = 1%: stop (the Default job's 1% rule).
    { name: '0.5% errors do not stop', input: periods([200], [5]), stop: false, best: 0 },
    { name: '1% errors stop (boundary)', input: periods([200], [10]), stop: true, reason: 'errors', best: 0 },
    { name: 'an empty period does not count as errors', input: periods([0]), stop: false, best: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideStop(c.input, DEFAULT_STOP_RULE);
      assert.equal(decision.stop, c.stop);
      assert.equal(decision.reason, c.reason);
      assert.equal(decision.bestPeriodIndex, c.best);
      assert.equal(decision.reasons.length, c.stop ? 1 : 0);
    });
  }
  it('the plateau rule is off for a constant rate', () => {
    const decision = decideStop(periods([200, 200, 200, 200, 200]), {
      ...DEFAULT_STOP_RULE,
      detectPlateau: false,
    });
    assert.equal(decision.stop, false);
  });
  it('the reasons carry the numbers', () => {
    assert.match(
      decideStop(periods([200], [10]), DEFAULT_STOP_RULE).reasons[0]!.message,
      /10 of 1000 invocations failed \(1\.00% >= 1%\)/,
    );
  });
});

describe('a run that ends while throughput still rises', () => {
  // Invocations per minute of 10 s periods, as in a run on a busy machine: 1..7 paced users.
  const periods = (perMinute: number[]): PeriodOutcome[] =>
    perMinute.map((rate) => ({ invocations: rate / 6, errors: 0, coveredSeconds: 10 }));
  const cases = [
    {
      name: 'the 7th period beats the flat 6th by 15% at the end of the profile',
      perMinute: [16_000, 29_000, 42_000, 55_000, 68_000, 81_000, 93_000],
      stopReason: 'profileEnd' as const,
      expected: /still rising when the run ended \(profileEnd\): period 7 beat the best before it by 14\.8%/,
    },
    {
      name: 'the last period is the best at maxDuration',
      perMinute: [10_000, 20_000, 30_000],
      stopReason: 'maxDuration' as const,
      expected: /\(maxDuration\): period 3 beat the best before it by 50\.0%/,
    },
    {
      name: 'flat at the end: the best was earlier',
      perMinute: [40_000, 80_000, 81_000, 80_000],
      stopReason: 'profileEnd' as const,
      expected: undefined,
    },
    {
      name: 'a last period within 5% of the best is not a rise',
      perMinute: [40_000, 80_000, 83_000],
      stopReason: 'profileEnd' as const,
      expected: undefined,
    },
    {
      name: 'a plateau stop is never a rise',
      perMinute: [40_000, 80_000, 120_000],
      stopReason: 'plateau' as const,
      expected: undefined,
    },
    {
      name: 'an aborted run says nothing',
      perMinute: [40_000, 80_000],
      stopReason: 'aborted' as const,
      expected: undefined,
    },
    {
      name: 'one period is no trend',
      perMinute: [40_000],
      stopReason: 'profileEnd' as const,
      expected: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const warning = stillRisingAtEnd(periods(c.perMinute), c.stopReason);
      if (c.expected) assert.match(warning ?? '', c.expected);
      else assert.equal(warning, undefined);
    });
  }
});

describe('the decision at a period boundary', () => {
  // 10 s periods of a steady 100 invocations/s: neither errors nor (before 4 periods) a plateau.
  const steady = (count: number): PeriodOutcome[] =>
    Array.from({ length: count }, () => ({ invocations: 1000, errors: 0, coveredSeconds: 10 }));
  // +1000 invocations a period: every period a new best (the 9th beats the 8th by 12.5%), no plateau.
  const rising = (count: number): PeriodOutcome[] =>
    Array.from({ length: count }, (_, i) => ({ invocations: 1000 * (i + 1), errors: 0, coveredSeconds: 10 }));
  const cases = [
    {
      name: 'mid-run: go on',
      periodIndex: 1,
      runSeconds: 90,
      maxDurationSeconds: 90,
      periods: steady(2),
      expected: undefined,
    },
    {
      name: 'the boundary at maxDuration ends the run (boundary)',
      periodIndex: 8,
      runSeconds: 90,
      maxDurationSeconds: 90,
      periods: rising(9),
      expected: { reason: 'maxDuration', message: '90 s reached' },
    },
    {
      name: 'a shorter profile ends at its own end',
      periodIndex: 2,
      runSeconds: 30,
      maxDurationSeconds: 90,
      periods: steady(3),
      expected: { reason: 'profileEnd', message: 'the load profile ended after 30 s' },
    },
    {
      name: 'one boundary before the end: go on (boundary)',
      periodIndex: 1,
      runSeconds: 30,
      maxDurationSeconds: 90,
      periods: steady(2),
      expected: undefined,
    },
    {
      name: 'errors first, even at the last boundary',
      periodIndex: 2,
      runSeconds: 30,
      maxDurationSeconds: 90,
      periods: [...steady(2), { invocations: 1000, errors: 10, coveredSeconds: 10 }],
      expected: { reason: 'errors', message: 'period 3: 10 of 1000 invocations failed (1.00% >= 1%)' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideAtBoundary({
        periods: c.periods,
        rule: DEFAULT_STOP_RULE,
        periodIndex: c.periodIndex,
        periodSeconds: 10,
        runSeconds: c.runSeconds,
        maxDurationSeconds: c.maxDurationSeconds,
      });
      assert.deepEqual(decision, c.expected);
    });
  }
  it('a run that ends inside a period: by the time allowed or by the profile', () => {
    assert.deepEqual(endInsidePeriod(45, 90), { reason: 'profileEnd', message: 'ended after 45 s' });
    assert.deepEqual(endInsidePeriod(45, 45), { reason: 'maxDuration', message: 'ended after 45 s' });
  });
  it('the plateau rule is off for a constant open-loop rate only; overrides win', () => {
    assert.equal(
      stopRuleFor({ kind: 'openLoop', requestsPerSecond: 200, durationSeconds: 60 }).detectPlateau,
      false,
    );
    assert.equal(
      stopRuleFor({
        kind: 'openLoop',
        requestsPerSecond: 200,
        rampRequestsPerSecond: 50,
        durationSeconds: 60,
      }).detectPlateau,
      true,
    );
    assert.deepEqual(
      stopRuleFor({ kind: 'stairs', durationSeconds: 60, numberOfSteps: 6, usersPerStep: 1 }),
      DEFAULT_STOP_RULE,
    );
    assert.equal(
      stopRuleFor({ kind: 'openLoop', requestsPerSecond: 200, durationSeconds: 60 }, { detectPlateau: true })
        .detectPlateau,
      true,
    );
  });
});
