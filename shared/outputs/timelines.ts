/**
 * Each iteration's evaluation as a per-minute timeline, for the report. The recommendation keeps
 * only the twin's summary per iteration; the twin is deterministic, so running it again on the
 * iteration's policy set, the benchmark analysis and the request's evaluation plan gives the very
 * series it summarized (the report says when a summary differs, e.g. other twin settings).
 * A measured timeline (CloudWatch, from a real evaluation) is passed in the same shape and is
 * overlaid on the prediction.
 */
import type { Recommendation } from '../core/recommendation';
import { type ScalingRequest, ScalingRequestSchema } from '../core/request';
import type { ScalingActivity } from '../core/sim/model';
import { simulateEvaluation } from '../core/sim/predict';
import { minuteSeries, type SimulatedMinute } from '../core/sim/results';

export interface Timeline {
  iteration: number;
  kind: 'predicted' | 'measured';
  /** Where it comes from, shown in the legend and the notes. */
  label: string;
  minutes: SimulatedMinute[];
  activities: ScalingActivity[];
  /** The target InvocationsPerInstance of the iteration's policy set, per minute, when it has one. */
  targetInvocationsPerInstance: number | null;
  /** Differences from the stored summary, when re-simulated (empty when it matches). */
  notes: string[];
}

/**
 * The ScalingRequest the recommendation was made for, as far as it keeps it: its expectations,
 * with the request defaults for what it does not keep (the evaluation's phases).
 */
export function requestFromExpectations(recommendation: Recommendation): ScalingRequest {
  const e = recommendation.expectations;
  return ScalingRequestSchema.parse({
    name: recommendation.name,
    model: { kind: 'local', demo: true },
    instanceType: recommendation.instanceType,
    traffic: { minRps: e.minRps, maxRps: e.maxRps, growthFactor: e.growthFactor, pattern: e.pattern },
    goal: e.goal,
    latencySlo: e.latencySlo,
    evaluation: { allowedErrorRate: e.allowedErrorRate },
  });
}

/**
 * The twin's timeline of every iteration, from `request` (the run's own) or, without it, from
 * {@link requestFromExpectations}.
 * @example predictedTimelines(recommendation, request).map((t) => t.iteration) // [1, 2]
 */
export function predictedTimelines(recommendation: Recommendation, request?: ScalingRequest): Timeline[] {
  const used = request ?? requestFromExpectations(recommendation);
  return recommendation.iterations.map((record) => {
    const result = simulateEvaluation({
      policySet: record.policySet,
      analysis: recommendation.benchmark,
      request: used,
    });
    const notes: string[] = [];
    if (!request)
      notes.push(
        `re-simulated with the default evaluation phases (${used.evaluation.initialUsers} user(s) + ${used.evaluation.spawnRate}/min for ${used.evaluation.durationSeconds} s): the recommendation does not keep the request's`,
      );
    const stored = record.prediction?.simulation;
    if (
      stored &&
      Math.abs(stored.maxInvocationsPerMinute - result.summary.maxInvocationsPerMinute) >
        1e-6 * Math.max(1, stored.maxInvocationsPerMinute)
    )
      notes.push(
        `the stored prediction reached ${Math.round(stored.maxInvocationsPerMinute)} invocations/min, this timeline ${Math.round(result.summary.maxInvocationsPerMinute)}: the run used other phases or twin settings`,
      );
    return {
      iteration: record.iteration,
      kind: 'predicted',
      label: 'digital twin',
      minutes: minuteSeries(result),
      activities: result.activities,
      targetInvocationsPerInstance: record.policySet.invocationsTargetTracking?.targetValue ?? null,
      notes,
    };
  });
}
