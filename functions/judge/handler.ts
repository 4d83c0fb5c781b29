/**
 * Judge: reads the evaluation's per-period metrics through the driver and judges them with the
 * core's `judgeEvaluation` (maxRps x 60 reached, errors within the allowed rate, latency within
 * the SLO). The verdict is data: DidEvaluationPass routes on `passed`.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  buildEvaluationInput,
  currentEvaluationName,
  currentPolicySet,
  IterationStateSchema,
  LedgerSchema,
  PolicySetSchema,
  RequestSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { judgeEvaluation } from '../../shared/core/judge';
import type { WorkflowPorts } from '../../shared/core/ports';
import type { Verdict } from '../../shared/core/types';

export const JudgeInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    ledger: LedgerSchema,
    initialPolicySet: PolicySetSchema,
    iteration: IterationStateSchema,
  })
  .strict();

export function createJudgeHandler(ports: Pick<WorkflowPorts, 'evaluation'>): WorkflowHandler<Verdict> {
  return defineHandler({
    name: 'judge',
    input: JudgeInput,
    handle: async ({ request, names, ledger, initialPolicySet, iteration }, { logger }) => {
      const input = buildEvaluationInput({
        request,
        names,
        ledger,
        iteration,
        policySet: currentPolicySet(initialPolicySet, iteration),
      });
      // The driver's own name for the evaluation it started (the ledger), not a derived one.
      const name = currentEvaluationName(ledger, names, iteration.number);
      const metrics = await ports.evaluation.collectMetrics(name, { ...input, evaluationName: name });
      const verdict = judgeEvaluation(metrics, {
        maxRps: request.traffic.maxRps,
        latencySlo: request.latencySlo,
        allowedErrorRate: request.evaluation.allowedErrorRate,
      });
      logger.info('judged', {
        iteration: iteration.number,
        passed: verdict.passed,
        failures: verdict.failures.map((failure) => failure.code),
      });
      return verdict;
    },
  });
}

export const handler = createJudgeHandler(createAwsPorts());
