/**
 * ExecutionsPort on Step Functions: the RUNNING executions of the state machine (ListExecutions,
 * every page up to a bound) with their inputs (DescribeExecution), so that NormalizeInput can
 * refuse a second run of a model version. A Standard state machine keeps up to 1,000,000 open
 * executions; scaleplan's are hours long and few, so the bound only guards the Lambda's time.
 */
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { ExecutionsPort, RunningExecution } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import { callAws } from './errors';

/** Pages of ListExecutions read at most (100 executions each). */
export const MAX_EXECUTION_PAGES = 10;

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
  };
}
