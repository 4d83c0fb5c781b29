/**
 * SimulatePolicies: predicts the paid evaluation in the digital twin (core `predictEvaluation`)
 * so that a policy set the twin already sees failing is tuned before paying for an evaluation.
 * The twin prices instance-hours as the recommendation does (the plan's pricing: the Default job's
 * CostPerHour, else the table's list price). Pure: no port.
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
    /** The plan's price of one instance (DeriveThresholds); absent: the table's price of the type. */
    pricing: z
      .object({
        pricePerInstanceHourUsd: z.number().nonnegative().nullable(),
        source: z.enum(['recommenderJob', 'approximateTable', 'option', 'unknown']),
      })
      .strict()
      .optional(),
    iteration: IterationStateSchema,
  })
  .strict();

export function createSimulatePoliciesHandler(): WorkflowHandler<Prediction> {
  return defineHandler({
    name: 'simulatePolicies',
    input: SimulatePoliciesInput,
    handle: async ({ request, benchmark, initialPolicySet, pricing, iteration }, { logger }) => {
      const policySet = currentPolicySet(initialPolicySet, iteration);
      const { verdict, simulation } = predictEvaluation({
        policySet,
        analysis: benchmark,
        request,
        ...(pricing ? { settings: { pricePerInstanceHourUsd: pricing.pricePerInstanceHourUsd } } : {}),
      });
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
