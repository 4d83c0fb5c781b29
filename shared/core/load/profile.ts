/**
 * The load a benchmark applies over time, in Inference Recommender's terms: closed-loop users
 * (each sends a request, waits for the answer, sends the next) following PHASES (initial users plus
 * a spawn rate per minute, {@link usersInPhasesAt}, the twin's formula too) or STAIRS (users per
 * step), or an open-loop rate of requests per second. Pure functions of the elapsed time; the
 * load generator asks them at every tick.
 */
import { InvalidInputError } from '../errors';
import { assertPhases, phasesDurationSeconds, type TrafficPhase, usersInPhasesAt } from './phases';
import { usersInStairsAt } from './stairs';

export type LoadProfile =
  | {
      kind: 'phases';
      phases: TrafficPhase[];
      /** Each user sends at most this many requests per second (Locust's constant throughput). Default: no pause. */
      userRequestsPerSecond?: number;
    }
  | {
      kind: 'stairs';
      /** Each user sends at most this many requests per second (Locust's constant throughput). Default: no pause. */
      userRequestsPerSecond?: number;
      /** Total length of the stairs, seconds; each step lasts durationSeconds / numberOfSteps (as IR). */
      durationSeconds: number;
      numberOfSteps: number;
      /** Users added at each step; the first step has usersPerStep users. */
      usersPerStep: number;
    }
  | {
      kind: 'openLoop';
      /** Requests started per second at the beginning, whatever the answers' latency. */
      requestsPerSecond: number;
      /** Requests per second added every `rampEverySeconds` (0 = constant rate). Default 0. */
      rampRequestsPerSecond?: number;
      /** Seconds between two ramp steps. Default 10. */
      rampEverySeconds?: number;
      /** Length of the run, seconds (bounded again by the benchmark's max duration). */
      durationSeconds: number;
      /** Requests in flight at most; a start that would exceed it is skipped and counted. Default 256. */
      maxInFlight?: number;
    };

/** Default open-loop bound on requests in flight. */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/**
 * The default local profile: one user more every period, for as many periods as fit in the run
 * (stairs of 1 user per step, each step one period). The stop rule usually ends it earlier.
 * With `userRequestsPerSecond`, every user is paced to that rate (see {@link pacedUserRate}).
 *
 * @example
 * defaultLocalProfile(5, 60); // { kind: 'stairs', durationSeconds: 60, numberOfSteps: 12, usersPerStep: 1 }
 */
export function defaultLocalProfile(
  periodSeconds: number,
  maxDurationSeconds: number,
  userRequestsPerSecond?: number,
): LoadProfile {
  const numberOfSteps = defaultStepCount(periodSeconds, maxDurationSeconds);
  return {
    kind: 'stairs',
    durationSeconds: numberOfSteps * periodSeconds,
    numberOfSteps,
    usersPerStep: 1,
    ...(userRequestsPerSecond ? { userRequestsPerSecond } : {}),
  };
}

/** Steps of the default profile: whole periods that fit in the run, at least one. */
export function defaultStepCount(periodSeconds: number, maxDurationSeconds: number): number {
  return Math.max(1, Math.floor(maxDurationSeconds / periodSeconds));
}

/**
 * Why pace users: on a fast local server one unpaced user already drives it to ~80% of its peak
 * (measured on the demo server: 107,000 of 131,000 invocations/min), so a benchmark of unpaced
 * users shows no rise from light load to saturation. Pacing each user at the rate the probe's
 * unpaced users reached, divided by `usersToReachProbeRate`, makes the load rise in steps of
 * about 1/usersToReachProbeRate of that rate, as it does on an instance with many workers.
 *
 * @example
 * pacedUserRate(2000, 4); // 500 requests/s per user: 1 user ~ 25%, 4 users ~ 100% of the probe rate
 */
export function pacedUserRate(probeRequestsPerSecond: number, usersToReachProbeRate: number): number {
  return probeRequestsPerSecond / usersToReachProbeRate;
}

/**
 * How many times the probe's rate the paced stairs offer by the step that still leaves
 * `plateauPeriods` periods to confirm a plateau. The probe's unpaced users get close to the
 * server's capacity, but a busy machine makes any short probe noisy; offering 1.5 x its rate by
 * then saturates the server early enough for the plateau rule to see it.
 */
export const PACED_OFFER_OVER_PROBE = 1.5;

/**
 * Paced users that together send the probe's rate, sized from the stairs: small enough that the
 * step `numberOfSteps - plateauPeriods` offers {@link PACED_OFFER_OVER_PROBE} x the probe's rate
 * (so the run saturates early enough to see the plateau), at most `maxUsers` (a gentle rise when
 * there is time for it) and at least 1.
 *
 * @example
 * pacedUsersToReachProbeRate(7, 3, 3); // (7 - 3) / 1.5 = 2.67: steps offer 0.375, 0.75, 1.125, 1.5, ... x the probe
 * pacedUsersToReachProbeRate(9, 3, 3); // min(3, 6 / 1.5): thirds of the probe, 2 x by step 6
 * pacedUsersToReachProbeRate(4, 3, 3); // 1
 */
export function pacedUsersToReachProbeRate(
  numberOfSteps: number,
  plateauPeriods: number,
  maxUsers: number,
): number {
  return Math.min(maxUsers, Math.max(1, (numberOfSteps - plateauPeriods) / PACED_OFFER_OVER_PROBE));
}

/** The pace of one user of the profile, requests per second (undefined: no pause between requests). */
export function userRateOf(profile: LoadProfile): number | undefined {
  return profile.kind === 'openLoop' ? undefined : profile.userRequestsPerSecond;
}

/** Throws InvalidInputError naming the first bad field. */
export function validateLoadProfile(profile: LoadProfile): void {
  const bad = (message: string): never => {
    throw new InvalidInputError(`load profile: ${message}`);
  };
  if (
    profile.kind !== 'openLoop' &&
    profile.userRequestsPerSecond !== undefined &&
    !(profile.userRequestsPerSecond > 0)
  ) {
    bad('userRequestsPerSecond > 0');
  }
  if (profile.kind === 'phases') assertPhases(profile.phases, 'load profile');
  else if (profile.kind === 'stairs') {
    if (!(profile.durationSeconds > 0)) bad('stairs durationSeconds > 0');
    if (!Number.isInteger(profile.numberOfSteps) || profile.numberOfSteps < 1)
      bad('stairs numberOfSteps >= 1');
    if (!Number.isInteger(profile.usersPerStep) || profile.usersPerStep < 1) bad('stairs usersPerStep >= 1');
  } else {
    if (!(profile.requestsPerSecond > 0)) bad('openLoop requestsPerSecond > 0');
    if (!(profile.durationSeconds > 0)) bad('openLoop durationSeconds > 0');
    if (!((profile.rampRequestsPerSecond ?? 0) >= 0)) bad('openLoop rampRequestsPerSecond >= 0');
    if (!((profile.rampEverySeconds ?? 10) > 0)) bad('openLoop rampEverySeconds > 0');
    if (!((profile.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) >= 1)) bad('openLoop maxInFlight >= 1');
  }
}

/** Seconds the profile lasts. */
export function profileDurationSeconds(profile: LoadProfile): number {
  return profile.kind === 'phases' ? phasesDurationSeconds(profile.phases) : profile.durationSeconds;
}

/**
 * Closed-loop users wanted `elapsedSeconds` into the profile (0 once it is over; 0 for open loop).
 * PHASES: initialUsers + floor(spawnRatePerMinute x secondsIntoPhase / 60) ({@link usersInPhasesAt}).
 * STAIRS: usersPerStep x (step + 1), step = floor(elapsed / (durationSeconds / numberOfSteps)) ({@link usersInStairsAt}).
 *
 * @example
 * usersAt({ kind: 'phases', phases: [{ initialUsers: 1, spawnRatePerMinute: 6, durationSeconds: 120 }] }, 25); // 1 + floor(6 x 25 / 60) = 3
 * usersAt({ kind: 'stairs', durationSeconds: 60, numberOfSteps: 12, usersPerStep: 2 }, 12); // step 2 -> 6
 */
export function usersAt(profile: LoadProfile, elapsedSeconds: number): number {
  if (elapsedSeconds < 0) return 0;
  if (profile.kind === 'phases') return usersInPhasesAt(profile.phases, elapsedSeconds);
  if (profile.kind === 'stairs') return usersInStairsAt(profile, elapsedSeconds);
  return 0;
}

/** How often {@link peakUsersOf} samples the profile, seconds: finer than any step IR or the CLI makes. */
const PEAK_SAMPLE_SECONDS = 0.5;

/**
 * Most closed-loop users the profile asks for in its first `runSeconds` (sampled every 0.5 s), at
 * least 1; 0 for open loop. The generator opens one keep-alive connection per user.
 *
 * @example
 * peakUsersOf({ kind: 'stairs', durationSeconds: 60, numberOfSteps: 12, usersPerStep: 2 }, 30); // 12 (step 6 of 12)
 */
export function peakUsersOf(profile: LoadProfile, runSeconds: number): number {
  if (profile.kind === 'openLoop') return 0;
  const samples = Math.max(1, Math.ceil(runSeconds / PEAK_SAMPLE_SECONDS));
  let peak = 1;
  for (let i = 0; i < samples; i++) peak = Math.max(peak, usersAt(profile, i * PEAK_SAMPLE_SECONDS));
  return peak;
}

/**
 * Open-loop requests per second wanted at `elapsedSeconds` (0 once over; 0 for closed loop).
 *
 * @example
 * rateAt({ kind: 'openLoop', requestsPerSecond: 100, rampRequestsPerSecond: 50, rampEverySeconds: 10, durationSeconds: 60 }, 25); // 100 + 2 x 50 = 200
 */
export function rateAt(profile: LoadProfile, elapsedSeconds: number): number {
  if (profile.kind !== 'openLoop' || elapsedSeconds < 0 || elapsedSeconds >= profile.durationSeconds)
    return 0;
  const steps = Math.floor(elapsedSeconds / (profile.rampEverySeconds ?? 10));
  return profile.requestsPerSecond + steps * (profile.rampRequestsPerSecond ?? 0);
}

/**
 * Requests an open-loop schedule has started by `elapsedSeconds`: the integral of rateAt, so that
 * a generator that wakes late catches up instead of drifting.
 *
 * @example
 * requestsDueBy({ kind: 'openLoop', requestsPerSecond: 100, rampRequestsPerSecond: 50, rampEverySeconds: 10, durationSeconds: 60 }, 15); // 100 x 10 + 150 x 5 = 1750
 */
export function requestsDueBy(profile: LoadProfile, elapsedSeconds: number): number {
  if (profile.kind !== 'openLoop' || elapsedSeconds <= 0) return 0;
  const end = Math.min(elapsedSeconds, profile.durationSeconds);
  const every = profile.rampEverySeconds ?? 10;
  let due = 0;
  for (let start = 0; start < end; start += every) {
    due += rateAt(profile, start) * (Math.min(end, start + every) - start);
  }
  return Math.floor(due);
}
