/**
 * ResetEndpoint: between two paid evaluations, puts the endpoint back to the next policy set's
 * MinCapacity (UpdateEndpointWeightsAndCapacities), as the AWS procedure does. The state machine
 * only gets here once the endpoint is InService again: right after a load test it is usually
 * Updating (scaling out or in), and SageMaker refuses updates while Updating. Returns a fresh
 * endpoint poll state so the wait that follows the reset counts its own rounds.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  IterationStateSchema,
  type PollState,
  RequestSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { InvalidInputError } from '../../shared/core/errors';
import type { WorkflowPorts } from '../../shared/core/ports';

export const ResetEndpointInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    /** The iteration TunePolicies prepared: its policy set gives the MinCapacity to reset to. */
    iteration: IterationStateSchema,
  })
  .strict();

export function createResetEndpointHandler(
  ports: Pick<WorkflowPorts, 'hosting'>,
): WorkflowHandler<PollState> {
  return defineHandler({
    name: 'resetEndpoint',
    input: ResetEndpointInput,
    handle: async ({ request, names, iteration }, { logger }) => {
      const next = iteration.policySet;
      if (!next)
        throw new InvalidInputError(`resetEndpoint: iteration ${iteration.number} has no tuned policy set`);
      await ports.hosting.resetInstanceCount({
        endpointName: names.endpointName,
        variantName: request.variantName,
        instanceCount: next.minCapacity,
      });
      logger.info('endpoint reset', { endpointName: names.endpointName, instances: next.minCapacity });
      return { iteration: iteration.number, round: 0, status: 'Updating' };
    },
  });
}

export const handler = createResetEndpointHandler(createAwsPorts());
