/**
 * A traffic history end to end on the AWS adapters: the real definition run by the local runner
 * (the Distributed Map through its bridge, shared/workflow/distributed-map.ts) with the real handlers over the real AWS adapters on aws-sdk-client-mock'd clients. The history
 * is synthetic and bursty (600 invocations a minute, 20-minute bursts to 24,000 every 4 hours):
 * the derived policy set, sized for the average, misses the latency SLO in the bursts, and the
 * search picks another candidate. Two sources: a production variant's CloudWatch Invocations
 * (GetMetricData, paginated) and a trace in S3 (GetObject). Each case asserts the states in
 * order, that the policies Application Auto Scaling receives are the pick's and not the
 * derivation's, that minRps/maxRps came from the history, the search's cost line, and that every
 * request sent is valid against botocore.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { createReadHistoryHandler } from '../../functions/readHistory/handler';
import { createSearchPoliciesPlanHandler } from '../../functions/searchPoliciesPlan/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import { runIdFor } from '../../shared/core/naming';
import type { TrafficHistorySource } from '../../shared/core/request';
import { DERIVED_CANDIDATE_LABEL, type SearchSummary } from '../../shared/core/sim/search-map';
import type { PolicySet } from '../../shared/core/types';
import type { DistributedMapRun } from '../../shared/workflow/distributed-map';
import { localExecutionArn, runWorkflowLocally } from '../../shared/workflow/local-runner';
import { SMALL_SEARCH_GRID } from '../fakes/search-grid';
import { BUCKET, createMockedAws } from './mocks';
import { awsWiring, playAws } from './scripted-account';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const MINUTE_SECONDS = 60;
/** The production endpoint whose traffic is replayed (not the one the run creates). */
const PRODUCTION = { endpointName: 'churn-prod', variantName: 'AllTraffic' };
/** Invocations a minute: 600 at rest, 24,000 (400 rps) in a burst. */
const REST_PER_MINUTE = 600;
const BURST_PER_MINUTE = 24_000;

/**
 * The synthetic history at an epoch minute: a 20-minute burst every 240 minutes. 1440 / 240 is
 * whole, so every UTC day holds the same six bursts whatever window is read.
 */
const invocationsAt = (epochMinute: number) => (epochMinute % 240 < 20 ? BURST_PER_MINUTE : REST_PER_MINUTE);
/** Minutes left out of the history (CloudWatch has no datapoint there): 17:05 UTC every day. */
const isGap = (epochMinute: number) => epochMinute % 1440 === 17 * 60 + 5;

/** Datapoints CloudWatch returns per page here (a real page holds more): 3 days are 5 pages. */
const PAGE_DATAPOINTS = 1000;

/**
 * GetMetricData of the production variant's Invocations, page by page: the datapoints of the
 * requested window in ascending order, PAGE_DATAPOINTS at a time, NextToken the next offset.
 * Other queries (the benchmark's, the evaluation's) are left to the scripted account.
 */
function answerHistory(input: GetMetricDataCommandInput): Partial<GetMetricDataCommandOutput> | undefined {
  const query = input.MetricDataQueries?.[0];
  const dimensions = query?.MetricStat?.Metric?.Dimensions ?? [];
  if (!dimensions.some((d) => d.Name === 'EndpointName' && d.Value === PRODUCTION.endpointName))
    return undefined;
  const from = (input.StartTime as Date).getTime() / 1000 / MINUTE_SECONDS;
  const to = (input.EndTime as Date).getTime() / 1000 / MINUTE_SECONDS;
  const minutes: number[] = [];
  for (let m = from; m < to; m++) if (!isGap(m)) minutes.push(m);
  const offset = Number(input.NextToken ?? 0);
  const page = minutes.slice(offset, offset + PAGE_DATAPOINTS);
  const next = offset + PAGE_DATAPOINTS;
  return {
    MetricDataResults: [
      {
        Id: query?.Id,
        Label: 'Invocations',
        Timestamps: page.map((m) => new Date(m * MINUTE_SECONDS * 1000)),
        Values: page.map(invocationsAt),
        StatusCode: next < minutes.length ? 'PartialData' : 'Complete',
      },
    ],
    ...(next < minutes.length ? { NextToken: String(next) } : {}),
  };
}

/** Three UTC days from 2026-11-01 as the trace file `scaleplan traffic` writes (GetMetricData's shape). */
function traceFile() {
  const start = Date.parse('2026-11-01T00:00:00Z') / 1000 / MINUTE_SECONDS;
  const minutes: number[] = [];
  for (let m = start; m < start + 3 * 1440; m++) if (!isGap(m)) minutes.push(m);
  return {
    formatVersion: 1,
    MetricDataResults: [
      {
        Id: 'invocations',
        Label: 'Invocations',
        Timestamps: minutes.map((m) => new Date(m * MINUTE_SECONDS * 1000).toISOString()),
        Values: minutes.map(invocationsAt),
      },
    ],
  };
}

/** A container model on ml.c5.large with no minRps/maxRps: ReadHistory fills them. */
function requestWith(history: TrafficHistorySource) {
  return {
    name: 'churn',
    model: {
      kind: 'container',
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1',
      modelDataUrl: 's3://models/churn/model.tar.gz',
      samplePayloadUrl: 's3://models/churn/payload.tar.gz',
      framework: 'XGBOOST',
      frameworkVersion: '1.5-1',
      nearestModelName: 'xgboost',
    },
    instanceType: 'ml.c5.large',
    traffic: { history },
    latencySlo: { percentile: 'P95', ms: 100 },
  };
}

/** The states entered, without the polls' loops and the map's child (whose place may vary). */
const mainStates = (states: string[]) =>
  states.filter((s) => !/^(Wait|Is[A-Z]|Poll|EvaluateCandidateBatch)/.test(s));

const EXPECTED_STATES = [
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
  'DeployEndpoint',
  'RegisterPolicies',
  'SimulatePolicies',
  'DidPredictionPass',
  'RunEvaluation',
  'Judge',
  'DidEvaluationPass',
  'WriteRecommendation',
  'Cleanup',
  'DidExecutionFail',
  'Succeeded',
];

interface Recommendation {
  policySet: PolicySet;
  capacity: { minCapacity: number; maxCapacity: number; reasons: { code: string; message: string }[] };
  search?: SearchSummary;
  reasons: { code: string; message: string }[];
  expectations: { minRps: number; maxRps: number };
}

/** What Application Auto Scaling was told, as policy-set fields: the target and the target tracking. */
function registeredPolicySet(aws: ReturnType<typeof createMockedAws>) {
  const targets = aws.autoScaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input);
  const puts = aws.autoScaling.commandCalls(PutScalingPolicyCommand).map((c) => c.args[0].input);
  assert.equal(targets.length, 1, 'one iteration: one RegisterScalableTarget');
  const invocations = puts.find(
    (p) =>
      p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.PredefinedMetricType ===
      'SageMakerVariantInvocationsPerInstance',
  )?.TargetTrackingScalingPolicyConfiguration;
  return {
    minCapacity: targets[0]?.MinCapacity,
    maxCapacity: targets[0]?.MaxCapacity,
    targetValue: invocations?.TargetValue,
    scaleOutCooldownSeconds: invocations?.ScaleOutCooldown,
    scaleInCooldownSeconds: invocations?.ScaleInCooldown,
  };
}

const fieldsOf = (set: PolicySet) => ({
  minCapacity: set.minCapacity,
  maxCapacity: set.maxCapacity,
  targetValue: set.invocationsTargetTracking?.targetValue,
  scaleOutCooldownSeconds: set.invocationsTargetTracking?.scaleOutCooldownSeconds,
  scaleInCooldownSeconds: set.invocationsTargetTracking?.scaleInCooldownSeconds,
});

/**
 * Runs the request on a scripted account (the history answered by `prepare`) and asserts what
 * every source shares: the states, the rates from the history, the pick registered, the cost
 * line, the run data in the results bucket and every request valid against botocore.
 */
async function runAndAssess(
  label: string,
  history: TrafficHistorySource,
  prepare: (aws: ReturnType<typeof createMockedAws>, account: ReturnType<typeof playAws>) => void,
) {
  const aws = createMockedAws(label);
  const account = playAws(aws, { metricData: answerHistory });
  prepare(aws, account);
  const maps: DistributedMapRun[] = [];
  const { ports, handlerOverrides } = awsWiring(aws.ports);
  // ReadHistory as production wires it on AWS; PlanSearch on the small grid.
  const readHistory = createReadHistoryHandler(ports, { awsLimits: true });
  const plan = createSearchPoliciesPlanHandler(ports, { grid: SMALL_SEARCH_GRID });

  const result = await runWorkflowLocally(requestWith(history), {
    ports,
    executionName: label,
    onDistributedMap: (map) => maps.push(map),
    handlerOverrides: {
      ...handlerOverrides,
      readHistory: (input) => readHistory(input, localLambdaContext('readHistory')),
      searchPoliciesPlan: (input) => plan(input, localLambdaContext('searchPoliciesPlan')),
    },
  });

  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  assert.deepEqual(mainStates(result.states), EXPECTED_STATES);
  assert.equal(result.states.filter((s) => s === 'EvaluateCandidateBatch').length, 1, 'one batch of 48');
  const recommendation = result.output as Recommendation;
  const search = recommendation.search;
  assert.ok(search, 'the recommendation carries the search');

  // The rates came from the history: its busiest minute (24,000/min = 400 rps), and the reasons say so.
  assert.equal(recommendation.expectations.maxRps, BURST_PER_MINUTE / 60);
  assert.ok(recommendation.expectations.minRps > 0 && recommendation.expectations.minRps <= 10);
  const fromHistory = recommendation.reasons.find((r) => r.code === 'TrafficFromHistory');
  assert.match(
    fromHistory?.message ?? '',
    /minRps [\d.]+ and maxRps 400 from the history .*absent from the request/,
  );

  // The pick is another candidate than the derivation, and it is what Application Auto Scaling got.
  assert.equal(search.derivedMeetsHistory, false, 'the derived set misses the SLO in the bursts');
  assert.ok(search.picked && search.picked.label !== DERIVED_CANDIDATE_LABEL, JSON.stringify(search.picked));
  assert.ok(search.picked.inSample.sloAttainment >= search.requiredSloAttainment);
  const registered = registeredPolicySet(aws);
  assert.deepEqual(registered, fieldsOf(recommendation.policySet), 'registered: the pick');
  assert.notDeepEqual(registered, fieldsOf(search.derivedPolicySet), 'not the derivation');
  // The evaluation endpoint starts at the MinCapacity it is registered with, and the
  // recommendation and its event state the capacity applied, saying it came from the search.
  const variants = aws.sagemaker
    .commandCalls(CreateEndpointConfigCommand)
    .map((c) => c.args[0].input.ProductionVariants?.map((v) => v.InitialInstanceCount));
  assert.deepEqual(variants, [[registered.minCapacity]]);
  assert.deepEqual(
    [recommendation.capacity.minCapacity, recommendation.capacity.maxCapacity],
    [registered.minCapacity, registered.maxCapacity],
  );
  if (registered.minCapacity !== search.derivedPolicySet.minCapacity)
    assert.ok(recommendation.capacity.reasons.some((r) => r.code === 'CapacityFromSearch'));
  const events = aws.eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]);
  assert.equal(events.length, 1);
  const scaling = (JSON.parse(events[0]?.Detail ?? '{}') as { scaling: Record<string, number> }).scaling;
  // The event announces what was registered (the pick), not the derived threshold.
  assert.deepEqual(
    [scaling.minCapacity, scaling.maxCapacity, scaling.invocationsPerInstance],
    [registered.minCapacity, registered.maxCapacity, registered.targetValue],
  );

  // The search's cost line: twin runs, GB-seconds and state transitions, beside the evaluation saved.
  assert.deepEqual(maps, [
    { state: 'SearchPolicies', items: search.candidates, childExecutions: 1, failedChildren: 0 },
  ]);
  assert.equal(search.cost.evaluationsSaved, 1);
  assert.ok(search.cost.lambdaGbSeconds > 0);
  const cost = recommendation.reasons.find((r) => r.code === 'SearchCost');
  assert.match(
    cost?.message ?? '',
    new RegExp(
      `${search.cost.twinRuns} twin runs, ${search.cost.lambdaGbSeconds} Lambda GB-seconds and ${search.cost.stateTransitions} state transitions .*saved 1 paid evaluation`,
    ),
  );

  // The history and the search's data went to the results bucket under the run, and were read back from there.
  const work = `recommendations/${runIdFor(localExecutionArn(label))}/work/`;
  const puts = aws.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
  const workKeys = puts.filter((p) => p.Key?.startsWith(work)).map((p) => p.Key?.slice(work.length));
  assert.deepEqual(workKeys, ['history.json', 'search.json', 'search-batch-0.json']);
  assert.ok(puts.every((p) => p.Bucket === BUCKET));
  const stored = JSON.parse(account.objects.get(`${BUCKET}/${work}history.json`) ?? '{}') as {
    invocationsPerMinute: (number | null)[];
  };
  assert.ok(stored.invocationsPerMinute.includes(null), 'a gap is kept as a gap');
  const reads = aws.s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input);
  assert.ok(reads.filter((r) => r.Key?.startsWith(work)).length >= 4, 'spec and history per batch, figures');
  return { aws, recommendation, result };
}

test('traffic.history of a production variant: CloudWatch read page by page, the search picks another set than the derivation, and AAS gets the pick', async (t) => {
  const { aws } = await runAndAssess(
    'search-history-cloudwatch',
    { ...PRODUCTION, days: 3 },
    () => undefined,
  );
  const history = aws.cloudWatch
    .commandCalls(GetMetricDataCommand)
    .map((c) => c.args[0].input)
    .filter((input) => answerHistory({ ...input, NextToken: undefined }) !== undefined);
  // 3 days = 4320 minutes less 3 gaps: 5 pages of 1000, following NextToken.
  assert.deepEqual(
    history.map((input) => input.NextToken),
    [undefined, '1000', '2000', '3000', '4000'],
  );
  const stat = history[0]?.MetricDataQueries?.[0]?.MetricStat;
  assert.deepEqual(stat, {
    Metric: {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocations',
      Dimensions: [
        { Name: 'EndpointName', Value: PRODUCTION.endpointName },
        { Name: 'VariantName', Value: PRODUCTION.variantName },
      ],
    },
    Period: 60,
    Stat: 'Sum',
  });
  const first = history[0];
  assert.ok(first?.StartTime instanceof Date && first.EndTime instanceof Date);
  const span = (first.EndTime.getTime() - first.StartTime.getTime()) / 1000;
  assert.equal(span, 3 * 86_400, 'the 3 days before the execution started');
  aws.recorder.assertAllValid(t, 40);
});

test('traffic.history as a trace in S3: read with GetObject, the search picks another set than the derivation, and AAS gets the pick', async (t) => {
  // Where docs/aws.md says to put it: the functions may read `traces/*` of the results bucket.
  const uri = `s3://${BUCKET}/traces/history.json`;
  const { aws } = await runAndAssess('search-history-s3', { s3Uri: uri }, (_, account) => {
    account.objects.set(`${BUCKET}/traces/history.json`, JSON.stringify(traceFile()));
  });
  const trace = aws.s3
    .commandCalls(GetObjectCommand)
    .map((c) => c.args[0].input)
    .filter((input) => input.Key?.startsWith('traces/'));
  assert.deepEqual(trace, [{ Bucket: BUCKET, Key: 'traces/history.json' }]);
  // No CloudWatch history is read: every GetMetricData is the benchmark's or the evaluation's.
  const history = aws.cloudWatch
    .commandCalls(GetMetricDataCommand)
    .filter((c) => answerHistory({ ...c.args[0].input, NextToken: undefined }) !== undefined);
  assert.equal(history.length, 0);
  aws.recorder.assertAllValid(t, 40);
});
