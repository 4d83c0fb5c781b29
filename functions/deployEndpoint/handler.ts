/**
 * DeployEndpoint: creates the evaluation endpoint (model, endpoint config, endpoint) with
 * MinCapacity instances, as the AWS procedure does; all three go into the ledger.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  appendToLedger,
  CapacityPlanSchema,
  LedgerSchema,
  modelPackageArnOf,
  RequestSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { ownerOf } from '../../shared/core/ownership';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const DeployEndpointInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    ledger: LedgerSchema,
    capacity: CapacityPlanSchema,
  })
  .strict();

export function createDeployEndpointHandler(
  ports: Pick<WorkflowPorts, 'hosting'>,
): WorkflowHandler<ResourceRef[]> {
  return defineHandler({
    name: 'deployEndpoint',
    input: DeployEndpointInput,
    handle: async ({ request, names, ledger, capacity }, { logger }) => {
      const created = await ports.hosting.createEndpoint({
        endpointName: names.endpointName,
        modelPackageArn: modelPackageArnOf(request, ledger),
        instanceType: request.instanceType,
        variantName: request.variantName,
        initialInstanceCount: capacity.minCapacity,
        ...(request.roleArn ? { roleArn: request.roleArn } : {}),
        owner: ownerOf(names),
      });
      logger.info('endpoint creating', { endpointName: names.endpointName, instances: capacity.minCapacity });
      return appendToLedger(ledger, created);
    },
  });
}

export const handler = createDeployEndpointHandler(createAwsPorts());
