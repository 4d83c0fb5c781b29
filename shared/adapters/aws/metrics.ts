/**
 * MetricsPort on CloudWatch GetMetricData: the per-minute series of one endpoint variant over a
 * window, in the units CloudWatch publishes (ModelLatency in microseconds, CPUUtilization summed
 * over vCPUs). Used for the Default job's benchmark and for the evaluation's metrics.
 */
import {
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { BenchmarkPoint, BenchmarkSeries } from '../../core/benchmark-file';
import { InvalidInputError } from '../../core/errors';
import type { BenchmarkWindow, MetricsPort } from '../../core/ports';
import type { EvaluationMetrics, EvaluationPoint } from '../../core/types';
import type { AwsClientProvider } from './clients';
import { callAws } from './errors';

/** Invocation metrics of a variant (dimensions EndpointName, VariantName). */
export const SAGEMAKER_NAMESPACE = 'AWS/SageMaker';
/** Instance metrics of a variant: CPUUtilization, MemoryUtilization (percent). */
export const ENDPOINT_INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';
/** Standard-resolution metrics only accept periods that are multiples of 60 s. */
export const METRIC_PERIOD_MULTIPLE_SECONDS = 60;
/** Bound on GetMetricData pages for one window (each page holds up to 100,800 datapoints). */
export const MAX_METRIC_PAGES = 50;

/** One metric to fetch; `id` starts with a lowercase letter as GetMetricData requires. */
export interface MetricSpec {
  id: string;
  namespace: string;
  metricName: string;
  /** Sum, Average, or an extended statistic such as p95. */
  stat: string;
}

/** The metrics of a benchmark: invocations, latency (avg, p50, p95, p99), errors, CPU and memory. */
export const BENCHMARK_METRICS: readonly MetricSpec[] = [
  { id: 'invocations', namespace: SAGEMAKER_NAMESPACE, metricName: 'Invocations', stat: 'Sum' },
  { id: 'latencyAvg', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'Average' },
  { id: 'latencyP50', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'p50' },
  { id: 'latencyP95', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'p95' },
  { id: 'latencyP99', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'p99' },
  { id: 'errors4xx', namespace: SAGEMAKER_NAMESPACE, metricName: 'Invocation4XXErrors', stat: 'Sum' },
  { id: 'errors5xx', namespace: SAGEMAKER_NAMESPACE, metricName: 'Invocation5XXErrors', stat: 'Sum' },
  { id: 'cpu', namespace: ENDPOINT_INSTANCE_NAMESPACE, metricName: 'CPUUtilization', stat: 'Average' },
  { id: 'memory', namespace: ENDPOINT_INSTANCE_NAMESPACE, metricName: 'MemoryUtilization', stat: 'Average' },
];

/**
 * The metrics of an evaluation. InvocationsPerInstance (Sum) gives the instance count of a period:
 * each request adds 1/activeInstances, so Invocations / InvocationsPerInstance = instances
 * (12,000 invocations at 3,000 per instance -> 4 instances).
 */
export const EVALUATION_METRICS: readonly MetricSpec[] = [
  { id: 'invocations', namespace: SAGEMAKER_NAMESPACE, metricName: 'Invocations', stat: 'Sum' },
  {
    id: 'invocationsPerInstance',
    namespace: SAGEMAKER_NAMESPACE,
    metricName: 'InvocationsPerInstance',
    stat: 'Sum',
  },
  { id: 'latencyAvg', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'Average' },
  { id: 'latencyP95', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'p95' },
  { id: 'latencyP99', namespace: SAGEMAKER_NAMESPACE, metricName: 'ModelLatency', stat: 'p99' },
  { id: 'errors4xx', namespace: SAGEMAKER_NAMESPACE, metricName: 'Invocation4XXErrors', stat: 'Sum' },
  { id: 'errors5xx', namespace: SAGEMAKER_NAMESPACE, metricName: 'Invocation5XXErrors', stat: 'Sum' },
];

export interface VariantWindow {
  endpointName: string;
  variantName: string;
  startTime: Date;
  endTime: Date;
  periodSeconds: number;
}

/** Values by metric id, then by period start (ISO 8601). */
export type MetricValues = Map<string, Map<string, number>>;

function checkWindow(window: VariantWindow): { start: Date; end: Date } {
  const period = window.periodSeconds;
  if (!Number.isInteger(period) || period < METRIC_PERIOD_MULTIPLE_SECONDS || period % 60 !== 0)
    throw new InvalidInputError(
      `periodSeconds ${period} is not a multiple of 60: AWS/SageMaker metrics are published per minute`,
    );
  const startMs = window.startTime.getTime();
  const endMs = window.endTime.getTime();
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs)
    throw new InvalidInputError(
      `the metrics window of endpoint ${window.endpointName} must end after it starts (${window.startTime.toISOString?.()} .. ${window.endTime.toISOString?.()})`,
    );
  // StartTime inclusive, EndTime exclusive; align both on the period so no partial period is read.
  const periodMs = period * 1000;
  return {
    start: new Date(Math.floor(startMs / periodMs) * periodMs),
    end: new Date(Math.ceil(endMs / periodMs) * periodMs),
  };
}

/** Builds the GetMetricData input for a variant (exported for tests and the contract check). */
export function buildMetricDataRequest(
  window: VariantWindow,
  metrics: readonly MetricSpec[],
): GetMetricDataCommandInput {
  const { start, end } = checkWindow(window);
  const dimensions = [
    { Name: 'EndpointName', Value: window.endpointName },
    { Name: 'VariantName', Value: window.variantName },
  ];
  const queries: MetricDataQuery[] = metrics.map((metric) => ({
    Id: metric.id,
    MetricStat: {
      Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensions },
      Period: window.periodSeconds,
      Stat: metric.stat,
    },
    ReturnData: true,
  }));
  return { MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampAscending' };
}

/** Fetches every page of GetMetricData for the variant over the window. */
export async function fetchVariantMetrics(
  clients: AwsClientProvider,
  window: VariantWindow,
  metrics: readonly MetricSpec[],
): Promise<MetricValues> {
  const request = buildMetricDataRequest(window, metrics);
  const values: MetricValues = new Map(metrics.map((metric) => [metric.id, new Map()]));
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_METRIC_PAGES; page += 1) {
    const input: GetMetricDataCommandInput = nextToken ? { ...request, NextToken: nextToken } : request;
    const output = await callAws(`get metric data of endpoint ${window.endpointName}`, () =>
      clients.cloudWatch().send(new GetMetricDataCommand(input)),
    );
    for (const result of output.MetricDataResults ?? []) {
      const byTime = result.Id ? values.get(result.Id) : undefined;
      if (!byTime) continue;
      const timestamps = result.Timestamps ?? [];
      const numbers = result.Values ?? [];
      timestamps.forEach((timestamp, index) => {
        const value = numbers[index];
        if (value !== undefined && Number.isFinite(value)) byTime.set(timestamp.toISOString(), value);
      });
    }
    nextToken = output.NextToken;
    if (!nextToken) return values;
  }
  throw new InvalidInputError(
    `the metrics of endpoint ${window.endpointName} span more than ${MAX_METRIC_PAGES} pages: shorten the window`,
  );
}

function valueAt(values: MetricValues, id: string, timestamp: string): number | undefined {
  return values.get(id)?.get(timestamp);
}

/**
 * One benchmark point per period that has both Invocations and CPUUtilization (a period without
 * CPU cannot place a point on the CPU fit). Missing error counts are 0: CloudWatch emits nothing
 * for a minute without errors.
 */
export function toBenchmarkSeries(
  values: MetricValues,
  input: { window: BenchmarkWindow; instanceType: string; vcpus: number; periodSeconds: number },
): BenchmarkSeries {
  const timestamps = [...(values.get('invocations')?.keys() ?? [])].sort();
  const points: BenchmarkPoint[] = [];
  for (const timestamp of timestamps) {
    const invocations = valueAt(values, 'invocations', timestamp) ?? 0;
    const cpu = valueAt(values, 'cpu', timestamp);
    if (cpu === undefined) continue;
    const point: BenchmarkPoint = {
      timestamp,
      invocations,
      modelLatencyAvgUs: valueAt(values, 'latencyAvg', timestamp) ?? 0,
      cpuUtilizationPercent: cpu,
      invocation4xxErrors: valueAt(values, 'errors4xx', timestamp) ?? 0,
      invocation5xxErrors: valueAt(values, 'errors5xx', timestamp) ?? 0,
    };
    const optional = {
      modelLatencyP50Us: valueAt(values, 'latencyP50', timestamp),
      modelLatencyP95Us: valueAt(values, 'latencyP95', timestamp),
      modelLatencyP99Us: valueAt(values, 'latencyP99', timestamp),
      memoryUtilizationPercent: valueAt(values, 'memory', timestamp),
    };
    for (const [key, value] of Object.entries(optional))
      if (value !== undefined) Object.assign(point, { [key]: value });
    points.push(point);
  }
  return {
    formatVersion: 1,
    instanceType: input.instanceType,
    vcpus: input.vcpus,
    periodSeconds: input.periodSeconds,
    points,
    source: {
      tool: 'cloudwatch',
      endpointName: input.window.endpointName,
      variantName: input.window.variantName,
      startTime: input.window.startTime,
      endTime: input.window.endTime,
    },
  };
}

/** One evaluation point per period with Invocations; see EVALUATION_METRICS for the instance count. */
export function toEvaluationMetrics(values: MetricValues, periodSeconds: number): EvaluationMetrics {
  const timestamps = [...(values.get('invocations')?.keys() ?? [])].sort();
  const points = timestamps.map((timestamp): EvaluationPoint => {
    const invocations = valueAt(values, 'invocations', timestamp) ?? 0;
    const point: EvaluationPoint = {
      timestamp,
      invocations,
      invocation4xxErrors: valueAt(values, 'errors4xx', timestamp) ?? 0,
      invocation5xxErrors: valueAt(values, 'errors5xx', timestamp) ?? 0,
    };
    const p95 = valueAt(values, 'latencyP95', timestamp);
    const p99 = valueAt(values, 'latencyP99', timestamp);
    const avg = valueAt(values, 'latencyAvg', timestamp);
    if (p95 !== undefined) point.modelLatencyP95Us = p95;
    if (p99 !== undefined) point.modelLatencyP99Us = p99;
    if (avg !== undefined) point.modelLatencyAvgUs = avg;
    const perInstance = valueAt(values, 'invocationsPerInstance', timestamp);
    if (perInstance !== undefined && perInstance > 0 && invocations > 0)
      point.instanceCount = Math.max(1, Math.round(invocations / perInstance));
    return point;
  });
  return { periodSeconds, points };
}

export function createMetrics(clients: AwsClientProvider): MetricsPort {
  return {
    async getBenchmarkSeries(input) {
      const values = await fetchVariantMetrics(
        clients,
        {
          endpointName: input.window.endpointName,
          variantName: input.window.variantName,
          startTime: new Date(input.window.startTime),
          endTime: new Date(input.window.endTime),
          periodSeconds: input.periodSeconds,
        },
        BENCHMARK_METRICS,
      );
      return toBenchmarkSeries(values, input);
    },
  };
}
