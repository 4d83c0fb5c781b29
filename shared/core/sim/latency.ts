/**
 * The per-instance latency model: the benchmark's latency curve (latency against invocations per
 * minute on one instance), interpolated linearly and clamped at its ends, turned into a latency
 * distribution per simulation step.
 *
 * Within a step the latency of a request is modelled by a piecewise-linear quantile function
 * through five knots: q=0 at 0.5 x p50, q=0.5 at p50, q=0.95 at p95, q=0.99 at p99 and q=1 at
 * p99 + (p99 - p95). The knots at q=0 and q=1 are an assumption of this model (the benchmark
 * measures only p50/p95/p99); a missing percentile falls back to the next one measured, then to
 * the average. Queueing adds the same wait to every knot.
 */
import { InvalidInputError } from '../errors';
import type { LatencyCurvePoint } from '../types';

/** Quantile levels of the five knots. */
export const LATENCY_KNOT_LEVELS = [0, 0.5, 0.95, 0.99, 1] as const;

/** The latency curve in arrays, ascending in invocations per minute. */
export interface CompiledLatencyCurve {
  invocationsPerMinute: Float64Array;
  p50Ms: Float64Array;
  p95Ms: Float64Array;
  p99Ms: Float64Array;
}

/**
 * Sorts and fills the curve. Throws InvalidInputError on an empty curve or a negative latency.
 *
 * @example
 * compileLatencyCurve([{ invocationsPerMinute: 1000, avgMs: 10, p95Ms: 20 }]).p99Ms[0]; // 20 (p99 <- p95)
 */
export function compileLatencyCurve(curve: LatencyCurvePoint[]): CompiledLatencyCurve {
  if (curve.length === 0) throw new InvalidInputError('latency curve: at least one point is needed');
  const sorted = [...curve].sort((a, b) => a.invocationsPerMinute - b.invocationsPerMinute);
  const n = sorted.length;
  const out: CompiledLatencyCurve = {
    invocationsPerMinute: new Float64Array(n),
    p50Ms: new Float64Array(n),
    p95Ms: new Float64Array(n),
    p99Ms: new Float64Array(n),
  };
  sorted.forEach((point, i) => {
    if (!(point.avgMs >= 0) || !(point.invocationsPerMinute >= 0))
      throw new InvalidInputError(
        `latency curve point ${i + 1}: avgMs and invocationsPerMinute must be >= 0`,
      );
    const p50 = point.p50Ms ?? point.avgMs;
    const p95 = Math.max(p50, point.p95Ms ?? point.p99Ms ?? point.avgMs);
    const p99 = Math.max(p95, point.p99Ms ?? p95);
    out.invocationsPerMinute[i] = point.invocationsPerMinute;
    out.p50Ms[i] = p50;
    out.p95Ms[i] = p95;
    out.p99Ms[i] = p99;
  });
  return out;
}

function interpolate(xs: Float64Array, ys: Float64Array, x: number): number {
  const n = xs.length;
  if (x <= xs[0]!) return ys[0]!;
  if (x >= xs[n - 1]!) return ys[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const x0 = xs[lo]!;
  const x1 = xs[hi]!;
  const t = x1 === x0 ? 0 : (x - x0) / (x1 - x0);
  return ys[lo]! + t * (ys[hi]! - ys[lo]!);
}

/**
 * Writes the five quantile knots (ms) of the latency at `invocationsPerMinute` per instance plus
 * `waitMs` of queueing into `out` (length 5), and returns `out`.
 *
 * @example
 * // curve p50 10 / p95 20 / p99 30 ms, 2 s of queueing:
 * latencyKnots(curve, 500, 2000, new Float64Array(5)); // [2005, 2010, 2020, 2030, 2040]
 */
export function latencyKnots(
  curve: CompiledLatencyCurve,
  invocationsPerMinute: number,
  waitMs: number,
  out: Float64Array,
): Float64Array {
  const p50 = interpolate(curve.invocationsPerMinute, curve.p50Ms, invocationsPerMinute);
  const p95 = interpolate(curve.invocationsPerMinute, curve.p95Ms, invocationsPerMinute);
  const p99 = interpolate(curve.invocationsPerMinute, curve.p99Ms, invocationsPerMinute);
  out[0] = 0.5 * p50 + waitMs;
  out[1] = p50 + waitMs;
  out[2] = p95 + waitMs;
  out[3] = p99 + waitMs;
  out[4] = p99 + (p99 - p95) + waitMs;
  return out;
}

/** Average latency (ms) of a knot set: the integral of the piecewise-linear quantile function. */
export function knotsMeanMs(knots: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 1; i < 5; i++) {
    const width = LATENCY_KNOT_LEVELS[i]! - LATENCY_KNOT_LEVELS[i - 1]!;
    mean += (width * (knots[i - 1]! + knots[i]!)) / 2;
  }
  return mean;
}

/**
 * Share (0..1) of requests at or below `latencyMs` for the knot set starting at `offset` of `knots`.
 *
 * @example
 * shareAtOrBelow([5, 10, 20, 30, 40], 0, 15); // 0.5 + 0.45 x (15 - 10) / (20 - 10) = 0.725
 */
export function shareAtOrBelow(knots: ArrayLike<number>, offset: number, latencyMs: number): number {
  if (latencyMs < knots[offset]!) return 0;
  if (latencyMs >= knots[offset + 4]!) return 1;
  for (let i = 1; i < 5; i++) {
    const hi = knots[offset + i]!;
    if (latencyMs < hi) {
      const lo = knots[offset + i - 1]!;
      const qLo = LATENCY_KNOT_LEVELS[i - 1]!;
      const qHi = LATENCY_KNOT_LEVELS[i]!;
      return hi === lo ? qHi : qLo + ((qHi - qLo) * (latencyMs - lo)) / (hi - lo);
    }
  }
  return 1;
}

/**
 * The latency (ms) at quantile `q` (0..1) of a mixture of knot sets (`knots` holds 5 numbers per
 * set, `weights` one per set): bisection on the mixture's distribution function.
 *
 * @example
 * mixtureQuantileMs(new Float64Array([5, 10, 20, 30, 40]), new Float64Array([1]), 0.95); // 20
 */
export function mixtureQuantileMs(
  knots: Float64Array,
  weights: Float64Array,
  q: number,
  count = weights.length,
): number {
  let total = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let s = 0; s < count; s++) {
    const w = weights[s]!;
    if (w <= 0) continue;
    total += w;
    lo = Math.min(lo, knots[s * 5]!);
    hi = Math.max(hi, knots[s * 5 + 4]!);
  }
  if (total <= 0) return 0;
  const wanted = q * total;
  for (let iter = 0; iter < 40 && hi - lo > 1e-3 * Math.max(1, lo); iter++) {
    const mid = (lo + hi) / 2;
    let below = 0;
    for (let s = 0; s < count; s++) {
      const w = weights[s]!;
      if (w > 0) below += w * shareAtOrBelow(knots, s * 5, mid);
    }
    if (below >= wanted) hi = mid;
    else lo = mid;
  }
  return hi;
}
