/**
 * PublishFailureEvent (and PublishCleanupFailureEvent): on the failure path, after Cleanup, just
 * before the execution fails, announces "Recommendation Failed" with the error name and cause
 * and what clean-up did (deleted, not found, retained, or its own error). It receives the whole
 * state (`$`), since which keys exist depends on where the run failed: a request refused at
 * NormalizeInput has only the input and the error; a run whose clean-up failed after success has
 * no `error` but a `cleanupError` and the stored recommendation. So its schema reads the few keys
 * it needs and ignores the rest. The state machine catches its failure and fails the execution
 * with the original error all the same.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { InvalidInputError } from '../../shared/core/errors';
import type { WorkflowPorts } from '../../shared/core/ports';
import { buildFailedEvent } from '../../shared/core/run-events';

/** A Step Functions error as a Catch records it. */
const CaughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().default('') }).loose();
const RefSchema = z.object({ kind: z.string(), name: z.string() }).loose();

export const PublishFailureEventInput = z
  .object({
    state: z
      .object({
        request: z
          .object({
            name: z.string().optional(),
            model: z.object({ kind: z.string(), modelPackageArn: z.string().optional() }).loose().optional(),
            cleanup: z.boolean().optional(),
          })
          .loose()
          .optional(),
        names: z.object({ runId: z.string() }).loose().optional(),
        error: CaughtErrorSchema.optional(),
        cleanup: z
          .object({ deleted: z.array(RefSchema), notFound: z.array(RefSchema), retained: z.array(RefSchema) })
          .loose()
          .optional(),
        cleanupError: CaughtErrorSchema.optional(),
        recommendation: z.object({ storedAt: z.string().optional() }).loose().optional(),
      })
      .loose(),
    /** `$$.Execution.Id`. */
    executionArn: z.string().min(1).max(2048),
  })
  .strict();

export function createPublishFailureEventHandler(
  ports: Pick<WorkflowPorts, 'events'>,
): WorkflowHandler<{ eventId: string }> {
  return defineHandler({
    name: 'publishFailureEvent',
    input: PublishFailureEventInput,
    handle: async ({ state, executionArn }, { logger }) => {
      const caught = state.error ?? state.cleanupError;
      if (!caught)
        throw new InvalidInputError(
          'publishFailureEvent: the state has neither error nor cleanupError to announce',
        );
      const model = state.request?.model;
      const event = buildFailedEvent(
        {
          runId: state.names?.runId ?? null,
          name: state.request?.name ?? null,
          executionArn,
          modelPackageArn: model?.kind === 'modelPackage' ? (model.modelPackageArn ?? null) : null,
        },
        {
          error: { name: caught.Error, cause: caught.Cause },
          ...(state.cleanup ? { cleanupResult: state.cleanup } : {}),
          ...(state.cleanupError
            ? { cleanupError: { name: state.cleanupError.Error, cause: state.cleanupError.Cause } }
            : {}),
          cleanupRequested: state.request?.cleanup ?? true,
          ...(state.recommendation?.storedAt ? { recommendationUri: state.recommendation.storedAt } : {}),
        },
      );
      const { eventId } = await ports.events.publish(event);
      logger.info('failure announced', { eventId, error: caught.Error });
      return { eventId };
    },
  });
}

export const handler = createPublishFailureEventHandler(createAwsPorts());
