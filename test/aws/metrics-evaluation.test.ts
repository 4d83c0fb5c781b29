/**
 * MetricsPort and the Advanced-job EvaluationDriverPort on mocked CloudWatch and SageMaker:
 * GetMetricData inputs (periods of 60 s, lowercase ids, p95/p99 as Stat), pagination, the series
 * built with real numbers, and the Advanced job's exact request.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import {
  CreateInferenceRecommendationsJobCommand,
  DescribeInferenceRecommendationsJobCommand,
  StopInferenceRecommendationsJobCommand,
} from '@aws-sdk/client-sagemaker';
import type { EvaluationInput } from '../../shared/core/ports';
import { ACCOUNT, awsError, createMockedAws, ROLE_ARN } from './mocks';

const aws = createMockedAws('metrics-evaluation');
beforeEach(() => aws.reset());

const WINDOW = {
  endpointName: 'sm-epc-demo-run1-default-abc',
  variantName: 'sm-epc-variant',
  startTime: '2024-06-01T12:07:20.000Z',
  endTime: '2024-06-01T12:09:40.000Z',
};
const T0 = new Date('2024-06-01T12:07:00Z');
const T1 = new Date('2024-06-01T12:08:00Z');
const T2 = new Date('2024-06-01T12:09:00Z');

function result(id: string, points: [Date, number][]): MetricDataResult {
  return {
    Id: id,
    Timestamps: points.map(([t]) => t),
    Values: points.map(([, v]) => v),
    StatusCode: 'Complete',
  };
}

describe('MetricsPort.getBenchmarkSeries', () => {
  test('asks GetMetricData for the nine series over the window aligned on whole minutes', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await aws.ports.metrics.getBenchmarkSeries({
      window: WINDOW,
      instanceType: 'ml.c5.large',
      vcpus: 2,
      periodSeconds: 60,
    });

    const input = aws.cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    assert.equal(input?.StartTime?.toISOString(), '2024-06-01T12:07:00.000Z');
    assert.equal(input?.EndTime?.toISOString(), '2024-06-01T12:10:00.000Z');
    assert.equal(input?.ScanBy, 'TimestampAscending');
    const dims = [
      { Name: 'EndpointName', Value: WINDOW.endpointName },
      { Name: 'VariantName', Value: WINDOW.variantName },
    ];
    assert.deepEqual(
      input?.MetricDataQueries?.map((q) => [
        q.Id,
        q.MetricStat?.Metric?.Namespace,
        q.MetricStat?.Metric?.MetricName,
        q.MetricStat?.Stat,
        q.MetricStat?.Period,
      ]),
      [
        ['invocations', 'AWS/SageMaker', 'Invocations', 'Sum', 60],
        ['latencyAvg', 'AWS/SageMaker', 'ModelLatency', 'Average', 60],
        ['latencyP50', 'AWS/SageMaker', 'ModelLatency', 'p50', 60],
        ['latencyP95', 'AWS/SageMaker', 'ModelLatency', 'p95', 60],
        ['latencyP99', 'AWS/SageMaker', 'ModelLatency', 'p99', 60],
        ['errors4xx', 'AWS/SageMaker', 'Invocation4XXErrors', 'Sum', 60],
        ['errors5xx', 'AWS/SageMaker', 'Invocation5XXErrors', 'Sum', 60],
        ['cpu', '/aws/sagemaker/Endpoints', 'CPUUtilization', 'Average', 60],
        ['memory', '/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average', 60],
      ],
    );
    for (const query of input?.MetricDataQueries ?? [])
      assert.deepEqual(query.MetricStat?.Metric?.Dimensions, dims);
  });

  test('follows NextToken and builds one point per minute with invocations and CPU', async () => {
    aws.cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          result('invocations', [
            [T0, 3000],
            [T1, 6000],
          ]),
          result('latencyAvg', [
            [T0, 2100],
            [T1, 2600],
          ]),
          result('latencyP95', [[T0, 3900]]),
          result('cpu', [
            [T0, 61.5],
            [T1, 118],
          ]),
          result('errors5xx', [[T1, 2]]),
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          result('invocations', [[T2, 9068]]),
          result('latencyAvg', [[T2, 4400]]),
          result('cpu', [[T2, 171]]),
          result('memory', [[T2, 12.5]]),
        ],
      });

    const series = await aws.ports.metrics.getBenchmarkSeries({
      window: WINDOW,
      instanceType: 'ml.c5.large',
      vcpus: 2,
      periodSeconds: 60,
    });

    const calls = aws.cloudWatch.commandCalls(GetMetricDataCommand);
    assert.equal(calls.length, 2);
    assert.equal(calls[0]?.args[0].input.NextToken, undefined);
    assert.equal(calls[1]?.args[0].input.NextToken, 'page-2');
    assert.deepEqual(series.points, [
      {
        timestamp: '2024-06-01T12:07:00.000Z',
        invocations: 3000,
        modelLatencyAvgUs: 2100,
        modelLatencyP95Us: 3900,
        cpuUtilizationPercent: 61.5,
        invocation4xxErrors: 0,
        invocation5xxErrors: 0,
      },
      {
        timestamp: '2024-06-01T12:08:00.000Z',
        invocations: 6000,
        modelLatencyAvgUs: 2600,
        cpuUtilizationPercent: 118,
        invocation4xxErrors: 0,
        invocation5xxErrors: 2,
      },
      {
        timestamp: '2024-06-01T12:09:00.000Z',
        invocations: 9068,
        modelLatencyAvgUs: 4400,
        cpuUtilizationPercent: 171,
        memoryUtilizationPercent: 12.5,
        invocation4xxErrors: 0,
        invocation5xxErrors: 0,
      },
    ]);
    assert.equal(series.instanceType, 'ml.c5.large');
    assert.equal(series.vcpus, 2);
    assert.equal(series.periodSeconds, 60);
  });

  test('a minute without CPUUtilization is left out (it cannot place a point on the CPU fit)', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result('invocations', [
          [T0, 100],
          [T1, 200],
        ]),
        result('cpu', [[T1, 20]]),
      ],
    });
    const series = await aws.ports.metrics.getBenchmarkSeries({
      window: WINDOW,
      instanceType: 'ml.c5.large',
      vcpus: 2,
      periodSeconds: 60,
    });
    assert.deepEqual(
      series.points.map((p) => p.timestamp),
      ['2024-06-01T12:08:00.000Z'],
    );
  });

  for (const [name, periodSeconds, window] of [
    ['a period of 30 s', 30, WINDOW],
    ['a period of 90 s', 90, WINDOW],
    ['a window that ends before it starts', 60, { ...WINDOW, endTime: '2024-06-01T12:00:00.000Z' }],
  ] as const) {
    test(`${name} is InvalidInputError with no call`, async () => {
      await assert.rejects(
        aws.ports.metrics.getBenchmarkSeries({
          window,
          instanceType: 'ml.c5.large',
          vcpus: 2,
          periodSeconds,
        }),
        { name: 'InvalidInputError' },
      );
      assert.equal(aws.cloudWatch.calls().length, 0);
    });
  }

  test('throttled GetMetricData is TransientAwsError naming the endpoint', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await assert.rejects(
      aws.ports.metrics.getBenchmarkSeries({
        window: WINDOW,
        instanceType: 'ml.c5.large',
        vcpus: 2,
        periodSeconds: 60,
      }),
      {
        name: 'TransientAwsError',
        message: `unable to get metric data of endpoint ${WINDOW.endpointName}: Throttling: Rate exceeded`,
      },
    );
  });
});

const PACKAGE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/demo-run1/1`;
const EVALUATION: EvaluationInput = {
  evaluationName: 'demo-run1-eval-1',
  modelPackageArn: PACKAGE_ARN,
  endpointName: 'demo-run1-eval',
  variantName: 'AllTraffic',
  instanceType: 'ml.c5.large',
  phases: [{ initialUsers: 1, spawnRatePerMinute: 1, durationSeconds: 3600 }],
  jobDurationSeconds: 7200,
  maxInvocationsPerMinute: 500 * 60,
  latencySlo: { percentile: 'P95', ms: 10000 },
  policySet: { minCapacity: 1, maxCapacity: 8, scheduledActions: [] },
};

describe('EvaluationDriverPort (Inference Recommender Advanced job)', () => {
  test('start sends the Advanced job of the AWS sample against the endpoint', async () => {
    aws.sagemaker.on(CreateInferenceRecommendationsJobCommand).resolves({ JobArn: 'arn:eval' });
    const ref = await aws.ports.evaluation.start(EVALUATION);
    assert.deepEqual(aws.sagemaker.commandCalls(CreateInferenceRecommendationsJobCommand)[0]?.args[0].input, {
      JobName: 'demo-run1-eval-1',
      JobType: 'Advanced',
      RoleArn: ROLE_ARN,
      JobDescription: 'scaleplan evaluation of endpoint demo-run1-eval',
      InputConfig: {
        ModelPackageVersionArn: PACKAGE_ARN,
        Endpoints: [{ EndpointName: 'demo-run1-eval' }],
        EndpointConfigurations: [{ InstanceType: 'ml.c5.large' }],
        JobDurationInSeconds: 7200,
        ResourceLimit: { MaxNumberOfTests: 2, MaxParallelOfTests: 2 },
        TrafficPattern: {
          TrafficType: 'PHASES',
          Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 1, DurationInSeconds: 3600 }],
        },
      },
      StoppingConditions: {
        MaxInvocations: 30000,
        ModelLatencyThresholds: [{ Percentile: 'P95', ValueInMilliseconds: 10000 }],
      },
    });
    assert.deepEqual(ref, { kind: 'evaluation', name: 'demo-run1-eval-1', arn: 'arn:eval' });
  });

  test('a P99 SLO of 250.7 ms becomes one threshold of 250 ms; 8.5 rps becomes MaxInvocations 510', async () => {
    aws.sagemaker.on(CreateInferenceRecommendationsJobCommand).resolves({ JobArn: 'arn:eval' });
    await aws.ports.evaluation.start({
      ...EVALUATION,
      latencySlo: { percentile: 'P99', ms: 250.7 },
      maxInvocationsPerMinute: 8.5 * 60,
    });
    const input = aws.sagemaker.commandCalls(CreateInferenceRecommendationsJobCommand)[0]?.args[0].input;
    assert.deepEqual(input?.StoppingConditions, {
      MaxInvocations: 510,
      ModelLatencyThresholds: [{ Percentile: 'P99', ValueInMilliseconds: 250 }],
    });
  });

  const badStarts: [string, EvaluationInput, RegExp][] = [
    ['phases longer than the job', { ...EVALUATION, jobDurationSeconds: 3000 }, /phases last 3600 s/],
    ['no phase', { ...EVALUATION, phases: [] }, /at least one traffic phase/],
    ['an evaluation name with a dot', { ...EVALUATION, evaluationName: 'eval.1' }, /evaluation name/],
  ];
  for (const [name, input, pattern] of badStarts) {
    test(`start with ${name} is InvalidInputError with no call`, async () => {
      await assert.rejects(aws.ports.evaluation.start(input), {
        name: 'InvalidInputError',
        message: pattern,
      });
      assert.equal(aws.sagemaker.calls().length, 0);
    });
  }

  test('collectMetrics reads the endpoint from CreationTime to CompletionTime and counts instances', async () => {
    aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).resolves({
      JobName: 'demo-run1-eval-1',
      JobType: 'Advanced',
      JobArn: 'arn:eval',
      RoleArn: ROLE_ARN,
      Status: 'COMPLETED',
      CreationTime: new Date('2024-06-01T13:00:10Z'),
      CompletionTime: new Date('2024-06-01T13:31:30Z'),
      LastModifiedTime: new Date('2024-06-01T13:31:30Z'),
      InputConfig: {},
    });
    const m0 = new Date('2024-06-01T13:10:00Z');
    const m1 = new Date('2024-06-01T13:11:00Z');
    aws.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result('invocations', [
          [m0, 12000],
          [m1, 30500],
        ]),
        result('invocationsPerInstance', [
          [m0, 3000],
          [m1, 3812.5],
        ]),
        result('latencyP95', [
          [m0, 5200],
          [m1, 9100],
        ]),
        result('errors4xx', [[m1, 3]]),
      ],
    });

    const metrics = await aws.ports.evaluation.collectMetrics('demo-run1-eval-1', EVALUATION);

    const input = aws.cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    assert.equal(input?.StartTime?.toISOString(), '2024-06-01T13:00:00.000Z');
    assert.equal(input?.EndTime?.toISOString(), '2024-06-01T13:32:00.000Z');
    assert.deepEqual(
      input?.MetricDataQueries?.map((q) => q.MetricStat?.Metric?.Dimensions?.map((d) => d.Value).join('/')),
      Array(7).fill('demo-run1-eval/AllTraffic'),
    );
    assert.deepEqual(metrics, {
      periodSeconds: 60,
      points: [
        {
          timestamp: '2024-06-01T13:10:00.000Z',
          invocations: 12000,
          invocation4xxErrors: 0,
          invocation5xxErrors: 0,
          modelLatencyP95Us: 5200,
          instanceCount: 4,
        },
        {
          timestamp: '2024-06-01T13:11:00.000Z',
          invocations: 30500,
          invocation4xxErrors: 3,
          invocation5xxErrors: 0,
          modelLatencyP95Us: 9100,
          instanceCount: 8,
        },
      ],
    });
  });

  test('describe and stop: a running evaluation is stopped, its status mapped', async () => {
    aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).resolves({
      JobName: 'demo-run1-eval-1',
      JobType: 'Advanced',
      JobArn: 'arn:eval',
      RoleArn: ROLE_ARN,
      Status: 'IN_PROGRESS',
      CreationTime: new Date(),
      LastModifiedTime: new Date(),
      InputConfig: {},
    });
    aws.sagemaker.on(StopInferenceRecommendationsJobCommand).resolves({});
    assert.deepEqual(await aws.ports.evaluation.describe('demo-run1-eval-1'), {
      jobName: 'demo-run1-eval-1',
      status: 'IN_PROGRESS',
    });
    await aws.ports.evaluation.stop('demo-run1-eval-1');
    assert.deepEqual(aws.sagemaker.commandCalls(StopInferenceRecommendationsJobCommand)[0]?.args[0].input, {
      JobName: 'demo-run1-eval-1',
    });
  });

  test('a second driver plugs in through createAwsPorts without touching the rest', async () => {
    const other = createMockedAws('metrics-evaluation-driver', {
      evaluationDriver: () => ({
        start: async (input) => ({ kind: 'evaluation', name: `${input.evaluationName}-loadgen` }),
        describe: async (name) => ({ jobName: name, status: 'COMPLETED' }),
        collectMetrics: async () => ({ periodSeconds: 60, points: [] }),
        stop: async () => {},
      }),
    });
    assert.deepEqual(await other.ports.evaluation.start(EVALUATION), {
      kind: 'evaluation',
      name: 'demo-run1-eval-1-loadgen',
    });
    assert.equal(await other.ports.cleanup.deleteResource({ kind: 'evaluation', name: 'x' }), 'deleted');
    assert.equal(other.sagemaker.calls().length, 0);
  });
});

test('every request sent in this file validates against botocore', (t) => {
  aws.recorder.assertAllValid(t, 10);
});
