/**
 * The evaluation's traffic pattern beyond PHASES, as the request chooses it and every evaluation
 * driver receives it (EvaluationInput.trafficPattern): Inference Recommender's STAIRS, or the
 * local backend's open-loop replay of a trace. PHASES stays `EvaluationInput.phases`, the shape
 * every driver already reads, so a driver that knows only phases meets an empty list and refuses
 * instead of running the wrong load.
 */
import { phasesDurationSeconds, type TrafficPhase, usersInPhasesAt } from './phases';
import type { TraceReplay } from './replay';
import { peakStairsUsers, type TrafficStairs, usersInStairsAt } from './stairs';

export type EvaluationTrafficPattern =
  | { trafficType: 'STAIRS'; stairs: TrafficStairs }
  | { trafficType: 'REPLAY'; replay: TraceReplay };

/**
 * The pattern of a request's evaluation settings; undefined for PHASES. The replay's peak is the
 * request's maxRps.
 *
 * @example
 * evaluationTrafficPattern({ trafficType: 'STAIRS', stairs: { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 } }, 500);
 * // { trafficType: 'STAIRS', stairs: { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 } }
 * evaluationTrafficPattern({ trafficType: 'PHASES', replay: { traceFile: 'day.csv' } }, 500);
 * // { trafficType: 'REPLAY', replay: { traceFile: 'day.csv', peakRps: 500 } }
 */
export function evaluationTrafficPattern(
  evaluation: {
    trafficType: 'PHASES' | 'STAIRS';
    stairs?: TrafficStairs | undefined;
    replay?: Omit<TraceReplay, 'peakRps'> | undefined;
  },
  maxRps: number,
): EvaluationTrafficPattern | undefined {
  if (evaluation.replay) return { trafficType: 'REPLAY', replay: { ...evaluation.replay, peakRps: maxRps } };
  if (evaluation.trafficType === 'STAIRS' && evaluation.stairs)
    return { trafficType: 'STAIRS', stairs: { ...evaluation.stairs } };
  return undefined;
}

/** Closed-loop users over time of PHASES or STAIRS, with the seconds they last and their peak. */
export interface ClosedLoopUsers {
  /** Users wanted `elapsedSeconds` into the traffic (0 once it is over). */
  usersAt(elapsedSeconds: number): number;
  durationSeconds: number;
  /** Most users at once (the connections a driver opens). */
  peakUsers: number;
}

/**
 * The closed-loop users of phases (no pattern) or stairs, by the core's formulas
 * ({@link usersInPhasesAt}, {@link usersInStairsAt}); undefined for a replay, which is open loop.
 *
 * @example
 * closedLoopUsers([], { trafficType: 'STAIRS', stairs: { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 } })?.peakUsers; // 10
 */
export function closedLoopUsers(
  phases: readonly TrafficPhase[],
  pattern?: EvaluationTrafficPattern,
): ClosedLoopUsers | undefined {
  if (pattern?.trafficType === 'REPLAY') return undefined;
  if (pattern?.trafficType === 'STAIRS') {
    const { stairs } = pattern;
    return {
      usersAt: (t) => usersInStairsAt(stairs, t),
      durationSeconds: stairs.durationSeconds,
      peakUsers: peakStairsUsers(stairs),
    };
  }
  return {
    usersAt: (t) => usersInPhasesAt(phases, t),
    durationSeconds: phasesDurationSeconds(phases),
    peakUsers: Math.max(
      1,
      ...phases.map((p) => p.initialUsers + Math.ceil((p.spawnRatePerMinute * p.durationSeconds) / 60)),
    ),
  };
}
