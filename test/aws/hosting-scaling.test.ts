/**
 * HostingPort, ScalingPort (with the requests the core's buildScalingRequests builds), CleanupPort
 * and ArtifactStorePort on mocked clients: exact inputs, partial creation undone, throttling ->
 * TransientAwsError, not found -> 'notFound', bad input -> a clear error before any call.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  ConcurrentUpdateException,
  DeregisterScalableTargetCommand,
  LimitExceededException,
  ObjectNotFoundException,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  ValidationException,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeInferenceRecommendationsJobCommand,
  ListModelPackagesCommand,
  StopInferenceRecommendationsJobCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { createAwsPorts } from '../../shared/adapters/aws';
import { buildScalingRequests, withAlarmAction } from '../../shared/core/policies';
import type { ResourceRef } from '../../shared/core/ports';
import type { PolicySet } from '../../shared/core/types';
import { awsSamplePolicySet } from '../fixtures/aws-sample';
import { ACCOUNT, awsError, BUCKET, createMockedAws, ROLE_ARN } from './mocks';

const aws = createMockedAws('hosting-scaling');
beforeEach(() => aws.reset());

const PACKAGE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/demo-run1/1`;
const smArn = (kind: string, name: string) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:${kind}/${name}`;
const ENDPOINT_INPUT = {
  endpointName: 'demo-run1-eval',
  modelPackageArn: PACKAGE_ARN,
  instanceType: 'ml.c5.large',
  variantName: 'AllTraffic',
  initialInstanceCount: 1,
};

describe('HostingPort', () => {
  test('createEndpoint creates model, config and endpoint from the package, in that order', async () => {
    aws.sagemaker.on(CreateModelCommand).resolves({ ModelArn: smArn('model', 'demo-run1-eval') });
    aws.sagemaker
      .on(CreateEndpointConfigCommand)
      .resolves({ EndpointConfigArn: smArn('endpoint-config', 'demo-run1-eval') });
    aws.sagemaker.on(CreateEndpointCommand).resolves({ EndpointArn: smArn('endpoint', 'demo-run1-eval') });

    const created = await aws.ports.hosting.createEndpoint(ENDPOINT_INPUT);

    assert.deepEqual(aws.sagemaker.commandCalls(CreateModelCommand)[0]?.args[0].input, {
      ModelName: 'demo-run1-eval',
      ExecutionRoleArn: ROLE_ARN,
      PrimaryContainer: { ModelPackageName: PACKAGE_ARN },
    });
    assert.deepEqual(aws.sagemaker.commandCalls(CreateEndpointConfigCommand)[0]?.args[0].input, {
      EndpointConfigName: 'demo-run1-eval',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'demo-run1-eval',
          InstanceType: 'ml.c5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    });
    assert.deepEqual(aws.sagemaker.commandCalls(CreateEndpointCommand)[0]?.args[0].input, {
      EndpointName: 'demo-run1-eval',
      EndpointConfigName: 'demo-run1-eval',
    });
    assert.deepEqual(created, [
      { kind: 'model', name: 'demo-run1-eval', arn: smArn('model', 'demo-run1-eval') },
      { kind: 'endpointConfig', name: 'demo-run1-eval', arn: smArn('endpoint-config', 'demo-run1-eval') },
      { kind: 'endpoint', name: 'demo-run1-eval', arn: smArn('endpoint', 'demo-run1-eval') },
    ]);
  });

  test('a refused CreateEndpoint deletes the config and model created before it, then throws', async () => {
    aws.sagemaker.on(CreateModelCommand).resolves({ ModelArn: 'arn:m' });
    aws.sagemaker.on(CreateEndpointConfigCommand).resolves({ EndpointConfigArn: 'arn:c' });
    aws.sagemaker
      .on(CreateEndpointCommand)
      .rejects(awsError('ResourceLimitExceeded', 'account-level service limit of ml.c5.large is 0'));
    aws.sagemaker.on(DeleteEndpointConfigCommand).resolves({});
    aws.sagemaker.on(DeleteModelCommand).resolves({});

    await assert.rejects(aws.ports.hosting.createEndpoint(ENDPOINT_INPUT), {
      name: 'AwsRequestError',
      message: /^unable to create endpoint demo-run1-eval: ResourceLimitExceeded/,
    });
    const deletes = aws.sagemaker
      .calls()
      .map((call) => (call.args[0] as object).constructor.name)
      .filter((name) => name.startsWith('Delete'));
    assert.deepEqual(deletes, ['DeleteEndpointConfigCommand', 'DeleteModelCommand']);
  });

  test('an undo that fails itself keeps the original error name and names what is left', async () => {
    aws.sagemaker.on(CreateModelCommand).resolves({ ModelArn: 'arn:m' });
    aws.sagemaker.on(CreateEndpointConfigCommand).resolves({ EndpointConfigArn: 'arn:c' });
    aws.sagemaker.on(CreateEndpointCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    aws.sagemaker
      .on(DeleteEndpointConfigCommand)
      .rejects(awsError('AccessDeniedException', 'no sagemaker:DeleteEndpointConfig'));
    aws.sagemaker.on(DeleteModelCommand).resolves({});

    await assert.rejects(aws.ports.hosting.createEndpoint(ENDPOINT_INPUT), {
      // Still retryable: the retry (or Cleanup, by the run's names) deletes the config.
      name: 'TransientAwsError',
      message:
        /^unable to create endpoint demo-run1-eval: ThrottlingException: Rate exceeded; could not undo endpointConfig demo-run1-eval \(unable to delete endpoint config demo-run1-eval: AccessDeniedException/,
    });
    // The model after the config: one failed undo does not stop the others.
    assert.equal(aws.sagemaker.commandCalls(DeleteModelCommand).length, 1);
  });

  for (const [name, input, pattern] of [
    ['an endpoint name with a dot', { ...ENDPOINT_INPUT, endpointName: 'demo.eval' }, /endpoint name/],
    ['zero initial instances', { ...ENDPOINT_INPUT, initialInstanceCount: 0 }, /initialInstanceCount 0/],
  ] as const) {
    test(`createEndpoint with ${name} is InvalidInputError with no call`, async () => {
      await assert.rejects(aws.ports.hosting.createEndpoint(input), {
        name: 'InvalidInputError',
        message: pattern,
      });
      assert.equal(aws.sagemaker.calls().length, 0);
    });
  }

  test('describeEndpoint maps the status and the failure reason', async () => {
    aws.sagemaker
      .on(DescribeEndpointCommand, { EndpointName: 'up' })
      .resolves({
        EndpointName: 'up',
        EndpointArn: 'arn:e',
        EndpointStatus: 'InService',
        CreationTime: new Date(),
        LastModifiedTime: new Date(),
      })
      .on(DescribeEndpointCommand, { EndpointName: 'down' })
      .resolves({
        EndpointName: 'down',
        EndpointArn: 'arn:e',
        EndpointStatus: 'Failed',
        FailureReason: 'image not found',
        CreationTime: new Date(),
        LastModifiedTime: new Date(),
      });
    assert.deepEqual(await aws.ports.hosting.describeEndpoint('up'), { status: 'InService' });
    assert.deepEqual(await aws.ports.hosting.describeEndpoint('down'), {
      status: 'Failed',
      failureReason: 'image not found',
    });
  });

  test('describeEndpoint of a missing endpoint is ResourceNotFoundError (SageMaker says ValidationException)', async () => {
    aws.sagemaker
      .on(DescribeEndpointCommand)
      .rejects(
        awsError('ValidationException', 'Could not find endpoint "arn:aws:sagemaker:...:endpoint/gone".'),
      );
    await assert.rejects(aws.ports.hosting.describeEndpoint('gone'), {
      name: 'ResourceNotFoundError',
      message: /^unable to describe endpoint gone: ValidationException: Could not find endpoint/,
    });
  });

  const resetRefusals = [
    {
      name: 'an endpoint still updating (scaling after the load test)',
      error: awsError(
        'ValidationException',
        'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep".',
      ),
      expected: 'TransientAwsError',
    },
    {
      name: 'a capacity the account cannot have',
      error: awsError('ValidationException', 'DesiredInstanceCount must be less than or equal to 10'),
      expected: 'AwsRequestError',
    },
    {
      name: 'throttling',
      error: awsError('ThrottlingException', 'Rate exceeded'),
      expected: 'TransientAwsError',
    },
  ];
  for (const c of resetRefusals) {
    test(`resetInstanceCount refused for ${c.name} is ${c.expected}`, async () => {
      aws.sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).rejects(c.error);
      await assert.rejects(
        aws.ports.hosting.resetInstanceCount({
          endpointName: 'ep',
          variantName: 'AllTraffic',
          instanceCount: 1,
        }),
        {
          name: c.expected,
          message: new RegExp(`^unable to reset the instance count of endpoint ep: ${c.error.name}: `),
        },
      );
    });
  }

  test('a retried reset whose first update took effect (lost response) is done: the variant already asks for it', async () => {
    aws.sagemaker
      .on(UpdateEndpointWeightsAndCapacitiesCommand)
      .rejects(
        awsError(
          'ValidationException',
          'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/ep".',
        ),
      );
    aws.sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'ep',
      EndpointStatus: 'Updating',
      ProductionVariants: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 2, CurrentInstanceCount: 5 }],
    });
    await aws.ports.hosting.resetInstanceCount({
      endpointName: 'ep',
      variantName: 'AllTraffic',
      instanceCount: 2,
    });
    // Another count in flight (a scaling activity): still busy, retried.
    await assert.rejects(
      aws.ports.hosting.resetInstanceCount({
        endpointName: 'ep',
        variantName: 'AllTraffic',
        instanceCount: 1,
      }),
      {
        name: 'TransientAwsError',
        message: /^unable to reset the instance count of endpoint ep: ValidationException/,
      },
    );
  });

  test('resetInstanceCount sends UpdateEndpointWeightsAndCapacities for the variant', async () => {
    aws.sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({ EndpointArn: 'arn:e' });
    await aws.ports.hosting.resetInstanceCount({
      endpointName: 'ep',
      variantName: 'AllTraffic',
      instanceCount: 2,
    });
    assert.deepEqual(
      aws.sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)[0]?.args[0].input,
      {
        EndpointName: 'ep',
        DesiredWeightsAndCapacities: [{ VariantName: 'AllTraffic', DesiredInstanceCount: 2 }],
      },
    );
  });
});

/** The AWS sample's plan (1..8 instances, 4987 invocations per instance, CPU 100 on 2 vCPUs) with two schedules. */
const SAMPLE_POLICY_SET: PolicySet = awsSamplePolicySet({
  scheduledActions: [
    {
      name: 'weekday-evening',
      schedule: 'cron(0 18 ? * MON-FRI *)',
      timezone: 'Europe/Paris',
      minCapacity: 2,
    },
    { name: 'night', schedule: 'cron(0 1 * * ? *)', maxCapacity: 4 },
  ],
});

const POLICY_SETS: { name: string; set: PolicySet }[] = [
  {
    name: "the AWS sample's full set (two target trackings, step + alarm, two schedules)",
    set: SAMPLE_POLICY_SET,
  },
  {
    name: 'invocations target tracking only, smooth cooldowns',
    set: {
      minCapacity: 2,
      maxCapacity: 20,
      invocationsTargetTracking: {
        targetValue: 3000,
        scaleOutCooldownSeconds: 300,
        scaleInCooldownSeconds: 300,
        disableScaleIn: false,
      },
      scheduledActions: [],
    },
  },
  {
    name: 'CPU and step scaling, one-instance range',
    set: {
      minCapacity: 1,
      maxCapacity: 1,
      cpuTargetTracking: {
        targetValue: 140,
        scaleOutCooldownSeconds: 0,
        scaleInCooldownSeconds: 600,
        disableScaleIn: true,
      },
      stepScaling: { ...SAMPLE_POLICY_SET.stepScaling!, steps: [{ lower: 0, upper: null, adjustment: 2 }] },
      scheduledActions: [
        { name: 'once', schedule: 'at(2030-01-01T00:00:00)', minCapacity: 1, maxCapacity: 1 },
      ],
    },
  },
];

describe('ScalingPort with the requests of buildScalingRequests', () => {
  const target = { endpointName: 'demo-run1-eval', variantName: 'AllTraffic' };
  for (const { name, set } of POLICY_SETS) {
    test(`applies ${name} exactly as built`, async () => {
      const requests = buildScalingRequests(target, set);
      aws.autoScaling.on(RegisterScalableTargetCommand).resolves({ ScalableTargetARN: 'arn:target' });
      aws.autoScaling.on(PutScalingPolicyCommand).callsFake((input: { PolicyName: string }) => ({
        PolicyARN: `arn:aws:autoscaling:us-east-1:${ACCOUNT}:scalingPolicy:uuid:resource/sagemaker/endpoint/demo-run1-eval/variant/AllTraffic:policyName/${input.PolicyName}`,
        Alarms: [{ AlarmName: `TargetTracking-${input.PolicyName}-AlarmHigh`, AlarmARN: 'arn:alarm' }],
      }));
      aws.cloudWatch.on(PutMetricAlarmCommand).resolves({});
      aws.autoScaling.on(PutScheduledActionCommand).resolves({});

      await aws.ports.scaling.registerScalableTarget(requests.registerScalableTarget);
      const arns = new Map<string, string>();
      for (const policy of requests.putScalingPolicies) {
        const result = await aws.ports.scaling.putScalingPolicy(policy);
        assert.deepEqual(result.alarmNames, [`TargetTracking-${policy.PolicyName}-AlarmHigh`]);
        arns.set(policy.PolicyName, result.policyArn);
      }
      if (requests.stepAlarm && requests.stepPolicyName)
        await aws.ports.scaling.putMetricAlarm(
          withAlarmAction(requests.stepAlarm, arns.get(requests.stepPolicyName) ?? ''),
        );
      for (const action of requests.putScheduledActions) await aws.ports.scaling.putScheduledAction(action);

      assert.deepEqual(
        aws.autoScaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input),
        [requests.registerScalableTarget],
      );
      assert.deepEqual(
        aws.autoScaling.commandCalls(PutScalingPolicyCommand).map((c) => c.args[0].input),
        requests.putScalingPolicies,
      );
      assert.deepEqual(
        aws.autoScaling.commandCalls(PutScheduledActionCommand).map((c) => c.args[0].input),
        requests.putScheduledActions,
      );
      const alarms = aws.cloudWatch.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input);
      assert.equal(alarms.length, set.stepScaling ? 1 : 0);
      if (set.stepScaling)
        assert.deepEqual(alarms[0]?.AlarmActions, [arns.get(requests.stepPolicyName ?? '')]);
    });
  }

  test('the sample set puts 3 policies, 1 alarm at threshold 4987 and 2 scheduled actions', () => {
    const requests = buildScalingRequests(target, SAMPLE_POLICY_SET);
    assert.equal(requests.putScalingPolicies.length, 3);
    assert.equal(requests.stepAlarm?.Threshold, 4987);
    assert.equal(requests.putScheduledActions.length, 2);
  });

  const errorCases = [
    {
      error: new ConcurrentUpdateException({ message: 'update in progress', $metadata: {} }),
      expected: 'TransientAwsError',
    },
    { error: awsError('ThrottlingException', 'Rate exceeded'), expected: 'TransientAwsError' },
    {
      error: new LimitExceededException({ message: '50 policies', $metadata: {} }),
      expected: 'AwsRequestError',
    },
    // Right after RegisterScalableTarget the target may not be visible yet (eventual consistency).
    {
      error: new ObjectNotFoundException({ message: 'No scalable target', $metadata: {} }),
      expected: 'TransientAwsError',
    },
    {
      error: new ValidationException({
        message:
          'No scalable target registered for service namespace: sagemaker, resource ID: endpoint/demo-run1-eval/variant/AllTraffic, scalable dimension: sagemaker:variant:DesiredInstanceCount',
        $metadata: {},
      }),
      expected: 'TransientAwsError',
    },
    // A request invalid for good is refused with the same code: not retried (minutes of a live endpoint).
    {
      error: new ValidationException({
        message:
          "1 validation error detected: Value 'cron(0 18 * * MON-FRI *)' at 'schedule' failed to satisfy constraint",
        $metadata: {},
      }),
      expected: 'AwsRequestError',
    },
    {
      error: new ValidationException({ message: 'Unsupported timezone Mars/Olympus', $metadata: {} }),
      expected: 'AwsRequestError',
    },
  ];
  for (const c of errorCases) {
    test(`PutScalingPolicy refused with ${c.error.name} is ${c.expected}`, async () => {
      aws.autoScaling.on(PutScalingPolicyCommand).rejects(c.error);
      const policy = buildScalingRequests(target, SAMPLE_POLICY_SET).putScalingPolicies[0]!;
      await assert.rejects(aws.ports.scaling.putScalingPolicy(policy), {
        name: c.expected,
        message: new RegExp(
          `^unable to put scaling policy ${policy.PolicyName} on endpoint/demo-run1-eval/variant/AllTraffic: ${c.error.name}`,
        ),
      });
    });
  }
  for (const c of errorCases.filter((e) => e.error.name !== 'LimitExceededException')) {
    test(`PutScheduledAction refused with ${c.error.name} is ${c.expected}`, async () => {
      aws.autoScaling.on(PutScheduledActionCommand).rejects(c.error);
      const action = buildScalingRequests(target, SAMPLE_POLICY_SET).putScheduledActions[0]!;
      await assert.rejects(aws.ports.scaling.putScheduledAction(action), {
        name: c.expected,
        message: new RegExp(`^unable to put scheduled action ${action.ScheduledActionName} on endpoint/`),
      });
    });
  }

  test('RegisterScalableTarget refused with ValidationException stays AwsRequestError (not a visibility delay)', async () => {
    aws.autoScaling
      .on(RegisterScalableTargetCommand)
      .rejects(new ValidationException({ message: 'MaxCapacity must be >= MinCapacity', $metadata: {} }));
    await assert.rejects(
      aws.ports.scaling.registerScalableTarget(
        buildScalingRequests(target, SAMPLE_POLICY_SET).registerScalableTarget,
      ),
      { name: 'AwsRequestError' },
    );
  });
});

const CLEANUP_CASES: { ref: ResourceRef; command: string; input: object }[] = [
  { ref: { kind: 'endpoint', name: 'ep' }, command: 'DeleteEndpointCommand', input: { EndpointName: 'ep' } },
  {
    ref: { kind: 'endpointConfig', name: 'ep' },
    command: 'DeleteEndpointConfigCommand',
    input: { EndpointConfigName: 'ep' },
  },
  { ref: { kind: 'model', name: 'ep' }, command: 'DeleteModelCommand', input: { ModelName: 'ep' } },
  {
    ref: { kind: 'modelPackage', name: 'demo-run1/1', arn: PACKAGE_ARN },
    command: 'DeleteModelPackageCommand',
    input: { ModelPackageName: PACKAGE_ARN },
  },
  {
    ref: { kind: 'modelPackageGroup', name: 'demo-run1' },
    command: 'DeleteModelPackageGroupCommand',
    input: { ModelPackageGroupName: 'demo-run1' },
  },
  {
    ref: { kind: 'scalableTarget', name: 'endpoint/ep/variant/AllTraffic' },
    command: 'DeregisterScalableTargetCommand',
    input: {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/ep/variant/AllTraffic',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    },
  },
  {
    ref: { kind: 'alarm', name: 'step-alarm' },
    command: 'DeleteAlarmsCommand',
    input: { AlarmNames: ['step-alarm'] },
  },
  {
    ref: { kind: 'recommenderJob', name: 'job-1' },
    command: 'StopInferenceRecommendationsJobCommand',
    input: { JobName: 'job-1' },
  },
  {
    ref: { kind: 'evaluation', name: 'eval-1' },
    command: 'StopInferenceRecommendationsJobCommand',
    input: { JobName: 'eval-1' },
  },
];

function sentCommands(): { command: string; input: unknown }[] {
  return [aws.sagemaker, aws.autoScaling, aws.cloudWatch].flatMap((mock) =>
    mock.calls().map((call) => {
      const command = call.args[0] as { input: unknown };
      return { command: command.constructor.name, input: command.input };
    }),
  );
}

function answerEverything(): void {
  aws.sagemaker.on(DeleteEndpointCommand).resolves({});
  aws.sagemaker.on(DeleteEndpointConfigCommand).resolves({});
  aws.sagemaker.on(DeleteModelCommand).resolves({});
  aws.sagemaker.on(DeleteModelPackageCommand).resolves({});
  aws.sagemaker.on(DeleteModelPackageGroupCommand).resolves({});
  aws.sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
  aws.sagemaker.on(StopInferenceRecommendationsJobCommand).resolves({});
  aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).resolves({
    JobName: 'j',
    JobType: 'Default',
    JobArn: 'arn:j',
    RoleArn: ROLE_ARN,
    Status: 'IN_PROGRESS',
    CreationTime: new Date(),
    LastModifiedTime: new Date(),
    InputConfig: {},
  });
  aws.autoScaling.on(DeregisterScalableTargetCommand).resolves({});
  aws.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'step-alarm' }] });
  aws.cloudWatch.on(DeleteAlarmsCommand).resolves({});
}

describe('CleanupPort.deleteResource', () => {
  for (const c of CLEANUP_CASES) {
    test(`${c.ref.kind}: sends ${c.command.replace(/Command$/, '')} and answers deleted`, async () => {
      answerEverything();
      assert.equal(await aws.ports.cleanup.deleteResource(c.ref), 'deleted');
      const sent = sentCommands().filter((s) => !/^(Describe|List)/.test(s.command));
      assert.deepEqual(sent, [{ command: c.command, input: c.input }]);
    });
  }

  const NOT_FOUND: Record<string, () => void> = {
    endpoint: () =>
      aws.sagemaker
        .on(DeleteEndpointCommand)
        .rejects(awsError('ValidationException', 'Could not find endpoint "ep".')),
    endpointConfig: () =>
      aws.sagemaker
        .on(DeleteEndpointConfigCommand)
        .rejects(awsError('ValidationException', 'Could not find endpoint configuration "ep".')),
    model: () =>
      aws.sagemaker
        .on(DeleteModelCommand)
        .rejects(awsError('ValidationException', 'Could not find model "ep".')),
    modelPackage: () =>
      aws.sagemaker
        .on(DeleteModelPackageCommand)
        .rejects(awsError('ValidationException', 'ModelPackage arn:... does not exist.')),
    modelPackageGroup: () => {
      aws.sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
      aws.sagemaker
        .on(DeleteModelPackageGroupCommand)
        .rejects(awsError('ValidationException', 'ModelPackageGroup demo-run1 does not exist.'));
    },
    scalableTarget: () =>
      aws.autoScaling
        .on(DeregisterScalableTargetCommand)
        .rejects(new ObjectNotFoundException({ message: 'No scalable target registered', $metadata: {} })),
    alarm: () => aws.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] }),
    recommenderJob: () =>
      aws.sagemaker
        .on(DescribeInferenceRecommendationsJobCommand)
        .rejects(awsError('ResourceNotFound', 'no job')),
    evaluation: () =>
      aws.sagemaker
        .on(DescribeInferenceRecommendationsJobCommand)
        .rejects(awsError('ResourceNotFound', 'no job')),
  };
  for (const c of CLEANUP_CASES) {
    test(`${c.ref.kind} already gone answers notFound (clean-up can run twice)`, async () => {
      NOT_FOUND[c.ref.kind]?.();
      assert.equal(await aws.ports.cleanup.deleteResource(c.ref), 'notFound');
    });
  }

  test('a group is emptied first: every version on every page is deleted, then the group', async () => {
    answerEverything();
    const version = (n: number) => ({
      ModelPackageArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/demo-run1/${n}`,
      ModelPackageName: 'demo-run1',
      ModelPackageStatus: 'Completed' as const,
      CreationTime: new Date('2026-01-01T00:00:00Z'),
    });
    aws.sagemaker
      .on(ListModelPackagesCommand)
      .resolvesOnce({ ModelPackageSummaryList: [version(1)], NextToken: 'page-2' })
      .resolves({ ModelPackageSummaryList: [version(2)] });
    assert.equal(
      await aws.ports.cleanup.deleteResource({ kind: 'modelPackageGroup', name: 'demo-run1' }),
      'deleted',
    );
    assert.deepEqual(
      sentCommands().map((s) => s.command.replace(/Command$/, '')),
      [
        'ListModelPackages',
        'DeleteModelPackage',
        'ListModelPackages',
        'DeleteModelPackage',
        'DeleteModelPackageGroup',
      ],
    );
    assert.deepEqual(
      aws.sagemaker.commandCalls(ListModelPackagesCommand).map((c) => c.args[0].input.NextToken),
      [undefined, 'page-2'],
    );
  });

  test('a finished job is not stopped again', async () => {
    aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).resolves({
      JobName: 'j',
      JobType: 'Default',
      JobArn: 'arn:j',
      RoleArn: ROLE_ARN,
      Status: 'COMPLETED',
      CreationTime: new Date(),
      LastModifiedTime: new Date(),
      InputConfig: {},
    });
    assert.equal(await aws.ports.cleanup.deleteResource({ kind: 'recommenderJob', name: 'j' }), 'deleted');
    assert.equal(aws.sagemaker.commandCalls(StopInferenceRecommendationsJobCommand).length, 0);
  });

  test('throttled deletion is TransientAwsError (the state machine retries it)', async () => {
    aws.sagemaker.on(DeleteEndpointCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    await assert.rejects(aws.ports.cleanup.deleteResource({ kind: 'endpoint', name: 'ep' }), {
      name: 'TransientAwsError',
      message: 'unable to delete endpoint ep: ThrottlingException: Rate exceeded',
    });
  });

  for (const status of ['Creating', 'Updating', 'SystemUpdating', 'RollingBack'])
    test(`an endpoint that is ${status} is not deleted yet: TransientAwsError until it settles`, async () => {
      aws.sagemaker
        .on(DescribeEndpointCommand)
        .resolves({ EndpointName: 'ep', EndpointStatus: status as 'Creating' });
      aws.sagemaker.on(DeleteEndpointCommand).resolves({});
      await assert.rejects(aws.ports.cleanup.deleteResource({ kind: 'endpoint', name: 'ep' }), {
        name: 'TransientAwsError',
        message: new RegExp(`^endpoint ep is ${status}: clean-up deletes it once it settles`),
      });
      assert.equal(aws.sagemaker.commandCalls(DeleteEndpointCommand).length, 0);
    });

  test('an endpoint already Deleting counts as deleted, without a second DeleteEndpoint', async () => {
    aws.sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'ep', EndpointStatus: 'Deleting' });
    assert.equal(await aws.ports.cleanup.deleteResource({ kind: 'endpoint', name: 'ep' }), 'deleted');
    assert.equal(aws.sagemaker.commandCalls(DeleteEndpointCommand).length, 0);
  });

  test('DeleteEndpoint refused as "in-progress" is TransientAwsError (retried), not a permanent refusal', async () => {
    aws.sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'ep', EndpointStatus: 'InService' });
    aws.sagemaker
      .on(DeleteEndpointCommand)
      .rejects(
        awsError(
          'ValidationException',
          'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:1:endpoint/ep".',
        ),
      );
    await assert.rejects(aws.ports.cleanup.deleteResource({ kind: 'endpoint', name: 'ep' }), {
      name: 'TransientAwsError',
      message: /^unable to delete endpoint ep: ValidationException: Cannot update in-progress endpoint/,
    });
  });
});

describe('ArtifactStorePort and configuration', () => {
  test('putRecommendation writes recommendation.json under the prefix and the run id', async () => {
    aws.s3.on(PutObjectCommand).resolves({});
    const result = await aws.ports.artifacts.putRecommendation('demo-run1', { maxCapacity: 8 });
    assert.deepEqual(result, { uri: `s3://${BUCKET}/recommendations/demo-run1/recommendation.json` });
    assert.deepEqual(aws.s3.commandCalls(PutObjectCommand)[0]?.args[0].input, {
      Bucket: BUCKET,
      Key: 'recommendations/demo-run1/recommendation.json',
      Body: '{\n  "maxCapacity": 8\n}\n',
      ContentType: 'application/json',
    });
  });

  test('a run id that climbs out of the prefix is refused before any call', async () => {
    await assert.rejects(aws.ports.artifacts.putRecommendation('../other', {}), {
      name: 'InvalidInputError',
    });
    assert.equal(aws.s3.calls().length, 0);
  });

  test('creating the ports reads no environment; the first use names the missing variable', async () => {
    let reads = 0;
    const ports = createAwsPorts({
      clients: aws.clients,
      env: () => {
        reads += 1;
        return {};
      },
    });
    assert.equal(reads, 0);
    await assert.rejects(ports.artifacts.putRecommendation('run', {}), {
      name: 'ConfigurationError',
      message: /^SCALEPLAN_ARTIFACT_BUCKET is not set/,
    });
    await assert.rejects(
      ports.jobs.startDefaultJob({ jobName: 'j', modelPackageArn: PACKAGE_ARN, instanceType: 'ml.c5.large' }),
      { name: 'ConfigurationError', message: /^SCALEPLAN_SAGEMAKER_ROLE_ARN is not set/ },
    );
    assert.ok(reads >= 2);
    assert.equal(aws.s3.calls().length + aws.sagemaker.calls().length, 0);
  });

  test('settings come from the environment when not given, and a malformed one is named', async () => {
    aws.s3.on(PutObjectCommand).resolves({});
    const env = { SCALEPLAN_ARTIFACT_BUCKET: 'from-env-bucket', SCALEPLAN_ARTIFACT_PREFIX: '/runs/' };
    const ports = createAwsPorts({ clients: aws.clients, env: () => env });
    assert.deepEqual(await ports.artifacts.putRecommendation('r1', {}), {
      uri: 's3://from-env-bucket/runs/r1/recommendation.json',
    });
    const bad = createAwsPorts({
      clients: aws.clients,
      env: () => ({ SCALEPLAN_SAGEMAKER_ROLE_ARN: 'role' }),
    });
    await assert.rejects(bad.hosting.createEndpoint(ENDPOINT_INPUT), {
      name: 'ConfigurationError',
      message:
        'SCALEPLAN_SAGEMAKER_ROLE_ARN="role" is not a valid IAM role ARN for SageMaker and Inference Recommender',
    });
  });

  test('an unknown evaluation driver is a ConfigurationError on first use, not at creation', async () => {
    const ports = createAwsPorts({ clients: aws.clients, evaluationDriver: 'locust' });
    await assert.rejects(ports.evaluation.describe('e'), {
      name: 'ConfigurationError',
      message: 'unknown evaluation driver "locust": expected one of recommender-advanced',
    });
  });
});

test('every request sent in this file validates against botocore', (t) => {
  aws.recorder.assertAllValid(t, 30);
});
