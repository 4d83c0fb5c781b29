/**
 * StartRecommenderJob: starts the Default Inference Recommender job (the single-instance
 * benchmark) narrowed to the request's instance type; the job goes into the ledger so that
 * clean-up stops it if the execution ends early.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  appendToLedger,
  LedgerSchema,
  modelPackageArnOf,
  RequestSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { ownerOf } from '../../shared/core/ownership';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const StartRecommenderInput = z
  .object({ request: RequestSchema, names: RunNamesSchema, ledger: LedgerSchema })
  .strict();

export function createStartRecommenderHandler(
  ports: Pick<WorkflowPorts, 'jobs'>,
): WorkflowHandler<ResourceRef[]> {
  return defineHandler({
    name: 'startRecommender',
    input: StartRecommenderInput,
    handle: async ({ request, names, ledger }, { logger }) => {
      const job = await ports.jobs.startDefaultJob({
        jobName: names.jobName,
        modelPackageArn: modelPackageArnOf(request, ledger),
        instanceType: request.instanceType,
        ...(request.roleArn ? { roleArn: request.roleArn } : {}),
        owner: ownerOf(names),
      });
      logger.info('recommender job started', { jobName: job.name });
      return appendToLedger(ledger, [job]);
    },
  });
}

export const handler = createStartRecommenderHandler(createAwsPorts());
