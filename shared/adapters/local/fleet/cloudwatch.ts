/**
 * CloudWatch on this machine: the endpoint's metrics aggregated per period of the scaled clock
 * from the real requests (router) and the instances' /proc (sampler), each period published
 * `publicationDelaySeconds` after it ends, and read with GetMetricData's semantics: queries of
 * {Id, MetricStat{Metric{Namespace, MetricName, Dimensions}, Period, Stat}}, StartTime inclusive,
 * EndTime exclusive, only published datapoints, Timestamps ascending or descending.
 *
 * Namespaces and metrics as SageMaker publishes them (AWS/SageMaker: Invocations,
 * InvocationsPerInstance, Invocation4XXErrors, Invocation5XXErrors, InvocationModelErrors,
 * ModelLatency and OverheadLatency in microseconds; /aws/sagemaker/Endpoints: CPUUtilization
 * summed over vCPUs, MemoryUtilization), plus one local metric, InServiceInstances (namespace
 * scaleplan/LocalEndpoint, the fleet size SageMaker shows only in DescribeEndpoint).
 */
import { InvalidInputError } from '../../../core/errors';

export const SAGEMAKER_NAMESPACE = 'AWS/SageMaker';
export const ENDPOINT_INSTANCE_NAMESPACE = '/aws/sagemaker/Endpoints';
export const LOCAL_FLEET_NAMESPACE = 'scaleplan/LocalEndpoint';

export interface MetricDataQuery {
  Id: string;
  MetricStat: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
    /** Seconds of the scaled clock; a multiple of the store's period. */
    Period: number;
    /** Sum | Average | Minimum | Maximum | SampleCount | pNN(.N) | PR(n:m) */
    Stat: string;
  };
  ReturnData?: boolean;
}

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQuery[];
  StartTime: Date;
  EndTime: Date;
  ScanBy?: 'TimestampAscending' | 'TimestampDescending';
}

export interface MetricDataResult {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
  StatusCode: 'Complete';
}

export interface GetMetricDataOutput {
  MetricDataResults: MetricDataResult[];
}

/** Samples of one metric in one period (each a datapoint value CloudWatch would aggregate). */
type PeriodSamples = Map<string, number[]>;

export interface LocalCloudWatch {
  periodSeconds: number;
  publicationDelaySeconds: number;
  /** Adds a sample to the period holding `atSeconds` (epoch seconds of the scaled clock). */
  put(namespace: string, metricName: string, atSeconds: number, value: number): void;
  /** GetMetricData over published datapoints as of `nowSeconds`. */
  getMetricData(input: GetMetricDataInput, nowSeconds: number): GetMetricDataOutput;
}

/**
 * A statistic of the samples of one period, as CloudWatch computes it; undefined when empty.
 * Percentiles are nearest-rank over the raw samples (CloudWatch estimates them; exact here).
 *
 * @example
 * statistic([100, 200, 300, 400], 'p50'); // 200
 * statistic([1, 0, 1], 'Average'); // 0.666...
 * statistic([100, 200, 300, 400], 'PR(:300)'); // 75
 */
export function statistic(samples: number[], stat: string): number | undefined {
  if (samples.length === 0) return undefined;
  switch (stat) {
    case 'Sum':
      return samples.reduce((a, b) => a + b, 0);
    case 'Average':
      return samples.reduce((a, b) => a + b, 0) / samples.length;
    case 'Minimum':
      return Math.min(...samples);
    case 'Maximum':
      return Math.max(...samples);
    case 'SampleCount':
      return samples.length;
  }
  // Percentile rank PR(n:m): the percentage of samples above n and at or below m (either bound
  // may be left out, as CloudWatch allows: PR(:300) is the share at or below 300).
  const percentRank = /^PR\((-?\d+(?:\.\d+)?)?:(-?\d+(?:\.\d+)?)?\)$/.exec(stat);
  if (percentRank) {
    const above = percentRank[1] === undefined ? Number.NEGATIVE_INFINITY : Number(percentRank[1]);
    const atMost = percentRank[2] === undefined ? Number.POSITIVE_INFINITY : Number(percentRank[2]);
    return (100 * samples.filter((v) => v > above && v <= atMost).length) / samples.length;
  }
  const percentile = /^p(\d{1,2}(\.\d+)?)$/.exec(stat);
  if (!percentile)
    throw new InvalidInputError(
      `unknown statistic '${stat}': Sum, Average, Minimum, Maximum, SampleCount, pNN or PR(n:m)`,
    );
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((Number(percentile[1]) / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/**
 * A local CloudWatch for one endpoint variant; periods start at `startEpochSeconds`.
 *
 * @example
 * const cw = createLocalCloudWatch({ startEpochSeconds: 0, periodSeconds: 60, publicationDelaySeconds: 60 });
 * cw.put('AWS/SageMaker', 'Invocations', 10, 1);
 * cw.getMetricData(query, 100).MetricDataResults[0].Values; // [] (published at 120)
 * cw.getMetricData(query, 120).MetricDataResults[0].Values; // [1]
 */
export function createLocalCloudWatch(options: {
  startEpochSeconds: number;
  periodSeconds: number;
  publicationDelaySeconds: number;
}): LocalCloudWatch {
  const { startEpochSeconds, periodSeconds, publicationDelaySeconds } = options;
  if (!(periodSeconds > 0)) throw new InvalidInputError(`periodSeconds must be > 0, got ${periodSeconds}`);
  const periods: PeriodSamples[] = [];
  const key = (namespace: string, metricName: string) => `${namespace}\u0000${metricName}`;
  return {
    periodSeconds,
    publicationDelaySeconds,
    put(namespace, metricName, atSeconds, value) {
      const index = Math.floor((atSeconds - startEpochSeconds) / periodSeconds);
      if (index < 0 || !Number.isFinite(value)) return;
      for (let i = periods.length; i <= index; i++) periods.push(new Map());
      const samples = periods[index]!;
      const k = key(namespace, metricName);
      const list = samples.get(k);
      if (list) list.push(value);
      else samples.set(k, [value]);
    },
    getMetricData(input, nowSeconds) {
      const startSeconds = input.StartTime.getTime() / 1000;
      const endSeconds = input.EndTime.getTime() / 1000;
      const results = input.MetricDataQueries.filter((query) => query.ReturnData !== false).map((query) => {
        const { Metric, Period, Stat } = query.MetricStat;
        const per = Math.round(Period / periodSeconds);
        if (!(per >= 1 && Math.abs(per * periodSeconds - Period) < 1e-6))
          throw new InvalidInputError(
            `query ${query.Id}: Period ${Period} must be a multiple of the local endpoint's period of ${periodSeconds} s`,
          );
        const k = key(Metric.Namespace, Metric.MetricName);
        const timestamps: Date[] = [];
        const values: number[] = [];
        for (let first = 0; first < periods.length; first += per) {
          const periodStart = startEpochSeconds + first * periodSeconds;
          const periodEnd = periodStart + Period;
          // StartTime inclusive, EndTime exclusive, and only what CloudWatch has published by now.
          if (periodStart < startSeconds || periodStart >= endSeconds) continue;
          if (periodEnd + publicationDelaySeconds > nowSeconds) continue;
          const samples = periods.slice(first, first + per).flatMap((p) => p.get(k) ?? []);
          const value = statistic(samples, Stat);
          if (value === undefined) continue;
          timestamps.push(new Date(periodStart * 1000));
          values.push(value);
        }
        if (input.ScanBy !== 'TimestampAscending') {
          timestamps.reverse();
          values.reverse();
        }
        return {
          Id: query.Id,
          Label: Metric.MetricName,
          Timestamps: timestamps,
          Values: values,
          StatusCode: 'Complete' as const,
        };
      });
      return { MetricDataResults: results };
    },
  };
}
