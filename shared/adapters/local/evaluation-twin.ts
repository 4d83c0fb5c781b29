/**
 * The local evaluation driver: the digital twin plays the Advanced job. It runs the evaluation's
 * traffic (PHASES, STAIRS, or the replay of a trace) against the policies in force and the plan's
 * benchmark analysis (both in its input), so it completes at once and serves the twin's
 * per-minute metrics. Another local driver (a real
 * fleet of local servers) replaces this file: the index takes any EvaluationDriverPort factory.
 */
import { ConfigurationError, JobFailedError, ResourceNotFoundError } from '../../core/errors';
import type { EvaluationDriverPort, EvaluationInput, JobDescription } from '../../core/ports';
import { simulatePlannedEvaluation } from '../../core/sim/predict';
import { evaluationMetricsOf } from '../../core/sim/results';
import { stairsTraffic, type Traffic } from '../../core/sim/traffic';
import type { EvaluationMetrics } from '../../core/types';
import type { LocalStateStore } from './state-store';
import { readReplayTraffic } from './trace-replay';

/**
 * The twin's traffic of a pattern other than PHASES: STAIRS users in 10 s steps (core
 * usersInStairsAt, as the fleet's users), or the replay's arrivals read from its trace.
 */
function twinTrafficOf(input: EvaluationInput): Traffic | undefined {
  const pattern = input.trafficPattern;
  if (pattern?.trafficType === 'STAIRS') return stairsTraffic({ ...pattern.stairs, stepSeconds: 10 });
  if (pattern?.trafficType === 'REPLAY') return readReplayTraffic(pattern.replay, input.jobDurationSeconds);
  return undefined;
}

/** The twin's metrics of one evaluation, per minute as the judge reads them. */
export function simulateEvaluationInput(input: EvaluationInput, startTime: string): EvaluationMetrics {
  if (!input.benchmark)
    throw new ConfigurationError(
      `evaluation ${input.evaluationName} has no benchmark analysis: the twin evaluates against the plan's benchmark (RunEvaluation passes $.plan.benchmark)`,
    );
  const traffic = twinTrafficOf(input);
  const result = simulatePlannedEvaluation({
    policySet: input.policySet,
    analysis: input.benchmark,
    phases: input.phases,
    ...(traffic ? { traffic } : {}),
    maxInvocationsPerMinute: input.maxInvocationsPerMinute,
    latencySloMs: input.latencySlo.ms,
    startTime,
  });
  return evaluationMetricsOf(result);
}

export function createTwinEvaluationDriver(
  store: LocalStateStore,
  options: { now: () => Date },
): EvaluationDriverPort {
  const { state } = store;
  return {
    async start(input) {
      if (!state.endpoints[input.endpointName])
        throw new ResourceNotFoundError(`no endpoint ${input.endpointName} to evaluate`);
      const startTime = options.now().toISOString();
      try {
        store.evaluationMetrics.set(input.evaluationName, simulateEvaluationInput(input, startTime));
        state.evaluations[input.evaluationName] = { status: 'COMPLETED', startTime, endTime: startTime };
      } catch (error) {
        const failureReason = error instanceof Error ? error.message : String(error);
        state.evaluations[input.evaluationName] = { status: 'FAILED', failureReason, startTime };
      }
      store.save();
      return { kind: 'evaluation', name: input.evaluationName };
    },
    async describe(evaluationName) {
      const evaluation = state.evaluations[evaluationName];
      if (!evaluation) throw new ResourceNotFoundError(`no evaluation ${evaluationName}`);
      const described: JobDescription = { jobName: evaluationName, status: evaluation.status };
      if (evaluation.failureReason) described.failureReason = evaluation.failureReason;
      return described;
    },
    async collectMetrics(evaluationName) {
      const metrics = store.evaluationMetrics.get(evaluationName);
      if (!metrics) throw new JobFailedError(`evaluation ${evaluationName} produced no metrics`);
      return metrics;
    },
    async stop(evaluationName) {
      const evaluation = state.evaluations[evaluationName];
      if (evaluation && evaluation.status === 'IN_PROGRESS') evaluation.status = 'STOPPED';
      store.save();
    },
  };
}
