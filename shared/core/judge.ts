/**
 * The verdict of an evaluation, with the AWS procedure's criteria: the scaled endpoint must reach
 * the target throughput (max invocations per minute >= maxRps x 60: 500 rps -> 30000/min in the
 * AWS sample, which reached 39783 and passed), without errors beyond the allowed rate, and with
 * its latency at the SLO's percentile within the SLO in every period.
 */
import { InvalidInputError, type Reason } from './errors';
import { fmt } from './format';
import type { LatencySlo } from './request';
import type {
  EvaluationMeasurement,
  EvaluationMetrics,
  EvaluationPoint,
  Verdict,
  VerdictReason,
} from './types';

export interface JudgeCriteria {
  /** Expected peak load, requests per second; the target is maxRps x 60 invocations per minute. */
  maxRps: number;
  latencySlo: LatencySlo;
  /** Highest acceptable (4XX + 5XX) / invocations over the evaluation, 0..1 (0 = no error at all). */
  allowedErrorRate: number;
}

/**
 * Judges an evaluation. Every failed criterion is listed with its observed value and its limit.
 *
 * - throughput: max over periods of invocations x 60 / periodSeconds >= maxRps x 60;
 * - errors: total (4XX + 5XX) / total invocations <= allowedErrorRate;
 * - latency: the worst period's ModelLatency at the SLO's percentile (µs / 1000) <= SLO ms, over
 *   the periods with traffic; a P95 SLO uses P99 where P95 is missing (stricter); no datapoint
 *   at all fails as not measured.
 *
 * @throws InvalidInputError for a non-positive maxRps or period, or an error rate outside 0..1
 * @example
 * // The AWS sample's first evaluation: 39783/min against 500 rps -> passed
 * judgeEvaluation(metrics, { maxRps: 500, latencySlo: { percentile: 'P95', ms: 10000 }, allowedErrorRate: 0 }).passed
 */
export function judgeEvaluation(metrics: EvaluationMetrics, criteria: JudgeCriteria): Verdict {
  const { maxRps, latencySlo, allowedErrorRate } = criteria;
  if (!(Number.isFinite(maxRps) && maxRps > 0))
    throw new InvalidInputError(`maxRps must be > 0, got ${maxRps}`);
  if (!(allowedErrorRate >= 0 && allowedErrorRate <= 1))
    throw new InvalidInputError(`allowedErrorRate must be in 0..1, got ${allowedErrorRate}`);
  if (!(metrics.periodSeconds > 0))
    throw new InvalidInputError(`periodSeconds must be > 0, got ${metrics.periodSeconds}`);
  if (!(latencySlo.ms > 0)) throw new InvalidInputError(`latencySlo.ms must be > 0, got ${latencySlo.ms}`);

  const failures: VerdictReason[] = [];
  const reasons: Reason[] = [];
  const targetInvocationsPerMinute = maxRps * 60;

  // Throughput.
  let maxInvocationsPerMinute = 0;
  let maxAt: string | undefined;
  for (const point of metrics.points) {
    const perMinute = (point.invocations * 60) / metrics.periodSeconds;
    if (perMinute > maxInvocationsPerMinute) {
      maxInvocationsPerMinute = perMinute;
      maxAt = point.timestamp;
    }
  }
  const reached = `max ${fmt(maxInvocationsPerMinute)} invocations/min${maxAt ? ` at ${maxAt}` : ''} vs target ${fmt(targetInvocationsPerMinute)} (${fmt(maxRps)} rps x 60)`;
  if (maxInvocationsPerMinute >= targetInvocationsPerMinute)
    reasons.push({ code: 'throughputReached', message: reached });
  else
    failures.push({
      code: 'throughputNotReached',
      message: reached,
      observed: maxInvocationsPerMinute,
      limit: targetInvocationsPerMinute,
    });

  // Errors.
  const invocations = metrics.points.reduce((sum, p) => sum + p.invocations, 0);
  const errors = metrics.points.reduce((sum, p) => sum + p.invocation4xxErrors + p.invocation5xxErrors, 0);
  const errorRate = invocations > 0 ? Math.min(1, errors / invocations) : errors > 0 ? 1 : 0;
  const errorText = `${fmt(errors)} 4XX/5XX errors of ${fmt(invocations)} invocations = ${fmt(errorRate * 100, 4)} % (allowed ${fmt(allowedErrorRate * 100, 4)} %)`;
  if (errorRate <= allowedErrorRate) reasons.push({ code: 'errorsWithinLimit', message: errorText });
  else
    failures.push({
      code: 'errorRateExceeded',
      message: errorText,
      observed: errorRate,
      limit: allowedErrorRate,
    });

  // Latency.
  const withTraffic = metrics.points.filter((p) => p.invocations > 0);
  const latencies = withTraffic
    .map((p) => ({ p, ms: percentileMs(p, latencySlo) }))
    .filter((x): x is { p: EvaluationPoint; ms: number } => x.ms !== undefined);
  let worstLatencyMs: number | null = null;
  if (latencies.length === 0) {
    if (withTraffic.length > 0)
      failures.push({
        code: 'latencyNotMeasured',
        message: `no ${latencySlo.percentile} ModelLatency datapoint in ${withTraffic.length} period(s) with traffic: the latency SLO cannot be checked`,
        observed: 0,
        limit: withTraffic.length,
      });
  } else {
    const worst = latencies.reduce((a, b) => (b.ms > a.ms ? b : a));
    worstLatencyMs = worst.ms;
    const text = `worst ${latencySlo.percentile} latency ${fmt(worst.ms, 3)} ms at ${worst.p.timestamp} vs SLO ${fmt(latencySlo.ms, 3)} ms`;
    if (worst.ms <= latencySlo.ms) reasons.push({ code: 'latencyWithinSlo', message: text });
    else
      failures.push({ code: 'latencySloExceeded', message: text, observed: worst.ms, limit: latencySlo.ms });
  }

  const passed = failures.length === 0;
  reasons.unshift({
    code: passed ? 'passed' : 'failed',
    message: passed
      ? 'the evaluation passed every criterion'
      : `the evaluation failed ${failures.length} criterion(s): ${failures.map((f) => f.code).join(', ')}`,
  });
  return {
    passed,
    maxInvocationsPerMinute,
    targetInvocationsPerMinute,
    errorRate,
    worstLatencyMs,
    failures,
    reasons,
    measurement: measureEvaluation(metrics),
  };
}

/** Activities kept in a measurement: the state of an execution carries it, so it is bounded. */
export const MAX_MEASURED_ACTIVITIES = 50;

/**
 * What the metrics show besides the criteria: invocations, errors, instance-hours (InService
 * instances x period, during the load and after it) and the scaling activities, so a prediction
 * and a measurement can be read side by side.
 *
 * @example
 * measureEvaluation({ periodSeconds: 60, points: [{ ..., instanceCount: 2 }, { ..., instanceCount: 4 }] }).instanceHours; // 0.1
 */
export function measureEvaluation(metrics: EvaluationMetrics): EvaluationMeasurement {
  const counts = metrics.points
    .map((p) => p.instanceCount)
    .filter((count): count is number => count !== undefined);
  // Periods that start before the load ended count as the load's.
  const loadPeriods =
    metrics.loadEndedAtSeconds === undefined
      ? metrics.points.length
      : Math.ceil(metrics.loadEndedAtSeconds / metrics.periodSeconds);
  const hoursOf = (points: EvaluationPoint[]) =>
    Math.round(
      points.reduce((sum, p) => sum + ((p.instanceCount ?? 0) * metrics.periodSeconds) / 3600, 0) * 1e4,
    ) / 1e4;
  return {
    durationMinutes: (metrics.points.length * metrics.periodSeconds) / 60,
    invocations: metrics.points.reduce((sum, p) => sum + p.invocations, 0),
    errors: metrics.points.reduce((sum, p) => sum + p.invocation4xxErrors + p.invocation5xxErrors, 0),
    instanceHours: counts.length > 0 ? hoursOf(metrics.points.slice(0, loadPeriods)) : null,
    instanceHoursAfterLoad: counts.length > 0 ? hoursOf(metrics.points.slice(loadPeriods)) : null,
    minInstances: counts.length > 0 ? Math.min(...counts) : null,
    maxInstances: counts.length > 0 ? Math.max(...counts) : null,
    activities: (metrics.activities ?? []).slice(0, MAX_MEASURED_ACTIVITIES),
    ...(metrics.measuredOn ? { measuredOn: metrics.measuredOn } : {}),
  };
}

function percentileMs(point: EvaluationPoint, slo: LatencySlo): number | undefined {
  const us =
    slo.percentile === 'P95' ? (point.modelLatencyP95Us ?? point.modelLatencyP99Us) : point.modelLatencyP99Us;
  return us === undefined ? undefined : us / 1000;
}
