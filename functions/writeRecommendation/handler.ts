/**
 * WriteRecommendation: assembles the recommendation of the passing iteration (core
 * `assembleRecommendation`) and stores it through the artifact store (S3 on AWS); the stored
 * recommendation, with where it went, is the execution's output.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  currentPolicySet,
  IterationStateSchema,
  PlanStateSchema,
  PredictionSchema,
  RequestSchema,
  RunNamesSchema,
  VerdictSchema,
} from '../../shared/contract/state';
import type { WorkflowPorts } from '../../shared/core/ports';
import { assembleRecommendation, type Recommendation } from '../../shared/core/recommendation';

export const WriteRecommendationInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    plan: PlanStateSchema,
    iteration: IterationStateSchema,
    prediction: PredictionSchema.optional(),
    verdict: VerdictSchema,
  })
  .strict();

export function createWriteRecommendationHandler(
  ports: Pick<WorkflowPorts, 'artifacts'>,
): WorkflowHandler<Recommendation> {
  return defineHandler({
    name: 'writeRecommendation',
    input: WriteRecommendationInput,
    handle: async ({ request, names, plan, iteration, prediction, verdict }, { logger }) => {
      const recommendation = assembleRecommendation({
        runId: names.runId,
        request,
        target: { endpointName: names.endpointName, variantName: request.variantName },
        benchmark: plan.benchmark,
        thresholds: plan.thresholds,
        capacity: plan.capacity,
        history: iteration.history,
        final: {
          iteration: iteration.number,
          policySet: currentPolicySet(plan.policySet, iteration),
          ...(prediction ? { prediction } : {}),
          verdict,
        },
        pricing: plan.pricing,
      });
      const { uri } = await ports.artifacts.putRecommendation(names.runId, recommendation);
      logger.info('recommendation stored', { uri });
      return { ...recommendation, storedAt: uri };
    },
  });
}

export const handler = createWriteRecommendationHandler(createAwsPorts());
