/**
 * PollEvaluation: one describe of the iteration's evaluation. COMPLETED ends the wait; FAILED or
 * STOPPED throw JobFailedError with the FailureReason; still running after `maxRounds` polls
 * throws WaitTimeoutError.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  assertWithinRounds,
  currentEvaluationName,
  LedgerSchema,
  nextRound,
  PollStateSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { JobFailedError } from '../../shared/core/errors';
import type { JobStatus, WorkflowPorts } from '../../shared/core/ports';

export const PollEvaluationInput = z
  .object({
    names: RunNamesSchema,
    /** The evaluation polled is the one RunEvaluation recorded (the driver's name for it). */
    ledger: LedgerSchema,
    previous: PollStateSchema,
    iteration: z.number().int().min(1),
    maxRounds: z.number().int().min(1),
  })
  .strict();

export interface EvaluationPollState {
  iteration: number;
  round: number;
  status: JobStatus;
}

export function createPollEvaluationHandler(
  ports: Pick<WorkflowPorts, 'evaluation'>,
): WorkflowHandler<EvaluationPollState> {
  return defineHandler({
    name: 'pollEvaluation',
    input: PollEvaluationInput,
    handle: async ({ names, ledger, previous, iteration, maxRounds }, { logger }) => {
      const name = currentEvaluationName(ledger, names, iteration);
      const round = nextRound(previous, iteration);
      const described = await ports.evaluation.describe(name);
      logger.info('evaluation polled', { evaluationName: name, status: described.status, round });
      if (described.status === 'FAILED' || described.status === 'STOPPED' || described.status === 'DELETED')
        throw new JobFailedError(
          `evaluation ${name} ended ${described.status}: ${described.failureReason ?? 'no FailureReason given'}`,
        );
      if (described.status !== 'COMPLETED')
        assertWithinRounds(`evaluation ${name}`, round, maxRounds, described.status);
      return { iteration, round, status: described.status };
    },
  });
}

export const handler = createPollEvaluationHandler(createAwsPorts());
