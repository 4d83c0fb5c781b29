/**
 * The bridge that runs a Distributed Map locally. aws-local-stepfunctions runs a Map's
 * ItemProcessor per item with ItemsPath and MaxConcurrency, but knows nothing of ItemBatcher
 * (each child would receive one item instead of `{ Items, BatchInput }`), ToleratedFailure*
 * (one failed child fails the Map) or ProcessorConfig. So, in the definition it is given (the
 * file is never changed), each Map in DISTRIBUTED mode becomes a Task whose local handler does
 * what Step Functions does for it:
 *
 * - the items from `ItemsPath` (a `$.a.b` path of the state's input; ItemReader is not bridged);
 * - batches of at most `ItemBatcher.MaxItemsPerBatch` items and `MaxInputBytesPerBatch` bytes,
 *   each child's input `{ Items, BatchInput }`, `BatchInput` a payload template over the input;
 * - the ItemProcessor run per batch as its own execution of aws-local-stepfunctions, with the
 *   same Task handlers and overrides, at most `MaxConcurrency` at once;
 * - a failed child's result is its `{ Error, Cause }`; more failures than
 *   `ToleratedFailurePercentage` / `ToleratedFailureCount` allow fail the state with
 *   `States.ExceedToleratedFailureThreshold`.
 *
 * The Task keeps the Map's InputPath, ResultSelector, ResultPath, OutputPath, Retry, Catch and
 * Next, which a Task applies the same way.
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

type Json = Parameters<StateMachine['run']>[0];
type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;

/** Prefix of the fake Lambda ARN a bridged Map's Task gets (never called: a local handler answers). */
export const DISTRIBUTED_MAP_ARN_PREFIX =
  'arn:aws:lambda:us-east-1:123456789012:function:local-distributed-map-';

interface MapState {
  Type: 'Map';
  ItemsPath?: string;
  ItemReader?: unknown;
  ItemSelector?: unknown;
  ItemBatcher?: {
    MaxItemsPerBatch?: number;
    MaxInputBytesPerBatch?: number;
    BatchInput?: Record<string, Json>;
  };
  MaxConcurrency?: number;
  ToleratedFailurePercentage?: number;
  ToleratedFailureCount?: number;
  ItemProcessor: { ProcessorConfig?: { Mode?: string }; StartAt: string; States: Record<string, unknown> };
  [key: string]: unknown;
}

/** What a bridged Map did, for the caller (the bench counts child executions). */
export interface DistributedMapRun {
  state: string;
  items: number;
  childExecutions: number;
  failedChildren: number;
}

export interface BridgeHooks {
  /** After each bridged Map, with what it ran. */
  onRun?: (run: DistributedMapRun) => void;
  /** Each state a child execution enters (Step Functions shows them in the Map Run). */
  onStateEntered?: (stateName: string) => void;
}

export interface BridgedDefinition {
  definition: StateMachineDefinition;
  /** Local handlers of the bridged Maps' Tasks, by state name. */
  handlers: Record<string, (input: Json) => Promise<Json>>;
}

const isDistributedMap = (state: unknown): state is MapState =>
  (state as MapState | undefined)?.Type === 'Map' &&
  (state as MapState).ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';

/** Reads a `$`, `$.a` or `$.a.b` path (the only form the bridge takes). */
function readPath(input: unknown, path: string, what: string): unknown {
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path))
    throw new Error(
      `local Distributed Map: ${what} ${path} is not a plain $.a.b path, which the bridge reads`,
    );
  return path
    .split('.')
    .slice(1)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], input);
}

function batchInputOf(template: Record<string, Json> | undefined, input: unknown): Json | undefined {
  if (!template) return undefined;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$')
        ? [key.slice(0, -2), readPath(input, String(value), 'BatchInput') as Json]
        : [key, value],
    ),
  ) as Json;
}

/** Items cut into batches by count and by bytes of JSON (a single item above the byte limit is a batch of its own). */
export function batchItems(items: Json[], maxItems: number, maxBytes: number): Json[][] {
  const batches: Json[][] = [];
  let current: Json[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

async function runLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

function bridgeHandler(
  name: string,
  state: MapState,
  runOptions: () => RunOptions,
  hooks: BridgeHooks,
): (input: Json) => Promise<Json> {
  if (state.ItemReader !== undefined || state.ItemSelector !== undefined)
    throw new Error(`local Distributed Map ${name}: ItemReader and ItemSelector are not bridged`);
  const { ProcessorConfig: _, ...processor } = state.ItemProcessor;
  const child = new StateMachine(processor as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  return async (input) => {
    const items = readPath(input, state.ItemsPath ?? '$', 'ItemsPath');
    if (!Array.isArray(items)) throw new Error(`local Distributed Map ${name}: ItemsPath is not an array`);
    const batcher = state.ItemBatcher;
    const batches = batcher
      ? batchItems(
          items as Json[],
          batcher.MaxItemsPerBatch ?? Number.POSITIVE_INFINITY,
          batcher.MaxInputBytesPerBatch ?? 262_144,
        )
      : (items as Json[]).map((item) => [item]);
    const batchInput = batchInputOf(batcher?.BatchInput, input);
    let failed = 0;
    const results = await runLimited(
      batches.map((batch) => async (): Promise<Json> => {
        const childInput = batcher
          ? ({ Items: batch, ...(batchInput === undefined ? {} : { BatchInput: batchInput }) } as Json)
          : batch[0]!;
        const execution = child.run(childInput, runOptions());
        const forwarding = (async () => {
          for await (const event of execution.eventLogs)
            if (event.type === 'StateEntered') hooks.onStateEntered?.(event.state.name);
        })();
        try {
          const output = await execution.result;
          await forwarding;
          return output;
        } catch (error) {
          await forwarding.catch(() => undefined);
          failed++;
          const cause =
            error instanceof ExecutionError ? ((error as { cause?: unknown }).cause ?? error) : error;
          const e = cause instanceof Error ? cause : new Error(String(cause));
          return { Error: e.name, Cause: e.message };
        }
      }),
      state.MaxConcurrency || 40,
    );
    hooks.onRun?.({
      state: name,
      items: items.length,
      childExecutions: batches.length,
      failedChildren: failed,
    });
    const allowedCount = Math.min(
      state.ToleratedFailureCount ?? Number.POSITIVE_INFINITY,
      state.ToleratedFailurePercentage === undefined
        ? state.ToleratedFailureCount === undefined
          ? 0
          : Number.POSITIVE_INFINITY
        : (state.ToleratedFailurePercentage / 100) * batches.length,
    );
    if (failed > allowedCount) {
      const error = new Error(
        `${failed} of ${batches.length} child executions failed, above the tolerated failures`,
      );
      error.name = 'States.ExceedToleratedFailureThreshold';
      throw error;
    }
    return results as Json;
  };
}

/**
 * The definition with every Distributed Map replaced by a Task answered by the bridge (see the
 * file comment), and those Tasks' handlers. `runOptions` gives the children the run's overrides.
 * @example bridgeDistributedMaps(definition, () => ({ overrides })).handlers.SearchPolicies
 */
export function bridgeDistributedMaps(
  definition: StateMachineDefinition,
  runOptions: () => RunOptions,
  hooks: BridgeHooks = {},
): BridgedDefinition {
  const handlers: BridgedDefinition['handlers'] = {};
  const states = definition.States as Record<string, unknown>;
  const bridged: Record<string, unknown> = {};
  for (const [name, state] of Object.entries(states)) {
    if (!isDistributedMap(state)) {
      bridged[name] = state;
      continue;
    }
    const {
      ItemsPath: _items,
      ItemBatcher: _batcher,
      ItemProcessor: _processor,
      MaxConcurrency: _concurrency,
      ToleratedFailurePercentage: _percentage,
      ToleratedFailureCount: _count,
      ...kept
    } = state;
    bridged[name] = { ...kept, Type: 'Task', Resource: `${DISTRIBUTED_MAP_ARN_PREFIX}${name}` };
    handlers[name] = bridgeHandler(name, state, runOptions, hooks);
  }
  return { definition: { ...definition, States: bridged } as StateMachineDefinition, handlers };
}
