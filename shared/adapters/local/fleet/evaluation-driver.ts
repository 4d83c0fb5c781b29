/**
 * The local Advanced job on the local endpoint: an EvaluationDriverPort that creates a real fleet
 * at MinCapacity, registers exactly the Application Auto Scaling inputs of the policy set, drives
 * the evaluation's traffic (IR's PHASES or STAIRS of closed-loop users, or the open-loop replay of
 * a trace: evaluation-traffic.ts) on the scaled clock with IR's stopping conditions
 * (MaxInvocations: the invocations per minute the endpoint must reach; ModelLatencyThresholds: the
 * SLO's percentile over its limit in a period), and serves the measured per-period metrics read
 * through GetMetricData. `fleetEvaluationDriverFactory` gives the factory the local backend takes
 * (`createLocalPorts({ evaluationDriver })`); the local run selects it by default
 * (shared/workflow/local-fleet.ts, docs/local-endpoint.md).
 */
import type { ScalingRequests } from '../../../core/aws-requests';
import { JobFailedError, ResourceNotFoundError } from '../../../core/errors';
import { buildScalingRequests } from '../../../core/policies';
import type { EvaluationDriverPort, EvaluationInput, JobDescription, JobStatus } from '../../../core/ports';
import type { EvaluationMetrics, EvaluationPoint } from '../../../core/types';
import { applyScalingRequests, type FleetActivity } from './autoscaling';
import { LOCAL_FLEET_NAMESPACE, type MetricDataQuery, SAGEMAKER_NAMESPACE } from './cloudwatch';
import { createLocalEndpoint, type LocalEndpoint, type LocalEndpointOptions } from './endpoint';
import { driveEvaluationTraffic } from './evaluation-traffic';

export interface FleetEvaluationOptions {
  /** Everything of the endpoint but its name and sizes, which come from the evaluation. */
  endpoint: Omit<LocalEndpointOptions, 'endpointName' | 'initialInstanceCount' | 'maxInstances'>;
  /** The sample sent on every request, fixed or per evaluation (the model package's). */
  sample:
    | { payload: Buffer; contentType: string }
    | ((input: EvaluationInput) => { payload: Buffer; contentType: string });
  /** The inputs RegisterPolicies sent for this variant; default: built from the policy set. */
  scalingRequestsOf?: (input: EvaluationInput) => ScalingRequests;
  /** Per-evaluation endpoint settings (the model package's server command, its vCPUs, events). */
  endpointFor?: (input: EvaluationInput) => Partial<LocalEndpointOptions>;
  /** Called once per period of the scaled clock while the evaluation runs, for a progress display. */
  onProgress?: (progress: FleetProgress) => void;
  /**
   * After the load (the phases ended or a stopping condition ended them), how long the fleet is
   * kept, AWS seconds, so the scale-in the policies make is measured too; it ends sooner once the
   * fleet is back at MinCapacity. Default 0: the job ends with the load, as Inference Recommender's.
   */
  afterLoadSeconds?: number;
}

/** The fleet during an evaluation, once per period: what a progress display shows. */
export interface FleetProgress {
  evaluationName: string;
  /** 'load' while the users run; 'afterLoad' while the fleet is watched scaling in. */
  phase: 'load' | 'afterLoad';
  /** AWS seconds since the evaluation started. */
  elapsedSeconds: number;
  status: string;
  inService: number;
  desired: number;
  /** The last published period (invocations, errors, ModelLatency in µs). */
  lastPeriod?: EvaluationPoint;
}

interface FleetEvaluation {
  status: JobStatus;
  failureReason?: string;
  abort: AbortController;
  metrics?: EvaluationMetrics;
  activities: FleetActivity[];
  stopReason?: string;
  done: Promise<void>;
}

/** The metrics the judge reads, by query id. */
const EVALUATION_QUERIES: [id: string, namespace: string, metricName: string, stat: string][] = [
  ['invocations', SAGEMAKER_NAMESPACE, 'Invocations', 'Sum'],
  ['errors4xx', SAGEMAKER_NAMESPACE, 'Invocation4XXErrors', 'Sum'],
  ['errors5xx', SAGEMAKER_NAMESPACE, 'Invocation5XXErrors', 'Sum'],
  ['latencyAvg', SAGEMAKER_NAMESPACE, 'ModelLatency', 'Average'],
  ['latencyP95', SAGEMAKER_NAMESPACE, 'ModelLatency', 'p95'],
  ['latencyP99', SAGEMAKER_NAMESPACE, 'ModelLatency', 'p99'],
  ['instances', LOCAL_FLEET_NAMESPACE, 'InServiceInstances', 'Maximum'],
];

/**
 * Per-period EvaluationPoints of the endpoint between `fromSeconds` and `toSeconds` (scaled clock),
 * as published once the last period's delay has passed.
 */
export function readEvaluationMetrics(
  endpoint: LocalEndpoint,
  fromSeconds: number,
  toSeconds: number,
): EvaluationMetrics {
  const periodSeconds = 60;
  const queries: MetricDataQuery[] = EVALUATION_QUERIES.map(([Id, Namespace, MetricName, Stat]) => ({
    Id,
    MetricStat: { Metric: { Namespace, MetricName }, Period: periodSeconds, Stat },
  }));
  const start =
    endpoint.clock.startEpochSeconds +
    Math.floor((fromSeconds - endpoint.clock.startEpochSeconds) / periodSeconds) * periodSeconds;
  const output = endpoint.getMetricData(
    {
      MetricDataQueries: queries,
      StartTime: new Date(start * 1000),
      EndTime: new Date(toSeconds * 1000),
      ScanBy: 'TimestampAscending',
    },
    toSeconds + periodSeconds + 3600,
  );
  const byTime = new Map<number, EvaluationPoint>();
  for (const result of output.MetricDataResults)
    result.Timestamps.forEach((timestamp, i) => {
      const at = timestamp.getTime();
      const point = byTime.get(at) ?? {
        timestamp: timestamp.toISOString(),
        invocations: 0,
        invocation4xxErrors: 0,
        invocation5xxErrors: 0,
      };
      const value = result.Values[i]!;
      if (result.Id === 'invocations') point.invocations = value;
      else if (result.Id === 'errors4xx') point.invocation4xxErrors = value;
      else if (result.Id === 'errors5xx') point.invocation5xxErrors = value;
      else if (result.Id === 'latencyAvg') point.modelLatencyAvgUs = value;
      else if (result.Id === 'latencyP95') point.modelLatencyP95Us = value;
      else if (result.Id === 'latencyP99') point.modelLatencyP99Us = value;
      else if (result.Id === 'instances') point.instanceCount = value;
      byTime.set(at, point);
    });
  return {
    periodSeconds,
    points: [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([, point]) => point),
  };
}

/** The local endpoint in words, for the metrics' `measuredOn`. */
export function describeFleet(endpoint: LocalEndpoint): string {
  const { mode, instanceCores } = endpoint.capacityMode;
  const limit =
    mode === 'concurrency'
      ? 'a concurrency limit per instance'
      : `${instanceCores} cores per instance (${mode})`;
  return `the local endpoint: real model-server processes, ${limit}, time scale ${endpoint.clock.timeScale}`;
}

/**
 * Keeps the fleet without load until it is back at `minCapacity` (the scale-in the policies make)
 * or `afterLoadSeconds` (AWS seconds) have passed; a stopped evaluation ends it at once.
 */
async function watchScaleIn(
  endpoint: LocalEndpoint,
  minCapacity: number,
  afterLoadSeconds: number,
  { signal, onTick }: { signal: AbortSignal; onTick: () => void },
): Promise<void> {
  const until = endpoint.clock.nowSeconds() + afterLoadSeconds;
  const backAtMin = () =>
    endpoint.desiredInstanceCount() <= minCapacity && endpoint.inServiceInstances().length <= minCapacity;
  let lastTick = endpoint.clock.nowSeconds();
  while (!signal.aborted && endpoint.clock.nowSeconds() < until && !backAtMin()) {
    await new Promise((resolve) => setTimeout(resolve, endpoint.clock.realMs(10)));
    if (endpoint.clock.nowSeconds() - lastTick >= 60) {
      lastTick = endpoint.clock.nowSeconds();
      onTick();
    }
  }
  // One more period, so the last scale-in's period is published too.
  if (!signal.aborted && afterLoadSeconds > 0)
    await new Promise((resolve) => setTimeout(resolve, endpoint.clock.realMs(60 + 60)));
}

/**
 * One evaluation, from the fleet's creation to its stop: the policies applied, the users until
 * the traffic ends or a stopping condition ends it, the watch of the scale-in, the metrics read.
 */
async function runFleetEvaluation(
  options: FleetEvaluationOptions,
  input: EvaluationInput,
  evaluation: FleetEvaluation,
): Promise<void> {
  const endpoint = await createLocalEndpoint({
    ...options.endpoint,
    ...options.endpointFor?.(input),
    endpointName: input.endpointName,
    variantName: input.variantName,
    initialInstanceCount: input.policySet.minCapacity,
    maxInstances: input.policySet.maxCapacity,
  });
  const from = endpoint.clock.nowSeconds();
  const progress = (phase: FleetProgress['phase']) => {
    if (!options.onProgress) return;
    const last = readEvaluationMetrics(endpoint, from, endpoint.clock.nowSeconds()).points.at(-1);
    options.onProgress({
      evaluationName: input.evaluationName,
      phase,
      elapsedSeconds: Math.round(endpoint.clock.nowSeconds() - from),
      status: endpoint.status(),
      inService: endpoint.inServiceInstances().length,
      desired: endpoint.desiredInstanceCount(),
      ...(last ? { lastPeriod: last } : {}),
    });
  };
  try {
    const requests =
      options.scalingRequestsOf?.(input) ??
      buildScalingRequests(
        { endpointName: input.endpointName, variantName: input.variantName },
        input.policySet,
      );
    applyScalingRequests(endpoint.autoscaling, requests);
    const sample = typeof options.sample === 'function' ? options.sample(input) : options.sample;
    // The users stop at the end of the phases, at a stopping condition, or when the job is stopped.
    const load = new AbortController();
    const stopLoad = () => load.abort();
    evaluation.abort.signal.addEventListener('abort', stopLoad, { once: true });
    // PHASES or STAIRS of closed-loop users, or the open-loop replay of a trace.
    const users = driveEvaluationTraffic({
      input,
      invocationsUrl: endpoint.invocationsUrl,
      payload: sample.payload,
      contentType: sample.contentType,
      clock: endpoint.clock,
      signal: load.signal,
      timeoutMs: 2 * endpoint.clock.realMs(60) + 5_000,
    });
    // IR's stopping conditions, checked on what CloudWatch has published.
    const percentile = input.latencySlo.percentile === 'P99' ? 'modelLatencyP99Us' : 'modelLatencyP95Us';
    const watch = setInterval(() => {
      const points = readEvaluationMetrics(endpoint, from, endpoint.clock.nowSeconds()).points;
      if (points.some((p) => p.invocations >= input.maxInvocationsPerMinute))
        evaluation.stopReason = 'MaxInvocations';
      else if (points.some((p) => (p[percentile] ?? 0) > input.latencySlo.ms * 1000))
        evaluation.stopReason = 'ModelLatencyThresholds';
      if (evaluation.stopReason) load.abort();
      progress('load');
    }, endpoint.clock.realMs(60));
    await users.finally(() => {
      clearInterval(watch);
      evaluation.abort.signal.removeEventListener('abort', stopLoad);
    });
    const loadEnded = endpoint.clock.nowSeconds();
    await watchScaleIn(endpoint, input.policySet.minCapacity, options.afterLoadSeconds ?? 0, {
      signal: evaluation.abort.signal,
      onTick: () => progress('afterLoad'),
    });
    const to = endpoint.clock.nowSeconds();
    const measured = readEvaluationMetrics(endpoint, from, to);
    const firstPeriodSeconds = Date.parse(measured.points[0]?.timestamp ?? '') / 1000;
    evaluation.metrics = {
      ...measured,
      ...(Number.isFinite(firstPeriodSeconds)
        ? { loadEndedAtSeconds: Math.max(0, Math.round(loadEnded - firstPeriodSeconds)) }
        : {}),
      activities: endpoint.activities.map((activity) => ({
        atSeconds: Math.round(activity.atSeconds - from),
        fromCapacity: activity.fromCapacity,
        toCapacity: activity.toCapacity,
        cause: activity.cause,
      })),
      measuredOn: describeFleet(endpoint),
    };
    evaluation.activities = endpoint.activities;
  } finally {
    await endpoint.stop();
  }
}

/**
 * The fleet evaluation driver. Each evaluation runs in the background from `start`; `describe`
 * reports IN_PROGRESS until the users are done and the fleet is stopped.
 *
 * @example
 * const evaluation = createFleetEvaluationDriver({ endpoint: { command: { kind: 'demo' }, timeScale: 60 }, payload, contentType: 'text/csv' });
 * await evaluation.start(input); // poll describe(input.evaluationName) until COMPLETED, then collectMetrics
 */
export function createFleetEvaluationDriver(options: FleetEvaluationOptions): EvaluationDriverPort & {
  activitiesOf(evaluationName: string): FleetActivity[];
} {
  const evaluations = new Map<string, FleetEvaluation>();
  const find = (name: string) => {
    const found = evaluations.get(name);
    if (!found) throw new ResourceNotFoundError(`no evaluation ${name}`);
    return found;
  };
  const run = (input: EvaluationInput, evaluation: FleetEvaluation) =>
    runFleetEvaluation(options, input, evaluation);
  return {
    async start(input) {
      if (evaluations.get(input.evaluationName)?.status === 'IN_PROGRESS')
        throw new JobFailedError(`evaluation ${input.evaluationName} is already running`);
      const evaluation: FleetEvaluation = {
        status: 'IN_PROGRESS',
        abort: new AbortController(),
        activities: [],
        done: Promise.resolve(),
      };
      evaluations.set(input.evaluationName, evaluation);
      evaluation.done = run(input, evaluation).then(
        () => {
          evaluation.status =
            evaluation.abort.signal.aborted && !evaluation.stopReason ? 'STOPPED' : 'COMPLETED';
        },
        (error: unknown) => {
          evaluation.status = 'FAILED';
          evaluation.failureReason = error instanceof Error ? error.message : String(error);
        },
      );
      return { kind: 'evaluation', name: input.evaluationName };
    },
    async describe(evaluationName) {
      const evaluation = find(evaluationName);
      const described: JobDescription = { jobName: evaluationName, status: evaluation.status };
      if (evaluation.failureReason) described.failureReason = evaluation.failureReason;
      return described;
    },
    async collectMetrics(evaluationName) {
      const evaluation = find(evaluationName);
      await evaluation.done;
      if (!evaluation.metrics)
        throw new JobFailedError(
          `evaluation ${evaluationName} produced no metrics: ${evaluation.failureReason ?? evaluation.status}`,
        );
      return evaluation.metrics;
    },
    async stop(evaluationName) {
      const evaluation = evaluations.get(evaluationName);
      if (!evaluation) return;
      evaluation.abort.abort();
      await evaluation.done;
    },
    activitiesOf: (evaluationName) => find(evaluationName).activities,
  };
}

/**
 * The driver as the local backend's `evaluationDriver` factory (it keeps its own state: the
 * evaluation's resources are the fleet's processes, stopped when the evaluation ends).
 *
 * @example
 * createLocalPorts({ runDir, runBenchmark, now, evaluationDriver: fleetEvaluationDriverFactory(options) });
 */
export function fleetEvaluationDriverFactory(options: FleetEvaluationOptions): () => EvaluationDriverPort {
  return () => createFleetEvaluationDriver(options);
}
