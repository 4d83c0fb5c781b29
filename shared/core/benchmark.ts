/**
 * Reads what ONE instance can do from its benchmark series (the per-period metrics of a load that
 * rises until throughput flattens or errors appear): the peak sustainable invocations per minute,
 * the latency there, a least-squares fit of CPUUtilization against invocations per minute, the
 * bottleneck, and the latency curve that the simulator uses for each instance.
 *
 * Everything is per minute, as in the AWS procedure: a period of `periodSeconds` with N
 * invocations is N x 60 / periodSeconds invocations per minute (the CloudWatch Sum of a 60 s
 * period is already per minute).
 */
import type { BenchmarkPoint, BenchmarkSeries } from './benchmark-file';
import { InsufficientBenchmarkDataError, InvalidInputError, type Reason } from './errors';
import { fmt } from './format';
import type { LatencySlo } from './request';
import type { BenchmarkAnalysis, Bottleneck, CpuFit, LatencyCurvePoint } from './types';

/** A period sets the peak only when less than this share of its invocations failed (the procedure's 1 %). */
export const DEFAULT_MAX_ERROR_RATE = 0.01;
/** Fewest full periods that can show a rise and a fit (one low, one high, one to check the trend). */
export const MIN_FULL_PERIODS = 3;
/** A period whose `coveredSeconds` is below this share of `periodSeconds` is partial (the local bench uses 0.95 too). */
export const FULL_COVERAGE_SHARE = 0.95;
/**
 * Without `coveredSeconds`, a first or last period whose throughput is below this share of its
 * neighbour's looks partial (the load started or stopped inside it) and is dropped.
 */
export const PARTIAL_EDGE_SHARE = 0.5;
/**
 * A period more than this share above what its neighbours support is a lone spike and cannot set
 * the peak. What the neighbours support is the larger of the next period and the trend (the
 * previous period plus its last increase); the last period has only the trend, the first only the
 * next period. Judging against the trend, not only the next period, keeps a real top step that is
 * followed by a collapse (the instance falling over) from being mistaken for a spike.
 */
export const OUTLIER_TOLERANCE = 0.25;
/**
 * The load must rise: the highest full, non-spike period must be at least this multiple of the
 * lowest such period before it. A series that starts at its highest cannot show a rise, even if it
 * dips and partly recovers later.
 */
export const MIN_RISE_RATIO = 1.25;
/** CPU (or memory) at or above this share of its maximum at the peak makes it the bottleneck. */
export const BOTTLENECK_SHARE = 0.85;

export interface AnalyzeBenchmarkOptions {
  /** When given, a period above the SLO at its percentile cannot set the peak. */
  latencySlo?: LatencySlo;
  /** Highest error share (4XX + 5XX over invocations) of a period that may set the peak; default 0.01. */
  maxErrorRate?: number;
}

/** One period as the analysis sees it. */
interface PeriodView {
  index: number;
  point: BenchmarkPoint;
  invocationsPerMinute: number;
  errorRate: number;
  /** Latency at the SLO's percentile (or the fallback), ms; undefined without an SLO. */
  sloLatencyMs: number | undefined;
}

/**
 * Analyzes a single-instance benchmark series.
 *
 * Rules, in order: partial periods are dropped (`coveredSeconds` < 95 % of the period, or, when
 * no point says, a first/last period under half its neighbour's throughput); at least 3 full
 * periods must remain; a lone spike (> 25 % above the larger of the next period and the trend) is
 * ignored; the load must rise over the remaining periods (the highest >= 1.25 x the lowest before
 * it, so a flat series with one spike is refused); the peak is the highest remaining period
 * whose error rate is under `maxErrorRate` (1 %) and whose latency at the SLO's percentile is
 * within the SLO when one is given. CPU is fitted against invocations per minute over the full,
 * non-spike periods under the error rate.
 *
 * @throws InsufficientBenchmarkDataError naming what is missing (too few periods, no rise, all
 * periods with errors, none within the SLO).
 * @example
 * // An ml.c5.large whose best clean minute served 9068 invocations at 188 % CPU:
 * analyzeBenchmark(series).peakInvocationsPerMinute; // 9068, bottleneck 'cpu'
 */
export function analyzeBenchmark(
  series: BenchmarkSeries,
  options: AnalyzeBenchmarkOptions = {},
): BenchmarkAnalysis {
  const maxErrorRate = options.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE;
  if (!(maxErrorRate > 0 && maxErrorRate <= 1))
    throw new InvalidInputError(`maxErrorRate must be in (0, 1], got ${maxErrorRate}`);
  if (!(series.periodSeconds > 0))
    throw new InvalidInputError(`periodSeconds must be > 0, got ${series.periodSeconds}`);
  const reasons: Reason[] = [];
  const slo = options.latencySlo;
  const sloLatency = slo ? pickSloLatency(series.points, slo, reasons) : undefined;
  const views: PeriodView[] = series.points.map((point, index) => ({
    index,
    point,
    invocationsPerMinute: (point.invocations * 60) / series.periodSeconds,
    errorRate: errorRateOf(point),
    sloLatencyMs: sloLatency?.(point),
  }));

  const full = dropPartialPeriods(views, series.periodSeconds, reasons);
  if (full.length < MIN_FULL_PERIODS) {
    throw new InsufficientBenchmarkDataError(
      `too few periods: ${full.length} full period(s) of ${series.periodSeconds} s out of ${views.length} ` +
        `(${views.length - full.length} partial); at least ${MIN_FULL_PERIODS} are needed to see the load rise`,
    );
  }
  const spikes = findSpikes(full);
  if (spikes.size > 0) {
    reasons.push({
      code: 'outlierIgnored',
      message: `ignored ${spikes.size} lone spike(s) not supported by their neighbours (> ${OUTLIER_TOLERANCE * 100} % above): ${[
        ...spikes,
      ]
        .map((v) => `${fmt(v.invocationsPerMinute)}/min at ${v.point.timestamp}`)
        .join(', ')}`,
    });
  }
  const steady = full.filter((v) => !spikes.has(v));
  if (steady.length < MIN_FULL_PERIODS) {
    throw new InsufficientBenchmarkDataError(
      `too few periods: ${steady.length} full period(s) of ${series.periodSeconds} s that are not lone spikes ` +
        `(${spikes.size} spike(s)); at least ${MIN_FULL_PERIODS} are needed to see the load rise`,
    );
  }
  // Checked on the steady periods: a spike is not a rise (a flat series with one spike is flat).
  requireRise(steady, spikes.size);
  const underErrorRate = steady.filter((v) => v.errorRate < maxErrorRate);
  const candidates = underErrorRate.filter(
    (v) => v.invocationsPerMinute > 0 && (slo === undefined || (v.sloLatencyMs ?? 0) <= slo.ms),
  );
  explainExclusions(steady, underErrorRate, candidates, maxErrorRate, slo, reasons);
  const peak = highest(candidates);
  if (!peak) throw noCandidateError(steady, underErrorRate, maxErrorRate, slo);

  const cpuFit = fitCpu(underErrorRate, reasons);
  const bottleneck = findBottleneck(peak, series.vcpus, reasons);
  const lastSteady = steady[steady.length - 1];
  if (lastSteady === peak && bottleneck === 'none') {
    reasons.push({
      code: 'peakAtEnd',
      message:
        'the peak is the last full period and neither CPU nor memory is saturated: the instance may sustain more; benchmark longer to find where throughput flattens',
    });
  }
  reasons.unshift({
    code: 'peak',
    message:
      `peak ${fmt(peak.invocationsPerMinute)} invocations/min at ${peak.point.timestamp}: the highest of the ` +
      `${candidates.length} full period(s) (of ${steady.length}) with error rate < ${fmt(maxErrorRate * 100)} %` +
      (slo ? ` and ${slo.percentile} latency <= ${fmt(slo.ms)} ms` : ''),
  });

  return {
    instanceType: series.instanceType,
    vcpus: series.vcpus,
    periodSeconds: series.periodSeconds,
    ...(series.timeScale === undefined ? {} : { timeScale: series.timeScale }),
    peakInvocationsPerMinute: peak.invocationsPerMinute,
    peakTimestamp: peak.point.timestamp,
    latencyAtPeak: latencyOf(peak.point),
    cpuFit,
    bottleneck,
    latencyCurve: buildLatencyCurve(steady),
    reasons,
  };
}

function errorRateOf(point: BenchmarkPoint): number {
  const errors = point.invocation4xxErrors + point.invocation5xxErrors;
  if (point.invocations <= 0) return errors > 0 ? 1 : 0;
  return Math.min(1, errors / point.invocations);
}

/**
 * The latency to compare with the SLO. When the file lacks the SLO's percentile, a higher one is
 * used (P99 for a P95 SLO: stricter), else the average (laxer: said in the reasons).
 */
function pickSloLatency(
  points: BenchmarkPoint[],
  slo: LatencySlo,
  reasons: Reason[],
): (point: BenchmarkPoint) => number {
  const has = (key: 'modelLatencyP95Us' | 'modelLatencyP99Us') => points.some((p) => p[key] !== undefined);
  const wanted = slo.percentile === 'P95' ? 'modelLatencyP95Us' : 'modelLatencyP99Us';
  if (has(wanted)) return (p) => (p[wanted] ?? p.modelLatencyAvgUs) / 1000;
  if (slo.percentile === 'P95' && has('modelLatencyP99Us')) {
    reasons.push({
      code: 'latencyPercentileFallback',
      message: 'the file has no P95 latency: P99 is compared with the P95 SLO instead (stricter)',
    });
    return (p) => (p.modelLatencyP99Us ?? p.modelLatencyAvgUs) / 1000;
  }
  reasons.push({
    code: 'latencyPercentileFallback',
    message: `the file has no ${slo.percentile} latency: the average is compared with the SLO instead (laxer than the SLO)`,
  });
  return (p) => p.modelLatencyAvgUs / 1000;
}

function dropPartialPeriods(views: PeriodView[], periodSeconds: number, reasons: Reason[]): PeriodView[] {
  const hasCoverage = views.some((v) => v.point.coveredSeconds !== undefined);
  const partial = new Set<PeriodView>();
  if (hasCoverage) {
    for (const v of views) {
      const covered = v.point.coveredSeconds;
      if (covered !== undefined && covered < FULL_COVERAGE_SHARE * periodSeconds) partial.add(v);
    }
  } else if (views.length >= 2) {
    const [first, second] = [views[0]!, views[1]!];
    const [beforeLast, last] = [views[views.length - 2]!, views[views.length - 1]!];
    if (first.invocationsPerMinute < PARTIAL_EDGE_SHARE * second.invocationsPerMinute) partial.add(first);
    if (last.invocationsPerMinute < PARTIAL_EDGE_SHARE * beforeLast.invocationsPerMinute) partial.add(last);
  }
  if (partial.size > 0) {
    reasons.push({
      code: 'partialPeriodDropped',
      message: `dropped ${partial.size} partial period(s) ${
        hasCoverage
          ? `covering < ${FULL_COVERAGE_SHARE * 100} % of ${periodSeconds} s`
          : `at the edge with < ${PARTIAL_EDGE_SHARE * 100} % of the neighbour's throughput`
      }: ${[...partial].map((v) => v.point.timestamp).join(', ')}`,
    });
  }
  return views.filter((v) => !partial.has(v));
}

function requireRise(steady: PeriodView[], spikeCount: number): void {
  const rates = steady.map((v) => v.invocationsPerMinute);
  const highestRate = Math.max(...rates);
  if (!(highestRate > 0)) {
    throw new InsufficientBenchmarkDataError(
      `no invocations in any of the ${steady.length} full periods: the benchmark sent no load`,
    );
  }
  // The first period that reaches the highest rate must come after one at most 1 / 1.25 of it.
  const highestAt = rates.indexOf(highestRate);
  const lowestBefore = Math.min(...rates.slice(0, highestAt));
  if (highestRate >= MIN_RISE_RATIO * lowestBefore) return;
  const spikeNote = spikeCount > 0 ? ` (not counting ${spikeCount} lone spike(s))` : '';
  throw new InsufficientBenchmarkDataError(
    `no rise in load: throughput stays between ${fmt(Math.min(...rates))} and ${fmt(highestRate)} invocations/min ` +
      `over ${steady.length} full periods${spikeNote}; the highest must reach ${MIN_RISE_RATIO} x the lowest period before it ` +
      '(benchmark under a rising load, from light to saturation)',
  );
}

/** Lone spikes among consecutive full periods. */
function findSpikes(full: PeriodView[]): Set<PeriodView> {
  const spikes = new Set<PeriodView>();
  const limit = 1 + OUTLIER_TOLERANCE;
  full.forEach((v, i) => {
    const before = full[i - 1]?.invocationsPerMinute;
    const after = full[i + 1]?.invocationsPerMinute;
    let supported: number;
    if (before !== undefined) {
      // The trend: the previous period plus its last increase (a steady rise is supported). A
      // middle period may also lean on the next one, but not only on it: a real top step followed
      // by a collapse is above its next period and still on the trend.
      const twoBefore = full[i - 2]?.invocationsPerMinute ?? before;
      const trend = before + Math.max(0, before - twoBefore);
      supported = after === undefined ? trend : Math.max(after, trend);
    } else supported = after ?? v.invocationsPerMinute;
    if (v.invocationsPerMinute > limit * supported) spikes.add(v);
  });
  return spikes;
}

function explainExclusions(
  steady: PeriodView[],
  underErrorRate: PeriodView[],
  candidates: PeriodView[],
  maxErrorRate: number,
  slo: LatencySlo | undefined,
  reasons: Reason[],
): void {
  const overErrors = steady.length - underErrorRate.length;
  if (overErrors > 0) {
    reasons.push({
      code: 'periodsOverErrorRate',
      message: `${overErrors} full period(s) had an error rate >= ${fmt(maxErrorRate * 100)} % and cannot set the peak`,
    });
  }
  const overSlo = underErrorRate.filter((v) => v.invocationsPerMinute > 0).length - candidates.length;
  if (slo && overSlo > 0) {
    reasons.push({
      code: 'periodsOverLatencySlo',
      message: `${overSlo} full period(s) had ${slo.percentile} latency above ${fmt(slo.ms)} ms and cannot set the peak`,
    });
  }
}

function noCandidateError(
  steady: PeriodView[],
  underErrorRate: PeriodView[],
  maxErrorRate: number,
  slo: LatencySlo | undefined,
): InsufficientBenchmarkDataError {
  if (underErrorRate.length === 0) {
    const best = steady.reduce((a, b) => (b.errorRate < a.errorRate ? b : a));
    return new InsufficientBenchmarkDataError(
      `all periods have errors: every full period has an error rate >= ${fmt(maxErrorRate * 100)} % ` +
        `(lowest ${fmt(best.errorRate * 100)} % at ${best.point.timestamp}); fix the model or the payload before benchmarking`,
    );
  }
  const measured = underErrorRate.filter((v) => v.invocationsPerMinute > 0);
  const best = measured.reduce((a, b) => ((b.sloLatencyMs ?? 0) < (a.sloLatencyMs ?? 0) ? b : a));
  return new InsufficientBenchmarkDataError(
    `no period within the latency SLO: ${slo?.percentile ?? 'P95'} <= ${fmt(slo?.ms ?? 0)} ms was never met ` +
      `(lowest ${fmt(best.sloLatencyMs ?? 0)} ms at ${fmt(best.invocationsPerMinute)} invocations/min); ` +
      'relax the SLO or choose a faster instance type',
  );
}

function highest(views: PeriodView[]): PeriodView | undefined {
  let best: PeriodView | undefined;
  for (const v of views) if (!best || v.invocationsPerMinute > best.invocationsPerMinute) best = v;
  return best;
}

function latencyOf(point: BenchmarkPoint): BenchmarkAnalysis['latencyAtPeak'] {
  return {
    avgMs: usToMs(point.modelLatencyAvgUs),
    ...(point.modelLatencyP95Us !== undefined ? { p95Ms: usToMs(point.modelLatencyP95Us) } : {}),
    ...(point.modelLatencyP99Us !== undefined ? { p99Ms: usToMs(point.modelLatencyP99Us) } : {}),
  };
}

/**
 * Ordinary least squares of CPUUtilization (percent, summed over vCPUs) on invocations per
 * minute, with the coefficient of determination. Exported for tests and the report.
 * @example fitLine([[1000, 22], [2000, 42], [3000, 62]]) // slope 0.02, intercept 2, rSquared 1
 */
export function fitLine(points: [number, number][]): { slope: number; intercept: number; rSquared: number } {
  const n = points.length;
  if (n === 0) return { slope: 0, intercept: 0, rSquared: 0 };
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
    syy += (y - meanY) ** 2;
  }
  if (sxx === 0) return { slope: 0, intercept: meanY, rSquared: 0 };
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  // r² = explained / total variance; a flat CPU (syy = 0) explains nothing useful.
  const rSquared = syy === 0 ? 0 : Math.min(1, Math.max(0, (sxy * sxy) / (sxx * syy)));
  return { slope, intercept, rSquared };
}

function fitCpu(views: PeriodView[], reasons: Reason[]): CpuFit {
  const points = views.map((v): [number, number] => [v.invocationsPerMinute, v.point.cpuUtilizationPercent]);
  const { slope, intercept, rSquared } = fitLine(points);
  const fit: CpuFit = {
    slopePercentPerInvocationPerMinute: slope,
    interceptPercent: intercept,
    rSquared,
    sampleCount: points.length,
  };
  if (points.every(([, cpu]) => cpu === 0)) {
    reasons.push({
      code: 'cpuNotMeasured',
      message:
        'CPUUtilization is 0 in every period (not measured?): no CPU fit, the CPU overlay is unavailable',
    });
  } else {
    reasons.push({
      code: 'cpuFit',
      message: `CPUUtilization = ${fmt(slope, 6)} x invocations/min + ${fmt(intercept)} % (r² ${fmt(rSquared, 4)}, ${points.length} periods)`,
    });
  }
  return fit;
}

function findBottleneck(peak: PeriodView, vcpus: number, reasons: Reason[]): Bottleneck {
  const cpuShare = peak.point.cpuUtilizationPercent / (vcpus * 100);
  const memoryShare = (peak.point.memoryUtilizationPercent ?? 0) / 100;
  const cpuText = `CPU ${fmt(peak.point.cpuUtilizationPercent)} % of ${vcpus * 100} % (${vcpus} vCPUs)`;
  const memoryText =
    peak.point.memoryUtilizationPercent === undefined
      ? 'memory not measured'
      : `memory ${fmt(peak.point.memoryUtilizationPercent)} %`;
  const near = BOTTLENECK_SHARE * 100;
  if (cpuShare >= BOTTLENECK_SHARE && cpuShare >= memoryShare) {
    reasons.push({
      code: 'bottleneckCpu',
      message: `the bottleneck is CPU: ${cpuText} at the peak, >= ${near} % of capacity (${memoryText})`,
    });
    return 'cpu';
  }
  if (memoryShare >= BOTTLENECK_SHARE) {
    reasons.push({
      code: 'bottleneckMemory',
      message: `the bottleneck is memory: ${memoryText} at the peak, >= ${near} % (${cpuText})`,
    });
    return 'memory';
  }
  reasons.push({
    code: 'bottleneckNone',
    message: `no CPU or memory bottleneck: ${cpuText} and ${memoryText} at the peak, both under ${near} %; throughput is limited elsewhere (errors, latency SLO, model concurrency, or the load stopped rising)`,
  });
  return 'none';
}

function buildLatencyCurve(steady: PeriodView[]): LatencyCurvePoint[] {
  return steady
    .filter((v) => v.point.invocations > 0)
    .map((v) => {
      const p = v.point;
      const point: LatencyCurvePoint = {
        invocationsPerMinute: v.invocationsPerMinute,
        avgMs: usToMs(p.modelLatencyAvgUs),
      };
      if (p.modelLatencyP50Us !== undefined) point.p50Ms = usToMs(p.modelLatencyP50Us);
      if (p.modelLatencyP95Us !== undefined) point.p95Ms = usToMs(p.modelLatencyP95Us);
      if (p.modelLatencyP99Us !== undefined) point.p99Ms = usToMs(p.modelLatencyP99Us);
      return point;
    })
    .sort((a, b) => a.invocationsPerMinute - b.invocationsPerMinute || a.avgMs - b.avgMs);
}

function usToMs(us: number): number {
  return Math.round(us) / 1000;
}
