import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../shared/core/errors';
import { type JudgeCriteria, judgeEvaluation } from '../../shared/core/judge';
import type { EvaluationMetrics, EvaluationPoint } from '../../shared/core/types';

const criteria: JudgeCriteria = {
  maxRps: 500,
  latencySlo: { percentile: 'P95', ms: 10_000 },
  allowedErrorRate: 0,
};

function metricsOf(
  invocations: number[],
  overrides: Record<number, Partial<EvaluationPoint>> = {},
  periodSeconds = 60,
): EvaluationMetrics {
  return {
    periodSeconds,
    points: invocations.map((n, i) => ({
      timestamp: new Date(Date.UTC(2026, 0, 1, 1, i)).toISOString(),
      invocations: n,
      invocation4xxErrors: 0,
      invocation5xxErrors: 0,
      modelLatencyP95Us: 5_000,
      ...overrides[i],
    })),
  };
}

describe('judgeEvaluation', () => {
  it('the AWS sample evaluation passes: 39783/min against 30000 (500 rps x 60)', () => {
    const verdict = judgeEvaluation(metricsOf([5000, 20000, 39783, 31000]), criteria);
    assert.equal(verdict.passed, true);
    assert.equal(verdict.maxInvocationsPerMinute, 39783);
    assert.equal(verdict.targetInvocationsPerMinute, 30000);
    assert.equal(verdict.errorRate, 0);
    assert.equal(verdict.worstLatencyMs, 5);
    assert.deepEqual(verdict.failures, []);
    assert.deepEqual(
      verdict.reasons.map((r) => r.code),
      ['passed', 'throughputReached', 'errorsWithinLimit', 'latencyWithinSlo'],
    );
  });

  const cases: {
    name: string;
    invocations: number[];
    overrides?: Record<number, Partial<EvaluationPoint>>;
    criteria?: Partial<JudgeCriteria>;
    periodSeconds?: number;
    passed: boolean;
    failures?: { code: string; observed: number; limit: number }[];
  }[] = [
    { name: 'boundary: exactly 30000/min reaches the target', invocations: [30000], passed: true },
    {
      name: 'boundary: 29999/min falls short by one',
      invocations: [29999],
      passed: false,
      failures: [{ code: 'throughputNotReached', observed: 29999, limit: 30000 }],
    },
    {
      name: '30 s periods count per minute (15000 x 2)',
      invocations: [15000],
      periodSeconds: 30,
      passed: true,
    },
    {
      name: 'boundary: one error fails when no error is allowed',
      invocations: [30000, 20000],
      overrides: { 1: { invocation5xxErrors: 1 } },
      passed: false,
      failures: [{ code: 'errorRateExceeded', observed: 0.00002, limit: 0 }],
    },
    {
      name: 'boundary: an error rate equal to the allowed one passes',
      invocations: [30000, 20000],
      overrides: { 1: { invocation4xxErrors: 250, invocation5xxErrors: 250 } },
      criteria: { allowedErrorRate: 0.01 },
      passed: true,
    },
    {
      name: 'just over the allowed error rate fails',
      invocations: [30000, 20000],
      overrides: { 1: { invocation4xxErrors: 251, invocation5xxErrors: 250 } },
      criteria: { allowedErrorRate: 0.01 },
      passed: false,
      failures: [{ code: 'errorRateExceeded', observed: 0.01002, limit: 0.01 }],
    },
    {
      name: 'boundary: P95 exactly at the SLO passes',
      invocations: [30000],
      overrides: { 0: { modelLatencyP95Us: 10_000_000 } },
      passed: true,
    },
    {
      name: 'P95 1 µs above the SLO fails',
      invocations: [30000],
      overrides: { 0: { modelLatencyP95Us: 10_000_001 } },
      passed: false,
      failures: [{ code: 'latencySloExceeded', observed: 10_000.001, limit: 10_000 }],
    },
    {
      name: 'a P99 SLO reads P99',
      invocations: [30000],
      overrides: { 0: { modelLatencyP95Us: 5_000, modelLatencyP99Us: 60_000 } },
      criteria: { latencySlo: { percentile: 'P99', ms: 50 } },
      passed: false,
      failures: [{ code: 'latencySloExceeded', observed: 60, limit: 50 }],
    },
    {
      name: 'a P95 SLO uses P99 where P95 is missing',
      invocations: [30000],
      overrides: { 0: { modelLatencyP95Us: undefined, modelLatencyP99Us: 20_000 } },
      criteria: { latencySlo: { percentile: 'P95', ms: 10 } },
      passed: false,
      failures: [{ code: 'latencySloExceeded', observed: 20, limit: 10 }],
    },
    {
      name: 'periods without traffic do not count for latency',
      invocations: [30000, 0],
      overrides: { 1: { modelLatencyP95Us: 99_000_000 } },
      passed: true,
    },
    {
      name: 'no latency datapoint fails as not measured',
      invocations: [30000, 100],
      overrides: { 0: { modelLatencyP95Us: undefined }, 1: { modelLatencyP95Us: undefined } },
      passed: false,
      failures: [{ code: 'latencyNotMeasured', observed: 0, limit: 2 }],
    },
    {
      name: 'every failed criterion is listed with its numbers',
      invocations: [10000, 12000],
      overrides: { 1: { invocation5xxErrors: 120, modelLatencyP95Us: 12_000_000 } },
      passed: false,
      failures: [
        { code: 'throughputNotReached', observed: 12000, limit: 30000 },
        { code: 'errorRateExceeded', observed: 120 / 22000, limit: 0 },
        { code: 'latencySloExceeded', observed: 12000, limit: 10000 },
      ],
    },
    {
      name: 'no period at all fails on throughput only',
      invocations: [],
      passed: false,
      failures: [{ code: 'throughputNotReached', observed: 0, limit: 30000 }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const verdict = judgeEvaluation(metricsOf(c.invocations, c.overrides, c.periodSeconds), {
        ...criteria,
        ...c.criteria,
      });
      assert.equal(verdict.passed, c.passed, JSON.stringify(verdict.failures));
      const failures = verdict.failures.map(({ code, observed, limit }) => ({ code, observed, limit }));
      if (c.failures) {
        assert.equal(failures.length, c.failures.length, JSON.stringify(failures));
        c.failures.forEach((expected, i) => {
          assert.equal(failures[i]?.code, expected.code);
          assert.ok(
            Math.abs((failures[i]?.observed ?? Number.NaN) - expected.observed) < 1e-9,
            `${failures[i]?.observed}`,
          );
          assert.equal(failures[i]?.limit, expected.limit);
        });
      } else assert.deepEqual(failures, []);
      for (const failure of verdict.failures) assert.match(failure.message, /\d/);
    });
  }

  it('messages carry the numbers', () => {
    const verdict = judgeEvaluation(metricsOf([29999]), criteria);
    assert.equal(
      verdict.failures[0]?.message,
      'max 29999 invocations/min at 2026-01-01T01:00:00.000Z vs target 30000 (500 rps x 60)',
    );
  });

  const invalid: {
    name: string;
    criteria: Partial<JudgeCriteria>;
    periodSeconds?: number;
    message: RegExp;
  }[] = [
    { name: 'boundary: maxRps 0', criteria: { maxRps: 0 }, message: /maxRps must be > 0/ },
    {
      name: 'an error rate above 1',
      criteria: { allowedErrorRate: 1.5 },
      message: /allowedErrorRate must be in 0..1/,
    },
    { name: 'a negative error rate', criteria: { allowedErrorRate: -0.1 }, message: /allowedErrorRate/ },
    { name: 'a zero period', criteria: {}, periodSeconds: 0, message: /periodSeconds must be > 0/ },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => judgeEvaluation(metricsOf([1], {}, c.periodSeconds ?? 60), { ...criteria, ...c.criteria }),
        (error: unknown) => error instanceof InvalidInputError && c.message.test(error.message),
      );
    });
  }

  it('property: passing needs the target, and more load never turns a pass into a fail on throughput', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 1000 }),
        (invocations, maxRps) => {
          const verdict = judgeEvaluation(metricsOf(invocations), { ...criteria, maxRps });
          assert.equal(verdict.passed, Math.max(...invocations) >= maxRps * 60);
          assert.equal(verdict.passed, verdict.failures.length === 0);
          const more = judgeEvaluation(metricsOf(invocations.map((n) => n + 1000)), { ...criteria, maxRps });
          if (verdict.passed) assert.equal(more.passed, true);
        },
      ),
      { numRuns: 300, seed: 31 },
    );
  });
});
