/**
 * CloudWatch's GetMetricData answers of a fake account: the benchmark's series for the Default
 * job's queries, the evaluation's for the Judge's (told apart by the query ids).
 */
import type { GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import type { EvaluationMetrics } from '../../shared/core/types';

/** CloudWatch's answer for one metric id, from the series the fake account "measured". */
export function resultsFor(
  input: GetMetricDataCommandInput,
  benchmark: BenchmarkSeries,
  evaluation: EvaluationMetrics,
) {
  const ids = new Set(input.MetricDataQueries?.map((q) => q.Id));
  const isEvaluation = ids.has('invocationsPerInstance');
  const results: MetricDataResult[] = [];
  const add = (id: string, points: [string, number | undefined][]) => {
    const kept = points.filter((p): p is [string, number] => p[1] !== undefined);
    if (ids.has(id))
      results.push({
        Id: id,
        Timestamps: kept.map(([t]) => new Date(t)),
        Values: kept.map(([, v]) => v),
        StatusCode: 'Complete',
      });
  };
  if (isEvaluation) {
    const p = evaluation.points;
    add(
      'invocations',
      p.map((x) => [x.timestamp, x.invocations]),
    );
    add(
      'invocationsPerInstance',
      p.map((x) => [x.timestamp, x.invocations / (x.instanceCount ?? 1)]),
    );
    add(
      'latencyP95',
      p.map((x) => [x.timestamp, x.modelLatencyP95Us]),
    );
    add(
      'latencyP99',
      p.map((x) => [x.timestamp, x.modelLatencyP99Us]),
    );
    add(
      'latencyAvg',
      p.map((x) => [x.timestamp, x.modelLatencyAvgUs]),
    );
    add(
      'errors4xx',
      p.map((x) => [x.timestamp, x.invocation4xxErrors]),
    );
    add(
      'errors5xx',
      p.map((x) => [x.timestamp, x.invocation5xxErrors]),
    );
  } else {
    const p = benchmark.points;
    add(
      'invocations',
      p.map((x) => [x.timestamp, x.invocations]),
    );
    add(
      'latencyAvg',
      p.map((x) => [x.timestamp, x.modelLatencyAvgUs]),
    );
    add(
      'latencyP50',
      p.map((x) => [x.timestamp, x.modelLatencyP50Us]),
    );
    add(
      'latencyP95',
      p.map((x) => [x.timestamp, x.modelLatencyP95Us]),
    );
    add(
      'latencyP99',
      p.map((x) => [x.timestamp, x.modelLatencyP99Us]),
    );
    add(
      'errors4xx',
      p.map((x) => [x.timestamp, x.invocation4xxErrors]),
    );
    add(
      'errors5xx',
      p.map((x) => [x.timestamp, x.invocation5xxErrors]),
    );
    add(
      'cpu',
      p.map((x) => [x.timestamp, x.cpuUtilizationPercent]),
    );
    add(
      'memory',
      p.map((x) => [x.timestamp, x.memoryUtilizationPercent]),
    );
  }
  return { MetricDataResults: results };
}
