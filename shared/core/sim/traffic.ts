/**
 * Traffic for the twin, as arrays over fixed steps (no per-request objects): open-loop arrivals
 * (requests arriving in each step, whatever the fleet does) or closed-loop users (Inference
 * Recommender's model: each user sends its next request when the previous one answers, so the
 * throughput is users / latency, capped by what the fleet serves).
 */
import { InvalidInputError } from '../errors';
import { assertPhases, phasesDurationSeconds, type TrafficPhase, usersInPhasesAt } from '../load/phases';
import { usersInStairsAt } from '../load/stairs';

export interface OpenTraffic {
  kind: 'open';
  /** Start of step 0, seconds since the Unix epoch (UTC). */
  startEpochSeconds: number;
  stepSeconds: number;
  /** Requests arriving during each step. */
  requests: Float64Array;
}

export interface ClosedTraffic {
  kind: 'closed';
  startEpochSeconds: number;
  stepSeconds: number;
  /** Concurrent users during each step. */
  users: Float64Array;
}

export type Traffic = OpenTraffic | ClosedTraffic;

interface Timing {
  durationSeconds: number;
  /** Default 1. */
  stepSeconds?: number;
  /** Default 0 (1970-01-01T00:00:00Z). */
  startEpochSeconds?: number;
}

function steps(timing: Timing): { n: number; step: number; start: number } {
  const step = timing.stepSeconds ?? 1;
  if (!(step > 0)) throw new InvalidInputError('traffic: stepSeconds must be > 0');
  if (!(timing.durationSeconds > 0)) throw new InvalidInputError('traffic: durationSeconds must be > 0');
  return { n: Math.ceil(timing.durationSeconds / step), step, start: timing.startEpochSeconds ?? 0 };
}

function openFromRate(timing: Timing, rpsAt: (elapsedSeconds: number) => number): OpenTraffic {
  const { n, step, start } = steps(timing);
  const requests = new Float64Array(n);
  for (let i = 0; i < n; i++) requests[i] = Math.max(0, rpsAt(i * step + step / 2)) * step;
  return { kind: 'open', startEpochSeconds: start, stepSeconds: step, requests };
}

/**
 * A constant rate.
 * @example constantTraffic({ rps: 100, durationSeconds: 60, stepSeconds: 10 }).requests[0]; // 1000
 */
export function constantTraffic(input: Timing & { rps: number }): OpenTraffic {
  return openFromRate(input, () => input.rps);
}

/**
 * A linear ramp from fromRps to toRps (the rate at the middle of each step).
 * @example rampTraffic({ fromRps: 0, toRps: 100, durationSeconds: 100, stepSeconds: 10 }).requests[0]; // 5 rps x 10 s = 50
 */
export function rampTraffic(input: Timing & { fromRps: number; toRps: number }): OpenTraffic {
  return openFromRate(
    input,
    (t) => input.fromRps + ((input.toRps - input.fromRps) * t) / input.durationSeconds,
  );
}

/**
 * A daily cycle: minRps at the trough, peakRps at `peakHourUtc` (default 14), cosine in between.
 * @example diurnalTraffic({ minRps: 10, peakRps: 110, durationSeconds: 86400, stepSeconds: 3600, peakHourUtc: 0 }).requests[12]; // about 10 x 3600
 */
export function diurnalTraffic(
  input: Timing & { minRps: number; peakRps: number; peakHourUtc?: number; periodSeconds?: number },
): OpenTraffic {
  const period = input.periodSeconds ?? 86400;
  const peakAt = (input.peakHourUtc ?? 14) * 3600;
  const start = input.startEpochSeconds ?? 0;
  return openFromRate(input, (t) => {
    const phase = (2 * Math.PI * (start + t - peakAt)) / period;
    return input.minRps + ((input.peakRps - input.minRps) * (1 + Math.cos(phase))) / 2;
  });
}

/**
 * A flat base with one rectangular spike.
 * @example spikeTraffic({ baseRps: 10, spikeRps: 100, spikeAtSeconds: 60, spikeDurationSeconds: 30, durationSeconds: 300 });
 */
export function spikeTraffic(
  input: Timing & { baseRps: number; spikeRps: number; spikeAtSeconds: number; spikeDurationSeconds: number },
): OpenTraffic {
  const end = input.spikeAtSeconds + input.spikeDurationSeconds;
  return openFromRate(input, (t) => (t >= input.spikeAtSeconds && t < end ? input.spikeRps : input.baseRps));
}

/**
 * Inference Recommender PHASES as closed-loop users over steps: the users at the start of each
 * step, by the one formula the local load generator also follows ({@link usersInPhasesAt}:
 * initialUsers + floor(spawnRatePerMinute x minutes into the phase)), one phase after the other.
 * @example phasesTraffic({ phases: [{ initialUsers: 1, spawnRatePerMinute: 3, durationSeconds: 600 }], stepSeconds: 10 }).users[12]; // 1 + floor(3 x 120 / 60) = 7
 */
export function phasesTraffic(input: {
  phases: TrafficPhase[];
  stepSeconds?: number;
  startEpochSeconds?: number;
}): ClosedTraffic {
  assertPhases(input.phases, 'traffic');
  const { n, step, start } = steps({ ...input, durationSeconds: phasesDurationSeconds(input.phases) });
  const users = new Float64Array(n);
  for (let i = 0; i < n; i++) users[i] = usersInPhasesAt(input.phases, i * step);
  return { kind: 'closed', startEpochSeconds: start, stepSeconds: step, users };
}

/**
 * Inference Recommender STAIRS: usersPerStep more users every durationSeconds / numberOfSteps, by
 * the one formula the local load generator and the fleet also follow ({@link usersInStairsAt}).
 * @example stairsTraffic({ durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2, stepSeconds: 60 }).users[2]; // 4
 */
export function stairsTraffic(input: {
  durationSeconds: number;
  numberOfSteps: number;
  usersPerStep: number;
  stepSeconds?: number;
  startEpochSeconds?: number;
}): ClosedTraffic {
  if (!(input.numberOfSteps >= 1) || !(input.usersPerStep >= 1))
    throw new InvalidInputError('traffic: stairs need numberOfSteps >= 1 and usersPerStep >= 1');
  const { n, step, start } = steps(input);
  const users = new Float64Array(n);
  for (let i = 0; i < n; i++) users[i] = usersInStairsAt(input, i * step);
  return { kind: 'closed', startEpochSeconds: start, stepSeconds: step, users };
}

/**
 * Per-period counts (a per-minute trace, a CloudWatch Invocations history) as open traffic.
 * @example countsTraffic([60, 120], { stepSeconds: 60 }).requests[1]; // 120
 */
export function countsTraffic(
  counts: ArrayLike<number>,
  options: { stepSeconds: number; startEpochSeconds?: number },
): OpenTraffic {
  if (counts.length === 0) throw new InvalidInputError('traffic: the trace has no periods');
  return {
    kind: 'open',
    startEpochSeconds: options.startEpochSeconds ?? 0,
    stepSeconds: options.stepSeconds,
    requests: Float64Array.from(counts, (c) => Math.max(0, c)),
  };
}

/**
 * Per-request arrival times (seconds since the epoch, any order) counted per step.
 * @example timestampsTraffic([0.2, 0.7, 1.5], { stepSeconds: 1 }).requests; // [2, 1]
 */
export function timestampsTraffic(
  epochSeconds: ArrayLike<number>,
  options: { stepSeconds?: number; startEpochSeconds?: number } = {},
): OpenTraffic {
  if (epochSeconds.length === 0) throw new InvalidInputError('traffic: the trace has no requests');
  const step = options.stepSeconds ?? 1;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < epochSeconds.length; i++) {
    first = Math.min(first, epochSeconds[i]!);
    last = Math.max(last, epochSeconds[i]!);
  }
  const start = options.startEpochSeconds ?? Math.floor(first / step) * step;
  const n = Math.floor((last - start) / step) + 1;
  const requests = new Float64Array(Math.max(1, n));
  for (let i = 0; i < epochSeconds.length; i++) {
    const k = Math.floor((epochSeconds[i]! - start) / step);
    if (k >= 0 && k < requests.length) requests[k]! += 1;
  }
  return { kind: 'open', startEpochSeconds: start, stepSeconds: step, requests };
}

/** Highest rate of open traffic, requests per second (largest step count / stepSeconds). */
export function peakRps(traffic: OpenTraffic): number {
  let peak = 0;
  for (let i = 0; i < traffic.requests.length; i++) peak = Math.max(peak, traffic.requests[i]!);
  return peak / traffic.stepSeconds;
}

/**
 * Keeps the steps within [startEpochSeconds, startEpochSeconds + durationSeconds).
 * Throws InvalidInputError when nothing is left.
 */
export function windowTraffic<T extends Traffic>(
  traffic: T,
  window: { startEpochSeconds?: number; durationSeconds?: number },
): T {
  const values = traffic.kind === 'open' ? traffic.requests : traffic.users;
  const from = Math.max(
    0,
    Math.floor(
      ((window.startEpochSeconds ?? traffic.startEpochSeconds) - traffic.startEpochSeconds) /
        traffic.stepSeconds,
    ),
  );
  const to =
    window.durationSeconds === undefined
      ? values.length
      : Math.min(values.length, from + Math.ceil(window.durationSeconds / traffic.stepSeconds));
  if (to <= from) throw new InvalidInputError('traffic: the window holds no period of the trace');
  const sliced = values.slice(from, to);
  const startEpochSeconds = traffic.startEpochSeconds + from * traffic.stepSeconds;
  return (
    traffic.kind === 'open'
      ? { ...traffic, startEpochSeconds, requests: sliced }
      : { ...traffic, startEpochSeconds, users: sliced }
  ) as T;
}

/**
 * Multiplies open traffic so that its peak is `peakRps`, keeping the shape.
 * @example rescaleTraffic(countsTraffic([600, 1200], { stepSeconds: 60 }), 10).requests; // [300, 600]
 */
export function rescaleTraffic(traffic: OpenTraffic, targetPeakRps: number): OpenTraffic {
  const peak = peakRps(traffic);
  if (!(targetPeakRps > 0)) throw new InvalidInputError('traffic: the peak must be > 0 requests per second');
  if (peak <= 0) throw new InvalidInputError('traffic: the trace has no request to rescale');
  const factor = targetPeakRps / peak;
  return { ...traffic, requests: traffic.requests.map((r) => r * factor) };
}

/**
 * Re-bins traffic onto steps of `stepSeconds` (the simulator's step), treating each source step
 * as a constant rate (open: requests are split or summed; closed: users are time-averaged).
 * @example resampleTraffic(countsTraffic([60], { stepSeconds: 60 }), 10).requests; // [10, 10, 10, 10, 10, 10]
 */
export function resampleTraffic<T extends Traffic>(traffic: T, stepSeconds: number): T {
  if (traffic.stepSeconds === stepSeconds) return traffic;
  const src = traffic.kind === 'open' ? traffic.requests : traffic.users;
  const total = src.length * traffic.stepSeconds;
  const n = Math.ceil(total / stepSeconds);
  const out = new Float64Array(n);
  const open = traffic.kind === 'open';
  let j = 0;
  for (let i = 0; i < n; i++) {
    const a = i * stepSeconds;
    const b = Math.min(total, a + stepSeconds);
    let acc = 0;
    while (j < src.length && (j + 1) * traffic.stepSeconds <= a) j++;
    for (let k = j; k < src.length && k * traffic.stepSeconds < b; k++) {
      const lo = Math.max(a, k * traffic.stepSeconds);
      const hi = Math.min(b, (k + 1) * traffic.stepSeconds);
      const share = (hi - lo) / traffic.stepSeconds;
      acc += open ? src[k]! * share : (src[k]! * (hi - lo)) / (b - a);
    }
    out[i] = acc;
  }
  return (open ? { ...traffic, stepSeconds, requests: out } : { ...traffic, stepSeconds, users: out }) as T;
}
