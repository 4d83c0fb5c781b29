/**
 * The sweeper over the real AWS adapters on aws-sdk-client-mock'd clients: a small consistent
 * account (an inventory of resources with their tags, Describe and ListTags answered from it,
 * each Delete removing its entry) holding what a run left and what belongs to others: another
 * team's model package version in the same group, another team's endpoint, and an alarm of the
 * run's derived name that another team tagged. The run's state comes from the execution's
 * history (GetExecutionHistory), as on AWS. Every request sent is checked against botocore.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandInput,
  ListTagsForResourceCommand as ListTargetTagsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand as ListAlarmTagsCommand,
} from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceRecommendationsJobCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  StopInferenceRecommendationsJobCommand,
} from '@aws-sdk/client-sagemaker';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { createSweeperHandler, type SweepResult } from '../../functions/sweeper/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import { RequestSchema } from '../../shared/contract/state';
import { runIdFor, runNames } from '../../shared/core/naming';
import { ownerTags } from '../../shared/core/ownership';
import { scalableTargetResourceId, scalingNames } from '../../shared/core/policies';
import type { ResourceRef } from '../../shared/core/ports';
import { ACCOUNT, awsError, createMockedAws, REGION } from './mocks';
import { alarmArn, sageMakerArn, targetArn } from './tagged-account';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:scaleplan-test`;
const EXECUTION = `arn:aws:states:${REGION}:${ACCOUNT}:execution:scaleplan-test:churn-7`;
const RUN_ID = runIdFor(EXECUTION);
const NAMES = { ...runNames('churn', RUN_ID), stateMachineArn: STATE_MACHINE };
const OWN_TAGS = ownerTags({ runId: RUN_ID, stateMachineArn: STATE_MACHINE }).map((t) => ({
  Key: t.key,
  Value: t.value,
}));
const OTHER_RUN_TAGS = ownerTags({ runId: 'zzzzzzzzzz', stateMachineArn: STATE_MACHINE }).map((t) => ({
  Key: t.key,
  Value: t.value,
}));
const TEAM_TAGS = [{ Key: 'team', Value: 'fraud' }];

/** A container model registered as a new version of the user's existing group. */
const REQUEST = RequestSchema.parse({
  ...JSON.parse(readFileSync('examples/request.container.json', 'utf8')),
  name: 'churn',
  model: {
    ...JSON.parse(readFileSync('examples/request.container.json', 'utf8')).model,
    modelPackageGroupName: 'churn-models',
  },
});
const TARGET_ID = scalableTargetResourceId(NAMES.endpointName, REQUEST.variantName);
const STEP_ALARM = scalingNames({
  endpointName: NAMES.endpointName,
  variantName: REQUEST.variantName,
}).stepAlarmName;
const OWN_VERSION = sageMakerArn('model-package', 'churn-models/7');
const FOREIGN_VERSION = sageMakerArn('model-package', 'churn-models/6');

/** What the run's ledger held at its newest state (the version, the job, the endpoint and its scaling). */
const LEDGER: ResourceRef[] = [
  { kind: 'modelPackage', name: 'churn-models/7', arn: OWN_VERSION },
  { kind: 'recommenderJob', name: NAMES.jobName },
  { kind: 'model', name: NAMES.endpointName },
  { kind: 'endpointConfig', name: NAMES.endpointName },
  { kind: 'endpoint', name: NAMES.endpointName },
  { kind: 'scalableTarget', name: TARGET_ID },
];

interface Entry {
  arn: string;
  tags: { Key: string; Value: string }[];
  /** Endpoint status, or job status. */
  statuses?: string[];
}

/**
 * The account: kind:name -> entry. Describe and ListTags read it; Delete, Deregister and Stop
 * change it. An endpoint's `statuses` are answered in turn (the last one stays).
 */
function account(
  aws: ReturnType<typeof createMockedAws>,
  run: { request: unknown; ledger: ResourceRef[] } = {
    request: REQUEST,
    ledger: [...LEDGER, { kind: 'evaluation', name: `${NAMES.base}-eval-1` }],
  },
) {
  const inventory = new Map<string, Entry>();
  const key = (kind: string, name: string) => `${kind}:${name.toLowerCase()}`;
  const find = (kind: string, name: string, service = 'SageMaker') => {
    const entry = inventory.get(key(kind, name));
    if (!entry) throw awsError('ValidationException', `Could not find ${kind} "${name}" (${service}).`);
    return entry;
  };
  const status = (entry: Entry) =>
    (entry.statuses && entry.statuses.length > 1 ? entry.statuses.shift() : entry.statuses?.[0]) ?? '';
  aws.sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      { timestamp: new Date(), type: 'ExecutionTimedOut', id: 412, previousEventId: 411 },
      {
        timestamp: new Date(),
        type: 'WaitStateEntered',
        id: 411,
        previousEventId: 410,
        stateEnteredEventDetails: {
          name: 'WaitForEvaluation',
          input: JSON.stringify({
            request: run.request,
            names: NAMES,
            ledger: run.ledger,
            iteration: { number: 1 },
          }),
        },
      },
      // An older state: the newest one wins.
      {
        timestamp: new Date(),
        type: 'TaskStateExited',
        id: 3,
        previousEventId: 2,
        stateExitedEventDetails: {
          name: 'NormalizeInput',
          output: JSON.stringify({ request: run.request, names: NAMES, ledger: [] }),
        },
      },
    ],
  });
  const sagemakerKinds = [
    [DescribeModelCommand, 'model', 'ModelName', 'ModelArn'],
    [DescribeEndpointConfigCommand, 'endpoint-config', 'EndpointConfigName', 'EndpointConfigArn'],
  ] as const;
  for (const [command, kind, field, arnField] of sagemakerKinds)
    aws.sagemaker
      .on(command as typeof DescribeModelCommand)
      .callsFake((input: Record<string, string>) => ({ [arnField]: find(kind, input[field] ?? '').arn }));
  aws.sagemaker.on(DescribeModelPackageCommand).callsFake((input: { ModelPackageName: string }) => ({
    ModelPackageArn: find('model-package', input.ModelPackageName).arn,
  }));
  aws.sagemaker.on(DescribeEndpointCommand).callsFake((input: { EndpointName: string }) => {
    const entry = find('endpoint', input.EndpointName);
    return { EndpointName: input.EndpointName, EndpointArn: entry.arn, EndpointStatus: status(entry) };
  });
  aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).callsFake((input: { JobName: string }) => {
    const entry = find('inference-recommendations-job', input.JobName);
    return { JobName: input.JobName, JobArn: entry.arn, Status: status(entry) };
  });
  aws.sagemaker.on(ListTagsCommand).callsFake((input: { ResourceArn: string }) => {
    const entry = [...inventory.values()].find((e) => e.arn === input.ResourceArn.toLowerCase());
    if (!entry) throw awsError('ValidationException', `Could not find resource ${input.ResourceArn}`);
    return { Tags: entry.tags };
  });
  const remove = (kind: string) => (input: Record<string, string>) => {
    const name = Object.values(input)[0] ?? '';
    const arnNamed = [...inventory].find(([, e]) => e.arn === name.toLowerCase());
    if (arnNamed) inventory.delete(arnNamed[0]);
    else {
      find(kind, name);
      inventory.delete(key(kind, name));
    }
    return {};
  };
  aws.sagemaker
    .on(DescribeModelPackageGroupCommand)
    .callsFake((input: { ModelPackageGroupName: string }) => ({
      ModelPackageGroupArn: find('model-package-group', input.ModelPackageGroupName).arn,
    }));
  const versionsOf = (group: string) =>
    [...inventory.values()].filter((e) => e.arn.startsWith(sageMakerArn('model-package', `${group}/`)));
  aws.sagemaker.on(ListModelPackagesCommand).callsFake((input: { ModelPackageGroupName: string }) => {
    find('model-package-group', input.ModelPackageGroupName);
    return {
      ModelPackageSummaryList: versionsOf(input.ModelPackageGroupName).map((e) => ({
        ModelPackageArn: e.arn,
        ModelPackageGroupName: input.ModelPackageGroupName,
        CreationTime: new Date(),
        ModelPackageStatus: 'Completed',
      })),
    };
  });
  aws.sagemaker.on(DeleteModelPackageGroupCommand).callsFake((input: { ModelPackageGroupName: string }) => {
    find('model-package-group', input.ModelPackageGroupName);
    if (versionsOf(input.ModelPackageGroupName).length > 0)
      throw awsError(
        'ValidationException',
        `Model package group ${input.ModelPackageGroupName} is not empty`,
      );
    inventory.delete(key('model-package-group', input.ModelPackageGroupName));
    return {};
  });
  aws.sagemaker.on(DeleteModelCommand).callsFake(remove('model'));
  aws.sagemaker.on(DeleteEndpointConfigCommand).callsFake(remove('endpoint-config'));
  aws.sagemaker.on(DeleteEndpointCommand).callsFake(remove('endpoint'));
  aws.sagemaker.on(DeleteModelPackageCommand).callsFake(remove('model-package'));
  aws.sagemaker.on(StopInferenceRecommendationsJobCommand).callsFake((input: { JobName: string }) => {
    find('inference-recommendations-job', input.JobName).statuses = ['STOPPED'];
    return {};
  });
  aws.autoScaling
    .on(DescribeScalableTargetsCommand)
    .callsFake((input: DescribeScalableTargetsCommandInput) => ({
      ScalableTargets: (input.ResourceIds ?? [])
        .filter((id) => inventory.has(key('scalable-target', id)))
        .map((ResourceId) => ({
          ServiceNamespace: 'sagemaker',
          ResourceId,
          ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
          MinCapacity: 1,
          MaxCapacity: 4,
          RoleARN: 'arn:aws:iam::123456789012:role/aws-service-role/x',
          CreationTime: new Date(),
          ScalableTargetARN: targetArn(ResourceId),
        })),
    }));
  aws.autoScaling.on(ListTargetTagsCommand).callsFake((input: { ResourceARN: string }) => {
    const entry = [...inventory.values()].find((e) => e.arn === input.ResourceARN.toLowerCase());
    return { Tags: Object.fromEntries((entry?.tags ?? []).map((t) => [t.Key, t.Value])) };
  });
  aws.autoScaling.on(DeregisterScalableTargetCommand).callsFake((input: { ResourceId: string }) => {
    find('scalable-target', input.ResourceId, 'Application Auto Scaling');
    inventory.delete(key('scalable-target', input.ResourceId));
    return {};
  });
  aws.cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
    MetricAlarms: (input.AlarmNames ?? [])
      .filter((name) => inventory.has(key('alarm', name)))
      .map((AlarmName) => ({ AlarmName, AlarmArn: alarmArn(AlarmName) })),
  }));
  aws.cloudWatch.on(ListAlarmTagsCommand).callsFake((input: { ResourceARN: string }) => ({
    Tags: [...inventory.values()].find((e) => e.arn === input.ResourceARN.toLowerCase())?.tags ?? [],
  }));
  aws.cloudWatch.on(DeleteAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => {
    for (const name of input.AlarmNames) inventory.delete(key('alarm', name));
    return {};
  });
  aws.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  return {
    inventory,
    add(kind: string, name: string, tags: Entry['tags'], statuses?: string[], arn?: string) {
      const resourceArn = (
        arn ??
        (kind === 'alarm'
          ? alarmArn(name)
          : kind === 'scalable-target'
            ? targetArn(name)
            : sageMakerArn(kind, name))
      ).toLowerCase();
      inventory.set(key(kind, name), { arn: resourceArn, tags, ...(statuses ? { statuses } : {}) });
    },
    has: (kind: string, name: string) => inventory.has(key(kind, name)),
  };
}

/** What the run left when the execution timed out, and what others own. */
function seedLeftovers(fake: ReturnType<typeof account>, endpointStatuses = ['InService']) {
  fake.add('model-package', 'churn-models/7', OWN_TAGS, undefined, OWN_VERSION);
  fake.add('inference-recommendations-job', NAMES.jobName, OWN_TAGS, ['COMPLETED']);
  fake.add('model', NAMES.endpointName, OWN_TAGS);
  fake.add('endpoint-config', NAMES.endpointName, OWN_TAGS);
  fake.add('endpoint', NAMES.endpointName, OWN_TAGS, endpointStatuses);
  fake.add('scalable-target', TARGET_ID, OWN_TAGS);
  fake.add('inference-recommendations-job', `${NAMES.base}-eval-1`, OWN_TAGS, ['IN_PROGRESS']);
  // Others': a version in the same group, a team's endpoint, an alarm of the run's name.
  fake.add('model-package', 'churn-models/6', TEAM_TAGS, undefined, FOREIGN_VERSION);
  fake.add('endpoint', 'fraud-prod', TEAM_TAGS, ['InService']);
  fake.add('endpoint', `churn-zzzzzzzzzz-eval`, OTHER_RUN_TAGS, ['InService']);
  fake.add('alarm', STEP_ALARM, TEAM_TAGS);
}

function statusEvent(status: string, stateMachineArn = STATE_MACHINE, executionArn = EXECUTION) {
  return {
    version: '0',
    id: 'b1f2c3d4-0000-4000-8000-000000000001',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: ACCOUNT,
    time: '2026-12-02T02:00:00Z',
    region: REGION,
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn,
      name: 'churn-7',
      status,
      startDate: 1764640800000,
      stopDate: 1764644400000,
      input: '{}',
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: status === 'TIMED_OUT' ? 'States.Timeout' : null,
      cause: null,
    },
  };
}

function sweeperOver(aws: ReturnType<typeof createMockedAws>, sleeps: number[] = []) {
  let clock = 0;
  return createSweeperHandler(aws.ports, {
    stateMachineArn: () => STATE_MACHINE,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
}

/** Names of the mutating requests sent since `from` (per mock, in order). */
const READ_ONLY = /^(Describe|List|Get)/;
function mutatingCalls(aws: ReturnType<typeof createMockedAws>): string[] {
  return [aws.sagemaker, aws.autoScaling, aws.cloudWatch, aws.eventBridge, aws.sfn]
    .flatMap((mock) =>
      mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')),
    )
    .filter((name) => !READ_ONLY.test(name));
}

test('TIMED_OUT with an InService endpoint left: everything of the run is deleted, others survive, and a second delivery sends nothing that mutates', async (t) => {
  const aws = createMockedAws('sweeper-timed-out');
  const fake = account(aws);
  seedLeftovers(fake);
  const sweep = sweeperOver(aws);

  const result = (await sweep(statusEvent('TIMED_OUT'), localLambdaContext('sweeper'))) as SweepResult;

  assert.equal(result.swept, true, result.reason);
  assert.equal(result.runId, RUN_ID);
  assert.deepEqual(mutatingCalls(aws), [
    'StopInferenceRecommendationsJob',
    'DeleteEndpoint',
    'DeleteEndpointConfig',
    'DeleteModel',
    'DeleteModelPackage',
    'DeregisterScalableTarget',
  ]);
  // The order Cleanup keeps: the evaluation first, the endpoint before its config and model.
  assert.deepEqual(
    aws.sagemaker.commandCalls(DeleteModelPackageCommand).map((c) => c.args[0].input.ModelPackageName),
    [OWN_VERSION],
  );
  for (const [kind, name] of [
    ['model-package', 'churn-models/7'],
    ['model', NAMES.endpointName],
    ['endpoint-config', NAMES.endpointName],
    ['endpoint', NAMES.endpointName],
    ['scalable-target', TARGET_ID],
  ] as const)
    assert.equal(fake.has(kind, name), false, `${kind} ${name} deleted`);
  for (const [kind, name] of [
    ['model-package', 'churn-models/6'],
    ['endpoint', 'fraud-prod'],
    ['endpoint', 'churn-zzzzzzzzzz-eval'],
    ['alarm', STEP_ALARM],
  ] as const)
    assert.equal(fake.has(kind, name), true, `${kind} ${name} survives`);
  assert.deepEqual(
    result.cleanup?.notOwned?.map((ref) => ref.name),
    [STEP_ALARM],
  );
  assert.equal(
    aws.sagemaker.commandCalls(DeleteModelPackageGroupCommand).length,
    0,
    "the user's group stays",
  );

  const before = mutatingCalls(aws).length;
  const again = (await sweep(statusEvent('TIMED_OUT'), localLambdaContext('sweeper'))) as SweepResult;
  assert.equal(again.swept, true);
  assert.deepEqual(mutatingCalls(aws).slice(before), [], 'a second delivery mutates nothing');
  // Jobs cannot be deleted: an ended one counts as done each time, with no Stop sent.
  assert.deepEqual(
    again.cleanup?.deleted.map((ref) => ref.kind),
    ['evaluation', 'recommenderJob'],
  );

  aws.reset();
  aws.recorder.assertAllValid(t, 20);
});

test('an endpoint still Creating is deleted once it settles, after pauses that grow', async (t) => {
  const aws = createMockedAws('sweeper-creating');
  const fake = account(aws);
  seedLeftovers(fake, ['Creating', 'Creating', 'Creating', 'InService']);
  const sleeps: number[] = [];

  const result = (await sweeperOver(aws, sleeps)(
    statusEvent('ABORTED'),
    localLambdaContext('sweeper'),
  )) as SweepResult;

  assert.equal(result.swept, true);
  assert.equal(result.attempts, 4);
  assert.deepEqual(sleeps, [10_000, 20_000, 40_000]);
  assert.equal(fake.has('endpoint', NAMES.endpointName), false);
  assert.equal(aws.sagemaker.commandCalls(DeleteEndpointCommand).length, 1);
  aws.reset();
  aws.recorder.assertAllValid(t, 10);
});

test('a delete that is refused leaves the resource: the error and "Recommendation Failed" name it by ARN', async (t) => {
  const aws = createMockedAws('sweeper-denied');
  const fake = account(aws);
  seedLeftovers(fake);
  aws.sagemaker
    .on(DeleteEndpointCommand)
    .rejects(awsError('AccessDeniedException', 'not authorized to perform: sagemaker:DeleteEndpoint'));

  await assert.rejects(
    sweeperOver(aws)(statusEvent('FAILED'), localLambdaContext('sweeper')),
    (error: Error) => {
      assert.equal(error.name, 'AwsRequestError');
      assert.match(error.message, new RegExp(sageMakerArn('endpoint', NAMES.endpointName)));
      return true;
    },
  );
  assert.equal(fake.has('endpoint', NAMES.endpointName), true);
  const entries = aws.eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]);
  assert.equal(entries.length, 1);
  assert.equal(entries[0]?.DetailType, 'Recommendation Failed');
  const detail = JSON.parse(entries[0]?.Detail ?? '{}');
  assert.equal(detail.runId, RUN_ID);
  assert.equal(detail.cleanup.status, 'failed');
  assert.match(detail.cleanup.error.cause, new RegExp(sageMakerArn('endpoint', NAMES.endpointName)));
  aws.reset();
  aws.recorder.assertAllValid(t, 10);
});

test('a SUCCEEDED execution, another state machine, or a run state of another run id: nothing is read or deleted', async (t) => {
  const aws = createMockedAws('sweeper-ignored');
  const fake = account(aws);
  seedLeftovers(fake);
  const sweep = sweeperOver(aws);
  const other = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:scaleplan-prod`;

  const succeeded = (await sweep(statusEvent('SUCCEEDED'), localLambdaContext('sweeper'))) as SweepResult;
  const foreign = (await sweep(
    statusEvent('FAILED', other, `arn:aws:states:${REGION}:${ACCOUNT}:execution:scaleplan-prod:churn-7`),
    localLambdaContext('sweeper'),
  )) as SweepResult;
  const mismatched = (await sweep(
    statusEvent('FAILED', STATE_MACHINE, `${other.replace('stateMachine', 'execution')}:churn-7`),
    localLambdaContext('sweeper'),
  )) as SweepResult;

  assert.deepEqual(
    [succeeded.swept, foreign.swept, mismatched.swept],
    [false, false, false],
    [succeeded.reason, foreign.reason, mismatched.reason].join(' | '),
  );
  assert.match(succeeded.reason, /SUCCEEDED/);
  assert.match(foreign.reason, /scaleplan-prod is not/);
  assert.equal(
    [aws.sagemaker, aws.autoScaling, aws.cloudWatch, aws.eventBridge, aws.sfn].reduce(
      (sum, mock) => sum + mock.calls().length,
      0,
    ),
    0,
  );

  // The history of an execution of this machine whose states carry another run id: nothing found.
  const elsewhere = `arn:aws:states:${REGION}:${ACCOUNT}:execution:scaleplan-test:churn-8`;
  const none = (await sweep(
    statusEvent('FAILED', STATE_MACHINE, elsewhere),
    localLambdaContext('sweeper'),
  )) as SweepResult;
  assert.equal(none.swept, false);
  assert.match(none.reason, /holds no state of run/);
  assert.deepEqual(mutatingCalls(aws), []);
  aws.reset();
  aws.recorder.assertAllValid(t, 1);
});

test('the group is deleted only when the run registered it: a run without modelPackageGroupName loses its own group and version', async (t) => {
  const { modelPackageGroupName: _, ...model } = REQUEST.model as typeof REQUEST.model & {
    modelPackageGroupName?: string;
  };
  const request = RequestSchema.parse({ ...REQUEST, model });
  const group = NAMES.modelPackageGroupName;
  const version = sageMakerArn('model-package', `${group}/1`);
  const aws = createMockedAws('sweeper-own-group');
  const fake = account(aws, {
    request,
    ledger: [
      { kind: 'modelPackageGroup', name: group },
      { kind: 'modelPackage', name: `${group}/1`, arn: version },
      ...LEDGER.slice(1),
    ],
  });
  seedLeftovers(fake);
  fake.add('model-package-group', group, OWN_TAGS);
  fake.add('model-package', `${group}/1`, OWN_TAGS, undefined, version);

  const result = (await sweeperOver(aws)(
    statusEvent('ABORTED'),
    localLambdaContext('sweeper'),
  )) as SweepResult;

  assert.equal(result.swept, true, result.reason);
  assert.equal(fake.has('model-package-group', group), false, "the run's group is deleted");
  assert.equal(fake.has('model-package', `${group}/1`), false);
  assert.deepEqual(
    aws.sagemaker
      .commandCalls(DeleteModelPackageGroupCommand)
      .map((c) => c.args[0].input.ModelPackageGroupName),
    [group],
  );
  // The first test's run names the user's group: no DeleteModelPackageGroup is ever sent for it.
  assert.equal(fake.has('model-package', 'churn-models/6'), true);
  aws.reset();
  aws.recorder.assertAllValid(t, 10);
});
