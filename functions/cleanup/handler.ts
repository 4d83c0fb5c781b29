/**
 * Cleanup: deletes what the ledger lists and what this execution may have created without the
 * ledger learning of it (a create that succeeded on AWS but whose Task failed afterwards: see
 * `resourcesNamedByRun`), newest kind first (evaluations and alarms before the scalable target,
 * the endpoint before its config and model, the package before its group).
 * Something already gone counts as done, so clean-up works when half was never created and can
 * run twice. Throttling propagates (the state machine retries the whole clean-up, which is
 * idempotent); any other failure is collected and, once everything else was tried, reported as
 * one AwsRequestError naming what is left behind. With `cleanup: false` in the request nothing is
 * deleted and the ledger is returned as retained.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  LedgerSchema,
  RequestSchema,
  RunNamesSchema,
  resourcesNamedByRun,
  withNamedResources,
} from '../../shared/contract/state';
import { AwsRequestError, ResourceNotFoundError, TransientAwsError } from '../../shared/core/errors';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const CleanupInput = z
  .object({
    ledger: LedgerSchema,
    cleanup: z.boolean().default(true),
    /** With `names` and `iterations`: the resources the run names, tried even when not in the ledger. */
    request: RequestSchema.optional(),
    names: RunNamesSchema.optional(),
    /** The iteration reached (`$.iteration.number`): evaluations 1..iterations are tried. */
    iterations: z.number().int().min(0).optional(),
  })
  .strict();

export interface CleanupResult {
  deleted: ResourceRef[];
  notFound: ResourceRef[];
  retained: ResourceRef[];
}

export function createCleanupHandler(ports: Pick<WorkflowPorts, 'cleanup'>): WorkflowHandler<CleanupResult> {
  return defineHandler({
    name: 'cleanup',
    input: CleanupInput,
    handle: async ({ ledger, cleanup, request, names, iterations }, { logger }) => {
      if (!cleanup) {
        logger.info('clean-up skipped by the request', { retained: ledger.length });
        return { deleted: [], notFound: [], retained: ledger };
      }
      const named = request && names ? resourcesNamedByRun(request, names, iterations ?? 0) : [];
      const inLedger = (ref: ResourceRef) =>
        ledger.some((known) => known.kind === ref.kind && known.name === ref.name);
      const targets = withNamedResources(ledger, named);
      const result: CleanupResult = { deleted: [], notFound: [], retained: [] };
      const failures: string[] = [];
      for (const ref of [...targets].reverse()) {
        // A named resource that is not there was never created: nothing to report.
        const missing = () => {
          if (inLedger(ref)) result.notFound.push(ref);
        };
        try {
          const outcome = await ports.cleanup.deleteResource(ref);
          if (outcome === 'notFound') missing();
          else {
            result.deleted.push(ref);
            if (!inLedger(ref)) logger.warn('deleted a resource the ledger missed', { ref });
          }
        } catch (error) {
          if (error instanceof TransientAwsError) throw error;
          if (error instanceof ResourceNotFoundError) {
            missing();
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
