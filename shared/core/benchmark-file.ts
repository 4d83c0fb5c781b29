/**
 * The benchmark file: the per-period series of ONE instance under rising load, in the units
 * CloudWatch uses. scaleplan's local `bench` writes it, the AWS adapter builds it from GetMetricData
 * over a Default job's InvocationStartTime..InvocationEndTime, and any other tool may write it.
 * Format version 1; documented in docs/benchmark-file.md, example in examples/benchmark.c5-large.json.
 */
import { z } from 'zod';
import { InvalidInputError } from './errors';
import { describeIssues } from './issues';

export const BENCHMARK_FORMAT_VERSION = 1;

export const BenchmarkPointSchema = z
  .object({
    /** Start of the period, ISO 8601 UTC. */
    timestamp: z.iso.datetime({ offset: true }),
    /** Invocations during the period (AWS/SageMaker Invocations, Sum). */
    invocations: z.number().nonnegative(),
    /** ModelLatency average over the period, microseconds. */
    modelLatencyAvgUs: z.number().nonnegative(),
    modelLatencyP50Us: z.number().nonnegative().optional(),
    modelLatencyP95Us: z.number().nonnegative().optional(),
    modelLatencyP99Us: z.number().nonnegative().optional(),
    /** CPUUtilization summed over vCPUs (0..100 x vcpus), Average over the period. */
    cpuUtilizationPercent: z.number().nonnegative(),
    /** MemoryUtilization 0..100, Average over the period. */
    memoryUtilizationPercent: z.number().min(0).max(100).optional(),
    invocation4xxErrors: z.number().nonnegative().default(0),
    invocation5xxErrors: z.number().nonnegative().default(0),
    /** Concurrent users (closed-loop load generator) during the period, when known. */
    users: z.number().int().nonnegative().optional(),
    /** Seconds of the period actually covered by the load (partial first or last periods). */
    coveredSeconds: z.number().positive().optional(),
  })
  .strict();

export const BenchmarkSeriesSchema = z
  .object({
    formatVersion: z.literal(BENCHMARK_FORMAT_VERSION).optional(),
    /** SageMaker instance type, e.g. "ml.c5.large", or "local" for a local run. */
    instanceType: z.string().min(1),
    /** vCPUs of the instance (the denominator of CPUUtilization / 100). */
    vcpus: z.number().int().positive(),
    /** Length of each period, seconds (60 on CloudWatch; shorter locally). */
    periodSeconds: z.number().positive(),
    /**
     * AWS seconds per real second of the clock the periods are on (default 1). A benchmark of the
     * local endpoint is on its scaled clock: periods and counts per minute are AWS's, latencies real.
     */
    timeScale: z.number().min(1).max(3600).optional(),
    points: z.array(BenchmarkPointSchema),
    /** Where the series came from (job name, URL, tool); free-form. */
    source: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type BenchmarkPoint = z.output<typeof BenchmarkPointSchema>;
export type BenchmarkSeries = z.output<typeof BenchmarkSeriesSchema>;
export type BenchmarkSeriesInput = z.input<typeof BenchmarkSeriesSchema>;

/**
 * Validates a parsed JSON value as a benchmark file (format version 1).
 * @throws InvalidInputError with one line: the source, the first bad field and what is expected,
 * and how many more problems there are.
 * @example parseBenchmarkSeries(JSON.parse(text), 'bench.json')
 */
export function parseBenchmarkSeries(input: unknown, sourceName = 'benchmark'): BenchmarkSeries {
  const result = BenchmarkSeriesSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidInputError(
    `${sourceName} is not a valid benchmark file: ${describeIssues(result.error.issues, input)}`,
  );
}
