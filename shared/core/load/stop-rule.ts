/**
 * When a rising-load benchmark stops, as Inference Recommender's Default job does: when throughput
 * stops growing (FlatInvocations = Stop) or when 1% of the invocations fail; otherwise at the end
 * of the load profile or of the time allowed. Pure: it reads the periods recorded so far and
 * returns a decision with its reason; the load generator only acts on it.
 */
import type { Reason } from '../errors';
import type { LoadProfile } from './profile';

/** Why a benchmark run stopped (the benchmark file's `source.stopReason`). */
export type StopReason = 'plateau' | 'errors' | 'profileEnd' | 'maxDuration' | 'maxRequests' | 'aborted';

export interface StopRule {
  /** Never stop on a plateau before this many periods. Default 4. */
  minPeriods: number;
  /** Periods in a row without a new best throughput that make a plateau. Default 3. */
  plateauPeriods: number;
  /** A period is a new best only when it beats the best by this fraction. Default 0.05 (5%). */
  minGrowthFraction: number;
  /** Stop when a period's (4XX + 5XX) / invocations reaches this fraction. Default 0.01 (1%). */
  maxErrorFraction: number;
  /** False for a constant open-loop rate, whose throughput is flat by design. Default true. */
  detectPlateau: boolean;
}

export const DEFAULT_STOP_RULE: StopRule = {
  minPeriods: 4,
  plateauPeriods: 3,
  minGrowthFraction: 0.05,
  maxErrorFraction: 0.01,
  detectPlateau: true,
};

/** What the rule needs to know of one period. */
export interface PeriodOutcome {
  invocations: number;
  errors: number;
  /** Seconds of load in the period (throughput = invocations / coveredSeconds). */
  coveredSeconds: number;
}

export interface StopDecision {
  stop: boolean;
  reason?: 'errors' | 'plateau';
  /** Index of the period with the best throughput so far (-1 when none). */
  bestPeriodIndex: number;
  reasons: Reason[];
}

/**
 * Decides after each period whether to stop.
 *
 * @example
 * // throughput 100, 180, 200, 205, 204, 206 per second: 200 is the last new best (+11% over 180),
 * // 205/204/206 are within 5% of it -> plateau after the 6th period.
 * decideStop(periods, DEFAULT_STOP_RULE); // { stop: true, reason: 'plateau', bestPeriodIndex: 2, ... }
 */
export function decideStop(periods: PeriodOutcome[], rule: StopRule = DEFAULT_STOP_RULE): StopDecision {
  let bestPeriodIndex = -1;
  let bestPerSecond = 0;
  let sinceBest = 0;
  periods.forEach((period, index) => {
    const perSecond = period.coveredSeconds > 0 ? period.invocations / period.coveredSeconds : 0;
    if (bestPeriodIndex === -1 || perSecond > bestPerSecond * (1 + rule.minGrowthFraction)) {
      bestPeriodIndex = index;
      bestPerSecond = perSecond;
      sinceBest = 0;
    } else {
      sinceBest += 1;
    }
  });
  const last = periods.at(-1);
  if (last && last.invocations > 0 && last.errors / last.invocations >= rule.maxErrorFraction) {
    const percent = ((100 * last.errors) / last.invocations).toFixed(2);
    return {
      stop: true,
      reason: 'errors',
      bestPeriodIndex,
      reasons: [
        {
          code: 'ErrorRateReached',
          message: `period ${periods.length}: ${last.errors} of ${last.invocations} invocations failed (${percent}% >= ${100 * rule.maxErrorFraction}%)`,
        },
      ],
    };
  }
  if (rule.detectPlateau && periods.length >= rule.minPeriods && sinceBest >= rule.plateauPeriods) {
    return {
      stop: true,
      reason: 'plateau',
      bestPeriodIndex,
      reasons: [
        {
          code: 'ThroughputFlat',
          message: `${sinceBest} periods without beating ${bestPerSecond.toFixed(1)} invocations/s (period ${bestPeriodIndex + 1}) by ${100 * rule.minGrowthFraction}%`,
        },
      ],
    };
  }
  return { stop: false, bestPeriodIndex, reasons: [] };
}

/**
 * The stop rule of a run: the defaults, with the plateau rule off for a constant open-loop rate
 * (its throughput is flat by design), then the caller's overrides.
 *
 * @example
 * stopRuleFor({ kind: 'openLoop', requestsPerSecond: 200, durationSeconds: 60 }).detectPlateau; // false
 */
export function stopRuleFor(load: LoadProfile, overrides: Partial<StopRule> = {}): StopRule {
  const constantRate = load.kind === 'openLoop' && !(load.rampRequestsPerSecond ?? 0);
  return { ...DEFAULT_STOP_RULE, detectPlateau: !constantRate, ...overrides };
}

/** What ends a run at a period boundary. */
export interface BoundaryStop {
  reason: StopReason;
  message: string;
}

/**
 * Decides at the end of period `periodIndex` (0-based) whether the run stops: first the rule
 * ({@link decideStop}: errors, plateau), then the time allowed (`maxDurationSeconds`, when it is what
 * bounds the run), then the end of the profile. `runSeconds` is the shorter of the profile and
 * `maxDurationSeconds`. Undefined: the run goes on.
 *
 * @example
 * // 10 s periods, a 90 s bound on a 120 s profile: the 9th boundary (90 s) ends the run
 * decideAtBoundary({ periods, rule, periodIndex: 8, periodSeconds: 10, runSeconds: 90, maxDurationSeconds: 90 });
 * // { reason: 'maxDuration', message: '90 s reached' }
 */
export function decideAtBoundary(input: {
  periods: PeriodOutcome[];
  rule: StopRule;
  periodIndex: number;
  periodSeconds: number;
  runSeconds: number;
  maxDurationSeconds: number;
}): BoundaryStop | undefined {
  const decision = decideStop(input.periods, input.rule);
  if (decision.stop)
    return { reason: decision.reason!, message: decision.reasons.map((r) => r.message).join('; ') };
  // (1e-9: a boundary computed as (i + 1) x periodSeconds in floating point may land a hair short)
  const nextStartSeconds = (input.periodIndex + 1) * input.periodSeconds;
  if (nextStartSeconds >= input.maxDurationSeconds - 1e-9 && input.runSeconds >= input.maxDurationSeconds)
    return { reason: 'maxDuration', message: `${input.maxDurationSeconds} s reached` };
  if (nextStartSeconds >= input.runSeconds - 1e-9)
    return { reason: 'profileEnd', message: `the load profile ended after ${input.runSeconds} s` };
  return undefined;
}

/**
 * Why a run whose profile or time ends inside a period (not at a boundary) stopped.
 * @example endInsidePeriod(45, 90); // { reason: 'profileEnd', message: 'ended after 45 s' }
 */
export function endInsidePeriod(runSeconds: number, maxDurationSeconds: number): BoundaryStop {
  return {
    reason: runSeconds >= maxDurationSeconds ? 'maxDuration' : 'profileEnd',
    message: `ended after ${runSeconds} s`,
  };
}

/**
 * A warning when a run ended (end of the profile, of the time or of the requests) while its last
 * full period was still a new best, beating the best before it by the stop rule's growth fraction:
 * the server was not saturated, so the measured peak is only a lower bound. Undefined otherwise.
 *
 * @example
 * // invocations per 10 s period: 100, 200, 300, 300, 400 -> the last beats 300 by 33%
 * stillRisingAtEnd([100, 200, 300, 300, 400].map((invocations) => ({ invocations, errors: 0, coveredSeconds: 10 })), 'profileEnd');
 * // 'throughput was still rising when the run ended (profileEnd): period 5 beat the best before it by 33.3%; ...'
 */
export function stillRisingAtEnd(
  fullPeriods: PeriodOutcome[],
  stopReason: StopReason | undefined,
  rule: StopRule = DEFAULT_STOP_RULE,
): string | undefined {
  if (stopReason !== 'profileEnd' && stopReason !== 'maxDuration' && stopReason !== 'maxRequests')
    return undefined;
  if (fullPeriods.length < 2) return undefined;
  const last = fullPeriods.length - 1;
  if (decideStop(fullPeriods, rule).bestPeriodIndex !== last) return undefined;
  const rate = (p: PeriodOutcome) => (p.coveredSeconds > 0 ? p.invocations / p.coveredSeconds : 0);
  const before = decideStop(fullPeriods.slice(0, last), rule).bestPeriodIndex;
  const earlier = rate(fullPeriods[before]!);
  const gainPercent = earlier > 0 ? (100 * (rate(fullPeriods[last]!) - earlier)) / earlier : 100;
  return `throughput was still rising when the run ended (${stopReason}): period ${last + 1} beat the best before it by ${gainPercent.toFixed(1)}%; the server may not be saturated and the peak may be higher (give the benchmark more time, or more load per step)`;
}
