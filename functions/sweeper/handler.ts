/**
 * Sweeper: the second line of defence, outside the state machine. An EventBridge rule invokes it
 * on the "Step Functions Execution Status Change" of this deployment's state machine for FAILED,
 * TIMED_OUT and ABORTED (shared/core/execution-status.ts), the endings where Cleanup may never
 * have run (TimeoutSeconds, StopExecution, States.DataLimitExceeded, which States.ALL does not
 * catch) or gave up (its retries spent). It reads the run's newest state from the execution's
 * history (its names, ledger, request and iteration), checks that its run id is the one
 * NormalizeInput derives from the execution ARN (`runIdFor`), and runs Cleanup's own handler
 * over it: the ledger plus the names the run derives, newest kind first, each deleted only when
 * it carries the run's two tags (another run's or another team's resource of the same name is
 * left alone), an endpoint only once it has settled, not found counted as done. So a second
 * delivery of the event (Step Functions' events are delivered best effort, and may come twice)
 * finds nothing and deletes nothing.
 *
 * What Cleanup reports as transient (throttling, an endpoint still Creating) is retried here with
 * backoff for up to `retryBudgetMs`; when something is still left, "Recommendation Failed" is
 * published with every resource left by ARN, and the error is thrown, so Lambda's asynchronous
 * retries (two, minutes apart) try again. With `cleanup: false` in the request nothing is deleted,
 * as Cleanup would do.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, localLambdaContext, type WorkflowHandler } from '../../shared/contract/handler';
import { LedgerSchema, RequestSchema, RunNamesSchema } from '../../shared/contract/state';
import { ConfigurationError, TransientAwsError } from '../../shared/core/errors';
import {
  type ExecutionStatusChangeEvent,
  ExecutionStatusChangeEventSchema,
  sweepDecisionFor,
} from '../../shared/core/execution-status';
import { runIdFor } from '../../shared/core/naming';
import { stateMachineArnOf } from '../../shared/core/ownership';
import type { WorkflowPorts } from '../../shared/core/ports';
import { buildFailedEvent } from '../../shared/core/run-events';
import { type CleanupResult, createCleanupHandler } from '../cleanup/handler';

/** Environment variable naming the state machine whose executions the sweeper cleans up after. */
export const STATE_MACHINE_ARN_ENV = 'SCALEPLAN_STATE_MACHINE_ARN';

/**
 * Time spent retrying a transient clean-up within one invocation, ms: 12 minutes, under the
 * function's 900 s timeout with room for the last attempt and the failure event. An endpoint
 * still Creating usually settles within it (about 3 to 10 minutes on ml.c5.large).
 */
export const DEFAULT_SWEEP_RETRY_BUDGET_MS = 12 * 60_000;
/** First pause between two attempts, ms; doubled each time up to MAX_SWEEP_DELAY_MS. */
export const FIRST_SWEEP_DELAY_MS = 10_000;
/** Longest pause between two attempts, ms. */
export const MAX_SWEEP_DELAY_MS = 60_000;

export interface SweeperOptions {
  /** This deployment's state machine; SCALEPLAN_STATE_MACHINE_ARN by default (read on first use). */
  stateMachineArn?: () => string;
  retryBudgetMs?: number;
  /** Clock and pause, injected by tests (no real waiting). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SweepResult {
  swept: boolean;
  reason: string;
  runId?: string;
  /** What Cleanup's handler did, when it ran. */
  cleanup?: CleanupResult;
  attempts?: number;
}

/** The part of a run's state the sweeper reads; the rest of the state is ignored. */
const RunStateSchema = z
  .object({
    names: RunNamesSchema,
    ledger: LedgerSchema,
    request: z.unknown().optional(),
    iteration: z
      .object({ number: z.number().int().min(0) })
      .loose()
      .optional(),
  })
  .loose();
type RunState = z.output<typeof RunStateSchema>;

/** SCALEPLAN_STATE_MACHINE_ARN, or ConfigurationError naming it. */
export function stateMachineArnFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const arn = env[STATE_MACHINE_ARN_ENV];
  if (!arn || !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]+$/.test(arn))
    throw new ConfigurationError(
      `${STATE_MACHINE_ARN_ENV}${arn ? `="${arn}" is not` : ' is not set: it must name'} the state machine whose executions the sweeper cleans up after`,
    );
  return arn;
}

/** Cleanup's input from the run's state, as the Cleanup state passes it. */
function cleanupInputOf(state: RunState, executionArn: string) {
  // A request that does not parse (a draft before ReadHistory) gives no derived names: the ledger only.
  const request = RequestSchema.safeParse(state.request);
  return {
    ledger: state.ledger,
    cleanup: request.success ? request.data.cleanup : true,
    ...(request.success ? { request: request.data } : {}),
    names: state.names,
    iterations: state.iteration?.number ?? 0,
    executionArn,
  };
}

/** Publishes "Recommendation Failed" for what the sweep left; its own failure is only logged. */
async function announceLeft(
  ports: Pick<WorkflowPorts, 'events'>,
  event: ExecutionStatusChangeEvent,
  state: RunState,
  error: Error,
): Promise<void> {
  const request = RequestSchema.safeParse(state.request);
  const model = request.success ? request.data.model : undefined;
  const { detail } = event;
  await ports.events.publish(
    buildFailedEvent(
      {
        runId: state.names.runId,
        name: request.success ? request.data.name : null,
        executionArn: detail.executionArn,
        modelPackageArn: model?.kind === 'modelPackage' ? model.modelPackageArn : null,
      },
      {
        error: {
          name: detail.error ?? detail.status,
          cause: detail.cause ?? `the execution ended ${detail.status}`,
        },
        cleanupError: { name: error.name, cause: `sweeper: ${error.message}` },
        cleanupRequested: true,
      },
    ),
  );
}

export function createSweeperHandler(
  ports: Pick<WorkflowPorts, 'cleanup' | 'events' | 'executions'>,
  options: SweeperOptions = {},
): WorkflowHandler<SweepResult> {
  const cleanup = createCleanupHandler(ports);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const budgetMs = options.retryBudgetMs ?? DEFAULT_SWEEP_RETRY_BUDGET_MS;
  return defineHandler({
    name: 'sweeper',
    input: ExecutionStatusChangeEventSchema,
    handle: async (event, { logger }) => {
      const stateMachineArn = (options.stateMachineArn ?? stateMachineArnFromEnv)();
      const decision = sweepDecisionFor(event, stateMachineArn, stateMachineArnOf);
      if (!decision.sweep) {
        logger.info('nothing to sweep', { reason: decision.reason });
        return { swept: false, reason: decision.reason };
      }
      const { executionArn } = event.detail;
      // The run id NormalizeInput derived: the state read back must carry it, and the run's tags too.
      const runId = runIdFor(executionArn);
      const latestState = ports.executions?.latestState;
      if (!latestState) throw new ConfigurationError('sweeper: this backend cannot read execution histories');
      const found = await latestState.call(ports.executions, executionArn, (payload) => {
        const parsed = RunStateSchema.safeParse(payload);
        return (
          parsed.success &&
          parsed.data.names.runId === runId &&
          parsed.data.names.stateMachineArn === stateMachineArn
        );
      });
      if (found === undefined) {
        const reason = `${decision.reason}; its history holds no state of run ${runId}: it ended before NormalizeInput named anything, so nothing was created`;
        logger.info('nothing to sweep', { reason });
        return { swept: false, reason, runId };
      }
      const state = RunStateSchema.parse(found);
      const input = cleanupInputOf(state, executionArn);
      const deadline = now() + budgetMs;
      let delayMs = FIRST_SWEEP_DELAY_MS;
      for (let attempt = 1; ; attempt++) {
        try {
          // Cleanup's handler itself, so the sweep deletes exactly what Cleanup would.
          const result = await cleanup(input, localLambdaContext('cleanup'));
          logger.info('swept', { reason: decision.reason, runId, attempt, deleted: result.deleted.length });
          return { swept: true, reason: decision.reason, runId, cleanup: result, attempts: attempt };
        } catch (error) {
          const transient = error instanceof TransientAwsError;
          if (transient && now() + delayMs <= deadline) {
            logger.warn('sweep incomplete, retrying', {
              attempt,
              delayMs,
              message: (error as Error).message,
            });
            await sleep(delayMs);
            delayMs = Math.min(delayMs * 2, MAX_SWEEP_DELAY_MS);
            continue;
          }
          const failure = error instanceof Error ? error : new Error(String(error));
          logger.error('sweep left resources', { runId, attempt, message: failure.message });
          await announceLeft(ports, event, state, failure).catch((publishError: unknown) =>
            logger.error('could not announce what the sweep left', {
              message: publishError instanceof Error ? publishError.message : String(publishError),
            }),
          );
          throw failure;
        }
      }
    },
  });
}

export const handler = createSweeperHandler(createAwsPorts());
