/**
 * The local endpoint: a real fleet of model-server processes behind one invocation URL, with
 * SageMaker's lifecycle (Creating -> InService <-> Updating, or Failed), the local CloudWatch fed
 * by the real requests and the processes' /proc, and the local Application Auto Scaling acting on
 * its published metrics, all on one scaled clock.
 *
 * - Scale-out: the endpoint is Updating; new processes start at once, and each joins the router
 *   only when it answers /ping and the start-up time (settings.startupSeconds) has passed.
 * - Scale-in: the removed instances serve for settings.scaleInUpdateSeconds (as the twin bills
 *   them), then leave the router, finish their in-flight requests and stop.
 * - While Updating, any other change is refused ("Cannot update in-progress endpoint").
 * - An instance that dies leaves the router at once (InService instances drop in the metrics) and
 *   is replaced by a new process after the start-up time.
 */
import { availableParallelism, totalmem } from 'node:os';
import { ConfigurationError, EndpointFailedError, InvalidInputError } from '../../../core/errors';
import type { EndpointStatus } from '../../../core/ports';
import { resolveSimSettings, type SimSettings } from '../../../core/sim/settings';
import { createLocalAutoScaling, type FleetActivity, type LocalAutoScaling } from './autoscaling';
import { createScaledClock, type ScaledClock } from './clock';
import {
  createLocalCloudWatch,
  type GetMetricDataInput,
  type GetMetricDataOutput,
  SAGEMAKER_NAMESPACE,
} from './cloudwatch';
import { type CpuLimitMode, detectCpuLimiter } from './cpu-limit';
import { guardExit } from './exit-guard';
import type { ServerCommand } from './instance';
import {
  emit,
  type FleetContext,
  type FleetEvent,
  inServiceOf,
  launchInstance,
  setStatus,
  updateInstanceCount,
} from './lifecycle';
import { startPeriodTicker } from './period-ticker';
import { type InvocationRecord, type RoutingStrategy, startRouter } from './router';

export type { FleetEvent } from './lifecycle';

/** Cores kept free for the router, the load generator and everything else on the machine. */
export const DEFAULT_RESERVED_CORES = 0.5;
/** vCPUs one instance stands for in CPUUtilization (0..100 x vCPUs), as an ml.c5.large's 2. */
export const DEFAULT_VCPUS_PER_INSTANCE = 2;
/** Memory one instance stands for in MemoryUtilization: 4 GiB, an ml.c5.large's. */
export const DEFAULT_INSTANCE_MEMORY_BYTES = 4 * 1024 ** 3;
/** Concurrency mode: requests one instance runs at a time. */
export const DEFAULT_CONCURRENCY_LIMIT = 1;
/** Concurrency mode: the least time one request takes on an instance, real milliseconds. */
export const DEFAULT_SERVICE_TIME_FLOOR_MS = 5;

/**
 * Cores of one instance so that `maxInstances` fit on the machine with `reservedCores` left over.
 *
 * @example
 * defaultInstanceCores(4, 2); // 0.375: four instances use 1.5 of 2 cores, 0.5 left
 */
export function defaultInstanceCores(
  maxInstances: number,
  cpuCount = availableParallelism(),
  reservedCores = DEFAULT_RESERVED_CORES,
): number {
  const cores = (cpuCount - reservedCores) / Math.max(1, maxInstances);
  if (!(cores >= 0.05))
    throw new ConfigurationError(
      `${maxInstances} instances do not fit on ${cpuCount} cores with ${reservedCores} reserved: lower MaxCapacity`,
    );
  return Math.floor(cores * 1000) / 1000;
}

export interface LocalEndpointOptions {
  endpointName: string;
  /** Default AllTraffic. */
  variantName?: string;
  command: ServerCommand;
  initialInstanceCount: number;
  /** The most instances that will run at once (MaxCapacity): sizes each instance. */
  maxInstances: number;
  /** AWS seconds per real second. */
  timeScale: number;
  /** Default RANDOM, SageMaker's default. */
  routingStrategy?: RoutingStrategy;
  /** AWS behaviour settings shared with the twin (start-up, publication delay, alarm shapes, timeout). */
  settings?: Partial<SimSettings>;
  /** Metric period, AWS seconds. Default 60. */
  periodSeconds?: number;
  /** Force a capacity mode; default: the best this machine allows. */
  cpuLimitMode?: CpuLimitMode;
  /** CPU quota of one instance, cores. Default {@link defaultInstanceCores}. */
  instanceCores?: number;
  vcpusPerInstance?: number;
  instanceMemoryBytes?: number;
  concurrencyLimit?: number;
  serviceTimeFloorMs?: number;
  /** Real ms an instance may take to answer /ping. Default 30,000. */
  startTimeoutMs?: number;
  /** Called on every change of the fleet (for a progress display). */
  onEvent?: (event: FleetEvent) => void;
}

export interface LocalEndpoint {
  endpointName: string;
  variantName: string;
  invocationsUrl: string;
  clock: ScaledClock;
  /** The capacity mode in force and why. */
  capacityMode: { mode: CpuLimitMode; note: string; instanceCores: number; vcpusPerInstance: number };
  autoscaling: LocalAutoScaling;
  status(): EndpointStatus;
  failureReason(): string | undefined;
  desiredInstanceCount(): number;
  inServiceInstances(): { id: string; pid: number; inFlight: number }[];
  activities: FleetActivity[];
  events: FleetEvent[];
  /** GetMetricData over what is published by now (or by `nowSeconds`). */
  getMetricData(input: GetMetricDataInput, nowSeconds?: number): GetMetricDataOutput;
  /** UpdateEndpointWeightsAndCapacities: refused while the endpoint is not InService. */
  updateInstanceCount(count: number, cause?: string): void;
  /** Resolves when the endpoint is InService (or rejects when it Failed). */
  waitInService(timeoutMs: number): Promise<void>;
  /** Stops everything it started. Idempotent. */
  stop(): Promise<void>;
}

function recordInvocation(ctx: FleetContext, r: InvocationRecord): void {
  const at = ctx.clock.atSeconds(r.receivedAtMs);
  const put = (name: string, value: number) => ctx.cloudWatch.put(SAGEMAKER_NAMESPACE, name, at, value);
  put('Invocations', 1);
  put('InvocationsPerInstance', 1 / Math.max(1, r.inServiceInstances));
  put('Invocation4XXErrors', r.outcome === '4xx' ? 1 : 0);
  put('Invocation5XXErrors', r.outcome === '5xx' ? 1 : 0);
  put('InvocationModelErrors', r.modelError ? 1 : 0);
  if (r.modelLatencyUs !== undefined) put('ModelLatency', r.modelLatencyUs);
  if (r.overheadLatencyUs !== undefined) put('OverheadLatency', r.overheadLatencyUs);
}

function fleetContext(options: LocalEndpointOptions): FleetContext {
  if (!(Number.isInteger(options.initialInstanceCount) && options.initialInstanceCount >= 1))
    throw new InvalidInputError(
      `initialInstanceCount must be an integer >= 1, got ${options.initialInstanceCount}`,
    );
  if (options.initialInstanceCount > options.maxInstances)
    throw new InvalidInputError(
      `initialInstanceCount ${options.initialInstanceCount} is above maxInstances ${options.maxInstances}`,
    );
  const settings = resolveSimSettings(options.settings);
  const periodSeconds = options.periodSeconds ?? 60;
  const clock = createScaledClock(options.timeScale);
  return {
    endpointName: options.endpointName,
    command: options.command,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    settings,
    clock,
    limiter: detectCpuLimiter(options.cpuLimitMode),
    instanceCores: options.instanceCores ?? defaultInstanceCores(options.maxInstances),
    vcpus: options.vcpusPerInstance ?? DEFAULT_VCPUS_PER_INSTANCE,
    memoryBytes: options.instanceMemoryBytes ?? Math.min(DEFAULT_INSTANCE_MEMORY_BYTES, totalmem()),
    periodSeconds,
    cloudWatch: createLocalCloudWatch({
      startEpochSeconds: clock.startEpochSeconds,
      periodSeconds,
      publicationDelaySeconds: settings.metricDelaySeconds,
    }),
    instances: new Map(),
    activities: [],
    events: [],
    abort: new AbortController(),
    state: { status: 'Creating', desired: options.initialInstanceCount, serial: 0 },
    statusWaiters: [],
    launches: new Set(),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
}

/** Kills every instance's process group at once (the synchronous way out). */
function killAllNow(ctx: FleetContext): void {
  for (const instance of ctx.instances.values()) {
    const pid = instance.running?.pid ?? instance.pid;
    if (pid)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    ctx.limiter.remove(instance.id);
  }
}

function waitInService(ctx: FleetContext, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      const { status, failure } = ctx.state;
      if (status === 'InService') return resolve();
      if (status === 'Failed') return reject(new EndpointFailedError(failure ?? 'endpoint Failed'));
      if (Date.now() > deadline)
        return reject(new EndpointFailedError(`endpoint still ${status} after ${timeoutMs} ms`));
      ctx.statusWaiters.push(check);
      setTimeout(check, 50);
    };
    check();
  });
}

/**
 * Creates the endpoint (status Creating) and resolves once it is InService.
 * @throws EndpointFailedError when an instance does not start (no process is left behind)
 *
 * @example
 * const endpoint = await createLocalEndpoint({ endpointName: 'ep', command: { kind: 'demo' }, initialInstanceCount: 1, maxInstances: 3, timeScale: 60 });
 * applyScalingRequests(endpoint.autoscaling, buildScalingRequests(target, policySet));
 * // POST endpoint.invocationsUrl ...
 * await endpoint.stop();
 */
export async function createLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const ctx = fleetContext(options);
  const { clock, limiter, settings, cloudWatch } = ctx;
  const release = guardExit(() => killAllNow(ctx));
  const router = await startRouter({
    endpointName: options.endpointName,
    strategy: options.routingStrategy ?? 'RANDOM',
    invocationTimeoutMs: clock.realMs(settings.invocationTimeoutSeconds),
    inService: () => inServiceOf(ctx),
    record: (r) => recordInvocation(ctx, r),
    ...(limiter.mode === 'concurrency'
      ? {
          concurrency: {
            limit: options.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT,
            serviceTimeFloorMs: options.serviceTimeFloorMs ?? DEFAULT_SERVICE_TIME_FLOOR_MS,
          },
        }
      : {}),
  });
  const autoscaling = createLocalAutoScaling({
    settings,
    periodSeconds: ctx.periodSeconds,
    startEpochSeconds: clock.startEpochSeconds,
    // At the period boundary being evaluated (the timer fires a little late, never the data early).
    read: (input, nowSeconds) => cloudWatch.getMetricData(input, nowSeconds).MetricDataResults,
  });
  let stopTicker = () => {};
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      ctx.abort.abort();
      stopTicker();
      // Instances still starting stop themselves on the abort; wait for them too.
      await Promise.allSettled([...ctx.launches]);
      await router.close();
      await Promise.all([...ctx.instances.values()].map((instance) => instance.running?.stop()));
      ctx.instances.clear();
      release();
    })();
    return stopped;
  };
  const endpoint: LocalEndpoint = {
    endpointName: options.endpointName,
    variantName: options.variantName ?? 'AllTraffic',
    invocationsUrl: router.invocationsUrl,
    clock,
    capacityMode: {
      mode: limiter.mode,
      note: limiter.note,
      instanceCores: ctx.instanceCores,
      vcpusPerInstance: ctx.vcpus,
    },
    autoscaling,
    status: () => ctx.state.status,
    failureReason: () => ctx.state.failure,
    desiredInstanceCount: () => ctx.state.desired,
    inServiceInstances: () =>
      inServiceOf(ctx).map((i) => ({ id: i.id, pid: i.running?.pid ?? 0, inFlight: i.inFlight })),
    activities: ctx.activities,
    events: ctx.events,
    getMetricData: (input, nowSeconds) => cloudWatch.getMetricData(input, nowSeconds ?? clock.nowSeconds()),
    updateInstanceCount: (count, cause = 'UpdateEndpointWeightsAndCapacities') =>
      updateInstanceCount(ctx, count, cause),
    waitInService: (timeoutMs) => waitInService(ctx, timeoutMs),
    stop,
  };
  emit(ctx, 'status', `Creating ${options.initialInstanceCount} instance(s); ${limiter.note}`);
  const created = await Promise.allSettled(
    Array.from({ length: options.initialInstanceCount }, () => launchInstance(ctx, false)),
  );
  const failed = created.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    ctx.state.failure = (failed.reason as Error).message;
    setStatus(ctx, 'Failed', ctx.state.failure);
    await stop();
    throw new EndpointFailedError(`endpoint ${options.endpointName} Failed: ${ctx.state.failure}`, {
      cause: failed.reason,
    });
  }
  setStatus(ctx, 'InService', `${options.initialInstanceCount} instance(s) InService`);
  stopTicker = startPeriodTicker(ctx, autoscaling);
  return endpoint;
}
