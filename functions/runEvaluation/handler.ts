/**
 * RunEvaluation: starts the iteration's evaluation through the evaluation driver (an Inference
 * Recommender Advanced job on AWS: PHASES traffic, MaxInvocations = maxRps x 60, one latency
 * threshold); the evaluation goes into the ledger so clean-up stops it. The plan's benchmark
 * analysis goes with it, for a driver that simulates instead of measuring (the local twin).
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  appendToLedger,
  BenchmarkAnalysisSchema,
  buildEvaluationInput,
  currentPolicySet,
  IterationStateSchema,
  LedgerSchema,
  PolicySetSchema,
  RequestSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { ownerOf } from '../../shared/core/ownership';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const RunEvaluationInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    ledger: LedgerSchema,
    initialPolicySet: PolicySetSchema,
    /** `$.plan.benchmark`: drivers that simulate (the local twin) evaluate against it. */
    benchmark: BenchmarkAnalysisSchema,
    iteration: IterationStateSchema,
  })
  .strict();

export function createRunEvaluationHandler(
  ports: Pick<WorkflowPorts, 'evaluation'>,
): WorkflowHandler<ResourceRef[]> {
  return defineHandler({
    name: 'runEvaluation',
    input: RunEvaluationInput,
    handle: async ({ request, names, ledger, initialPolicySet, benchmark, iteration }, { logger }) => {
      const input = buildEvaluationInput({
        request,
        names,
        ledger,
        iteration,
        policySet: currentPolicySet(initialPolicySet, iteration),
        benchmark,
      });
      const started = await ports.evaluation.start({ ...input, owner: ownerOf(names) });
      logger.info('evaluation started', { evaluationName: started.name, iteration: iteration.number });
      return appendToLedger(ledger, [started]);
    },
  });
}

export const handler = createRunEvaluationHandler(createAwsPorts());
