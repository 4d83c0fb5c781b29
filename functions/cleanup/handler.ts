/**
 * Cleanup: deletes exactly what the ledger lists, newest first (evaluations and alarms before the
 * scalable target, the endpoint before its config and model, the package before its group).
 * Something already gone counts as done, so clean-up works when half was never created and can
 * run twice. Throttling propagates (the state machine retries the whole clean-up, which is
 * idempotent); any other failure is collected and, once everything else was tried, reported as
 * one AwsRequestError naming what is left behind. With `cleanup: false` in the request nothing is
 * deleted and the ledger is returned as retained.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { AwsRequestError, ResourceNotFoundError, TransientAwsError } from '../../shared/core/errors';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';
import { defineHandler, type WorkflowHandler } from '../../shared/handlers/define';
import { LedgerSchema } from '../../shared/workflow/state';

export const CleanupInput = z.object({ ledger: LedgerSchema, cleanup: z.boolean().default(true) }).strict();

export interface CleanupResult {
  deleted: ResourceRef[];
  notFound: ResourceRef[];
  retained: ResourceRef[];
}

export function createCleanupHandler(ports: Pick<WorkflowPorts, 'cleanup'>): WorkflowHandler<CleanupResult> {
  return defineHandler({
    name: 'cleanup',
    input: CleanupInput,
    handle: async ({ ledger, cleanup }, { logger }) => {
      if (!cleanup) {
        logger.info('clean-up skipped by the request', { retained: ledger.length });
        return { deleted: [], notFound: [], retained: ledger };
      }
      const result: CleanupResult = { deleted: [], notFound: [], retained: [] };
      const failures: string[] = [];
      for (const ref of [...ledger].reverse()) {
        try {
          const outcome = await ports.cleanup.deleteResource(ref);
          (outcome === 'deleted' ? result.deleted : result.notFound).push(ref);
        } catch (error) {
          if (error instanceof TransientAwsError) throw error;
          if (error instanceof ResourceNotFoundError) {
            result.notFound.push(ref);
            continue;
          }
          result.retained.push(ref);
          failures.push(
            `${ref.kind} ${ref.name} (${error instanceof Error ? error.message : String(error)})`,
          );
        }
      }
      logger.info('clean-up done', {
        deleted: result.deleted.length,
        notFound: result.notFound.length,
        failed: failures.length,
      });
      if (failures.length > 0)
        throw new AwsRequestError(
          `clean-up could not delete ${failures.length} resource(s): ${failures.join('; ')}`,
        );
      return result;
    },
  });
}

export const handler = createCleanupHandler(createAwsPorts());
