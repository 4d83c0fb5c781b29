/**
 * Runs the real state machine definition in aws-local-stepfunctions with the real handlers wired
 * to one ports object (local backend or test fakes). Each Task state runs the handler of its
 * function (`taskResourceLocalHandlers`, keyed by state name); the event log gives the sequence of
 * states entered.
 *
 * aws-local-stepfunctions needs Promise.withResolvers (Node 22): callers on Node 20 load
 * shared/workflow/polyfills first (the CLI and test/setup.ts do).
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { FUNCTION_NAMES, type FunctionName, handlerFactories } from '../../functions/index';
import { localLambdaContext } from '../contract/handler';
import type { WorkflowPorts } from '../core/ports';
import { type DefinitionBounds, definitionBounds, loadDefinition, taskFunctionKeys } from './definition';
import { bridgeDistributedMaps, type DistributedMapRun } from './distributed-map';

type JsonValue = Parameters<StateMachine['run']>[0];

/** Longest delay, whole seconds, a Node timer takes (2^31 - 1 ms); a longer one fires at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * The execution ARN (`$$.Execution.Id`) of a local run: that of a state machine named `scaleplan`
 * in a placeholder account. The run id, and so every resource name, derives from it.
 */
export function localExecutionArn(executionName: string): string {
  return `arn:aws:states:us-east-1:123456789012:execution:scaleplan:${executionName}`;
}

export interface LocalRunOptions {
  ports: WorkflowPorts;
  /**
   * Milliseconds per Wait state name (e.g. `{ WaitForJob: 0 }`); every Wait defaults to 0 ms. A
   * function receives what the definition run bounds (the polls' `maxRounds`) to size the waits.
   */
  waitTimeOverridesMs?: Record<string, number> | ((bounds: DefinitionBounds) => Record<string, number>);
  /** Milliseconds per Task state name between retries; every Task defaults to 0 ms. */
  retryIntervalOverridesMs?: Record<string, number | number[]>;
  /** Called with each state's name as it is entered. */
  onStateEntered?: (stateName: string) => void;
  /** `$$.Execution.Name` (the ARN `$$.Execution.Id`, from which the run id derives, ends with it); default `local-<ISO time>`. */
  executionName?: string;
  /** Called after each Distributed Map with what it ran (items, child executions, failures). */
  onDistributedMap?: (run: DistributedMapRun) => void;
  /** Replace a function's handler (tests of a single misbehaving function). */
  handlerOverrides?: Partial<Record<FunctionName, (input: unknown) => Promise<unknown>>>;
}

export interface LocalRunResult {
  status: 'SUCCEEDED' | 'FAILED';
  output: unknown;
  /** The execution's error name and cause when it failed. */
  error: { name: string; cause: string } | null;
  /** Names of the states entered, in order (a loop's states appear once per round). */
  states: string[];
  /** Task states that were retried, with the error name, in order. */
  retries: { state: string; error: string }[];
}

/**
 * @example
 * const result = await runWorkflowLocally(request, { ports });
 * result.status; // 'SUCCEEDED'
 * result.states; // ['NormalizeInput', 'CreateModelPackage', 'StartRecommenderJob', 'WaitForJob', ...]
 */
export async function runWorkflowLocally(input: unknown, options: LocalRunOptions): Promise<LocalRunResult> {
  const loaded = loadDefinition() as StateMachineDefinition;
  // The execution backstop (TimeoutSeconds, 90 days) is longer than a Node timer can wait
  // (2^31 - 1 ms, ~24.8 days): the interpreter's timer would overflow, fire after 1 ms and end
  // every local execution at once. Locally it is capped at the longest wait a timer takes.
  const definition: StateMachineDefinition =
    loaded.TimeoutSeconds !== undefined && loaded.TimeoutSeconds > MAX_TIMER_SECONDS
      ? { ...loaded, TimeoutSeconds: MAX_TIMER_SECONDS }
      : loaded;
  const taskKeys = taskFunctionKeys();
  const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
  for (const [stateName, key] of Object.entries(taskKeys)) {
    if (!(FUNCTION_NAMES as readonly string[]).includes(key))
      throw new Error(`Task ${stateName} names function "${key}", which functions/index.ts does not export`);
    const functionName = key as FunctionName;
    const override = options.handlerOverrides?.[functionName];
    const handler = override ?? handlerFactories[functionName](options.ports);
    handlers[stateName] = async (event) =>
      (await (override ? override(event) : handler(event, localLambdaContext(functionName)))) as JsonValue;
  }
  const states = definition.States as Record<string, { Type: string }>;
  const waitsMs =
    typeof options.waitTimeOverridesMs === 'function'
      ? options.waitTimeOverridesMs(definitionBounds(definition))
      : options.waitTimeOverridesMs;
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number | number[]> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Wait') waitTimeOverrides[name] = waitsMs?.[name] ?? 0;
    if (state.Type === 'Task' || state.Type === 'Map')
      retryIntervalOverrides[name] = options.retryIntervalOverridesMs?.[name] ?? 0;
  }
  for (const name of Object.keys(taskKeys))
    retryIntervalOverrides[name] ??= options.retryIntervalOverridesMs?.[name] ?? 0;

  // Step Functions runs a Distributed Map's batches; aws-local-stepfunctions does not batch, so
  // the map becomes a Task answered by the bridge (shared/workflow/distributed-map.ts), with the
  // children run on the same handlers and overrides.
  const overrides = { taskResourceLocalHandlers: handlers, waitTimeOverrides, retryIntervalOverrides };
  const visited: string[] = [];
  const entered = (name: string) => {
    visited.push(name);
    options.onStateEntered?.(name);
  };
  const bridged = bridgeDistributedMaps(definition, () => ({ overrides }), {
    ...(options.onDistributedMap ? { onRun: options.onDistributedMap } : {}),
    onStateEntered: entered,
  });
  Object.assign(handlers, bridged.handlers);
  const machine = new StateMachine(bridged.definition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const executionName = options.executionName ?? `local-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const execution = machine.run(input as JsonValue, {
    overrides,
    context: {
      Execution: {
        Id: localExecutionArn(executionName),
        Name: executionName,
        Input: input as JsonValue,
        StartTime: new Date().toISOString(),
      },
    },
  });

  const retries: LocalRunResult['retries'] = [];
  const lastFailure = new Map<string, string>();
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') entered(event.state.name);
      else if (event.type === 'StateRetried') {
        retries.push({ state: event.state.name, error: lastFailure.get(event.state.name) ?? 'unknown' });
      } else if (event.type === 'StateFailed') {
        lastFailure.set(event.state.name, event.Error);
      }
    }
  })();

  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, error: null, states: visited, retries };
  } catch (error) {
    await collecting.catch(() => undefined);
    if (error instanceof ExecutionError) {
      const cause = (error as ExecutionError & { cause?: unknown }).cause;
      const failure = cause instanceof Error ? cause : error;
      return {
        status: 'FAILED',
        output: null,
        error: { name: failure.name, cause: failure.message },
        states: visited,
        retries,
      };
    }
    throw error;
  }
}
