/**
 * The local Inference Recommender Default job: a real benchmark of the package's local server,
 * run in the background (injected, so the composition root decides the server and the length).
 * Job names are unique, statuses and windows answer as DescribeInferenceRecommendationsJob, and a
 * stopped job aborts its load.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkSeries } from '../../core/benchmark-file';
import { AwsRequestError, ConfigurationError, ResourceNotFoundError } from '../../core/errors';
import type { JobDescription, RecommenderJobsPort } from '../../core/ports';
import { type LocalJob, type LocalModelSource, type LocalStateStore, localArn } from './state-store';

/** What one Default job benchmarks: the package's server and sample payload. */
export interface LocalBenchmarkJob {
  jobName: string;
  model: LocalModelSource;
  /** The package's sample payload, sent on every request. */
  payload: Buffer;
  instanceType: string;
  /** The request's vCPUs as NormalizeInput resolved them, when the package records them. */
  vcpus?: number;
}

/**
 * Runs a Default job's benchmark (a real load test of a real server, which it may start and
 * stop). `signal` aborts when the job is stopped or cleaned up: the load must stop then, not when
 * the benchmark would have ended.
 */
export type RunLocalBenchmark = (job: LocalBenchmarkJob, signal: AbortSignal) => Promise<BenchmarkSeries>;

export interface LocalJobs {
  port: RecommenderJobsPort;
  /** A promise per started job's benchmark, so a caller can wait for them before exiting. */
  benchmarks: Map<string, Promise<BenchmarkSeries>>;
  /** Stops a running job: STOPPED, as StopInferenceRecommendationsJob, and its load aborted. */
  stopRunningJob(jobName: string): void;
}

/** The endpoint name a local job's window names (the metrics port finds the series by it). */
export function benchmarkEndpointName(jobName: string): string {
  return `${jobName}-bench`.slice(0, 63);
}

/**
 * The end of the job's window on the clock of its series: a benchmark of the local endpoint
 * reports its periods on the scaled clock (`timeScale` AWS seconds per real second), so
 * its window lasts that many times the real time the job took.
 */
function windowEnd(job: LocalJob, series: BenchmarkSeries, now: Date): string {
  const { timeScale } = series;
  if (timeScale === undefined || !job.startTime) return now.toISOString();
  const startMs = Date.parse(job.startTime);
  return new Date(startMs + (now.getTime() - startMs) * timeScale).toISOString();
}

export function createLocalJobs(
  store: LocalStateStore,
  options: { runBenchmark: RunLocalBenchmark; now: () => Date },
): LocalJobs {
  const { state } = store;
  const benchmarks = new Map<string, Promise<BenchmarkSeries>>();
  const controllers = new Map<string, AbortController>();
  // A stopped job settles soon after (the periods so far), and a settled stopped job stays STOPPED.
  const stopRunningJob = (jobName: string) => {
    const job = state.jobs[jobName];
    if (job && (job.status === 'IN_PROGRESS' || job.status === 'PENDING')) {
      job.status = 'STOPPED';
      job.endTime = options.now().toISOString();
    }
    controllers.get(jobName)?.abort();
  };
  const settle = (jobName: string, job: LocalJob, running: Promise<BenchmarkSeries>) =>
    running.then(
      (result) => {
        // A job stopped meanwhile stays STOPPED and leaves no benchmark behind (the workflow
        // that stopped it has moved on), as a stopped Inference Recommender job does.
        if (job.status !== 'IN_PROGRESS') return;
        store.series.set(jobName, result);
        // For the reader of the run's folder; nothing reads it back.
        writeFileSync(join(store.runDir, 'benchmark.json'), `${JSON.stringify(result, null, 2)}\n`);
        Object.assign(job, { status: 'COMPLETED', endTime: windowEnd(job, result, options.now()) });
        store.save();
      },
      (error: unknown) => {
        if (job.status !== 'IN_PROGRESS') return;
        Object.assign(job, {
          status: 'FAILED',
          failureReason: error instanceof Error ? error.message : String(error),
          endTime: options.now().toISOString(),
        });
        store.save();
      },
    );

  const port: RecommenderJobsPort = {
    async startDefaultJob(input) {
      const modelPackage = state.modelPackages[input.modelPackageArn];
      if (!modelPackage)
        throw new ResourceNotFoundError(`model package ${input.modelPackageArn} does not exist locally`);
      const payload = store.payloads.get(input.modelPackageArn);
      if (!modelPackage.model || !payload)
        throw new ConfigurationError(
          `model package ${input.modelPackageArn} names no local server: the local backend benchmarks a model of kind "local"`,
        );
      // Job names are unique, whatever the job's status: SageMaker answers ResourceInUse, which
      // the AWS adapter passes on as an AwsRequestError. Replacing the job would orphan its load.
      const existing = state.jobs[input.jobName];
      if (existing)
        throw new AwsRequestError(
          `unable to start inference recommendations job ${input.jobName}: ResourceInUse: a job named ${input.jobName} already exists (${existing.status})`,
        );
      const job: LocalJob = { status: 'IN_PROGRESS', startTime: options.now().toISOString() };
      state.jobs[input.jobName] = job;
      store.save();
      const controller = new AbortController();
      controllers.set(input.jobName, controller);
      const running = options.runBenchmark(
        {
          jobName: input.jobName,
          model: modelPackage.model,
          payload,
          instanceType: input.instanceType,
          ...(modelPackage.vcpus === undefined ? {} : { vcpus: modelPackage.vcpus }),
        },
        controller.signal,
      );
      benchmarks.set(input.jobName, running);
      settle(input.jobName, job, running);
      return {
        kind: 'recommenderJob',
        name: input.jobName,
        arn: localArn('inference-recommendations-job', input.jobName),
      };
    },
    async describeJob(jobName): Promise<JobDescription> {
      const job = state.jobs[jobName];
      if (!job) throw new ResourceNotFoundError(`no inference recommendations job ${jobName}`);
      const described: JobDescription = { jobName, status: job.status };
      if (job.failureReason) described.failureReason = job.failureReason;
      if (job.status === 'COMPLETED' && job.startTime && job.endTime) {
        described.benchmarkWindow = {
          endpointName: benchmarkEndpointName(jobName),
          variantName: 'AllTraffic',
          startTime: job.startTime,
          endTime: job.endTime,
        };
      }
      return described;
    },
    async stopJob(jobName) {
      if (!state.jobs[jobName])
        throw new ResourceNotFoundError(`no inference recommendations job ${jobName}`);
      stopRunningJob(jobName);
      store.save();
    },
  };
  return { port, benchmarks, stopRunningJob };
}
