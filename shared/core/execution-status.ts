/**
 * The "Step Functions Execution Status Change" event that EventBridge delivers when an execution
 * of a Standard state machine changes status (source `aws.states`, best-effort delivery; AWS
 * EventBridge reference, "AWS Step Functions events"). Its detail carries `executionArn`,
 * `stateMachineArn`, `name`, `status` (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED),
 * `startDate`, `stopDate` (epoch milliseconds), and `input`/`output` as JSON text when they fit
 * the event (`inputDetails.included`), plus `error` and `cause`.
 *
 * The sweeper acts on the three endings the state machine cannot clean up after itself, or may
 * not have: a timeout (TimeoutSeconds ends the execution without Cleanup), an abort (StopExecution),
 * and a failure, which includes States.DataLimitExceeded (not caught by States.ALL) and a Cleanup
 * that spent its retries.
 */
import { z } from 'zod';

/** `source` of Step Functions' own events. */
export const STEP_FUNCTIONS_EVENT_SOURCE = 'aws.states';
/** `detail-type` of the execution status change event. */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
/** The endings the sweeper acts on (the EventBridge rule matches the same). */
export const SWEPT_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export const ExecutionStatusChangeEventSchema = z
  .object({
    source: z.string(),
    'detail-type': z.string(),
    detail: z
      .object({
        executionArn: z.string().min(1).max(2048),
        stateMachineArn: z.string().min(1).max(2048),
        status: z.string(),
        error: z.string().nullish(),
        cause: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
export type ExecutionStatusChangeEvent = z.output<typeof ExecutionStatusChangeEventSchema>;

/** Whether to sweep after this event, and why (for the log line of every decision). */
export type SweepDecision = { sweep: true; reason: string } | { sweep: false; reason: string };

/**
 * Sweep only an ended execution (FAILED, TIMED_OUT, ABORTED) of this deployment's state
 * machine: the rule filters the same, but a rule edited by hand, a test event or another
 * stage's execution must never lead to deleting anything. The execution's ARN must also name
 * that state machine, since the run id (and so what is deleted) comes from it.
 * @example sweepDecisionFor(event, 'arn:aws:states:us-east-1:123456789012:stateMachine:scaleplan-dev')
 * // { sweep: false, reason: 'status SUCCEEDED: the execution ended by itself, through Cleanup' }
 */
export function sweepDecisionFor(
  event: ExecutionStatusChangeEvent,
  stateMachineArn: string,
  stateMachineOfExecution: (executionArn: string) => string | undefined,
): SweepDecision {
  const { detail } = event;
  if (event.source !== STEP_FUNCTIONS_EVENT_SOURCE || event['detail-type'] !== EXECUTION_STATUS_CHANGE)
    return {
      sweep: false,
      reason: `event ${event.source} "${event['detail-type']}" is not a "${EXECUTION_STATUS_CHANGE}" of ${STEP_FUNCTIONS_EVENT_SOURCE}`,
    };
  if (detail.stateMachineArn !== stateMachineArn)
    return { sweep: false, reason: `state machine ${detail.stateMachineArn} is not ${stateMachineArn}` };
  if (stateMachineOfExecution(detail.executionArn) !== stateMachineArn)
    return {
      sweep: false,
      reason: `execution ${detail.executionArn} is not an execution of ${stateMachineArn}`,
    };
  if (!(SWEPT_STATUSES as readonly string[]).includes(detail.status))
    return {
      sweep: false,
      reason: `status ${detail.status}: ${detail.status === 'SUCCEEDED' ? 'the execution ended through Cleanup' : 'not an ending the sweeper acts on'} (${SWEPT_STATUSES.join(', ')})`,
    };
  return {
    sweep: true,
    reason: `execution ${detail.executionArn} ended ${detail.status}${detail.error ? ` (${detail.error})` : ''}`,
  };
}
