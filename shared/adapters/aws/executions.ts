/**
 * ExecutionsPort on Step Functions: the RUNNING executions of the state machine (ListExecutions,
 * every page up to a bound) with their inputs (DescribeExecution), so that NormalizeInput can
 * refuse a second run of a model version. A Standard state machine keeps up to 1,000,000 open
 * executions; scaleplan's are hours long and few, so the bound only guards the Lambda's time.
 * And, for the sweeper, the newest state payload of an ended execution (GetExecutionHistory,
 * newest first, with its data): what the run had when it stopped, its names and ledger.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionsPort, RunningExecution } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import { callAws } from './errors';

/** Pages of ListExecutions read at most (100 executions each). */
export const MAX_EXECUTION_PAGES = 10;

/**
 * Pages of GetExecutionHistory read at most, newest first (1000 events each). A run's state is
 * in every state's input and output, so the newest few events hold it; the bound guards a
 * history without any (an execution refused at NormalizeInput has no run state at all).
 */
export const MAX_HISTORY_PAGES = 5;

/** A state's input (entered) or output (exited) in a history event, as JSON text. */
function payloadOf(event: HistoryEvent): string | undefined {
  return event.stateExitedEventDetails?.output ?? event.stateEnteredEventDetails?.input;
}

/** The input of a described execution as JSON, or undefined when it is not JSON. */
function parseInput(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function createExecutions(clients: AwsClientProvider): ExecutionsPort {
  return {
    async listRunning(stateMachineArn) {
      const listed: { executionArn: string; startDate: Date | undefined }[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_EXECUTION_PAGES; page++) {
        const output = await callAws(`list the running executions of ${stateMachineArn}`, () =>
          clients.sfn().send(
            new ListExecutionsCommand({
              stateMachineArn,
              statusFilter: 'RUNNING',
              maxResults: 100,
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        );
        for (const execution of output?.executions ?? [])
          if (execution.executionArn)
            listed.push({ executionArn: execution.executionArn, startDate: execution.startDate });
        nextToken = output?.nextToken;
        if (!nextToken) break;
      }
      const running: RunningExecution[] = [];
      for (const execution of listed) {
        const described = await callAws(`describe execution ${execution.executionArn}`, () =>
          clients.sfn().send(new DescribeExecutionCommand({ executionArn: execution.executionArn })),
        );
        const startDate = described?.startDate ?? execution.startDate;
        running.push({
          executionArn: execution.executionArn,
          startDate: startDate ? startDate.toISOString() : new Date(0).toISOString(),
          input: parseInput(described?.input),
        });
      }
      return running;
    },
    async latestState(executionArn, accepts) {
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        const output = await callAws(`read the history of execution ${executionArn}`, () =>
          clients.sfn().send(
            new GetExecutionHistoryCommand({
              executionArn,
              reverseOrder: true,
              includeExecutionData: true,
              maxResults: 1000,
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        );
        for (const event of output?.events ?? []) {
          const payload = parseInput(payloadOf(event));
          if (payload !== undefined && accepts(payload)) return payload;
        }
        nextToken = output?.nextToken;
        if (!nextToken) break;
      }
      return undefined;
    },
  };
}
