/**
 * The twin in the workflow: simulates a request's evaluation (the Inference Recommender Advanced
 * job: PHASES of closed-loop users from `request.evaluation`, stopped like IR's MaxInvocations
 * stopping condition once a minute reaches maxRps x 60 invocations) against a policy set, and
 * judges the simulated metrics with the same judge as a paid evaluation.
 */
import { judgeEvaluation } from '../judge';
import { evaluationPhases, type TrafficPhase } from '../load/phases';
import type { ScalingRequest } from '../request';
import type { BenchmarkAnalysis, EvaluationMetrics, PolicySet, Verdict } from '../types';
import { evaluationMetricsOf, type SimulationResult, type SimulationSummary, simulate } from './results';
import type { SimSettings } from './settings';
import { phasesTraffic, stairsTraffic, type Traffic } from './traffic';

export interface EvaluationSimulationInput {
  policySet: PolicySet;
  analysis: BenchmarkAnalysis;
  request: ScalingRequest;
  /** Twin settings (start-up time, metric delay...); defaults otherwise. */
  settings?: Partial<SimSettings>;
  /** Start of the evaluation, ISO 8601 UTC (the points' timestamps); default 1970-01-01T00:00:00Z. */
  startTime?: string;
  /** Overrides of the request's evaluation, e.g. from an EvaluationInput of the driver port. */
  evaluation?: { phases?: TrafficPhase[]; maxInvocationsPerMinute?: number };
}

/** The phases and the stopping condition the request's evaluation uses. */
export function evaluationPlan(input: EvaluationSimulationInput): {
  phases: TrafficPhase[];
  maxInvocationsPerMinute: number;
} {
  return {
    phases: input.evaluation?.phases ?? evaluationPhases(input.request.evaluation),
    maxInvocationsPerMinute: input.evaluation?.maxInvocationsPerMinute ?? input.request.traffic.maxRps * 60,
  };
}

/**
 * Runs the evaluation in the twin: MinCapacity instances at the start, IR PHASES users, stopping at
 * the end of the first minute with maxRps x 60 invocations.
 *
 * @example
 * // 1 user + 1 per minute for 3600 s, maxRps 500 -> stops at the first minute with 30,000 invocations
 * simulateEvaluation({ policySet, analysis, request }).summary.stoppedEarly;
 */
export function simulateEvaluation(input: EvaluationSimulationInput): SimulationResult {
  const { stairs, trafficType } = input.request.evaluation;
  return simulatePlannedEvaluation({
    ...evaluationPlan(input),
    // STAIRS users by the same formula as the drivers (usersInStairsAt). [open] A trace replay
    // is predicted with the phases: the prediction has no port to read the trace with.
    ...(trafficType === 'STAIRS' && stairs ? { traffic: stairsTraffic({ ...stairs, stepSeconds: 10 }) } : {}),
    policySet: input.policySet,
    analysis: input.analysis,
    latencySloMs: input.request.latencySlo.ms,
    ...(input.startTime === undefined ? {} : { startTime: input.startTime }),
    ...(input.settings ? { settings: input.settings } : {}),
  });
}

/**
 * An evaluation as a driver receives it (its phases, stopping condition and SLO already chosen),
 * with no request: what the local backend's twin driver runs.
 */
export interface PlannedEvaluation {
  policySet: PolicySet;
  analysis: BenchmarkAnalysis;
  phases: TrafficPhase[];
  /** Stops at the end of the first minute with this many invocations (maxRps x 60). */
  maxInvocationsPerMinute: number;
  latencySloMs: number;
  /** Start of the evaluation, ISO 8601 UTC; default 1970-01-01T00:00:00Z. */
  startTime?: string;
  settings?: Partial<SimSettings>;
  /**
   * The traffic to run instead of the phases (STAIRS users, or a trace replay's arrivals), moved
   * to start at `startTime`.
   */
  traffic?: Traffic;
}

/**
 * Runs a planned evaluation in the twin: MinCapacity instances at the start, the phases' users,
 * stopping at the first minute with `maxInvocationsPerMinute` invocations.
 *
 * @example
 * simulatePlannedEvaluation({ policySet, analysis, phases: [{ initialUsers: 1, spawnRatePerMinute: 1, durationSeconds: 3600 }],
 *   maxInvocationsPerMinute: 30000, latencySloMs: 50 }).summary.stoppedEarly;
 */
export function simulatePlannedEvaluation(input: PlannedEvaluation): SimulationResult {
  const startEpochSeconds =
    input.startTime === undefined ? 0 : Math.floor(Date.parse(input.startTime) / 1000);
  return simulate({
    policySet: input.policySet,
    analysis: input.analysis,
    traffic: input.traffic
      ? { ...input.traffic, startEpochSeconds }
      : phasesTraffic({ phases: input.phases, stepSeconds: 10, startEpochSeconds }),
    latencySloMs: input.latencySloMs,
    stopAtInvocationsPerMinute: input.maxInvocationsPerMinute,
    // A benchmark of the local endpoint is on its scaled clock: the twin predicts that fleet on it.
    settings: {
      ...(input.analysis.timeScale === undefined ? {} : { timeScale: input.analysis.timeScale }),
      ...input.settings,
    },
  });
}

/**
 * The simulated evaluation's per-minute metrics, in the shape the judge reads (what the local
 * backend's Advanced job serves as its metrics).
 */
export function simulateEvaluationMetrics(input: EvaluationSimulationInput): EvaluationMetrics {
  return evaluationMetricsOf(simulateEvaluation(input));
}

/**
 * Predicts the verdict of the paid evaluation before paying for it.
 *
 * @example
 * const { verdict, simulation } = predictEvaluation({ policySet, analysis, request });
 * verdict.passed; // true when the twin reaches maxRps x 60 per minute without errors within the SLO
 */
export function predictEvaluation(input: EvaluationSimulationInput): {
  verdict: Verdict;
  simulation: SimulationSummary;
} {
  const result = simulateEvaluation(input);
  const metrics = evaluationMetricsOf(result);
  const verdict = judgeEvaluation(metrics, {
    maxRps: input.request.traffic.maxRps,
    latencySlo: input.request.latencySlo,
    allowedErrorRate: input.request.evaluation.allowedErrorRate,
  });
  return { verdict, simulation: result.summary };
}
