/**
 * The instance as a queueing server, for closed-loop users (Inference Recommender PHASES/STAIRS,
 * users sending back to back).
 *
 * One instance is one server with a service time S (ms) and a fixed per-request delay D (ms) that
 * never queues (client, network, serialization):
 * - S = 60,000 / the benchmark's peak invocations per minute: at the peak the server is busy all
 *   the time (125,688/min -> 0.477 ms on the demo model);
 * - D = the average latency at the curve's lowest load - S, floored at 0 (0.55 - 0.48 = 0.07 ms).
 *
 * N users with zero think time form a closed network of the server and a delay station D. Exact
 * mean value analysis (Reiser and Lavenberg, 1980) gives, from Q(0) = 0,
 *   R(n) = D + S x (1 + Q(n - 1)),  X(n) = n / R(n),  Q(n) = X(n) x (R(n) - D),
 * so one user sees no queueing (X(1) = 1 / (D + S)) and many saturate the server (X -> 1 / S,
 * R(n) -> n x S). The previous model read latency at a throughput off the calibration curve, which
 * a paced run measures with queueing between users; one unpaced user never waits behind itself.
 *
 * The latency distribution is the curve's lowest-load distribution (no queueing) plus a wait of
 * mean W = R(n) - (D + S) whose quantiles are W times ratios (see {@link WaitShape}).
 */
import { InvalidInputError } from '../errors';
import type { BenchmarkAnalysis, LatencyCurvePoint } from '../types';

/** Beyond this many users per instance the server is saturated to 1e-12: R(n) = n x S. */
const MVA_TABLE_USERS = 4096;

/** Exponential waits (M/M/1): p95 = ln(20) x mean, p99 = ln(100) x mean. */
export const EXPONENTIAL_WAIT_P95_RATIO = Math.log(20);
export const EXPONENTIAL_WAIT_P99_RATIO = Math.log(100);

/** Quantiles of the queueing wait as multiples of its mean. */
export interface WaitShape {
  /** p95 of the wait / mean wait, >= 1. */
  p95Ratio: number;
  /** p99 of the wait / mean wait, >= p95Ratio. */
  p99Ratio: number;
  /** Where the ratios come from, for the reasons of a run. */
  source: 'setting' | 'calibrationCurve' | 'exponential';
}

/** The service model of one instance, derived once per run. */
export interface ServiceModel {
  /** Service time of one request on the server, ms (60,000 / peak per minute). */
  serviceMs: number;
  /** Non-queueing delay of every request, ms (>= 0). */
  delayMs: number;
  /** The latency distribution without queueing: the curve's lowest-load point. */
  base: { p50Ms: number; p95Ms: number; p99Ms: number };
  wait: WaitShape;
  /** R(n) for n = 0..table length - 1, ms; filled lazily up to MVA_TABLE_USERS. */
  responseMs: number[];
  /** Server queue length Q(n) (waiting and in service), same indexing. */
  queue: number[];
}

/** Overrides of the derived values; null derives them from the benchmark. */
export interface ServiceModelOptions {
  serviceTimeMs: number | null;
  fixedDelayMs: number | null;
  waitP95ToMeanRatio: number | null;
  waitP99ToMeanRatio: number | null;
  /** AWS seconds per second of latency (SimSettings.timeScale); default 1. */
  timeScale?: number;
}

function lowestLoadPoint(curve: LatencyCurvePoint[]): LatencyCurvePoint {
  return curve.reduce((a, b) => (b.invocationsPerMinute < a.invocationsPerMinute ? b : a));
}

/**
 * Wait ratios measured by the calibration run itself: between the lowest-load point and the
 * busiest one, the p95 (p99) grows by ratio x the growth of the average. That growth is queueing
 * on this server, so its spread is the server's own. Null when the curve shows no queueing
 * (one point, or an average that grows by less than one service time).
 */
function waitShapeFromCurve(curve: LatencyCurvePoint[], serviceMs: number): WaitShape | null {
  const low = lowestLoadPoint(curve);
  const high = curve.reduce((a, b) => (b.invocationsPerMinute > a.invocationsPerMinute ? b : a));
  const meanGrowth = high.avgMs - low.avgMs;
  if (!(meanGrowth >= serviceMs) || high.p95Ms === undefined || low.p95Ms === undefined) return null;
  const p95Ratio = Math.max(1, (high.p95Ms - low.p95Ms) / meanGrowth);
  const p99Ratio =
    high.p99Ms !== undefined && low.p99Ms !== undefined
      ? Math.max(p95Ratio, (high.p99Ms - low.p99Ms) / meanGrowth)
      : p95Ratio * (EXPONENTIAL_WAIT_P99_RATIO / EXPONENTIAL_WAIT_P95_RATIO);
  return { p95Ratio, p99Ratio, source: 'calibrationCurve' };
}

/**
 * Derives the service model of one instance from the benchmark analysis (see the file comment).
 * Throws InvalidInputError on a non-positive peak or an empty curve.
 *
 * @example
 * // peak 12,000/min (S = 5 ms), lowest point avg 8 ms (D = 3 ms)
 * deriveServiceModel(analysis, options); // { serviceMs: 5, delayMs: 3, ... }
 */
export function deriveServiceModel(analysis: BenchmarkAnalysis, options: ServiceModelOptions): ServiceModel {
  if (!(analysis.peakInvocationsPerMinute > 0))
    throw new InvalidInputError('service model: peakInvocationsPerMinute must be > 0');
  if (analysis.latencyCurve.length === 0)
    throw new InvalidInputError('service model: the latency curve has no point');
  // The peak is per (scaled) minute, the service time in milliseconds of latency.
  const serviceMs =
    options.serviceTimeMs ?? 60_000 / (analysis.peakInvocationsPerMinute * (options.timeScale ?? 1));
  const low = lowestLoadPoint(analysis.latencyCurve);
  const delayMs = options.fixedDelayMs ?? Math.max(0, low.avgMs - serviceMs);
  const p50Ms = low.p50Ms ?? low.avgMs;
  const p95Ms = Math.max(p50Ms, low.p95Ms ?? low.p99Ms ?? low.avgMs);
  const p99Ms = Math.max(p95Ms, low.p99Ms ?? p95Ms);
  const measured = waitShapeFromCurve(analysis.latencyCurve, serviceMs);
  let wait: WaitShape = measured ?? {
    p95Ratio: EXPONENTIAL_WAIT_P95_RATIO,
    p99Ratio: EXPONENTIAL_WAIT_P99_RATIO,
    source: 'exponential',
  };
  if (options.waitP95ToMeanRatio !== null || options.waitP99ToMeanRatio !== null) {
    const p95Ratio = options.waitP95ToMeanRatio ?? wait.p95Ratio;
    wait = {
      p95Ratio,
      p99Ratio: Math.max(p95Ratio, options.waitP99ToMeanRatio ?? wait.p99Ratio),
      source: 'setting',
    };
  }
  return { serviceMs, delayMs, base: { p50Ms, p95Ms, p99Ms }, wait, responseMs: [0], queue: [0] };
}

function responseAtIntegerUsers(model: ServiceModel, users: number): number {
  if (users >= MVA_TABLE_USERS) return users * model.serviceMs;
  const { responseMs, queue, serviceMs, delayMs } = model;
  for (let n = responseMs.length; n <= users; n++) {
    const r = delayMs + serviceMs * (1 + queue[n - 1]!);
    responseMs.push(r);
    queue.push((n / r) * (r - delayMs));
  }
  return responseMs[users]!;
}

/**
 * Mean value analysis of one instance with `users` closed-loop users (zero think time): mean
 * response time R (ms, delay included) and throughput X (requests per ms). A fractional user count
 * (users spread over several instances) interpolates X between the neighbouring integers.
 *
 * @example
 * // S = 1 ms, D = 1 ms: X(1) = 1 / 2 ms, R(2) = 1 + 1 x (1 + 0.5) = 2.5 ms, X(2) = 0.8 per ms
 * closedLoopMva(model, 2); // { responseMs: 2.5, throughputPerMs: 0.8 }
 */
export function closedLoopMva(
  model: ServiceModel,
  users: number,
): { responseMs: number; throughputPerMs: number } {
  if (!(users > 0)) return { responseMs: 0, throughputPerMs: 0 };
  const lo = Math.floor(users);
  const hi = Math.ceil(users);
  const xHi = hi / responseAtIntegerUsers(model, hi);
  const xLo = lo === 0 ? 0 : lo / responseAtIntegerUsers(model, lo);
  const throughputPerMs = lo === hi ? xHi : xLo + (users - lo) * (xHi - xLo);
  return { responseMs: users / throughputPerMs, throughputPerMs };
}

/**
 * The five quantile knots (q = 0, 0.5, 0.95, 0.99, 1; ms) of the latency with a mean response of
 * `responseMs`: the lowest-load distribution plus a wait W = responseMs - (D + S) shaped by the
 * wait ratios. The wait's median is set so the wait knots average W (the quantile function is
 * piecewise linear: 0.475 x p50 + 0.24 x p95 + 0.035 x p99 = W), clamped to [0, p95].
 */
export function closedLoopKnots(model: ServiceModel, responseMs: number, out: Float64Array): Float64Array {
  const waitMs = Math.max(0, responseMs - model.delayMs - model.serviceMs);
  const { p95Ratio, p99Ratio } = model.wait;
  const p50Ratio = Math.min(p95Ratio, Math.max(0, (1 - 0.24 * p95Ratio - 0.035 * p99Ratio) / 0.475));
  const { p50Ms, p95Ms, p99Ms } = model.base;
  out[0] = 0.5 * p50Ms;
  out[1] = p50Ms + p50Ratio * waitMs;
  out[2] = p95Ms + p95Ratio * waitMs;
  out[3] = p99Ms + p99Ratio * waitMs;
  out[4] = p99Ms + (p99Ms - p95Ms) + (2 * p99Ratio - p95Ratio) * waitMs;
  return out;
}
