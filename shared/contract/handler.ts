/**
 * The one way a workflow handler is built: middy + Powertools Logger (`injectLambdaContext`), the
 * input parsed with a zod schema (a bad input is an InvalidInputError naming each field), then the
 * handler's own work, which calls the core and the ports. Errors are never turned into return
 * values: they propagate with their names so that the state machine's Retry and Catch match them.
 *
 * @example
 * export function createPollJobHandler(ports: Pick<WorkflowPorts, 'jobs'>) {
 *   return defineHandler({ name: 'pollJob', input: PollJobInput, handle: async (input) => ... });
 * }
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { InvalidInputError } from '../core/errors';
import { describeIssues } from '../core/issues';

/** A Lambda handler of the workflow: one JSON input, one JSON result, named errors. */
export type WorkflowHandler<TResult = unknown> = (event: unknown, context: Context) => Promise<TResult>;

/** Service name in every log line. */
export const LOG_SERVICE_NAME = 'scaleplan';

export interface HandlerDefinition<S extends z.ZodType, R> {
  /** The function key (`pollJob`), used in log lines and error messages. */
  name: string;
  input: S;
  handle: (input: z.output<S>, tools: { logger: Logger }) => Promise<R>;
  /** A logger to use instead of a new one (tests may pass a silent one). */
  logger?: Logger;
}

/**
 * Parses `value` with `schema` or throws InvalidInputError naming the problems (core `describeIssues`).
 * @example parseOrThrow(z.object({ jobName: z.string() }), {}, 'pollJob') // throws 'pollJob: invalid input: jobName: ...'
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new InvalidInputError(`${what}: invalid input: ${describeIssues(parsed.error.issues, value)}`);
  return parsed.data;
}

/** Builds a middy handler from a definition (see the file comment). */
export function defineHandler<S extends z.ZodType, R>(
  definition: HandlerDefinition<S, R>,
): WorkflowHandler<R> {
  const logger = definition.logger ?? new Logger({ serviceName: LOG_SERVICE_NAME });
  const core = async (event: unknown): Promise<R> => {
    const input = parseOrThrow(definition.input, event, definition.name);
    return definition.handle(input, { logger });
  };
  const wrapped = middy<unknown, R>(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async (request) => {
        const error = request.error;
        logger.error(`${definition.name} failed`, {
          errorName: error?.name,
          errorMessage: error?.message,
        });
      },
    });
  return (event, context) => wrapped(event, context);
}

/**
 * A Lambda context for running handlers outside Lambda (the local runner and tests).
 * @example localLambdaContext('pollJob').functionName // 'pollJob'
 */
export function localLambdaContext(functionName: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${functionName}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
