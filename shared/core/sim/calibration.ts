/**
 * Is the twin right? Compares what the twin predicts for closed-loop users on one instance with
 * what a real benchmark measured at the same user counts: throughput and p95 latency per step,
 * their relative errors, and the median and max absolute errors against a goal (issue 5: 15%).
 *
 * The twin is given only a calibration run's analysis (peak, latency curve); the measured steps
 * come from a separate validation run, so a good score is a prediction, not a fit.
 */
import { InvalidInputError, type Reason } from '../errors';
import type { BenchmarkAnalysis, PolicySet } from '../types';
import { simulate } from './results';
import type { SimSettings } from './settings';
import { stairsTraffic } from './traffic';

/** The goal: every prediction within 15% of the measurement. */
export const DEFAULT_CALIBRATION_GOAL = 0.15;
/**
 * Seconds the twin simulates at each user count. Its closed loop has no memory between steps,
 * so one minute (six 10 s steps) gives the steady value.
 */
export const DEFAULT_PREDICTION_SECONDS = 60;
/** A latency SLO large enough never to matter here (the comparison does not judge the SLO), ms. */
const UNUSED_SLO_MS = 60_000;

/** One step of a real closed-loop benchmark: users sending back to back, and what they got. */
export interface MeasuredClosedLoopStep {
  /** Concurrent closed-loop users, > 0. */
  users: number;
  /** Answered invocations per minute, > 0. */
  invocationsPerMinute: number;
  /** 95th percentile latency, ms, > 0. */
  p95Ms: number;
}

export interface CalibrationStep {
  users: number;
  measured: { invocationsPerMinute: number; p95Ms: number };
  predicted: { invocationsPerMinute: number; p95Ms: number };
  /** (predicted - measured) / measured: + means the twin is optimistic on throughput, pessimistic on latency. */
  throughputRelativeError: number;
  p95RelativeError: number;
}

/** Absolute relative errors of one metric over the steps. */
export interface ErrorSummary {
  /** Median of |relative error| over the steps (mean of the two middle ones for an even count). */
  medianAbsRelativeError: number;
  maxAbsRelativeError: number;
  /** Users of the step with the largest error. */
  worstUsers: number;
  /** Every step within the goal (max |error| <= goal). */
  withinGoal: boolean;
}

export interface CalibrationReport {
  steps: CalibrationStep[];
  throughput: ErrorSummary;
  p95: ErrorSummary;
  /** The goal the summaries were judged against, a share (0.15 = 15%). */
  goal: number;
  reasons: Reason[];
}

export interface CompareOptions {
  /** Highest acceptable |relative error|, a share. Default {@link DEFAULT_CALIBRATION_GOAL}. */
  goal?: number;
  /** Seconds simulated per user count. Default {@link DEFAULT_PREDICTION_SECONDS}. */
  predictionSeconds?: number;
  /** Twin settings (stepSeconds...). Default the twin's defaults. */
  settings?: Partial<SimSettings>;
}

/** One instance that never scales: the benchmark's setting. */
const ONE_INSTANCE: PolicySet = { minCapacity: 1, maxCapacity: 1, scheduledActions: [] };

/**
 * The twin's prediction for `users` closed-loop users on one instance: throughput per minute and
 * p95 latency (ms, queueing included) over `predictionSeconds` of the STAIRS model (one stair).
 *
 * @example
 * // peak 12000/min, flat curve p50/p95/p99 8/16/24 ms (mean of the twin's quantile function 9.48 ms):
 * predictClosedLoopStep(analysis, 1); // { invocationsPerMinute: 60000 / 9.48 = 6329.1, p95Ms: 16 }
 */
export function predictClosedLoopStep(
  analysis: BenchmarkAnalysis,
  users: number,
  options: CompareOptions = {},
): { invocationsPerMinute: number; p95Ms: number } {
  const durationSeconds = options.predictionSeconds ?? DEFAULT_PREDICTION_SECONDS;
  const stepSeconds = options.settings?.stepSeconds ?? 10;
  const { summary } = simulate({
    policySet: ONE_INSTANCE,
    analysis,
    traffic: stairsTraffic({ durationSeconds, numberOfSteps: 1, usersPerStep: users, stepSeconds }),
    latencySloMs: UNUSED_SLO_MS,
    ...(options.settings ? { settings: options.settings } : {}),
  });
  return {
    invocationsPerMinute: (summary.answeredRequests * 60) / summary.durationSeconds,
    p95Ms: summary.p95LatencyMs,
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarizeErrors(steps: CalibrationStep[], errorOf: (s: CalibrationStep) => number, goal: number) {
  const abs = steps.map((s) => Math.abs(errorOf(s)));
  let worst = 0;
  for (let i = 1; i < abs.length; i++) if (abs[i]! > abs[worst]!) worst = i;
  const max = abs[worst]!;
  return {
    medianAbsRelativeError: median(abs),
    maxAbsRelativeError: max,
    worstUsers: steps[worst]!.users,
    withinGoal: max <= goal,
  } satisfies ErrorSummary;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * Predicts every measured step with the twin (one instance, closed-loop users) and reports the
 * errors. Pure. Throws InvalidInputError on no steps, a non-positive measurement or goal.
 *
 * @example
 * const report = compareTwinWithBenchmark(analysis, [{ users: 2, invocationsPerMinute: 12000, p95Ms: 14 }]);
 * report.steps[0].p95RelativeError; // (16.52 - 14) / 14 = 0.18
 */
export function compareTwinWithBenchmark(
  analysis: BenchmarkAnalysis,
  measured: MeasuredClosedLoopStep[],
  options: CompareOptions = {},
): CalibrationReport {
  const goal = options.goal ?? DEFAULT_CALIBRATION_GOAL;
  if (!(goal > 0)) throw new InvalidInputError(`calibration: the goal must be > 0, got ${goal}`);
  if (measured.length === 0) throw new InvalidInputError('calibration: no measured step to compare');
  measured.forEach((m, i) => {
    if (!(m.users > 0) || !(m.invocationsPerMinute > 0) || !(m.p95Ms > 0))
      throw new InvalidInputError(
        `calibration: measured step ${i + 1} needs users, invocationsPerMinute and p95Ms > 0, ` +
          `got ${m.users} users, ${m.invocationsPerMinute}/min, ${m.p95Ms} ms`,
      );
  });
  const steps = measured.map((m): CalibrationStep => {
    const predicted = predictClosedLoopStep(analysis, m.users, options);
    return {
      users: m.users,
      measured: { invocationsPerMinute: m.invocationsPerMinute, p95Ms: m.p95Ms },
      predicted,
      throughputRelativeError:
        (predicted.invocationsPerMinute - m.invocationsPerMinute) / m.invocationsPerMinute,
      p95RelativeError: (predicted.p95Ms - m.p95Ms) / m.p95Ms,
    };
  });
  const throughput = summarizeErrors(steps, (s) => s.throughputRelativeError, goal);
  const p95 = summarizeErrors(steps, (s) => s.p95RelativeError, goal);
  const reasons: Reason[] = [
    {
      code: throughput.withinGoal ? 'throughputWithinGoal' : 'throughputOffGoal',
      message: `throughput: median error ${percent(throughput.medianAbsRelativeError)}, max ${percent(
        throughput.maxAbsRelativeError,
      )} at ${throughput.worstUsers} user(s); goal ${percent(goal)}`,
    },
    {
      code: p95.withinGoal ? 'p95WithinGoal' : 'p95OffGoal',
      message: `p95 latency: median error ${percent(p95.medianAbsRelativeError)}, max ${percent(
        p95.maxAbsRelativeError,
      )} at ${p95.worstUsers} user(s); goal ${percent(goal)}`,
    },
  ];
  return { steps, throughput, p95, goal, reasons };
}
