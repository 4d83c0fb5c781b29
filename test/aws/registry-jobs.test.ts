/**
 * ModelRegistryPort and RecommenderJobsPort on mocked SageMaker: exact command inputs, the
 * benchmark window of a completed Default job, throttling -> TransientAwsError, not found ->
 * ResourceNotFoundError, bad input -> InvalidInputError before any call.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import {
  CreateInferenceRecommendationsJobCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeInferenceRecommendationsJobCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  StopInferenceRecommendationsJobCommand,
} from '@aws-sdk/client-sagemaker';
import { type ScalingRequestInput, ScalingRequestSchema } from '../../shared/core/request';
import { ACCOUNT, awsError, createMockedAws, ROLE_ARN } from './mocks';

const aws = createMockedAws('registry-jobs');
beforeEach(() => aws.reset());

const PACKAGE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/demo-run1/1`;

function request(overrides: Partial<ScalingRequestInput> = {}) {
  return ScalingRequestSchema.parse({
    name: 'demo',
    model: {
      kind: 'container',
      image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1`,
      modelDataUrl: 's3://bucket/model.tar.gz',
      samplePayloadUrl: 's3://bucket/payload.tar.gz',
      framework: 'XGBOOST',
      frameworkVersion: '1.5-1',
      nearestModelName: 'xgboost',
    },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500 },
    latencySlo: { percentile: 'P95', ms: 10000 },
    ...overrides,
  });
}

describe('ModelRegistryPort.ensureModelPackage', () => {
  test('registers a group and a package narrowed to the instance type', async () => {
    aws.sagemaker.on(CreateModelPackageGroupCommand).resolves({
      ModelPackageGroupArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package-group/demo-run1`,
    });
    aws.sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: PACKAGE_ARN });

    const result = await aws.ports.registry.ensureModelPackage(request(), 'run1');

    assert.deepEqual(aws.sagemaker.commandCalls(CreateModelPackageGroupCommand)[0]?.args[0].input, {
      ModelPackageGroupName: 'demo-run1',
      ModelPackageGroupDescription: 'scaleplan run run1 of demo',
    });
    assert.deepEqual(aws.sagemaker.commandCalls(CreateModelPackageCommand)[0]?.args[0].input, {
      ModelPackageGroupName: 'demo-run1',
      ModelPackageDescription: 'scaleplan demo on ml.c5.large',
      ModelApprovalStatus: 'PendingManualApproval',
      Domain: 'MACHINE_LEARNING',
      Task: 'OTHER',
      SamplePayloadUrl: 's3://bucket/payload.tar.gz',
      InferenceSpecification: {
        Containers: [
          {
            Image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1`,
            ModelDataUrl: 's3://bucket/model.tar.gz',
            Framework: 'XGBOOST',
            FrameworkVersion: '1.5-1',
            NearestModelName: 'xgboost',
          },
        ],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: [],
        SupportedRealtimeInferenceInstanceTypes: ['ml.c5.large'],
      },
    });
    assert.deepEqual(result, {
      modelPackageArn: PACKAGE_ARN,
      created: [
        {
          kind: 'modelPackageGroup',
          name: 'demo-run1',
          arn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package-group/demo-run1`,
        },
        { kind: 'modelPackage', name: 'demo-run1/1', arn: PACKAGE_ARN },
      ],
    });
  });

  test('registers into a given group without creating or owning it', async () => {
    aws.sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: PACKAGE_ARN });
    const base = request();
    if (base.model.kind !== 'container') throw new Error('fixture');
    const result = await aws.ports.registry.ensureModelPackage(
      { ...base, model: { ...base.model, modelPackageGroupName: 'team-models' } },
      'run1',
    );
    assert.equal(aws.sagemaker.commandCalls(CreateModelPackageGroupCommand).length, 0);
    assert.equal(
      aws.sagemaker.commandCalls(CreateModelPackageCommand)[0]?.args[0].input.ModelPackageGroupName,
      'team-models',
    );
    assert.deepEqual(
      result.created.map((ref) => ref.kind),
      ['modelPackage'],
    );
    // Into a group the user keeps, a retry after a lost response must return the same version.
    assert.equal(
      aws.sagemaker.commandCalls(CreateModelPackageCommand)[0]?.args[0].input.ClientToken,
      'scaleplan-run1',
    );
  });

  test('a retried CreateModelPackageGroup that meets its own group ("already exists") goes on', async () => {
    aws.sagemaker
      .on(CreateModelPackageGroupCommand)
      .rejects(
        awsError(
          'ValidationException',
          `Model Package Group already exists: arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package-group/demo-run1`,
        ),
      );
    aws.sagemaker.on(CreateModelPackageCommand).resolves({ ModelPackageArn: PACKAGE_ARN });
    const result = await aws.ports.registry.ensureModelPackage(request(), 'run1');
    assert.deepEqual(result.created, [
      { kind: 'modelPackageGroup', name: 'demo-run1' },
      { kind: 'modelPackage', name: 'demo-run1/1', arn: PACKAGE_ARN },
    ]);
  });

  test('reuses a given versioned package ARN with no AWS call', async () => {
    const result = await aws.ports.registry.ensureModelPackage(
      request({ model: { kind: 'modelPackage', modelPackageArn: PACKAGE_ARN } }),
      'run1',
    );
    assert.deepEqual(result, { modelPackageArn: PACKAGE_ARN, created: [] });
    assert.equal(aws.sagemaker.calls().length, 0);
  });

  test('a local model is refused with InvalidInputError before any call', async () => {
    await assert.rejects(
      aws.ports.registry.ensureModelPackage(request({ model: { kind: 'local', demo: true } }), 'run1'),
      { name: 'InvalidInputError', message: /model.kind "local"/ },
    );
    assert.equal(aws.sagemaker.calls().length, 0);
  });

  test('a throttled CreateModelPackage is retryable and deletes the group it created', async () => {
    aws.sagemaker.on(CreateModelPackageGroupCommand).resolves({ ModelPackageGroupArn: 'arn:group' });
    aws.sagemaker.on(CreateModelPackageCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
    aws.sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    aws.sagemaker.on(DeleteModelPackageGroupCommand).resolves({});

    await assert.rejects(aws.ports.registry.ensureModelPackage(request(), 'run1'), {
      name: 'TransientAwsError',
      message: 'unable to create model package in group demo-run1: ThrottlingException: Rate exceeded',
    });
    assert.deepEqual(aws.sagemaker.commandCalls(DeleteModelPackageGroupCommand)[0]?.args[0].input, {
      ModelPackageGroupName: 'demo-run1',
    });
  });

  test('a CreateModelPackage that succeeded but answered 500: the undo deletes the version, then the group', async () => {
    aws.sagemaker.on(CreateModelPackageGroupCommand).resolves({ ModelPackageGroupArn: 'arn:group' });
    aws.sagemaker
      .on(CreateModelPackageCommand)
      .rejects(awsError('InternalFailure', 'We encountered an internal error.', 500));
    aws.sagemaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [
        {
          ModelPackageArn: PACKAGE_ARN,
          ModelPackageName: 'demo-run1',
          ModelPackageStatus: 'Completed',
          CreationTime: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    });
    aws.sagemaker.on(DeleteModelPackageCommand).resolves({});
    aws.sagemaker.on(DeleteModelPackageGroupCommand).resolves({});

    await assert.rejects(aws.ports.registry.ensureModelPackage(request(), 'run1'), {
      name: 'TransientAwsError',
    });
    const deletes = aws.sagemaker
      .calls()
      .map((call) => call.args[0] as { constructor: { name: string }; input: object })
      .filter((command) => /^(List|Delete)/.test(command.constructor.name))
      .map((command) => [command.constructor.name.replace(/Command$/, ''), command.input]);
    assert.deepEqual(deletes, [
      ['ListModelPackages', { ModelPackageGroupName: 'demo-run1', ModelPackageType: 'Versioned' }],
      ['DeleteModelPackage', { ModelPackageName: PACKAGE_ARN }],
      ['DeleteModelPackageGroup', { ModelPackageGroupName: 'demo-run1' }],
    ]);
  });
});

describe('ModelRegistryPort.describeModelPackage', () => {
  test('reads the metadata and the supported instance types of the package', async () => {
    aws.sagemaker.on(DescribeModelPackageCommand).resolves({
      ModelPackageName: 'demo-run1',
      ModelPackageArn: PACKAGE_ARN,
      ModelPackageGroupName: 'demo-run1',
      ModelApprovalStatus: 'Approved',
      CreationTime: new Date(),
      ModelPackageStatus: 'Completed',
      CustomerMetadataProperties: { 'scaleplan:maxRps': '500', 'scaleplan:minRps': '70' },
      InferenceSpecification: {
        Containers: [{ Image: 'image' }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: [],
        SupportedRealtimeInferenceInstanceTypes: ['ml.c5.large'],
      },
    });
    assert.deepEqual(await aws.ports.registry.describeModelPackage?.(PACKAGE_ARN), {
      modelPackageArn: PACKAGE_ARN,
      modelPackageGroupName: 'demo-run1',
      modelApprovalStatus: 'Approved',
      customerMetadataProperties: { 'scaleplan:maxRps': '500', 'scaleplan:minRps': '70' },
      supportedRealtimeInstanceTypes: ['ml.c5.large'],
    });
    assert.deepEqual(aws.sagemaker.commandCalls(DescribeModelPackageCommand)[0]?.args[0].input, {
      ModelPackageName: PACKAGE_ARN,
    });
  });

  test('a package that does not exist is ResourceNotFoundError', async () => {
    aws.sagemaker
      .on(DescribeModelPackageCommand)
      .rejects(awsError('ValidationException', `ModelPackage ${PACKAGE_ARN} does not exist.`));
    await assert.rejects(aws.ports.registry.describeModelPackage!(PACKAGE_ARN), {
      name: 'ResourceNotFoundError',
    });
  });
});

const COMPLETED_DEFAULT_JOB = {
  JobName: 'demo-run1-default',
  JobType: 'Default' as const,
  JobArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:inference-recommendations-job/demo-run1-default`,
  RoleArn: ROLE_ARN,
  Status: 'COMPLETED' as const,
  CreationTime: new Date('2024-06-01T12:00:00Z'),
  LastModifiedTime: new Date('2024-06-01T12:40:00Z'),
  InputConfig: {},
  InferenceRecommendations: [
    {
      Metrics: { CostPerHour: 0.102, CostPerInference: 0.0000002, MaxInvocations: 9068, ModelLatency: 4 },
      EndpointConfiguration: {
        EndpointName: 'sm-epc-demo-run1-default-abc',
        VariantName: 'sm-epc-variant',
        InstanceType: 'ml.c5.large' as const,
        InitialInstanceCount: 1,
      },
      ModelConfiguration: {},
      InvocationStartTime: new Date('2024-06-01T12:07:00Z'),
      InvocationEndTime: new Date('2024-06-01T12:31:00Z'),
    },
  ],
};

describe('RecommenderJobsPort', () => {
  test('startDefaultJob sends a Default job narrowed to the instance type with the configured role', async () => {
    aws.sagemaker
      .on(CreateInferenceRecommendationsJobCommand)
      .resolves({ JobArn: COMPLETED_DEFAULT_JOB.JobArn });

    const ref = await aws.ports.jobs.startDefaultJob({
      jobName: 'demo-run1-default',
      modelPackageArn: PACKAGE_ARN,
      instanceType: 'ml.c5.large',
    });

    assert.deepEqual(aws.sagemaker.commandCalls(CreateInferenceRecommendationsJobCommand)[0]?.args[0].input, {
      JobName: 'demo-run1-default',
      JobType: 'Default',
      RoleArn: ROLE_ARN,
      JobDescription: 'scaleplan benchmark of one ml.c5.large',
      InputConfig: {
        ModelPackageVersionArn: PACKAGE_ARN,
        ContainerConfig: { SupportedInstanceTypes: ['ml.c5.large'] },
      },
    });
    assert.deepEqual(ref, {
      kind: 'recommenderJob',
      name: 'demo-run1-default',
      arn: COMPLETED_DEFAULT_JOB.JobArn,
    });
  });

  test('a role given in the input wins over the configured one', async () => {
    aws.sagemaker.on(CreateInferenceRecommendationsJobCommand).resolves({ JobArn: 'arn:job' });
    const other = `arn:aws:iam::${ACCOUNT}:role/other`;
    await aws.ports.jobs.startDefaultJob({
      jobName: 'j1',
      modelPackageArn: PACKAGE_ARN,
      instanceType: 'ml.c5.large',
      roleArn: other,
    });
    assert.equal(
      aws.sagemaker.commandCalls(CreateInferenceRecommendationsJobCommand)[0]?.args[0].input.RoleArn,
      other,
    );
  });

  for (const [name, jobName] of [
    ['an underscore', 'demo_run'],
    ['65 characters', 'a'.repeat(65)],
    ['a trailing hyphen', 'demo-'],
  ] as const) {
    test(`a job name with ${name} is InvalidInputError with no call`, async () => {
      await assert.rejects(
        aws.ports.jobs.startDefaultJob({
          jobName,
          modelPackageArn: PACKAGE_ARN,
          instanceType: 'ml.c5.large',
        }),
        { name: 'InvalidInputError', message: /job name/ },
      );
      assert.equal(aws.sagemaker.calls().length, 0);
    });
  }

  test('describeJob of a completed job gives the benchmark window of the first recommendation', async () => {
    aws.sagemaker
      .on(DescribeInferenceRecommendationsJobCommand, { JobName: 'demo-run1-default' })
      .resolves(COMPLETED_DEFAULT_JOB);

    assert.deepEqual(await aws.ports.jobs.describeJob('demo-run1-default'), {
      jobName: 'demo-run1-default',
      status: 'COMPLETED',
      benchmarkWindow: {
        endpointName: 'sm-epc-demo-run1-default-abc',
        variantName: 'sm-epc-variant',
        startTime: '2024-06-01T12:07:00.000Z',
        endTime: '2024-06-01T12:31:00.000Z',
        costPerHourUsd: 0.102,
      },
    });
  });

  test('without InvocationStartTime the window is CreationTime + 5 min .. LastModifiedTime - 6 min', async () => {
    const [first] = COMPLETED_DEFAULT_JOB.InferenceRecommendations;
    aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).resolves({
      ...COMPLETED_DEFAULT_JOB,
      InferenceRecommendations: [{ ...first!, InvocationStartTime: undefined, InvocationEndTime: undefined }],
    });
    const described = await aws.ports.jobs.describeJob('demo-run1-default');
    assert.equal(described.benchmarkWindow?.startTime, '2024-06-01T12:05:00.000Z');
    assert.equal(described.benchmarkWindow?.endTime, '2024-06-01T12:34:00.000Z');
  });

  test('describeJob of a running job has no window; a failed one carries its FailureReason', async () => {
    aws.sagemaker
      .on(DescribeInferenceRecommendationsJobCommand, { JobName: 'running' })
      .resolves({ ...COMPLETED_DEFAULT_JOB, JobName: 'running', Status: 'IN_PROGRESS' })
      .on(DescribeInferenceRecommendationsJobCommand, { JobName: 'failed' })
      .resolves({
        ...COMPLETED_DEFAULT_JOB,
        JobName: 'failed',
        Status: 'FAILED',
        FailureReason: 'Endpoint creation failed: ResourceLimitExceeded',
        InferenceRecommendations: undefined,
      });
    assert.deepEqual(await aws.ports.jobs.describeJob('running'), {
      jobName: 'running',
      status: 'IN_PROGRESS',
    });
    assert.deepEqual(await aws.ports.jobs.describeJob('failed'), {
      jobName: 'failed',
      status: 'FAILED',
      failureReason: 'Endpoint creation failed: ResourceLimitExceeded',
    });
  });

  const errorCases = [
    { code: 'ThrottlingException', status: 400, expected: 'TransientAwsError' },
    { code: 'InternalFailure', status: 500, expected: 'TransientAwsError' },
    { code: 'ServiceUnavailable', status: 503, expected: 'TransientAwsError' },
    { code: 'ResourceNotFound', status: 400, expected: 'ResourceNotFoundError' },
    { code: 'AccessDeniedException', status: 403, expected: 'AwsRequestError' },
  ];
  for (const c of errorCases) {
    test(`describeJob: ${c.code} (${c.status}) becomes ${c.expected} with context and cause`, async () => {
      const cause = awsError(c.code, 'boom', c.status);
      aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).rejects(cause);
      const error = await aws.ports.jobs.describeJob('job-x').then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e as Error,
      );
      assert.equal(error.name, c.expected);
      assert.equal(error.message, `unable to describe inference recommendations job job-x: ${c.code}: boom`);
      assert.equal(error.cause, cause);
    });
  }

  test('stopJob sends StopInferenceRecommendationsJob', async () => {
    aws.sagemaker.on(StopInferenceRecommendationsJobCommand).resolves({});
    await aws.ports.jobs.stopJob('demo-run1-default');
    assert.deepEqual(aws.sagemaker.commandCalls(StopInferenceRecommendationsJobCommand)[0]?.args[0].input, {
      JobName: 'demo-run1-default',
    });
  });
});

test('every request sent in this file validates against botocore', (t) => {
  aws.recorder.assertAllValid(t, 8);
});
