/**
 * Prices in the twin come from one table keyed by instance type (shared/core/instance-types.ts),
 * or from the Default job's CostPerHour that a recommendation was priced with, or from
 * --price-per-hour; `simulate` and `search` say which.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRecommendation, pricingOf } from '../../cli/commands/simulate';
import { simulate } from '../../shared/core/sim/results';
import { constantTraffic } from '../../shared/core/sim/traffic';
import { ANALYSIS, policies } from './fixtures';

/** Two instances for one hour. */
function twoInstanceHours(instanceType: string, pricePerInstanceHourUsd?: number | null) {
  return simulate({
    policySet: policies({ minCapacity: 2, maxCapacity: 2, invocationsTargetTracking: undefined }),
    analysis: { ...ANALYSIS, instanceType },
    traffic: constantTraffic({ rps: 50, durationSeconds: 3600, stepSeconds: 10 }),
    latencySloMs: 25,
    ...(pricePerInstanceHourUsd === undefined ? {} : { settings: { pricePerInstanceHourUsd } }),
  });
}

describe('the twin prices instance-hours by instance type', () => {
  const cases = [
    { name: 'ml.c5.large at the table price 0.102', type: 'ml.c5.large', price: undefined, cost: 0.204 },
    { name: 'ml.m5.xlarge at the table price 0.23', type: 'ml.m5.xlarge', price: undefined, cost: 0.46 },
    { name: 'a given price wins over the table', type: 'ml.c5.large', price: 0.119, cost: 0.238 },
    { name: 'boundary: a given price of 0', type: 'ml.c5.large', price: 0, cost: 0 },
    { name: 'null is the default: the table', type: 'ml.c5.large', price: null, cost: 0.204 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = twoInstanceHours(c.type, c.price);
      assert.equal(r.summary.instanceHours, 2);
      assert.ok(Math.abs(r.summary.costUsd - c.cost) < 1e-12, `${r.summary.costUsd}`);
      assert.equal(r.context.settings.pricePerInstanceHourUsd, c.cost / 2);
    });

  it('an instance type the table does not know has no price: costs are NaN (null in JSON)', () => {
    const r = twoInstanceHours('local');
    assert.equal(r.context.settings.pricePerInstanceHourUsd, null);
    assert.ok(Number.isNaN(r.summary.costUsd));
    assert.equal(JSON.parse(JSON.stringify(r.summary)).costUsd, null);
  });
});

describe('pricingOf: the price simulate and search use, and its source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-pricing-'));
  const file = (name: string, cost: unknown, instanceType = 'ml.c5.large') => {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        benchmark: { ...ANALYSIS, instanceType },
        policySet: policies(),
        ...(cost === undefined ? {} : { cost }),
      }),
    );
    return loadRecommendation(path);
  };
  const jobCost = { pricePerInstanceHourUsd: 0.115, source: 'recommenderJob' };
  const cases = [
    {
      name: "the recommendation's CostPerHour from the Default job",
      loaded: file('job', jobCost),
      option: undefined,
      expected: { pricePerInstanceHourUsd: 0.115, source: 'recommenderJob' },
    },
    {
      name: 'a recommendation priced from the table is priced from the table again',
      loaded: file('table', { pricePerInstanceHourUsd: 0.2, source: 'approximateTable' }),
      option: undefined,
      expected: { pricePerInstanceHourUsd: 0.102, source: 'approximateTable' },
    },
    {
      name: 'no cost in the file: the table price of the benchmarked type',
      loaded: file('none', undefined, 'ml.m5.large'),
      option: undefined,
      expected: { pricePerInstanceHourUsd: 0.115, source: 'approximateTable' },
    },
    {
      name: '--price-per-hour wins over the job',
      loaded: file('option', jobCost),
      option: 0.2,
      expected: { pricePerInstanceHourUsd: 0.2, source: 'option' },
    },
    {
      name: 'a type not in the table and no cost: unknown',
      loaded: file('unknown', undefined, 'local'),
      option: undefined,
      expected: { pricePerInstanceHourUsd: null, source: 'unknown' },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(pricingOf(c.option, c.loaded), c.expected));
});
