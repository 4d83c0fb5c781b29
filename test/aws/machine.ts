/**
 * The real definition with the real handlers of functions/index.ts over one ports object, built
 * and validated once and run many times (asl-validator takes seconds per build on a shared
 * machine, which runWorkflowLocally pays per run). NormalizeInput is wired as production wires it
 * on AWS, and so is ReadHistory (with the AWS limits). A Distributed Map runs through the bridge
 * the local runner uses (shared/workflow/distributed-map.ts). Each run returns the states entered
 * (a map's children's among them), the output, the error, and the largest state input or output
 * (bytes of JSON), which Step Functions caps at 256 KiB.
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { type FunctionName, handlerFactories } from '../../functions/index';
import {
  AWS_NORMALIZE_INPUT_OPTIONS,
  createNormalizeInputHandler,
} from '../../functions/normalizeInput/handler';
import { createReadHistoryHandler } from '../../functions/readHistory/handler';
import { localLambdaContext, type WorkflowHandler } from '../../shared/contract/handler';
import type { WorkflowPorts } from '../../shared/core/ports';
import { loadDefinition, taskFunctionKeys } from '../../shared/workflow/definition';
import { bridgeDistributedMaps } from '../../shared/workflow/distributed-map';
import { localExecutionArn } from '../../shared/workflow/local-runner';

type Json = Parameters<StateMachine['run']>[0];

/** Longest delay, whole seconds, a Node timer takes (2^31 - 1 ms). */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Runs one Task's handler (`invoke`); a test may wrap it to see or change what it does. */
export type AroundTask = (state: string, invoke: () => Promise<Json>) => Promise<Json>;

/** Handlers built otherwise than production builds them (e.g. PlanSearch on a smaller grid), by function. */
export type HandlerOverrides = Partial<Record<FunctionName, WorkflowHandler>>;

/** The handlers production wires with options of their own on AWS; the others are handlerFactories'. */
function productionHandler(name: FunctionName, ports: WorkflowPorts): WorkflowHandler {
  if (name === 'normalizeInput') return createNormalizeInputHandler(ports, AWS_NORMALIZE_INPUT_OPTIONS);
  if (name === 'readHistory') return createReadHistoryHandler(ports, { awsLimits: true });
  return handlerFactories[name](ports);
}

/**
 * The real definition with the real handlers over `ports` (NormalizeInput and ReadHistory as
 * production wires them): a runner of executions that returns the states entered, the output and
 * the error. `around`, when given, wraps every Task invocation (a fault matrix injects Lambda
 * errors and keeps a clock there). `handlers` replaces a function's handler.
 */
export function machineOver(ports: WorkflowPorts, around?: AroundTask, handlers: HandlerOverrides = {}) {
  const definition = loadDefinition() as StateMachineDefinition;
  // The execution backstop (90 days) overflows a Node timer, which would then fire after 1 ms and
  // end every execution at once: capped at the longest timer, as runWorkflowLocally does.
  const loaded: StateMachineDefinition =
    (definition.TimeoutSeconds ?? 0) > MAX_TIMER_SECONDS
      ? { ...definition, TimeoutSeconds: MAX_TIMER_SECONDS }
      : definition;
  const taskHandlers: Record<string, (event: Json) => Promise<Json>> = {};
  for (const [state, key] of Object.entries(taskFunctionKeys())) {
    const name = key as FunctionName;
    const handler = handlers[name] ?? productionHandler(name, ports);
    const invoke = async (event: Json) => (await handler(event, localLambdaContext(name))) as Json;
    taskHandlers[state] = around ? (event) => around(state, () => invoke(event)) : invoke;
  }
  // No waiting locally: every Wait and every retry interval is 0 ms.
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(loaded.States as Record<string, { Type: string }>)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (state.Type === 'Task' || state.Type === 'Map') retryIntervalOverrides[name] = 0;
  }
  for (const name of Object.keys(taskHandlers)) retryIntervalOverrides[name] ??= 0;
  const overrides = { taskResourceLocalHandlers: taskHandlers, waitTimeOverrides, retryIntervalOverrides };
  // The children's states, entered while the map's Task runs: added to the run that is going on.
  let childStates: string[] = [];
  const bridged = bridgeDistributedMaps(loaded, () => ({ overrides }), {
    onStateEntered: (name) => childStates.push(name),
  });
  Object.assign(taskHandlers, bridged.handlers);
  const machine = new StateMachine(bridged.definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  return async (input: unknown, executionName: string) => {
    const execution = machine.run(input as Json, {
      overrides,
      context: {
        Execution: { Id: localExecutionArn(executionName), Name: executionName, Input: input as Json },
      },
    });
    const states: string[] = [];
    childStates = states;
    /** The largest state input or output seen, bytes of JSON, where, and the state itself. */
    const largest: { bytes: number; state: string; value?: unknown } = { bytes: 0, state: '' };
    const measure = (state: string, value: unknown) => {
      const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
      if (bytes > largest.bytes) Object.assign(largest, { bytes, state, value });
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
    let output: unknown = null;
    try {
      output = await execution.result;
    } catch (failure) {
      if (!(failure instanceof ExecutionError)) throw failure;
      const cause = (failure as ExecutionError & { cause?: unknown }).cause;
      const named = cause instanceof Error ? cause : failure;
      error = { name: named.name, cause: named.message };
    }
    await collecting;
    return { status: error ? 'FAILED' : 'SUCCEEDED', output, error, states, largest };
  };
}
