/**
 * RecommenderJobsPort on Inference Recommender: the Default (instance recommendation) job
 * narrowed to one instance type, its description turned into a JobDescription with the window of
 * the benchmark, and Stop.
 */
import {
  CreateInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
  DescribeInferenceRecommendationsJobCommand,
  type DescribeInferenceRecommendationsJobCommandOutput,
  StopInferenceRecommendationsJobCommand,
} from '@aws-sdk/client-sagemaker';
import { AwsRequestError } from '../../core/errors';
import type { RunOwner } from '../../core/ownership';
import type {
  BenchmarkWindow,
  DefaultJobInput,
  JobDescription,
  JobStatus,
  RecommenderJobsPort,
  ResourceRef,
} from '../../core/ports';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { callAws } from './errors';
import { checkName, JOB_NAME } from './names';
import { createOrAdoptOwn, sageMakerTags, tagsOf } from './ownership';

/**
 * When a recommendation carries no InvocationStartTime/EndTime (older jobs), the AWS sample's
 * window is used: CreationTime + 5 min .. LastModifiedTime - 6 min (endpoint set-up and tear-down).
 */
export const FALLBACK_WINDOW_START_OFFSET_SECONDS = 300;
export const FALLBACK_WINDOW_END_OFFSET_SECONDS = 360;

const JOB_STATUSES: ReadonlySet<string> = new Set<JobStatus>([
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'STOPPING',
  'STOPPED',
  'DELETING',
  'DELETED',
]);

/** Builds the CreateInferenceRecommendationsJob input of a Default job (exported for tests and docs). */
export function buildDefaultJobRequest(
  input: DefaultJobInput,
  roleArn: string,
): CreateInferenceRecommendationsJobCommandInput {
  return {
    JobName: checkName('job name', input.jobName, JOB_NAME),
    JobType: 'Default',
    RoleArn: roleArn,
    JobDescription: `scaleplan benchmark of one ${input.instanceType}`,
    InputConfig: {
      ModelPackageVersionArn: input.modelPackageArn,
      // A package registered here lists only this type already; a reused package may list
      // several, and ContainerConfig overrides the package's fields, so the job benchmarks one type.
      ContainerConfig: { SupportedInstanceTypes: [input.instanceType] },
    },
  };
}

/** The job's status, failure reason and, once a Default job completed, the benchmark window. */
export function toJobDescription(
  jobName: string,
  output: DescribeInferenceRecommendationsJobCommandOutput,
): JobDescription {
  const status = output.Status && JOB_STATUSES.has(output.Status) ? (output.Status as JobStatus) : 'PENDING';
  const described: JobDescription = { jobName, status };
  if (output.FailureReason) described.failureReason = output.FailureReason;
  const window = benchmarkWindowOf(output);
  if (status === 'COMPLETED' && window) described.benchmarkWindow = window;
  return described;
}

function benchmarkWindowOf(
  output: DescribeInferenceRecommendationsJobCommandOutput,
): BenchmarkWindow | undefined {
  const first = output.InferenceRecommendations?.[0];
  const endpoint = first?.EndpointConfiguration;
  if (!first || !endpoint?.EndpointName || !endpoint.VariantName) return undefined;
  let start = first.InvocationStartTime;
  let end = first.InvocationEndTime;
  if ((!start || !end) && output.CreationTime && output.LastModifiedTime) {
    start = new Date(output.CreationTime.getTime() + FALLBACK_WINDOW_START_OFFSET_SECONDS * 1000);
    end = new Date(output.LastModifiedTime.getTime() - FALLBACK_WINDOW_END_OFFSET_SECONDS * 1000);
  }
  if (!start || !end) return undefined;
  const window: BenchmarkWindow = {
    endpointName: endpoint.EndpointName,
    variantName: endpoint.VariantName,
    startTime: start.toISOString(),
    endTime: end.toISOString(),
  };
  const cost = first.Metrics?.CostPerHour;
  if (typeof cost === 'number' && Number.isFinite(cost)) window.costPerHourUsd = cost;
  return window;
}

export async function describeRecommendationsJob(
  clients: AwsClientProvider,
  jobName: string,
): Promise<DescribeInferenceRecommendationsJobCommandOutput> {
  return callAws(`describe inference recommendations job ${jobName}`, () =>
    clients.sagemaker().send(new DescribeInferenceRecommendationsJobCommand({ JobName: jobName })),
  );
}

export async function stopRecommendationsJob(clients: AwsClientProvider, jobName: string): Promise<void> {
  await callAws(`stop inference recommendations job ${jobName}`, () =>
    clients.sagemaker().send(new StopInferenceRecommendationsJobCommand({ JobName: jobName })),
  );
}

/**
 * Starts a recommendations job tagged with its owner. A retry after a lost response meets the
 * job name in use: the job is the run's own (it carries the run's tags) and the run goes on with
 * it; any other job of that name fails the Task with AwsRequestError. Returns the job's ARN.
 */
export async function startOwnedJob(
  clients: AwsClientProvider,
  request: CreateInferenceRecommendationsJobCommandInput,
  owner: RunOwner | undefined,
  what: string,
): Promise<string | undefined> {
  const jobName = request.JobName ?? '';
  return createOrAdoptOwn(
    `${what} ${jobName}`,
    owner,
    async () =>
      (
        await callAws(`start ${what} ${jobName}`, () =>
          clients
            .sagemaker()
            .send(new CreateInferenceRecommendationsJobCommand({ ...request, ...tagsOf(owner) })),
        )
      )?.JobArn,
    async () => {
      const arn = (await describeRecommendationsJob(clients, jobName))?.JobArn;
      if (!arn) throw new AwsRequestError(`${what} ${jobName} exists but has no JobArn`);
      return { arn, tags: await sageMakerTags(clients, arn) };
    },
  );
}

/** Job statuses in which a recommendations job still holds resources and must be stopped. */
const RUNNING_JOB_STATUSES: ReadonlySet<string> = new Set(['PENDING', 'IN_PROGRESS']);

/** Stops a recommendations job when it still runs; a finished job has nothing left to release. */
export async function stopJobIfRunning(clients: AwsClientProvider, jobName: string): Promise<void> {
  const job = await describeRecommendationsJob(clients, jobName);
  if (job.Status && RUNNING_JOB_STATUSES.has(job.Status)) await stopRecommendationsJob(clients, jobName);
}

export function createRecommenderJobs(clients: AwsClientProvider, config: AwsConfig): RecommenderJobsPort {
  return {
    async startDefaultJob(input): Promise<ResourceRef> {
      const request = buildDefaultJobRequest(input, input.roleArn ?? config.roleArn());
      const arn = await startOwnedJob(clients, request, input.owner, 'inference recommendations job');
      return { kind: 'recommenderJob', name: input.jobName, ...(arn ? { arn } : {}) };
    },
    async describeJob(jobName) {
      return toJobDescription(jobName, await describeRecommendationsJob(clients, jobName));
    },
    async stopJob(jobName) {
      await stopRecommendationsJob(clients, jobName);
    },
  };
}
