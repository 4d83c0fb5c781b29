/**
 * End to end on the AWS adapters: the real definition (statemachines/scaleplan.asl.yml) run by
 * aws-local-stepfunctions with the real handlers, wired to the real AWS adapters over
 * aws-sdk-client-mock'd clients that play SageMaker, Application Auto Scaling, CloudWatch, S3 and
 * EventBridge.
 * Scenarios: the happy path; a create that succeeded but answered 5XX (Cleanup deletes it by
 * name); an evaluation that fails once and is tuned (the second iteration's re-register, reset and
 * tuned policies); SDK throttling and AAS "not yet visible" answers retried; a PutEvents entry
 * refused (FailedEntryCount) and retried. Each asserts the states in order, what was deleted, the
 * run's S3 objects and EventBridge events, and that every request the run sent is valid against
 * botocore.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DeregisterScalableTargetCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceRecommendationsJobCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { runIdFor, runNames } from '../../shared/core/naming';
import { localExecutionArn, runWorkflowLocally } from '../../shared/workflow/local-runner';
import { evaluationMetricsOf } from '../fakes/ports';
import { ACCOUNT, awsError, BUCKET, createMockedAws } from './mocks';
import { awsWiring, playAws, sm } from './scripted-account';

const operations = (mock: { calls(): { args: unknown[] }[] }) =>
  mock.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''));

/** The states entered, without the Wait and Choice states of the poll loops. */
const mainStates = (states: string[]) => states.filter((s) => !/^(Wait|Is[A-Z])/.test(s));

const HEAD_STATES = [
  'ReceiveInput',
  'NormalizeInput',
  'CreateModelPackage',
  'StartRecommenderJob',
  'PollJob',
  'PollJob',
  'DeriveThresholds',
  'DeployEndpoint',
  'PollEndpoint',
  'PollEndpoint',
];
const ITERATION_STATES = [
  'RegisterPolicies',
  'SimulatePolicies',
  'DidPredictionPass',
  'RunEvaluation',
  'PollEvaluation',
  'PollEvaluation',
  'Judge',
  'DidEvaluationPass',
];
const SUCCESS_STATES = ['WriteRecommendation', 'Cleanup', 'DidExecutionFail', 'Succeeded'];

/** The objects a run writes under `recommendations/<runId>/`, with the Content-Type of each. */
const RUN_OBJECTS = [
  ['recommendation.json', 'application/json'],
  ['summary.md', 'text/markdown; charset=utf-8'],
  ['report.html', 'text/html; charset=utf-8'],
  ['exports/scaling.cfn.yml', 'application/yaml'],
  ['exports/scaling.tf', 'text/plain; charset=utf-8'],
  ['exports/scaling-construct.ts', 'text/plain; charset=utf-8'],
  ['exports/apply-scaling.sh', 'text/x-shellscript; charset=utf-8'],
];

const putObjects = (aws: ReturnType<typeof createMockedAws>): PutObjectCommandInput[] =>
  aws.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
const putEvents = (aws: ReturnType<typeof createMockedAws>): PutEventsCommandInput[] =>
  aws.eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input);

/** The one entry of a PutEvents request, its detail parsed (it must be JSON). */
function entryOf(input: PutEventsCommandInput | undefined) {
  assert.equal(input?.Entries?.length, 1, 'one entry per PutEvents');
  const entry = input?.Entries?.[0];
  assert.ok(entry?.Detail);
  // EventBridge's entry size: Source, DetailType, Detail and Resources, in UTF-8 bytes.
  const bytes = [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])].reduce(
    (sum, text) => sum + Buffer.byteLength(text ?? ''),
    0,
  );
  assert.ok(bytes < 256 * 1024, `${bytes} bytes`);
  return { ...entry, detail: JSON.parse(entry.Detail) as Record<string, unknown>, bytes };
}

const containerRequest = {
  name: 'churn',
  model: {
    kind: 'container',
    image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1`,
    modelDataUrl: 's3://models/churn/model.tar.gz',
    samplePayloadUrl: 's3://models/churn/payload.tar.gz',
    framework: 'XGBOOST',
    frameworkVersion: '1.5-1',
    nearestModelName: 'xgboost',
  },
  instanceType: 'ml.c5.large',
  traffic: { minRps: 70, maxRps: 500 },
  latencySlo: { percentile: 'P95', ms: 10000 },
};

test('happy path on the AWS adapters: the run succeeds, cleans up everything and every request is valid', async (t) => {
  const aws = createMockedAws('workflow-e2e');
  const account = playAws(aws);
  const request = containerRequest;

  const result = await runWorkflowLocally(request, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-happy-path',
  });

  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  // In order; PollJob twice: one IN_PROGRESS round, then COMPLETED.
  assert.deepEqual(mainStates(result.states), [...HEAD_STATES, ...ITERATION_STATES, ...SUCCESS_STATES]);

  const sagemakerOps = operations(aws.sagemaker);
  const count = (op: string) => sagemakerOps.filter((o) => o === op).length;
  // Everything created was deleted: model package and group, model, config, endpoint.
  assert.deepEqual(
    [
      'CreateModelPackageGroup',
      'CreateModelPackage',
      'CreateModel',
      'CreateEndpointConfig',
      'CreateEndpoint',
    ].map(count),
    [1, 1, 1, 1, 1],
  );
  assert.deepEqual(
    [
      'DeleteModelPackageGroup',
      'DeleteModelPackage',
      'DeleteModel',
      'DeleteEndpointConfig',
      'DeleteEndpoint',
    ].map(count),
    [1, 1, 1, 1, 1],
  );
  assert.equal(count('CreateInferenceRecommendationsJob'), 2, 'one Default job, one Advanced evaluation');
  assert.equal(
    aws.autoScaling.commandCalls(RegisterScalableTargetCommand).length,
    aws.autoScaling.commandCalls(DeregisterScalableTargetCommand).length,
  );
  assert.equal(account.alarms.size, 0, `alarms left: ${[...account.alarms].join(', ')}`);
  // Every object of a local run, keyed by run, each with its Content-Type; then one event.
  const runId = runIdFor(localExecutionArn('e2e-happy-path'));
  const prefix = `recommendations/${runId}/`;
  const puts = putObjects(aws);
  assert.ok(puts.every((put) => put.Bucket === BUCKET));
  assert.deepEqual(
    puts.map((put) => [put.Key?.replace(prefix, ''), put.ContentType]),
    RUN_OBJECTS,
  );
  const body = (name: string) => String(puts.find((put) => put.Key === `${prefix}${name}`)?.Body);
  assert.match(body('report.html'), /^<!doctype html>/i);
  assert.match(body('summary.md'), /## Verdict/);
  assert.match(body('exports/scaling.tf'), /resource "aws_appautoscaling_target"/);
  assert.match(body('exports/scaling.cfn.yml'), /AWS::ApplicationAutoScaling::ScalableTarget/);
  const recommendation = result.output as {
    capacity: { minCapacity: number; maxCapacity: number };
    objects: unknown;
  };
  const [eventInput, ...moreEvents] = putEvents(aws);
  assert.equal(moreEvents.length, 0, 'one event');
  const entry = entryOf(eventInput);
  assert.equal(entry.Source, 'scaleplan');
  assert.equal(entry.DetailType, 'Recommendation Ready');
  assert.equal(entry.EventBusName, 'default');
  assert.deepEqual(entry.Resources, [localExecutionArn('e2e-happy-path')]);
  const objects = {
    recommendation: `s3://${BUCKET}/${prefix}recommendation.json`,
    summary: `s3://${BUCKET}/${prefix}summary.md`,
    report: `s3://${BUCKET}/${prefix}report.html`,
    exports: {
      cloudformation: `s3://${BUCKET}/${prefix}exports/scaling.cfn.yml`,
      terraform: `s3://${BUCKET}/${prefix}exports/scaling.tf`,
      cdk: `s3://${BUCKET}/${prefix}exports/scaling-construct.ts`,
      cli: `s3://${BUCKET}/${prefix}exports/apply-scaling.sh`,
    },
  };
  assert.deepEqual(entry.detail.objects, objects);
  assert.deepEqual(recommendation.objects, objects, 'the execution output says where too');
  assert.equal(entry.detail.runId, runId);
  assert.equal(entry.detail.modelPackageArn, null, 'the package the run registered is deleted');
  assert.deepEqual((entry.detail.verdict as { passed: boolean }).passed, true);
  const scaling = entry.detail.scaling as { minCapacity: number; maxCapacity: number; policies: string[] };
  assert.deepEqual(
    [scaling.minCapacity, scaling.maxCapacity],
    [recommendation.capacity.minCapacity, recommendation.capacity.maxCapacity],
  );
  assert.ok(scaling.policies.includes('invocationsTargetTracking'));
  assert.ok(entry.bytes < 8 * 1024, `a small event: ${entry.bytes} bytes`);
  // The event goes out after the last object is in the bucket.
  const lastPut = aws.s3.commandCalls(PutObjectCommand).at(-1);
  const eventCall = aws.eventBridge.commandCalls(PutEventsCommand)[0];
  assert.ok(lastPut && eventCall?.calledAfter(lastPut));

  const evaluationJob = aws.sagemaker
    .commandCalls(CreateInferenceRecommendationsJobCommand)
    .map((c) => c.args[0].input)
    .find((input) => input.JobType === 'Advanced');
  assert.equal(evaluationJob?.StoppingConditions?.MaxInvocations, 30000);
  assert.deepEqual(evaluationJob?.StoppingConditions?.ModelLatencyThresholds, [
    { Percentile: 'P95', ValueInMilliseconds: 10000 },
  ]);

  aws.recorder.assertAllValid(t, 33);
});

test('a PutEvents entry refused (FailedEntryCount 1) is retried, not taken for published', async (t) => {
  const aws = createMockedAws('workflow-e2e-events-retry');
  playAws(aws);
  let attempts = 0;
  aws.eventBridge.on(PutEventsCommand).callsFake(() => {
    attempts += 1;
    return attempts === 1
      ? { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] }
      : { FailedEntryCount: 0, Entries: [{ EventId: 'event-2' }] };
  });

  const result = await runWorkflowLocally(containerRequest, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-events-retry',
  });

  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  assert.deepEqual(result.retries, [{ state: 'WriteRecommendation', error: 'TransientAwsError' }]);
  const events = putEvents(aws);
  assert.equal(events.length, 2);
  assert.deepEqual(events[1], events[0], 'the same event again');
  assert.equal(entryOf(events[1]).DetailType, 'Recommendation Ready');
  // The retried Task writes the same keys again: one set of objects, each written twice.
  const keys = putObjects(aws).map((put) => put.Key);
  assert.equal(keys.length, 2 * RUN_OBJECTS.length);
  assert.equal(new Set(keys).size, RUN_OBJECTS.length);
  aws.recorder.assertAllValid(t, 40);
});

/** Model, endpoint config and endpoint that exist in the fake account, by name. */
function trackHosting(aws: ReturnType<typeof createMockedAws>) {
  const existing = {
    model: new Set<string>(),
    endpointConfig: new Set<string>(),
    endpoint: new Set<string>(),
  };
  const create = (kind: keyof typeof existing, name: string, label: string) => {
    if (existing[kind].has(name))
      throw awsError('ValidationException', `Cannot create already existing ${label} "${name}".`);
    existing[kind].add(name);
  };
  const remove = (kind: keyof typeof existing, name: string, label: string) => {
    if (!existing[kind].delete(name))
      throw awsError('ValidationException', `Could not find ${label} "${name}".`);
    return {};
  };
  aws.sagemaker.on(CreateModelCommand).callsFake((input: { ModelName: string }) => {
    create('model', input.ModelName, 'model');
    return { ModelArn: sm('model', input.ModelName) };
  });
  aws.sagemaker.on(CreateEndpointConfigCommand).callsFake((input: { EndpointConfigName: string }) => {
    create('endpointConfig', input.EndpointConfigName, 'endpoint configuration');
    return { EndpointConfigArn: sm('endpoint-config', input.EndpointConfigName) };
  });
  aws.sagemaker.on(CreateEndpointCommand).callsFake((input: { EndpointName: string }) => {
    create('endpoint', input.EndpointName, 'endpoint');
    return { EndpointArn: sm('endpoint', input.EndpointName) };
  });
  aws.sagemaker
    .on(DeleteModelCommand)
    .callsFake((input: { ModelName: string }) => remove('model', input.ModelName, 'model'));
  aws.sagemaker
    .on(DeleteEndpointConfigCommand)
    .callsFake((input: { EndpointConfigName: string }) =>
      remove('endpointConfig', input.EndpointConfigName, 'endpoint configuration'),
    );
  aws.sagemaker
    .on(DeleteEndpointCommand)
    .callsFake((input: { EndpointName: string }) => remove('endpoint', input.EndpointName, 'endpoint'));
  return existing;
}

const packageRequest = {
  name: 'churn',
  model: { kind: 'modelPackage', modelPackageArn: sm('model-package', 'churn/3') },
  instanceType: 'ml.c5.large',
  traffic: { minRps: 70, maxRps: 500 },
  latencySlo: { percentile: 'P95', ms: 10000 },
};

test('a create that succeeded but answered 5XX, retried into "already exists" of its own, goes on and is deleted by Cleanup', async (t) => {
  const aws = createMockedAws('workflow-e2e-lost-create');
  playAws(aws);
  const existing = trackHosting(aws);
  // The first CreateEndpoint creates the endpoint on AWS, then the response is lost (500). The
  // undo cannot delete the endpoint config either (500): both are left for Cleanup, by name.
  let endpointCreates = 0;
  aws.sagemaker.on(CreateEndpointCommand).callsFake((input: { EndpointName: string }) => {
    endpointCreates += 1;
    if (existing.endpoint.has(input.EndpointName))
      throw awsError(
        'ValidationException',
        `Cannot create already existing endpoint "${input.EndpointName}".`,
      );
    existing.endpoint.add(input.EndpointName);
    if (endpointCreates === 1) throw awsError('InternalFailure', 'We encountered an internal error.', 500);
    return { EndpointArn: sm('endpoint', input.EndpointName) };
  });
  let configDeletes = 0;
  aws.sagemaker.on(DeleteEndpointConfigCommand).callsFake((input: { EndpointConfigName: string }) => {
    configDeletes += 1;
    if (configDeletes === 1) throw awsError('AccessDeniedException', 'not yet allowed', 400);
    if (!existing.endpointConfig.delete(input.EndpointConfigName))
      throw awsError(
        'ValidationException',
        `Could not find endpoint configuration "${input.EndpointConfigName}".`,
      );
    return {};
  });

  const result = await runWorkflowLocally(packageRequest, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-lost-create',
  });

  // The retry meets the endpoint config and the endpoint the first attempt made: both carry the
  // run's tags, so the retry adopts them and the run goes on (a lost response no longer aborts it).
  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  assert.deepEqual(result.retries[0], { state: 'DeployEndpoint', error: 'TransientAwsError' });
  assert.equal(endpointCreates, 2);
  // The adoption's DescribeEndpoint saw it Creating: the poll loop then finds it InService at once.
  assert.deepEqual(mainStates(result.states), [
    ...HEAD_STATES.slice(0, -1),
    ...ITERATION_STATES,
    ...SUCCESS_STATES,
  ]);
  // The endpoint never reached the ledger, yet it is gone: nothing keeps billing.
  assert.deepEqual(
    {
      endpoint: [...existing.endpoint],
      endpointConfig: [...existing.endpointConfig],
      model: [...existing.model],
    },
    { endpoint: [], endpointConfig: [], model: [] },
  );
  const { endpointName } = runNames('churn', runIdFor(localExecutionArn('e2e-lost-create')));
  assert.deepEqual(
    aws.sagemaker.commandCalls(DeleteEndpointCommand).map((c) => c.args[0].input.EndpointName),
    [endpointName],
  );
  // The run succeeded: one event, the recommendation's.
  assert.deepEqual(
    putEvents(aws).map((input) => entryOf(input).DetailType),
    ['Recommendation Ready'],
  );
  aws.recorder.assertAllValid(t, 10);
});

test('an evaluation that fails once is tuned and passes: the second iteration sends valid requests', async (t) => {
  const aws = createMockedAws('workflow-e2e-tuned');
  const account = playAws(aws, {
    // The first evaluation peaks at 24000/min (< 30000): failed; the second at 31000: passed.
    evaluation: (index) => evaluationMetricsOf({ peakPerMinute: index === 1 ? 24000 : 31000, p95Ms: 40 }),
    // Deploy: Creating, InService. After the first load test: Updating (still scaling), then
    // InService and only then the reset; after the reset: Updating, InService.
    endpointStatuses: ['Creating', 'InService', 'Updating', 'InService', 'Updating', 'InService'],
  });

  const result = await runWorkflowLocally(packageRequest, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-tuned',
  });

  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  assert.deepEqual(mainStates(result.states), [
    ...HEAD_STATES,
    ...ITERATION_STATES,
    'TunePolicies',
    'CanTuneAfterEvaluation',
    'PollEndpointBeforeReset',
    'PollEndpointBeforeReset',
    'ResetEndpoint',
    'PollEndpoint',
    'PollEndpoint',
    ...ITERATION_STATES,
    ...SUCCESS_STATES,
  ]);
  const recommendation = result.output as { policySet: { minCapacity: number }; iterations: unknown[] };
  assert.equal(recommendation.iterations.length, 2);

  // Between the evaluations, in this order: deregister, wait for InService, reset to the tuned
  // MinCapacity, wait, register again (sinon numbers calls across all clients).
  const sequence = [...aws.sagemaker.calls(), ...aws.autoScaling.calls()]
    .map((call) => ({
      order: (call as unknown as { callId: number }).callId,
      name: (call.args[0] as object).constructor.name.replace(/Command$/, ''),
    }))
    .sort((a, b) => a.order - b.order)
    .map((call) => call.name);
  const between = sequence.slice(
    sequence.indexOf('DeregisterScalableTarget'),
    sequence.lastIndexOf('RegisterScalableTarget') + 1,
  );
  assert.deepEqual(between, [
    'DeregisterScalableTarget',
    'DescribeEndpoint',
    'DescribeEndpoint',
    'UpdateEndpointWeightsAndCapacities',
    'DescribeEndpoint',
    'DescribeEndpoint',
    'RegisterScalableTarget',
  ]);
  const register = aws.autoScaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input);
  assert.equal(register.length, 2);
  const reset = aws.sagemaker
    .commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)
    .map((c) => c.args[0].input);
  assert.deepEqual(reset, [
    {
      EndpointName: runNames('churn', runIdFor(localExecutionArn('e2e-tuned'))).endpointName,
      DesiredWeightsAndCapacities: [
        { VariantName: 'AllTraffic', DesiredInstanceCount: recommendation.policySet.minCapacity },
      ],
    },
  ]);
  assert.equal(register[1]?.MinCapacity, recommendation.policySet.minCapacity);
  const policies = aws.autoScaling.commandCalls(PutScalingPolicyCommand).map((c) => c.args[0].input);
  const half = policies.length / 2;
  assert.ok(Number.isInteger(half) && half >= 2, `${policies.length} policies put`);
  assert.notDeepEqual(
    policies.slice(half),
    policies.slice(0, half),
    'the second iteration puts tuned policies',
  );
  // Deregistered once by tuning, once by clean-up.
  assert.equal(aws.autoScaling.commandCalls(DeregisterScalableTargetCommand).length, 2);
  assert.equal(
    aws.sagemaker
      .commandCalls(CreateInferenceRecommendationsJobCommand)
      .filter((c) => c.args[0].input.JobType === 'Advanced').length,
    2,
  );
  assert.equal(account.alarms.size, 0);
  aws.recorder.assertAllValid(t, 40);
});

test('throttled and not-yet-visible answers from the SDK are retried end to end', async (t) => {
  const aws = createMockedAws('workflow-e2e-throttled');
  playAws(aws, {
    // Right after RegisterScalableTarget the target is not visible yet; then, once it is, a throttle.
    slowTargetVisibility: true,
    failures: {
      CreateInferenceRecommendationsJob: [awsError('ThrottlingException', 'Rate exceeded')],
      DescribeEndpoint: [awsError('ServiceUnavailable', 'Service Unavailable', 503)],
      PutScalingPolicy: [awsError('ThrottlingException', 'Rate exceeded')],
      DeleteEndpoint: [awsError('ThrottlingException', 'Rate exceeded')],
    },
  });

  const result = await runWorkflowLocally(packageRequest, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-throttled',
  });

  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
  assert.deepEqual(result.retries, [
    { state: 'StartRecommenderJob', error: 'TransientAwsError' },
    { state: 'PollEndpoint', error: 'TransientAwsError' },
    { state: 'RegisterPolicies', error: 'TransientAwsError' },
    { state: 'RegisterPolicies', error: 'TransientAwsError' },
    { state: 'Cleanup', error: 'TransientAwsError' },
  ]);
  // A retried Task appears once in the states entered; its attempts are in `retries`.
  assert.deepEqual(mainStates(result.states), [...HEAD_STATES, ...ITERATION_STATES, ...SUCCESS_STATES]);
  const jobs = aws.sagemaker
    .commandCalls(CreateInferenceRecommendationsJobCommand)
    .map((c) => c.args[0].input);
  assert.deepEqual(
    jobs.map((job) => job.JobType),
    ['Default', 'Default', 'Advanced'],
    'the throttled Default job was sent again',
  );
  // The failed RegisterPolicies attempts left the target registered (a transient error undoes
  // nothing), so the retry's RegisterScalableTarget found it and the race was over: no deregister
  // until Cleanup, which deregistered it before the throttled DeleteEndpoint and once more on its
  // retry (the whole clean-up runs again; a target already gone counts as done).
  const scalingCalls = operations(aws.autoScaling);
  const policiesPerAttempt = aws.autoScaling.commandCalls(PutScalingPolicyCommand).length - 2;
  assert.deepEqual(scalingCalls.slice(0, 5 + policiesPerAttempt), [
    'RegisterScalableTarget',
    'PutScalingPolicy', // ValidationException: not visible yet
    'RegisterScalableTarget',
    'PutScalingPolicy', // ThrottlingException
    'RegisterScalableTarget',
    ...Array(policiesPerAttempt).fill('PutScalingPolicy'),
  ]);
  assert.equal(aws.autoScaling.commandCalls(RegisterScalableTargetCommand).length, 3);
  assert.equal(aws.autoScaling.commandCalls(DeregisterScalableTargetCommand).length, 2);
  // Each clean-up attempt checks the target's tags before deregistering it.
  assert.deepEqual(
    scalingCalls.slice(5 + policiesPerAttempt),
    Array(2).fill(['DescribeScalableTargets', 'ListTagsForResource', 'DeregisterScalableTarget']).flat(),
  );
  assert.deepEqual(
    aws.sagemaker.commandCalls(DeleteEndpointCommand).map((c) => c.args[0].input.EndpointName),
    Array(2).fill(runNames('churn', runIdFor(localExecutionArn('e2e-throttled'))).endpointName),
  );
  aws.recorder.assertAllValid(t, 30);
});

test("resources of the run's names that carry another run's tags are never adopted nor deleted", async (t) => {
  const aws = createMockedAws('workflow-e2e-foreign');
  const account = playAws(aws);
  const existing = trackHosting(aws);
  const { endpointName, jobName } = runNames('churn', runIdFor(localExecutionArn('e2e-foreign')));
  // Another team's model, config and endpoint under exactly the names this run derives, tagged
  // with their own run, and one more endpoint whose name only starts like the run's.
  const foreignTags = [{ Key: 'scaleplan:run-id', Value: 'someoneelse' }];
  for (const [kind, type] of [
    ['model', 'model'],
    ['endpointConfig', 'endpoint-config'],
    ['endpoint', 'endpoint'],
  ] as const) {
    existing[kind].add(endpointName);
    account.tags.seed(sm(type, endpointName), foreignTags);
  }
  existing.endpoint.add(`${endpointName}-2`);
  account.tags.seed(sm('endpoint', `${endpointName}-2`), foreignTags);

  const result = await runWorkflowLocally(packageRequest, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-foreign',
  });

  // CreateModel met "already exists" on a model that is not the run's: not retried, not adopted.
  assert.equal(result.status, 'FAILED');
  assert.equal(result.error?.name, 'AwsRequestError');
  assert.match(result.error?.cause ?? '', /already exists and is not this run's/);
  assert.deepEqual(
    mainStates(result.states),
    [
      ...HEAD_STATES.slice(0, HEAD_STATES.indexOf('DeployEndpoint') + 1),
      'Cleanup',
      'DidExecutionFail',
      'PublishFailureEvent',
      'FailExecution',
    ].filter((state) => result.states.includes(state)),
  );
  // Every foreign resource is still there, and no delete ever named one.
  assert.deepEqual(
    {
      endpoint: [...existing.endpoint].sort(),
      endpointConfig: [...existing.endpointConfig],
      model: [...existing.model],
    },
    { endpoint: [endpointName, `${endpointName}-2`], endpointConfig: [endpointName], model: [endpointName] },
  );
  for (const command of [DeleteModelCommand, DeleteEndpointConfigCommand, DeleteEndpointCommand] as const)
    assert.equal(aws.sagemaker.commandCalls(command as typeof DeleteModelCommand).length, 0, command.name);
  // The run's own Default job was stopped-or-finished by clean-up; nothing was written.
  assert.equal(putObjects(aws).length, 0);
  const [eventInput, ...moreEvents] = putEvents(aws);
  assert.equal(moreEvents.length, 0);
  const entry = entryOf(eventInput);
  assert.equal(entry.DetailType, 'Recommendation Failed');
  assert.deepEqual(entry.Resources, [localExecutionArn('e2e-foreign'), packageRequest.model.modelPackageArn]);
  const detail = entry.detail as {
    error: { name: string; cause: string };
    cleanup: { status: string; deleted: { items: { kind: string; name: string }[] }; error: unknown };
    modelPackageArn: string;
  };
  assert.equal(detail.error.name, 'AwsRequestError');
  assert.equal(detail.modelPackageArn, packageRequest.model.modelPackageArn);
  assert.equal(detail.cleanup.status, 'done');
  assert.equal(detail.cleanup.error, null);
  assert.ok(
    detail.cleanup.deleted.items.some((ref) => ref.kind === 'recommenderJob' && ref.name === jobName),
    JSON.stringify(detail.cleanup.deleted),
  );
  assert.ok(
    !detail.cleanup.deleted.items.some((ref) => ref.name === endpointName),
    JSON.stringify(detail.cleanup.deleted),
  );
  aws.recorder.assertAllValid(t, 10);
});

test('a second execution for a model version that already has one running is refused at NormalizeInput, creating nothing', async (t) => {
  const aws = createMockedAws('workflow-e2e-duplicate');
  playAws(aws);
  const self = localExecutionArn('e2e-duplicate');
  const earlier = localExecutionArn('e2e-first');
  aws.sfn.on(ListExecutionsCommand).resolves({
    executions: [
      {
        executionArn: self,
        stateMachineArn: 'sm',
        name: 'e2e-duplicate',
        status: 'RUNNING',
        startDate: new Date('2026-01-01T00:05:00Z'),
      },
      {
        executionArn: earlier,
        stateMachineArn: 'sm',
        name: 'e2e-first',
        status: 'RUNNING',
        startDate: new Date('2026-01-01T00:00:00Z'),
      },
    ],
  });
  aws.sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
    executionArn: input.executionArn,
    stateMachineArn: 'sm',
    status: 'RUNNING',
    startDate: new Date(input.executionArn === self ? '2026-01-01T00:05:00Z' : '2026-01-01T00:00:00Z'),
    input: JSON.stringify(packageRequest),
  }));

  const result = await runWorkflowLocally(packageRequest, {
    ...awsWiring(aws.ports),
    executionName: 'e2e-duplicate',
  });

  assert.equal(result.status, 'FAILED');
  assert.equal(result.error?.name, 'DuplicateExecutionError');
  assert.match(result.error?.cause ?? '', /e2e-first/);
  assert.equal(result.states.includes('CreateModelPackage'), false, result.states.join(', '));
  // Not one SageMaker, Application Auto Scaling or CloudWatch request: nothing exists to clean up.
  assert.deepEqual(
    [aws.sagemaker, aws.autoScaling, aws.cloudWatch].map((mock) => mock.calls().length),
    [0, 0, 0],
  );
  assert.deepEqual(
    aws.sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input),
    [
      {
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:scaleplan',
        statusFilter: 'RUNNING',
        maxResults: 100,
      },
    ],
  );
  aws.recorder.assertAllValid(t, 3);
});
