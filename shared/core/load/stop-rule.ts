/**
 * When a rising-load benchmark stops, as Inference Recommender's Default job does: when throughput
 * stops growing (FlatInvocations = Stop) or when 1% of the invocations fail. Pure: it reads the
 * periods recorded so far and returns a decision with its reason.
 */
import type { Reason } from '../errors';

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
