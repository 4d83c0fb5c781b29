/**
 * SearchPolicies end to end on this machine: the real definition and the real handlers (the
 * history read and stored, the Distributed Map bridged in the runner, the reducer's held-out
 * pick), on a bursty history where the derived policy set misses the SLO and a searched one
 * meets it, so the evaluation starts from another candidate than the derivation's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSearchPoliciesPlanHandler } from '../../functions/searchPoliciesPlan/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import type { HistorySeries } from '../../shared/core/history';
import type { ScalingRequestInput } from '../../shared/core/request';
import type { SearchSummary } from '../../shared/core/sim/search-map';
import { DERIVED_CANDIDATE_LABEL } from '../../shared/core/sim/search-map';
import { batchItems, type DistributedMapRun } from '../../shared/workflow/distributed-map';
import { runWorkflowLocally } from '../../shared/workflow/local-runner';
import { createFakePorts } from '../fakes/ports';

const DAY_MINUTES = 1440;

/** 3 UTC days from 2026-11-01: 600 invocations a minute, and 20-minute bursts to 24,000 every 4 hours. */
function burstyHistory(): HistorySeries {
  const invocationsPerMinute: (number | null)[] = [];
  for (let m = 0; m < 3 * DAY_MINUTES; m++) invocationsPerMinute.push(m % 240 < 20 ? 24000 : 600);
  invocationsPerMinute[100] = null;
  return {
    startEpochSeconds: Date.parse('2026-11-01T00:00:00Z') / 1000,
    stepSeconds: 60,
    invocationsPerMinute,
  };
}

const request: ScalingRequestInput = {
  name: 'churn',
  model: {
    kind: 'modelPackage',
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3',
  },
  instanceType: 'ml.c5.large',
  // No minRps/maxRps: ReadHistory fills them from the history.
  traffic: { history: { endpointName: 'churn-prod', days: 3 } } as ScalingRequestInput['traffic'],
  latencySlo: { percentile: 'P95', ms: 100 },
};

/** A small grid, so that the test runs in seconds: 2 targets x 2 MinCapacity offsets (and the grid's other axes at their defaults). */
const SMALL_GRID = {
  targetSharesOfPeak: [0.4, 0.55],
  scaleOutCooldownSeconds: [10],
  scaleInCooldownSeconds: [300],
  stepThresholdsOverTarget: [null],
  minCapacityOffsets: [0, 2],
  maxCapacityOffsets: [0],
};

test('a history in the input fills the rates, the map searches on it and the evaluation starts from the pick', async () => {
  const fake = createFakePorts({ history: burstyHistory() });
  const maps: DistributedMapRun[] = [];
  const plan = createSearchPoliciesPlanHandler(fake.ports, { grid: SMALL_GRID });
  const result = await runWorkflowLocally(request, {
    ports: fake.ports,
    executionName: 'search-map',
    onDistributedMap: (run) => maps.push(run),
    handlerOverrides: {
      searchPoliciesPlan: (input) => plan(input, localLambdaContext('searchPoliciesPlan')),
    },
  });
  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  // The child's states come from its own event log, so their place among the parent's may vary.
  assert.equal(result.states.filter((s) => s === 'EvaluateCandidateBatch').length, 1);
  const main = result.states.filter((s) => !/^(Wait|Is[A-Z]|Poll|EvaluateCandidateBatch)/.test(s));
  assert.deepEqual(main.slice(0, 10), [
    'ReceiveInput',
    'NormalizeInput',
    'ReadHistory',
    'UseHistoryTraffic',
    'CreateModelPackage',
    'StartRecommenderJob',
    'DeriveThresholds',
    'PlanSearch',
    'SearchPolicies',
    'PickRobustPolicySet',
  ]);

  // The rates came from the history: the busiest minute (24,000/min = 400 rps).
  const history = fake.inputOf<{ source: unknown; endEpochSeconds: number }>('history.read');
  assert.deepEqual(history.source, { endpointName: 'churn-prod', days: 3 });
  const registered = fake.inputOf<{ request: { traffic: { minRps: number; maxRps: number } } }>(
    'registry.ensureModelPackage',
  );
  assert.equal(registered.request.traffic.maxRps, 400);
  assert.ok(registered.request.traffic.minRps > 0 && registered.request.traffic.minRps <= 10);
  // The history stayed out of the state: it is in the run data, the state has its key.
  assert.ok(fake.callsOf('runData.put').some((c) => (c.input as { name: string }).name === 'history.json'));

  const recommendation = result.output as {
    policySet: { minCapacity: number; invocationsTargetTracking?: { targetValue: number } };
    search?: SearchSummary;
    reasons: { code: string; message: string }[];
  };
  const search = recommendation.search;
  assert.ok(search, 'the recommendation carries the search');
  assert.equal(search.derivedMeetsHistory, false);
  assert.ok(
    search.picked && search.picked.label !== DERIVED_CANDIDATE_LABEL,
    'the pick is not the derived set',
  );
  assert.notDeepEqual(recommendation.policySet, search.derivedPolicySet);
  assert.ok(search.picked.inSample.sloAttainment >= search.requiredSloAttainment);
  assert.equal(search.cost.stateTransitions, 3 + 1);
  // Every candidate of the grid (with the derived set first) on every one of the 3 days, in one batch of 48.
  assert.deepEqual(maps, [
    { state: 'SearchPolicies', items: search.candidates, childExecutions: 1, failedChildren: 0 },
  ]);
  assert.ok(search.candidates >= 5 && search.candidates <= 48);
  assert.equal(search.evaluated, search.candidates);
  assert.equal(search.cost.twinRuns, search.candidates * 3);
  assert.ok(search.cost.lambdaGbSeconds > 0);
  assert.equal(search.cost.evaluationsSaved, 1);
  assert.ok(recommendation.reasons.some((r) => r.code === 'SearchCost'));
  // The reason says which level the derived set missed, then what its worst day served.
  const missed = recommendation.reasons.find((r) => r.code === 'DerivedMissesHistory');
  assert.match(
    missed?.message ?? '',
    /^the derived policy set misses the required \d+\.\d{3}% on a training day: its worst day serves \d+\.\d{3}% within the SLO/,
  );
  // The policy set registered first is the pick.
  const put = fake.inputOf<{ TargetTrackingScalingPolicyConfiguration?: { TargetValue: number } }>(
    'scaling.putScalingPolicy',
  );
  assert.equal(
    put.TargetTrackingScalingPolicyConfiguration?.TargetValue,
    recommendation.policySet.invocationsTargetTracking?.targetValue,
  );
});

test('a request with neither rates nor history is refused at NormalizeInput, naming both fields', async () => {
  const fake = createFakePorts();
  const result = await runWorkflowLocally(
    { ...request, traffic: {} },
    { ports: fake.ports, executionName: 'search-map-refused' },
  );
  assert.equal(result.status, 'FAILED');
  assert.equal(result.error?.name, 'InvalidInputError');
  assert.match(result.error?.cause ?? '', /traffic\.minRps.*traffic\.history/);
  assert.match(result.error?.cause ?? '', /traffic\.maxRps/);
});

test('the bridge batches by count and by bytes, as ItemBatcher does', () => {
  assert.deepEqual(batchItems([0, 1, 2, 3, 4], 2, 262_144), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(batchItems(['aaaa', 'bbbb', 'c'], 10, 16), [['aaaa', 'bbbb'], ['c']]);
});
