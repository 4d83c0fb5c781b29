/**
 * SimulatePolicies: predicts the paid evaluation in the digital twin (core `predictEvaluation`)
 * so that a policy set the twin already sees failing is tuned before paying for an evaluation.
 * Pure: no port.
 */
import { z } from 'zod';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  BenchmarkAnalysisSchema,
  currentPolicySet,
  IterationStateSchema,
  PolicySetSchema,
  RequestSchema,
} from '../../shared/contract/state';
import type { Prediction } from '../../shared/core/recommendation';
import { predictEvaluation } from '../../shared/core/sim/predict';

export const SimulatePoliciesInput = z
  .object({
    request: RequestSchema,
    benchmark: BenchmarkAnalysisSchema,
    initialPolicySet: PolicySetSchema,
    iteration: IterationStateSchema,
  })
  .strict();

export function createSimulatePoliciesHandler(): WorkflowHandler<Prediction> {
  return defineHandler({
    name: 'simulatePolicies',
    input: SimulatePoliciesInput,
    handle: async ({ request, benchmark, initialPolicySet, iteration }, { logger }) => {
      const policySet = currentPolicySet(initialPolicySet, iteration);
      const { verdict, simulation } = predictEvaluation({ policySet, analysis: benchmark, request });
      logger.info('prediction', {
        iteration: iteration.number,
        passed: verdict.passed,
        maxInvocationsPerMinute: verdict.maxInvocationsPerMinute,
      });
      return { verdict, simulation };
    },
  });
}

export const handler = createSimulatePoliciesHandler();
