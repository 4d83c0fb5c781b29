/**
 * A scripted fake AWS account over createMockedAws: it answers every call the workflow makes
 * (SageMaker, Application Auto Scaling, CloudWatch, S3, EventBridge, and the tags the ownership
 * checks read back) and keeps what exists, so that the real definition and handlers run end to
 * end on the real AWS adapters. The S3 bucket keeps what is put and answers GetObject from it
 * (the run data a later Task reads back); `script.metricData` answers a GetMetricData request
 * before the benchmark and the evaluation do (a production endpoint's history).
 */
import {
  DeregisterScalableTargetCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
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
import {
  AWS_NORMALIZE_INPUT_OPTIONS,
  createNormalizeInputHandler,
} from '../../functions/normalizeInput/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import type { WorkflowPorts } from '../../shared/core/ports';
import type { EvaluationMetrics } from '../../shared/core/types';
import { evaluationMetricsOf, exampleBenchmark } from '../fakes/ports';
import { resultsFor } from './metric-answers';
import { ACCOUNT, awsError, type createMockedAws } from './mocks';
import { alarmArn, playTags } from './tagged-account';

export const sm = (kind: string, name: string) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:${kind}/${name}`;

export interface AccountScript {
  /** The metrics of the n-th evaluation (1-based); 31000/min at 40 ms P95 by default. */
  evaluation?: (index: number) => EvaluationMetrics;
  /** DescribeEndpoint statuses in call order (the last repeats); Creating then InService by default. */
  endpointStatuses?: string[];
  /** SDK errors thrown by the first calls of an operation, in order, before it answers normally. */
  failures?: Partial<Record<string, Error[]>>;
  /**
   * Application Auto Scaling's eventual consistency: a scalable target registered anew is not
   * visible to PutScalingPolicy (ValidationException) until it is registered again, which in the
   * workflow is the Task's retry after a backoff. A target deregistered in between is new again,
   * so a handler that undid its registration before the retry would never get past the race.
   */
  slowTargetVisibility?: boolean;
  /**
   * Answers a GetMetricData request before the benchmark and the evaluation do (a production
   * endpoint's history, page by page); `undefined` leaves the request to them.
   */
  metricData?: (input: GetMetricDataCommandInput) => Partial<GetMetricDataCommandOutput> | undefined;
}

/** A fake account: answers every call the workflow makes and keeps what exists. */
export function playAws(aws: ReturnType<typeof createMockedAws>, script: AccountScript = {}) {
  const benchmark = exampleBenchmark();
  const evaluationOf = script.evaluation ?? (() => evaluationMetricsOf({ peakPerMinute: 31000, p95Ms: 40 }));
  let evaluations = 0;
  const failFirst = (operation: string) => {
    const error = script.failures?.[operation]?.shift();
    if (error) throw error;
  };
  const jobs = new Map<string, { type: string; describes: number }>();
  const alarms = new Set<string>();
  const endpointDescribes = new Map<string, number>();

  aws.sagemaker.on(CreateModelPackageGroupCommand).callsFake((input: { ModelPackageGroupName: string }) => ({
    ModelPackageGroupArn: sm('model-package-group', input.ModelPackageGroupName),
  }));
  const packages = new Map<string, string[]>();
  aws.sagemaker.on(CreateModelPackageCommand).callsFake((input: { ModelPackageGroupName: string }) => {
    const arn = sm('model-package', `${input.ModelPackageGroupName}/1`);
    packages.set(input.ModelPackageGroupName, [arn]);
    return { ModelPackageArn: arn };
  });
  aws.sagemaker.on(ListModelPackagesCommand).callsFake((input: { ModelPackageGroupName: string }) => ({
    ModelPackageSummaryList: (packages.get(input.ModelPackageGroupName) ?? []).map((ModelPackageArn) => ({
      ModelPackageArn,
      ModelPackageName: input.ModelPackageGroupName,
      ModelPackageStatus: 'Completed',
      CreationTime: new Date('2026-01-01T00:00:00Z'),
    })),
  }));
  aws.sagemaker
    .on(CreateInferenceRecommendationsJobCommand)
    .callsFake((input: CreateInferenceRecommendationsJobCommandInput) => {
      failFirst('CreateInferenceRecommendationsJob');
      jobs.set(input.JobName ?? '', { type: input.JobType ?? '', describes: 0 });
      if (input.JobType === 'Advanced') evaluations += 1;
      return { JobArn: sm('inference-recommendations-job', input.JobName ?? '') };
    });
  aws.sagemaker.on(DescribeInferenceRecommendationsJobCommand).callsFake((input: { JobName: string }) => {
    const job = jobs.get(input.JobName);
    if (!job) throw Object.assign(new Error(`job ${input.JobName} not found`), { name: 'ResourceNotFound' });
    job.describes += 1;
    const done = job.describes > 1; // one IN_PROGRESS round, then COMPLETED
    const base = {
      JobName: input.JobName,
      JobType: job.type,
      JobArn: sm('inference-recommendations-job', input.JobName),
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/scaleplan-sagemaker`,
      Status: done ? 'COMPLETED' : 'IN_PROGRESS',
      CreationTime: new Date('2026-01-01T00:00:00Z'),
      LastModifiedTime: new Date('2026-01-01T00:40:00Z'),
      InputConfig: {},
    };
    if (!done) return base;
    if (job.type === 'Advanced') return { ...base, CompletionTime: new Date('2026-01-01T00:40:00Z') };
    return {
      ...base,
      CompletionTime: new Date('2026-01-01T00:40:00Z'),
      InferenceRecommendations: [
        {
          Metrics: { CostPerHour: 0.102, MaxInvocations: 9068, ModelLatency: 4 },
          EndpointConfiguration: {
            EndpointName: `${input.JobName}-ep`,
            VariantName: 'variant-1',
            InstanceType: 'ml.c5.large',
            InitialInstanceCount: 1,
          },
          ModelConfiguration: {},
          InvocationStartTime: new Date(benchmark.points[0]?.timestamp ?? 0),
          InvocationEndTime: new Date(new Date(benchmark.points.at(-1)?.timestamp ?? 0).getTime() + 60_000),
        },
      ],
    };
  });
  aws.sagemaker
    .on(CreateModelCommand)
    .callsFake((input: { ModelName: string }) => ({ ModelArn: sm('model', input.ModelName) }));
  aws.sagemaker.on(CreateEndpointConfigCommand).callsFake((input: { EndpointConfigName: string }) => ({
    EndpointConfigArn: sm('endpoint-config', input.EndpointConfigName),
  }));
  aws.sagemaker
    .on(CreateEndpointCommand)
    .callsFake((input: { EndpointName: string }) => ({ EndpointArn: sm('endpoint', input.EndpointName) }));
  aws.sagemaker.on(DescribeEndpointCommand).callsFake((input: { EndpointName: string }) => {
    failFirst('DescribeEndpoint');
    const count = (endpointDescribes.get(input.EndpointName) ?? 0) + 1;
    endpointDescribes.set(input.EndpointName, count);
    const statuses = script.endpointStatuses ?? ['Creating', 'InService'];
    return {
      EndpointName: input.EndpointName,
      EndpointArn: sm('endpoint', input.EndpointName),
      EndpointStatus: statuses[Math.min(count, statuses.length) - 1],
      CreationTime: new Date(),
      LastModifiedTime: new Date(),
    };
  });
  aws.sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({ EndpointArn: 'arn' });
  aws.sagemaker.on(DeleteEndpointCommand).callsFake(() => {
    failFirst('DeleteEndpoint');
    return {};
  });
  for (const command of [DeleteEndpointConfigCommand, DeleteModelCommand] as const)
    aws.sagemaker.on(command as typeof DeleteModelCommand).resolves({});
  aws.sagemaker.on(DeleteModelPackageCommand).callsFake((input: { ModelPackageName: string }) => {
    for (const [group, arns] of packages)
      packages.set(
        group,
        arns.filter((arn) => arn !== input.ModelPackageName),
      );
    return {};
  });
  aws.sagemaker.on(DeleteModelPackageGroupCommand).resolves({});
  aws.sagemaker.on(StopInferenceRecommendationsJobCommand).resolves({});

  // Registered targets by ResourceId: whether the Put* calls see them yet.
  const targets = new Map<string, boolean>();
  aws.autoScaling.on(RegisterScalableTargetCommand).callsFake((input: { ResourceId: string }) => {
    targets.set(input.ResourceId, targets.has(input.ResourceId) || !script.slowTargetVisibility);
    return { ScalableTargetARN: 'arn:target' };
  });
  aws.autoScaling
    .on(PutScalingPolicyCommand)
    .callsFake((input: { PolicyName: string; ResourceId: string }) => {
      if (targets.get(input.ResourceId) === false)
        throw awsError(
          'ValidationException',
          `No scalable target registered for service namespace: sagemaker, resource ID: ${input.ResourceId}, scalable dimension: sagemaker:variant:DesiredInstanceCount`,
        );
      failFirst('PutScalingPolicy');
      return {
        PolicyARN: `arn:aws:autoscaling:us-east-1:${ACCOUNT}:scalingPolicy:0f0e:resource/sagemaker/${input.ResourceId}:policyName/${input.PolicyName}`,
        Alarms: [],
      };
    });
  aws.autoScaling.on(DeregisterScalableTargetCommand).callsFake((input: { ResourceId: string }) => {
    targets.delete(input.ResourceId);
    return {};
  });
  aws.cloudWatch.on(PutMetricAlarmCommand).callsFake((input: { AlarmName: string }) => {
    alarms.add(input.AlarmName);
    return {};
  });
  aws.cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
    MetricAlarms: input.AlarmNames.filter((name) => alarms.has(name)).map((AlarmName) => ({
      AlarmName,
      AlarmArn: alarmArn(AlarmName),
    })),
  }));
  aws.cloudWatch.on(DeleteAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => {
    for (const name of input.AlarmNames) alarms.delete(name);
    return {};
  });
  aws.cloudWatch
    .on(GetMetricDataCommand)
    // Judge reads the metrics of the evaluation started last.
    .callsFake(
      (input: GetMetricDataCommandInput) =>
        script.metricData?.(input) ?? resultsFor(input, benchmark, evaluationOf(evaluations)),
    );
  // The bucket keeps what is put: a later Task reads its run data back.
  const objects = new Map<string, string>();
  aws.s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: unknown }) => {
    objects.set(`${input.Bucket}/${input.Key}`, String(input.Body));
    return {};
  });
  aws.s3.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const text = objects.get(`${input.Bucket}/${input.Key}`);
    if (text === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.', 404);
    // The part of the streaming Body the adapters read.
    return { Body: { transformToString: async () => text } };
  });
  let eventIds = 0;
  aws.eventBridge.on(PutEventsCommand).callsFake(() => {
    eventIds += 1;
    return { FailedEntryCount: 0, Entries: [{ EventId: `event-${eventIds}` }] };
  });
  // What the run created carries its tags: the ownership checks read them back.
  const tags = playTags(aws);
  return { alarms, targets, tags, objects };
}

/**
 * The ports and NormalizeInput as production wires them on AWS (its AWS limits and allowed model
 * kinds); the other handlers are the ones functions/index.ts builds over the ports.
 */
export function awsWiring(ports: WorkflowPorts) {
  const normalizeInput = createNormalizeInputHandler(ports, AWS_NORMALIZE_INPUT_OPTIONS);
  return {
    ports,
    handlerOverrides: {
      normalizeInput: (event: unknown) => normalizeInput(event, localLambdaContext('normalizeInput')),
    },
  };
}
