/**
 * PollEndpoint: one DescribeEndpoint. InService ends the wait; Failed (or another status it
 * cannot leave by itself) throws EndpointFailedError with the FailureReason; still Creating or
 * Updating after `maxRounds` polls throws WaitTimeoutError.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { assertWithinRounds, nextRound, PollStateSchema } from '../../shared/contract/state';
import { EndpointFailedError } from '../../shared/core/errors';
import type { EndpointStatus, WorkflowPorts } from '../../shared/core/ports';

/** Statuses an endpoint does not leave on its own: waiting longer cannot help. */
export const DEAD_ENDPOINT_STATUSES: readonly EndpointStatus[] = [
  'Failed',
  'UpdateRollbackFailed',
  'OutOfService',
  'Deleting',
];

export const PollEndpointInput = z
  .object({
    endpointName: z.string().min(1),
    previous: PollStateSchema,
    /** The iteration whose wait this is (the loop runs again after each reset). */
    iteration: z.number().int().min(1),
    maxRounds: z.number().int().min(1),
  })
  .strict();

export interface EndpointPollState {
  iteration: number;
  round: number;
  status: EndpointStatus;
}

export function createPollEndpointHandler(
  ports: Pick<WorkflowPorts, 'hosting'>,
): WorkflowHandler<EndpointPollState> {
  return defineHandler({
    name: 'pollEndpoint',
    input: PollEndpointInput,
    handle: async ({ endpointName, previous, iteration, maxRounds }, { logger }) => {
      const round = nextRound(previous, iteration);
      const endpoint = await ports.hosting.describeEndpoint(endpointName);
      logger.info('endpoint polled', { endpointName, status: endpoint.status, round });
      if (DEAD_ENDPOINT_STATUSES.includes(endpoint.status))
        throw new EndpointFailedError(
          `endpoint ${endpointName} is ${endpoint.status}: ${endpoint.failureReason ?? 'no FailureReason given'}`,
        );
      if (endpoint.status !== 'InService')
        assertWithinRounds(`endpoint ${endpointName}`, round, maxRounds, endpoint.status);
      return { iteration, round, status: endpoint.status };
    },
  });
}

export const handler = createPollEndpointHandler(createAwsPorts());
