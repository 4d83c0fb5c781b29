/**
 * In-memory fake ports for the workflow tests. Every call is recorded (port, method, input); job,
 * endpoint and evaluation statuses are scripted as sequences; any method can be scripted to
 * throw a queue of errors first (throttling: TransientAwsError, then success); the resources
 * that exist right now are tracked so a test can assert that clean-up removed all of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import { ResourceNotFoundError } from '../../shared/core/errors';
import type { HistorySeries } from '../../shared/core/history';
import type {
  EndpointStatus,
  EvaluationInput,
  JobStatus,
  ModelPackageSummary,
  ResourceRef,
  WorkflowPorts,
} from '../../shared/core/ports';
import type { EvaluationMetrics } from '../../shared/core/types';

export const FAKE_ACCOUNT = '123456789012';
export const FAKE_REGION = 'us-east-1';

export interface FakeCall {
  port: keyof WorkflowPorts;
  method: string;
  input: unknown;
}

export interface FakeScript {
  /** What describeJob answers, one per call; the last repeats. Default ['COMPLETED']. */
  jobStatuses?: JobStatus[];
  jobFailureReason?: string;
  /** CostPerHour of the Default job's recommendation, USD. */
  jobCostPerHourUsd?: number;
  /** What describeEndpoint answers, one per call; the last repeats. Default ['InService']. */
  endpointStatuses?: EndpointStatus[];
  /** Per evaluation (1-based order of start): statuses answered by describe; default ['COMPLETED']. */
  evaluationStatuses?: (evaluationIndex: number) => JobStatus[];
  /** Per evaluation (1-based order of start): the metrics collectMetrics returns. */
  evaluationMetrics?: (evaluationIndex: number, input: EvaluationInput) => EvaluationMetrics;
  /** The benchmark the metrics port returns; default examples/benchmark.c5-large.json. */
  benchmark?: BenchmarkSeries;
  /** Errors thrown by `port.method` (e.g. 'jobs.startDefaultJob') before it succeeds, in order. */
  failures?: Record<string, Error[]>;
  /** What describeModelPackage answers (absent: the port has no describeModelPackage). */
  describedPackage?: ModelPackageSummary;
  /** The per-minute history the history port reads (absent: reading one fails). */
  history?: HistorySeries;
}

export interface FakePorts {
  ports: WorkflowPorts;
  calls: FakeCall[];
  /** Resources that exist now, by `kind:name`. */
  live: Map<string, ResourceRef>;
  /** Every resource ever created, in order. */
  created: ResourceRef[];
  /** The inputs of the evaluations started, in order. */
  evaluations: EvaluationInput[];
  /** Calls of one `port.method`. */
  callsOf(method: string): FakeCall[];
  /** The input of the `index`th call of `port.method`; throws when there was no such call. */
  inputOf<T>(method: string, index?: number): T;
}

/** The example benchmark (one ml.c5.large shaped after the AWS sample: peak about 9068/min). */
export function exampleBenchmark(): BenchmarkSeries {
  const path = join(import.meta.dirname ?? __dirname, '..', '..', 'examples', 'benchmark.c5-large.json');
  return JSON.parse(readFileSync(path, 'utf8')) as BenchmarkSeries;
}

/**
 * Per-minute evaluation metrics: `minutes` periods rising linearly to `peakPerMinute`, P95 at
 * `p95Ms`, `errors` 5XX in the last period.
 */
export function evaluationMetricsOf(options: {
  peakPerMinute: number;
  minutes?: number;
  p95Ms?: number;
  errors?: number;
}): EvaluationMetrics {
  const minutes = options.minutes ?? 10;
  return {
    periodSeconds: 60,
    points: Array.from({ length: minutes }, (_, index) => ({
      timestamp: new Date(Date.UTC(2026, 0, 2, 0, index)).toISOString(),
      invocations: Math.round((options.peakPerMinute * (index + 1)) / minutes),
      invocation4xxErrors: 0,
      invocation5xxErrors: index === minutes - 1 ? (options.errors ?? 0) : 0,
      modelLatencyP95Us: (options.p95Ms ?? 5) * 1000,
      modelLatencyP99Us: (options.p95Ms ?? 5) * 1500,
      modelLatencyAvgUs: (options.p95Ms ?? 5) * 500,
    })),
  };
}

function sequence<T>(values: T[], index: number): T {
  const value = values[Math.min(index, values.length - 1)];
  if (value === undefined) throw new Error('empty scripted sequence');
  return value;
}

export function createFakePorts(script: FakeScript = {}): FakePorts {
  const calls: FakeCall[] = [];
  const live = new Map<string, ResourceRef>();
  const created: ResourceRef[] = [];
  const evaluations: EvaluationInput[] = [];
  const failures = new Map(Object.entries(script.failures ?? {}).map(([key, errors]) => [key, [...errors]]));
  const counters = new Map<string, number>();
  const policies = new Map<string, string[]>();
  const runData = new Map<string, unknown>();

  const record = (port: keyof WorkflowPorts, method: string, input: unknown): number => {
    calls.push({ port, method, input: structuredClone(input) });
    const key = `${port}.${method}`;
    const error = failures.get(key)?.shift();
    if (error) throw error;
    const count = counters.get(key) ?? 0;
    counters.set(key, count + 1);
    return count;
  };
  const create = (ref: ResourceRef): ResourceRef => {
    live.set(`${ref.kind}:${ref.name}`, ref);
    created.push(ref);
    return ref;
  };
  const arn = (kind: string, name: string) =>
    `arn:aws:sagemaker:${FAKE_REGION}:${FAKE_ACCOUNT}:${kind}/${name}`;
  const evaluationIndex = (name: string) => evaluations.findIndex((e) => e.evaluationName === name) + 1;

  const ports: WorkflowPorts = {
    registry: {
      async ensureModelPackage(request, runId) {
        record('registry', 'ensureModelPackage', { request, runId });
        if (request.model.kind === 'modelPackage')
          return { modelPackageArn: request.model.modelPackageArn, created: [] };
        const group = `${request.name}-${runId}`;
        const packageArn = arn('model-package', `${group}/1`);
        return {
          modelPackageArn: packageArn,
          created: [
            create({ kind: 'modelPackageGroup', name: group, arn: arn('model-package-group', group) }),
            create({ kind: 'modelPackage', name: `${group}/1`, arn: packageArn }),
          ],
        };
      },
      ...(script.describedPackage
        ? {
            async describeModelPackage(modelPackageArn: string) {
              record('registry', 'describeModelPackage', { modelPackageArn });
              return script.describedPackage as ModelPackageSummary;
            },
          }
        : {}),
    },
    jobs: {
      async startDefaultJob(input) {
        record('jobs', 'startDefaultJob', input);
        return create({
          kind: 'recommenderJob',
          name: input.jobName,
          arn: arn('inference-recommendations-job', input.jobName),
        });
      },
      async describeJob(jobName) {
        const count = record('jobs', 'describeJob', { jobName });
        const status: JobStatus = sequence<JobStatus>(script.jobStatuses ?? ['COMPLETED'], count);
        return {
          jobName,
          status,
          ...(status === 'FAILED' || status === 'STOPPED'
            ? { failureReason: script.jobFailureReason ?? 'scripted failure' }
            : {}),
          ...(status === 'COMPLETED'
            ? {
                benchmarkWindow: {
                  endpointName: `${jobName}-bench`,
                  variantName: 'AllTraffic',
                  startTime: '2026-01-01T00:00:00Z',
                  endTime: '2026-01-01T00:30:00Z',
                  ...(script.jobCostPerHourUsd !== undefined
                    ? { costPerHourUsd: script.jobCostPerHourUsd }
                    : {}),
                },
              }
            : {}),
        };
      },
      async stopJob(jobName) {
        record('jobs', 'stopJob', { jobName });
      },
    },
    metrics: {
      async getBenchmarkSeries(input) {
        record('metrics', 'getBenchmarkSeries', input);
        return script.benchmark ?? exampleBenchmark();
      },
    },
    hosting: {
      async createEndpoint(input) {
        record('hosting', 'createEndpoint', input);
        const name = input.endpointName;
        return [
          create({ kind: 'model', name, arn: arn('model', name) }),
          create({ kind: 'endpointConfig', name, arn: arn('endpoint-config', name) }),
          create({ kind: 'endpoint', name, arn: arn('endpoint', name) }),
        ];
      },
      async describeEndpoint(endpointName) {
        const count = record('hosting', 'describeEndpoint', { endpointName });
        const status: EndpointStatus = sequence<EndpointStatus>(
          script.endpointStatuses ?? ['InService'],
          count,
        );
        return { status, ...(status === 'Failed' ? { failureReason: 'scripted endpoint failure' } : {}) };
      },
      async resetInstanceCount(input) {
        record('hosting', 'resetInstanceCount', input);
      },
    },
    scaling: {
      async registerScalableTarget(input) {
        record('scaling', 'registerScalableTarget', input);
        if (!live.has(`scalableTarget:${input.ResourceId}`))
          create({ kind: 'scalableTarget', name: input.ResourceId });
      },
      async putScalingPolicy(input) {
        record('scaling', 'putScalingPolicy', input);
        if (!live.has(`scalableTarget:${input.ResourceId}`))
          throw new ResourceNotFoundError(`no scalable target ${input.ResourceId}`);
        policies.set(input.ResourceId, [...(policies.get(input.ResourceId) ?? []), input.PolicyName]);
        return {
          policyArn: `arn:aws:autoscaling:${FAKE_REGION}:${FAKE_ACCOUNT}:scalingPolicy:00000000-0000-0000-0000-000000000000:resource/sagemaker/${input.ResourceId}:policyName/${input.PolicyName}`,
          alarmNames: [],
        };
      },
      async putMetricAlarm(input) {
        record('scaling', 'putMetricAlarm', input);
        if (!live.has(`alarm:${input.AlarmName}`)) create({ kind: 'alarm', name: input.AlarmName });
      },
      async putScheduledAction(input) {
        record('scaling', 'putScheduledAction', input);
      },
      async deregisterScalableTarget(input) {
        record('scaling', 'deregisterScalableTarget', input);
        if (!live.delete(`scalableTarget:${input.ResourceId}`))
          throw new ResourceNotFoundError(`no scalable target ${input.ResourceId}`);
        policies.delete(input.ResourceId);
      },
    },
    evaluation: {
      async start(input) {
        record('evaluation', 'start', input);
        evaluations.push(structuredClone(input));
        return create({ kind: 'evaluation', name: input.evaluationName });
      },
      async describe(evaluationName) {
        const index = evaluationIndex(evaluationName);
        record('evaluation', 'describe', { evaluationName });
        const statuses: JobStatus[] = script.evaluationStatuses?.(index) ?? ['COMPLETED'];
        const polled = calls.filter(
          (call) =>
            call.method === 'describe' &&
            (call.input as { evaluationName: string }).evaluationName === evaluationName,
        ).length;
        const status = sequence(statuses, polled - 1);
        return {
          jobName: evaluationName,
          status,
          ...(status === 'FAILED' ? { failureReason: 'scripted evaluation failure' } : {}),
        };
      },
      async collectMetrics(evaluationName, input) {
        record('evaluation', 'collectMetrics', { evaluationName });
        const index = evaluationIndex(evaluationName);
        return (
          script.evaluationMetrics?.(index, input) ??
          evaluationMetricsOf({ peakPerMinute: input.maxInvocationsPerMinute * 1.2 })
        );
      },
      async stop(evaluationName) {
        record('evaluation', 'stop', { evaluationName });
      },
    },
    cleanup: {
      async deleteResource(ref) {
        record('cleanup', 'deleteResource', ref);
        return live.delete(`${ref.kind}:${ref.name}`) ? 'deleted' : 'notFound';
      },
    },
    artifacts: {
      async putRecommendation(runId, recommendation) {
        record('artifacts', 'putRecommendation', { runId, recommendation });
        return { uri: `s3://scaleplan-test/recommendations/${runId}/recommendation.json` };
      },
      async putRunObjects(runId, objects) {
        record('artifacts', 'putRunObjects', { runId, names: objects.map((object) => object.name) });
        return objects.map(({ name }) => ({
          name,
          uri: `s3://scaleplan-test/recommendations/${runId}/${name}`,
        }));
      },
    },
    events: {
      async publish(event) {
        const index = record('events', 'publish', event);
        return { eventId: `event-${index}` };
      },
    },
    history: {
      sources: ['endpoint', 's3', 'file'],
      async read(source, input) {
        record('history', 'read', { source, ...input });
        if (!script.history) throw new ResourceNotFoundError('no history scripted for this fake');
        return { series: script.history, source: 'fake history' };
      },
    },
    runData: {
      async put(runId, name, value) {
        record('runData', 'put', { runId, name });
        const key = `recommendations/${runId}/work/${name}`;
        runData.set(key, structuredClone(value));
        return { key };
      },
      async get(key) {
        record('runData', 'get', { key });
        if (!runData.has(key)) throw new ResourceNotFoundError(`no run data at ${key}`);
        return structuredClone(runData.get(key));
      },
    },
  };
  return {
    ports,
    calls,
    live,
    created,
    evaluations,
    callsOf: (method) => calls.filter((call) => `${call.port}.${call.method}` === method),
    inputOf<T>(method: string, index = 0): T {
      const call = calls.filter((c) => `${c.port}.${c.method}` === method)[index];
      if (!call) throw new Error(`no call ${index} of ${method}`);
      return call.input as T;
    },
  };
}
