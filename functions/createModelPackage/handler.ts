/**
 * CreateModelPackage: reuses the request's versioned model package, or registers the container
 * as a new one (and its group); whatever was created goes into the ledger.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { appendToLedger, LedgerSchema, RequestSchema, RunNamesSchema } from '../../shared/contract/state';
import { ownerOf } from '../../shared/core/ownership';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const CreateModelPackageInput = z
  .object({ request: RequestSchema, names: RunNamesSchema, ledger: LedgerSchema })
  .strict();

/** Returns the ledger with the created group and package (nothing when a package is reused). */
export function createCreateModelPackageHandler(
  ports: Pick<WorkflowPorts, 'registry'>,
): WorkflowHandler<ResourceRef[]> {
  return defineHandler({
    name: 'createModelPackage',
    input: CreateModelPackageInput,
    handle: async ({ request, names, ledger }, { logger }) => {
      const { modelPackageArn, created } = await ports.registry.ensureModelPackage(
        request,
        names.runId,
        ownerOf(names),
      );
      logger.info('model package ready', { modelPackageArn, created: created.length });
      return appendToLedger(ledger, created);
    },
  });
}

export const handler = createCreateModelPackageHandler(createAwsPorts());
