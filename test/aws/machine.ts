/**
 * The real definition with the real handlers of functions/index.ts over one ports object, built
 * and validated once and run many times (asl-validator takes seconds per build on a shared
 * machine, which runWorkflowLocally pays per run). NormalizeInput is wired as production wires it
 * on AWS. Each run returns the states entered, the error, and the largest state input or output
 * (bytes of JSON), which Step Functions caps at 256 KiB.
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type FunctionName, handlerFactories } from '../../functions/index';
import {
  AWS_NORMALIZE_INPUT_OPTIONS,
  createNormalizeInputHandler,
} from '../../functions/normalizeInput/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import type { WorkflowPorts } from '../../shared/core/ports';
import { loadDefinition, taskFunctionKeys } from '../../shared/workflow/definition';
import { localExecutionArn } from '../../shared/workflow/local-runner';

type Json = Parameters<StateMachine['run']>[0];

/**
 * The real definition with the real handlers over `ports` (NormalizeInput as production wires it):
 * a runner of executions that returns the states entered and the error.
 */
export function machineOver(ports: WorkflowPorts) {
  const definition = loadDefinition() as StateMachineDefinition;
  const machine = new StateMachine(definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const handlers: Record<string, (event: Json) => Promise<Json>> = {};
  for (const [state, key] of Object.entries(taskFunctionKeys())) {
    const name = key as FunctionName;
    const handler =
      name === 'normalizeInput'
        ? createNormalizeInputHandler(ports, AWS_NORMALIZE_INPUT_OPTIONS)
        : handlerFactories[name](ports);
    handlers[state] = async (event) => (await handler(event, localLambdaContext(name))) as Json;
  }
  // No waiting locally: every Wait and every retry interval is 0 ms.
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States as Record<string, { Type: string }>)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (state.Type === 'Task') retryIntervalOverrides[name] = 0;
  }
  return async (input: unknown, executionName: string) => {
    const execution = machine.run(input as Json, {
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: localExecutionArn(executionName), Name: executionName, Input: input as Json },
      },
    });
    const states: string[] = [];
    /** The largest state input or output seen, bytes of JSON, and where. */
    const largest = { bytes: 0, state: '' };
    const measure = (state: string, value: unknown) => {
      const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
      if (bytes > largest.bytes) Object.assign(largest, { bytes, state });
    };
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') {
          states.push(event.state.name);
          measure(event.state.name, event.state.input);
        }
        if (event.type === 'StateExited') measure(event.state.name, event.state.output);
      }
    })();
    let error: { name: string; cause: string } | null = null;
    try {
      await execution.result;
    } catch (failure) {
      if (!(failure instanceof ExecutionError)) throw failure;
      const cause = (failure as ExecutionError & { cause?: unknown }).cause;
      const named = cause instanceof Error ? cause : failure;
      error = { name: named.name, cause: named.message };
    }
    await collecting;
    return { status: error ? 'FAILED' : 'SUCCEEDED', error, states, largest };
  };
}
