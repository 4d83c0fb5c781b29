import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { planCapacity } from '../../shared/core/capacity';
import { InfeasibleCapacityPlanError, InvalidInputError } from '../../shared/core/errors';

const limits = { maxInstancesLimit: 20 };

describe('planCapacity', () => {
  it('reproduces the AWS sample: 4987/min, min 70 rps, max 500 rps, growth 1.2 -> Min 1, Max 8', () => {
    const plan = planCapacity({ minRps: 70, maxRps: 500, growthFactor: 1.2 }, 4987, limits);
    assert.equal(plan.minCapacity, 1);
    assert.equal(plan.maxCapacity, 8);
    assert.ok(Math.abs(plan.rpsPerInstance - 83.116667) < 1e-6);
    assert.deepEqual(
      plan.reasons.map((r) => r.message),
      [
        '83.117 rps per instance (4987/min / 60)',
        'MinCapacity ceil(70 rps / 83.117) = ceil(0.842) = 1',
        'MaxCapacity ceil(500 rps / 83.117 x 1.2) = ceil(7.219) = 8 (limit 20)',
      ],
    );
  });

  const cases: {
    name: string;
    minRps: number;
    maxRps: number;
    growthFactor: number;
    invocationsPerInstance: number;
    limit?: number;
    min: number;
    max: number;
  }[] = [
    {
      name: 'exact division is not rounded up (100 rps at 6000/min = 1 instance)',
      minRps: 100,
      maxRps: 100,
      growthFactor: 1.5,
      invocationsPerInstance: 6000,
      min: 1,
      max: 2,
    },
    {
      name: 'boundary: growth just above 1 keeps an exact max',
      minRps: 10,
      maxRps: 300,
      growthFactor: 1.0000000001,
      invocationsPerInstance: 6000,
      min: 1,
      max: 3,
    },
    {
      name: 'boundary: minRps equal to maxRps',
      minRps: 500,
      maxRps: 500,
      growthFactor: 1.2,
      invocationsPerInstance: 4987,
      min: 7,
      max: 8,
    },
    {
      name: 'boundary: a rate far below one instance still keeps one instance, min and max',
      minRps: 1e-12,
      maxRps: 1e-12,
      growthFactor: 1.2,
      invocationsPerInstance: 6000,
      min: 1,
      max: 1,
    },
    {
      name: 'a just-over rate needs one more instance',
      minRps: 100.01,
      maxRps: 200,
      growthFactor: 1.2,
      invocationsPerInstance: 6000,
      min: 2,
      max: 3,
    },
    {
      name: 'binary rounding: 0.1 x 3 rps at 18/min is exactly 1 instance',
      minRps: 0.3,
      maxRps: 0.3,
      growthFactor: 2,
      invocationsPerInstance: 18,
      min: 1,
      max: 2,
    },
    {
      name: 'boundary: MaxCapacity equal to the limit is allowed',
      minRps: 70,
      maxRps: 500,
      growthFactor: 1.2,
      invocationsPerInstance: 4987,
      limit: 8,
      min: 1,
      max: 8,
    },
    {
      name: 'a tiny rate still gets one instance',
      minRps: 0.001,
      maxRps: 0.001,
      growthFactor: 1.2,
      invocationsPerInstance: 4987,
      min: 1,
      max: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planCapacity(
        { minRps: c.minRps, maxRps: c.maxRps, growthFactor: c.growthFactor },
        c.invocationsPerInstance,
        { maxInstancesLimit: c.limit ?? 20 },
      );
      assert.equal(plan.minCapacity, c.min);
      assert.equal(plan.maxCapacity, c.max);
    });
  }

  const invalid: {
    name: string;
    minRps: number;
    maxRps: number;
    growthFactor: number;
    invocationsPerInstance?: number;
    limit?: number;
    error: typeof InvalidInputError | typeof InfeasibleCapacityPlanError;
    message: RegExp;
  }[] = [
    {
      name: 'boundary: growth exactly 1',
      minRps: 70,
      maxRps: 500,
      growthFactor: 1,
      error: InvalidInputError,
      message: /growthFactor must be > 1 .* got 1$/,
    },
    {
      name: 'growth below 1',
      minRps: 70,
      maxRps: 500,
      growthFactor: 0.9,
      error: InvalidInputError,
      message: /growthFactor must be > 1/,
    },
    {
      name: 'minRps above maxRps',
      minRps: 501,
      maxRps: 500,
      growthFactor: 1.2,
      error: InvalidInputError,
      message: /minRps 501 must not exceed maxRps 500/,
    },
    {
      name: 'boundary: minRps 0',
      minRps: 0,
      maxRps: 500,
      growthFactor: 1.2,
      error: InvalidInputError,
      message: /minRps must be a positive number of requests per second, got 0/,
    },
    {
      name: 'negative maxRps',
      minRps: 1,
      maxRps: -1,
      growthFactor: 1.2,
      error: InvalidInputError,
      message: /maxRps must be a positive/,
    },
    {
      name: 'NaN maxRps',
      minRps: 1,
      maxRps: Number.NaN,
      growthFactor: 1.2,
      error: InvalidInputError,
      message: /maxRps must be a positive/,
    },
    {
      name: 'zero target',
      minRps: 1,
      maxRps: 2,
      growthFactor: 1.2,
      invocationsPerInstance: 0,
      error: InvalidInputError,
      message: /invocationsPerInstance must be a positive number of invocations per instance per minute/,
    },
    {
      name: 'a fractional limit',
      minRps: 1,
      maxRps: 2,
      growthFactor: 1.2,
      limit: 2.5,
      error: InvalidInputError,
      message: /maxInstancesLimit must be an integer >= 1/,
    },
    {
      name: 'boundary: MaxCapacity one over the limit',
      minRps: 70,
      maxRps: 500,
      growthFactor: 1.2,
      limit: 7,
      error: InfeasibleCapacityPlanError,
      message:
        /^MaxCapacity ceil\(500 rps \/ 83.117 x 1.2\) = ceil\(7.219\) = 8 exceeds the limit of 7 instances at 83.117 rps per instance/,
    },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () =>
          planCapacity(
            { minRps: c.minRps, maxRps: c.maxRps, growthFactor: c.growthFactor },
            c.invocationsPerInstance ?? 4987,
            { maxInstancesLimit: c.limit ?? 20 },
          ),
        (error: unknown) => error instanceof c.error && c.message.test((error as Error).message),
      );
    });
  }
});

describe('planCapacity properties', () => {
  const traffic = fc
    .record({
      minRps: fc.double({ min: 0.01, max: 1000, noNaN: true }),
      extra: fc.double({ min: 0, max: 1000, noNaN: true }),
      growthFactor: fc.double({ min: 1.001, max: 3, noNaN: true }),
      invocationsPerInstance: fc.integer({ min: 1, max: 100_000 }),
    })
    .map((t) => ({ ...t, maxRps: t.minRps + t.extra }));
  const huge = { maxInstancesLimit: 1_000_000_000 };

  it('1 <= MinCapacity <= MaxCapacity, and capacity covers the load', () => {
    fc.assert(
      fc.property(traffic, (t) => {
        const plan = planCapacity(t, t.invocationsPerInstance, huge);
        assert.ok(plan.minCapacity >= 1);
        assert.ok(plan.minCapacity <= plan.maxCapacity);
        // Max instances serve at least maxRps x growth (within rounding).
        assert.ok(plan.maxCapacity * plan.rpsPerInstance >= t.maxRps * t.growthFactor * (1 - 1e-9));
        assert.ok(plan.minCapacity * plan.rpsPerInstance >= t.minRps * (1 - 1e-9));
      }),
      { numRuns: 500, seed: 21 },
    );
  });

  it('MaxCapacity is monotone in maxRps and in growthFactor; MinCapacity in minRps', () => {
    fc.assert(
      fc.property(traffic, fc.double({ min: 0, max: 500, noNaN: true }), (t, more) => {
        const base = planCapacity(t, t.invocationsPerInstance, huge);
        const moreMax = planCapacity({ ...t, maxRps: t.maxRps + more }, t.invocationsPerInstance, huge);
        const moreGrowth = planCapacity(
          { ...t, growthFactor: t.growthFactor + 0.5 },
          t.invocationsPerInstance,
          huge,
        );
        const moreMin = planCapacity(
          { ...t, minRps: Math.min(t.maxRps, t.minRps + more) },
          t.invocationsPerInstance,
          huge,
        );
        assert.ok(moreMax.maxCapacity >= base.maxCapacity);
        assert.ok(moreGrowth.maxCapacity >= base.maxCapacity);
        assert.ok(moreMin.minCapacity >= base.minCapacity);
      }),
      { numRuns: 500, seed: 22 },
    );
  });

  it('a higher target per instance never needs more instances', () => {
    fc.assert(
      fc.property(traffic, fc.integer({ min: 0, max: 10_000 }), (t, more) => {
        const base = planCapacity(t, t.invocationsPerInstance, huge);
        const bigger = planCapacity(t, t.invocationsPerInstance + more, huge);
        assert.ok(bigger.maxCapacity <= base.maxCapacity);
        assert.ok(bigger.minCapacity <= base.minCapacity);
      }),
      { numRuns: 300, seed: 23 },
    );
  });
});
