/**
 * Bounded state: the largest request the schema allows, run through the real definition and
 * handlers (fake ports) to maxIterations with every evaluation failing, never makes a state input
 * or output larger than the budget. Step Functions refuses more than 256 KiB with
 * States.DataLimitExceeded, which `States.ALL` does not catch: Cleanup would never run.
 * With `traffic.history` the same request also goes through ReadHistory, PlanSearch, the
 * SearchPolicies map and PickRobustPolicySet on 15 days of history: the history, the candidates
 * and their figures stay in the run data (the results bucket on AWS); the state keeps their keys,
 * the map's items (candidate indexes) and one small result per batch, which are added up to the
 * candidate cap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSearchPoliciesPlanHandler } from '../../functions/searchPoliciesPlan/handler';
import type { HistorySeries } from '../../shared/core/history';
import {
  MAX_SCHEDULE_LENGTH,
  MAX_SCHEDULED_ACTION_NAME_LENGTH,
  MAX_SCHEDULED_ACTIONS,
  MAX_TRAFFIC_HISTORY_DAYS,
  ScalingRequestSchema,
} from '../../shared/core/request';
import { MAX_SEARCH_CANDIDATES } from '../../shared/core/sim/search-map';
import { createFakePorts, evaluationMetricsOf } from '../fakes/ports';
import { SMALL_SEARCH_GRID } from '../fakes/search-grid';
import { machineOver } from './machine';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
/** The longest role ARN the schema allows, as one the deployment may pass (NormalizeInput refuses others). */
const LONGEST_ROLE_ARN = `arn:aws:iam::123456789012:role/r${'x'.repeat(2048 - 32)}`;
process.env.SCALEPLAN_PASS_ROLE_ARNS = LONGEST_ROLE_ARN;

/** The state budget, bytes of JSON: well under Step Functions' 256 KiB (262,144 bytes). */
export const STATE_BUDGET_BYTES = 160 * 1024;

/** A valid cron of MAX_SCHEDULE_LENGTH characters: a long Minutes list. */
const LONGEST_CRON = (() => {
  const tail = ' 8 ? * MON-FRI *)';
  const minutes: number[] = [];
  while (`cron(${[...minutes, minutes.length].join(',')}${tail}`.length <= MAX_SCHEDULE_LENGTH)
    minutes.push(minutes.length);
  return `cron(${minutes.join(',')}${tail}`;
})();

/** Every list at its schema maximum and every string at its maximum length. */
function largestRequest(): Record<string, unknown> {
  const pad = (prefix: string, length: number) => (prefix + 'x'.repeat(length)).slice(0, length);
  return {
    name: pad('big', 40),
    model: {
      kind: 'modelPackage',
      // The ARN at its longest (the schema allows 2048 characters after model-package/).
      modelPackageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${pad('g', 2046)}/1`,
    },
    instanceType: 'ml.c5.large',
    variantName: pad('v', 63),
    roleArn: LONGEST_ROLE_ARN,
    traffic: { minRps: 70, maxRps: 500, growthFactor: 1.2, pattern: 'spiky' },
    latencySlo: { percentile: 'P95', ms: 10000 },
    evaluation: { maxIterations: 10, durationSeconds: 600, jobDurationSeconds: 1200 },
    policies: {
      stepScaling: {
        steps: Array.from({ length: 20 }, (_, i) => ({
          lower: i * 100,
          upper: i === 19 ? null : (i + 1) * 100,
          adjustment: 1,
        })),
      },
      scheduledActions: Array.from({ length: MAX_SCHEDULED_ACTIONS }, (_, i) => ({
        name: pad(`action-${i}-`, MAX_SCHEDULED_ACTION_NAME_LENGTH),
        schedule: LONGEST_CRON,
        // The twin simulates UTC schedules only (a longer zone is refused at SimulatePolicies).
        timezone: 'UTC',
        minCapacity: 1,
        maxCapacity: 20,
      })),
    },
    maxInstancesLimit: 20,
    maxInstanceHours: 1000,
  };
}

test(`the largest valid request, failing every evaluation to maxIterations, stays under ${STATE_BUDGET_BYTES} bytes`, async () => {
  const input = largestRequest();
  const parsed = ScalingRequestSchema.safeParse(input);
  assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues.slice(0, 2)));
  assert.ok(LONGEST_CRON.length >= MAX_SCHEDULE_LENGTH - 3, LONGEST_CRON);
  const fake = createFakePorts({
    // Every evaluation reaches half of maxRps x 60: the verdict fails and tuning goes on.
    evaluationMetrics: (_, evaluation) =>
      evaluationMetricsOf({ peakPerMinute: evaluation.maxInvocationsPerMinute * 0.5 }),
  });
  const run = machineOver(fake.ports);
  const result = await run(input, 'state-size');
  const iterations = result.states.filter((s) => s === 'TunePolicies' || s === 'TuneBeforeEvaluation').length;
  console.log(
    `largest state: ${result.largest.bytes} bytes at ${result.largest.state}; ${result.status} ${result.error?.name ?? ''} ${result.error?.cause.slice(0, 300) ?? ''}; tunings ${iterations}; input ${Buffer.byteLength(JSON.stringify(input))} bytes`,
  );
  assert.equal(result.error?.name, 'EvaluationFailedError');
  assert.equal(iterations, 9, 'tuned up to maxIterations (10 policy sets)');
  assert.ok(
    result.largest.bytes <= STATE_BUDGET_BYTES,
    `largest state ${result.largest.bytes} bytes at ${result.largest.state}`,
  );
});

/** Candidates per batch of SearchPolicies (its ItemBatcher's MaxItemsPerBatch). */
const SEARCH_BATCH_ITEMS = 48;

/** 15 days (the most a request reads) from 2026-11-01, 600 a minute with 20-minute bursts to 24,000 every 4 hours. */
function burstyHistory(days: number): HistorySeries {
  const invocationsPerMinute = Array.from({ length: days * 1440 }, (_, m) => (m % 240 < 20 ? 24000 : 600));
  return {
    startEpochSeconds: Date.parse('2026-11-01T00:00:00Z') / 1000,
    stepSeconds: 60,
    invocationsPerMinute,
  };
}

/** JSON bytes of the map's items (candidate indexes 0..count-1). */
const itemBytes = (count: number) =>
  Buffer.byteLength(JSON.stringify(Array.from({ length: count }, (_, i) => i)));

test(`with traffic.history, through the search states to maxIterations, the largest state stays under ${STATE_BUDGET_BYTES} bytes at the candidate cap`, async () => {
  const base = largestRequest();
  const input = {
    ...base,
    traffic: {
      ...(base.traffic as object),
      history: { endpointName: 'p'.repeat(63), variantName: 'v'.repeat(63), days: MAX_TRAFFIC_HISTORY_DAYS },
    },
  };
  const parsed = ScalingRequestSchema.safeParse(input);
  assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues.slice(0, 2)));
  const fake = createFakePorts({
    history: burstyHistory(MAX_TRAFFIC_HISTORY_DAYS),
    evaluationMetrics: (_, evaluation) =>
      evaluationMetricsOf({ peakPerMinute: evaluation.maxInvocationsPerMinute * 0.5 }),
  });
  // A small grid keeps the twin's runs to seconds; the cap's extra items and batches are added below.
  const run = machineOver(fake.ports, undefined, {
    searchPoliciesPlan: createSearchPoliciesPlanHandler(fake.ports, { grid: SMALL_SEARCH_GRID }),
  });
  const result = await run(input, 'state-size-history');
  const states = result.states;
  for (const state of [
    'ReadHistory',
    'PlanSearch',
    'SearchPolicies',
    'EvaluateCandidateBatch',
    'PickRobustPolicySet',
  ])
    assert.ok(states.includes(state), `${state} entered`);
  const iterations = states.filter((s) => s === 'TunePolicies' || s === 'TuneBeforeEvaluation').length;
  assert.equal(result.error?.name, 'EvaluationFailedError');
  assert.equal(iterations, 9, 'tuned up to maxIterations (10 policy sets)');
  // The largest state at the cap: the map's items (candidate indexes) and its batch results grow
  // with the candidates, everything else does not (the figures stay in the run data).
  const search = (result.largest.value as { search?: { items: number[]; batches: unknown[] } }).search;
  assert.ok(search, `the largest state (${result.largest.state}) holds $.search`);
  const text = JSON.stringify(result.largest.value);
  assert.equal(text.split('"items":').length - 1, 1, 'the items are in the state once');
  assert.equal(text.split('"simulations":').length - 1, search.batches.length, 'and the batch results');
  const cappedBatches = Math.ceil(MAX_SEARCH_CANDIDATES / SEARCH_BATCH_ITEMS);
  // A later batch's key names a larger first index: 4 digits at most.
  const batchBytes = Math.max(...search.batches.map((b) => Buffer.byteLength(JSON.stringify(b)))) + 4;
  const atCapBytes =
    result.largest.bytes +
    (itemBytes(MAX_SEARCH_CANDIDATES) - itemBytes(search.items.length)) +
    (cappedBatches - search.batches.length) * (batchBytes + 1);
  console.log(
    `with history: largest state ${result.largest.bytes} bytes at ${result.largest.state} (${search.items.length} candidates, ${search.batches.length} batch); at the cap of ${MAX_SEARCH_CANDIDATES} candidates in ${cappedBatches} batches: ${atCapBytes} bytes`,
  );
  assert.ok(atCapBytes <= STATE_BUDGET_BYTES, `${atCapBytes} bytes at the cap, at ${result.largest.state}`);
});
