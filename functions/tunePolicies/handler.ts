/**
 * TunePolicies: after a failed prediction (TuneBeforeEvaluation, nothing paid yet) or a failed
 * evaluation (TunePolicies), chooses the next policy set with the core's `tunePolicies` (never one
 * already tried, stopping at maxIterations), records the iteration it leaves, and takes the
 * current policies off the variant (DeregisterScalableTarget also deletes its policies and
 * scheduled actions) so that RegisterPolicies applies the next set on a clean target. After a
 * paid evaluation the state machine then waits for InService and ResetEndpoint puts the endpoint
 * back to the next set's MinCapacity, as the AWS procedure does between evaluations (SageMaker
 * refuses that update while the endpoint is Updating, which it usually is right after a load
 * test). A target already deregistered (a retry of this Task) counts as done.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  currentPolicySet,
  type IterationState,
  IterationStateSchema,
  PolicySetSchema,
  PredictionSchema,
  RequestSchema,
  RunNamesSchema,
  VerdictSchema,
} from '../../shared/contract/state';
import { InvalidInputError, ResourceNotFoundError } from '../../shared/core/errors';
import { buildDeregisterScalableTarget } from '../../shared/core/policies';
import type { WorkflowPorts } from '../../shared/core/ports';
import type { IterationRecord } from '../../shared/core/recommendation';
import { tunePolicies } from '../../shared/core/tuning';

export const TunePoliciesInput = z
  .object({
    /** What failed: the twin's prediction (before paying) or the paid evaluation. */
    source: z.enum(['prediction', 'evaluation']),
    request: RequestSchema,
    names: RunNamesSchema,
    initialPolicySet: PolicySetSchema,
    iteration: IterationStateSchema,
    prediction: PredictionSchema.optional(),
    verdict: VerdictSchema.optional(),
  })
  .strict();

export function createTunePoliciesHandler(
  ports: Pick<WorkflowPorts, 'scaling'>,
): WorkflowHandler<IterationState> {
  return defineHandler({
    name: 'tunePolicies',
    input: TunePoliciesInput,
    handle: async (input, { logger }) => {
      const { source, request, names, iteration, prediction } = input;
      const failed = source === 'evaluation' ? input.verdict : prediction?.verdict;
      if (!failed) throw new InvalidInputError(`tunePolicies: the ${source}'s verdict is missing`);
      const current = currentPolicySet(input.initialPolicySet, iteration);
      const tried = [...iteration.history.map((record) => record.policySet), current];
      const decision = tunePolicies(failed, current, tried, {
        iteration: iteration.number,
        maxIterations: request.evaluation.maxIterations,
        maxInstancesLimit: request.maxInstancesLimit,
      });
      if (decision.next === null) {
        logger.info('tuning exhausted', { iteration: iteration.number, source });
        return { ...iteration, exhausted: true, reasons: decision.reasons };
      }
      const record: IterationRecord = {
        iteration: iteration.number,
        policySet: current,
        ...(prediction ? { prediction } : {}),
        ...(source === 'evaluation' ? { verdict: failed } : {}),
        outcome: source === 'evaluation' ? 'evaluationFailed' : 'predictedFailure',
        tuning: { step: decision.step, reasons: decision.reasons },
      };
      const target = { endpointName: names.endpointName, variantName: request.variantName };
      await ports.scaling
        .deregisterScalableTarget(buildDeregisterScalableTarget(target))
        .catch((error: unknown) => {
          if (!(error instanceof ResourceNotFoundError)) throw error;
        });
      logger.info('tuned', { iteration: iteration.number, step: decision.step, source });
      return {
        number: iteration.number + 1,
        policySet: decision.next,
        history: [...iteration.history, record],
        exhausted: false,
        reasons: decision.reasons,
      };
    },
  });
}

export const handler = createTunePoliciesHandler(createAwsPorts());
