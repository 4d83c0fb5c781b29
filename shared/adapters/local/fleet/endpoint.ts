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
import { cpuUtilizationPercent, type ProcessSample, sampleProcesses } from '../loadgen/proc-stats';
import { createLocalAutoScaling, type FleetActivity, type LocalAutoScaling } from './autoscaling';
import { createScaledClock, type ScaledClock } from './clock';
import {
  createLocalCloudWatch,
  ENDPOINT_INSTANCE_NAMESPACE,
  type GetMetricDataInput,
  type GetMetricDataOutput,
  LOCAL_FLEET_NAMESPACE,
  SAGEMAKER_NAMESPACE,
} from './cloudwatch';
import { type CpuLimitMode, detectCpuLimiter } from './cpu-limit';
import { guardExit } from './exit-guard';
import { type RunningInstance, type ServerCommand, startInstance } from './instance';
import { type InvocationRecord, type RoutingStrategy, startRouter } from './router';

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

export interface FleetEvent {
  /** Epoch seconds of the scaled clock. */
  atSeconds: number;
  kind:
    | 'status'
    | 'instanceStarting'
    | 'instanceInService'
    | 'instanceDraining'
    | 'instanceStopped'
    | 'instanceDied'
    | 'instanceFailed'
    | 'scaling';
  message: string;
  status: EndpointStatus;
  desiredInstances: number;
  inServiceInstances: number;
}

interface FleetInstance {
  id: string;
  state: 'Pending' | 'InService' | 'Draining' | 'Stopped';
  inFlight: number;
  url: string;
  /** Known from the spawn on, so the exit guard can kill an instance that is still starting. */
  pid?: number;
  running?: RunningInstance;
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

/**
 * Creates the endpoint (status Creating) and resolves once it is InService.
 * @throws EndpointFailedError when an instance does not start (no process is left behind)
 *
 * @example
 * const endpoint = await createLocalEndpoint({ endpointName: 'ep', command: { kind: 'demo' }, initialInstanceCount: 1, maxInstances: 3, timeScale: 60 });
 * for (const request of buildScalingRequests(...)) endpoint.autoscaling.put...(request);
 * // POST endpoint.invocationsUrl ...
 * await endpoint.stop();
 */
export async function createLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const settings = resolveSimSettings(options.settings);
  const periodSeconds = options.periodSeconds ?? 60;
  const variantName = options.variantName ?? 'AllTraffic';
  if (!(Number.isInteger(options.initialInstanceCount) && options.initialInstanceCount >= 1))
    throw new InvalidInputError(
      `initialInstanceCount must be an integer >= 1, got ${options.initialInstanceCount}`,
    );
  if (options.initialInstanceCount > options.maxInstances)
    throw new InvalidInputError(
      `initialInstanceCount ${options.initialInstanceCount} is above maxInstances ${options.maxInstances}`,
    );
  const clock = createScaledClock(options.timeScale);
  const limiter = detectCpuLimiter(options.cpuLimitMode);
  const instanceCores = options.instanceCores ?? defaultInstanceCores(options.maxInstances);
  const vcpus = options.vcpusPerInstance ?? DEFAULT_VCPUS_PER_INSTANCE;
  const memoryBytes = options.instanceMemoryBytes ?? Math.min(DEFAULT_INSTANCE_MEMORY_BYTES, totalmem());
  const cloudWatch = createLocalCloudWatch({
    startEpochSeconds: clock.startEpochSeconds,
    periodSeconds,
    publicationDelaySeconds: settings.metricDelaySeconds,
  });
  const instances = new Map<string, FleetInstance>();
  const activities: FleetActivity[] = [];
  const events: FleetEvent[] = [];
  const abort = new AbortController();
  let status: EndpointStatus = 'Creating';
  let failure: string | undefined;
  let desired = options.initialInstanceCount;
  let serial = 0;
  let statusWaiters: (() => void)[] = [];

  const inService = () => [...instances.values()].filter((instance) => instance.state === 'InService');
  const emit = (kind: FleetEvent['kind'], message: string) => {
    const event: FleetEvent = {
      atSeconds: clock.nowSeconds(),
      kind,
      message,
      status,
      desiredInstances: desired,
      inServiceInstances: inService().length,
    };
    events.push(event);
    options.onEvent?.(event);
  };
  const setStatus = (next: EndpointStatus, message: string) => {
    status = next;
    emit('status', message);
    for (const waiter of statusWaiters) waiter();
    statusWaiters = [];
  };
  const release = guardExit(() => {
    for (const instance of instances.values()) {
      const pid = instance.running?.pid ?? instance.pid;
      if (pid)
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      limiter.remove(instance.id);
    }
  });

  const record = (r: InvocationRecord) => {
    const at = clock.atSeconds(r.receivedAtMs);
    const put = (name: string, value: number) => cloudWatch.put(SAGEMAKER_NAMESPACE, name, at, value);
    put('Invocations', 1);
    put('InvocationsPerInstance', 1 / Math.max(1, r.inServiceInstances));
    put('Invocation4XXErrors', r.outcome === '4xx' ? 1 : 0);
    put('Invocation5XXErrors', r.outcome === '5xx' ? 1 : 0);
    put('InvocationModelErrors', r.modelError ? 1 : 0);
    if (r.modelLatencyUs !== undefined) put('ModelLatency', r.modelLatencyUs);
    if (r.overheadLatencyUs !== undefined) put('OverheadLatency', r.overheadLatencyUs);
  };
  const router = await startRouter({
    endpointName: options.endpointName,
    strategy: options.routingStrategy ?? 'RANDOM',
    invocationTimeoutMs: clock.realMs(settings.invocationTimeoutSeconds),
    inService,
    record,
    ...(limiter.mode === 'concurrency'
      ? {
          concurrency: {
            limit: options.concurrencyLimit ?? DEFAULT_CONCURRENCY_LIMIT,
            serviceTimeFloorMs: options.serviceTimeFloorMs ?? DEFAULT_SERVICE_TIME_FLOOR_MS,
          },
        }
      : {}),
  });

  const stopInstance = async (instance: FleetInstance) => {
    instance.state = 'Stopped';
    await instance.running?.stop();
    instances.delete(instance.id);
    emit('instanceStopped', `instance ${instance.id} stopped`);
  };

  const launches = new Set<Promise<unknown>>();
  /** Starts one process; it joins the router after /ping and the start-up time. */
  const launch = (waitStartup: boolean): Promise<FleetInstance> => {
    const started = launchOne(waitStartup);
    launches.add(started);
    const forget = () => launches.delete(started);
    started.then(forget, forget);
    return started;
  };
  const launchOne = async (waitStartup: boolean): Promise<FleetInstance> => {
    serial += 1;
    const id = `${options.endpointName}-${serial}`;
    const instance: FleetInstance = { id, state: 'Pending', inFlight: 0, url: '' };
    instances.set(id, instance);
    emit('instanceStarting', `instance ${id} starting`);
    const startup = waitStartup ? clock.sleep(settings.startupSeconds, abort.signal) : Promise.resolve();
    try {
      instance.running = await startInstance({
        id,
        command: options.command,
        limiter,
        cores: instanceCores,
        startTimeoutMs: options.startTimeoutMs ?? 30_000,
        signal: abort.signal,
        onSpawn: (pid) => {
          instance.pid = pid;
        },
        onUnexpectedExit: (deadId, why) => onDeath(deadId, why),
      });
      instance.url = instance.running.url;
      await startup;
    } catch (error) {
      instances.delete(id);
      emit('instanceFailed', (error as Error).message);
      throw error;
    }
    if (abort.signal.aborted || instance.state !== 'Pending') return instance;
    instance.state = 'InService';
    emit('instanceInService', `instance ${id} InService`);
    return instance;
  };

  const onDeath = (id: string, why: string) => {
    const instance = instances.get(id);
    if (!instance || instance.state === 'Stopped' || abort.signal.aborted) return;
    instance.state = 'Stopped';
    instances.delete(id);
    emit('instanceDied', `instance ${id} died (${why}); replacing it`);
    // SageMaker replaces an unhealthy instance without a change of the desired count.
    launch(true).catch(() => {
      // The replacement's failure is in the events; the fleet keeps serving with fewer instances.
    });
  };

  const scaleOut = async (count: number) => {
    const results = await Promise.allSettled(Array.from({ length: count }, () => launch(true)));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      // The update fails and rolls back to the instances that did start (UpdateRollback).
      desired -= failed.length;
      failure = ((failed[0] as PromiseRejectedResult).reason as Error).message;
    }
  };

  const scaleIn = async (count: number) => {
    const removed = inService().slice(-count);
    await clock.sleep(settings.scaleInUpdateSeconds, abort.signal);
    for (const instance of removed) {
      instance.state = 'Draining';
      emit('instanceDraining', `instance ${instance.id} draining ${instance.inFlight} request(s)`);
    }
    const drainDeadline = Date.now() + clock.realMs(settings.invocationTimeoutSeconds) + 1_000;
    while (removed.some((instance) => instance.inFlight > 0) && Date.now() < drainDeadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.all(removed.map(stopInstance));
  };

  const updateInstanceCount = (count: number, cause = 'UpdateEndpointWeightsAndCapacities') => {
    if (status !== 'InService')
      throw new InvalidInputError(
        `Cannot update in-progress endpoint ${options.endpointName}: its status is ${status}`,
      );
    if (!(Number.isInteger(count) && count >= 1))
      throw new InvalidInputError(`DesiredInstanceCount must be an integer >= 1, got ${count}`);
    const from = desired;
    if (count === from) return;
    desired = count;
    setStatus('Updating', `${cause}: ${from} -> ${count} instances`);
    const work = count > from ? scaleOut(count - from) : scaleIn(from - count);
    work
      .catch((error: unknown) => {
        failure = (error as Error).message;
      })
      .finally(() => {
        if (!abort.signal.aborted) setStatus('InService', `update to ${desired} instances complete`);
      });
  };

  // Per period: the instances' CPU and memory from /proc, the fleet size, then the scaler.
  let previous: { samples: ProcessSample[]; realMs: number } | undefined;
  let nextBoundary = clock.startEpochSeconds + periodSeconds;
  let ticker: NodeJS.Timeout | undefined;
  const tick = () => {
    const boundary = nextBoundary;
    nextBoundary += periodSeconds;
    const periodAt = boundary - periodSeconds;
    const serving = inService();
    const samples = sampleProcesses(serving.map((instance) => instance.running?.pid ?? 0));
    const nowMs = Date.now();
    if (previous) {
      const wallSeconds = (nowMs - previous.realMs) / 1000;
      for (const sample of samples) {
        const used = cpuUtilizationPercent(previous.samples, [sample], wallSeconds);
        // Percent of the instance's quota, times its vCPUs: 0..100 x vCPUs as SageMaker reports.
        cloudWatch.put(
          ENDPOINT_INSTANCE_NAMESPACE,
          'CPUUtilization',
          periodAt,
          (used / instanceCores) * vcpus,
        );
        cloudWatch.put(
          ENDPOINT_INSTANCE_NAMESPACE,
          'MemoryUtilization',
          periodAt,
          (100 * (sample.rssBytes ?? 0)) / memoryBytes,
        );
      }
    }
    previous = { samples, realMs: nowMs };
    cloudWatch.put(LOCAL_FLEET_NAMESPACE, 'InServiceInstances', periodAt, serving.length);
    const activity = autoscaling.evaluate(boundary, {
      desiredCapacity: desired,
      updating: status !== 'InService',
    });
    if (activity && status === 'InService') {
      activities.push(activity);
      emit(
        'scaling',
        `${activity.cause}: ${activity.fromCapacity} -> ${activity.toCapacity} (${activity.reason})`,
      );
      updateInstanceCount(activity.toCapacity, activity.cause);
    }
    schedule();
  };
  const schedule = () => {
    if (abort.signal.aborted) return;
    const delayMs = Math.max(0, clock.realMs(nextBoundary - clock.nowSeconds()));
    ticker = setTimeout(tick, delayMs);
  };
  const autoscaling = createLocalAutoScaling({
    settings,
    periodSeconds,
    startEpochSeconds: clock.startEpochSeconds,
    // At the period boundary being evaluated (the timer fires a little late, never the data early).
    read: (input, nowSeconds) => cloudWatch.getMetricData(input, nowSeconds).MetricDataResults,
  });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      abort.abort();
      if (ticker) clearTimeout(ticker);
      // Instances still starting stop themselves on the abort; wait for them too.
      await Promise.allSettled([...launches]);
      await router.close();
      await Promise.all([...instances.values()].map((instance) => instance.running?.stop()));
      instances.clear();
      release();
    })();
    return stopped;
  };

  const endpoint: LocalEndpoint = {
    endpointName: options.endpointName,
    variantName,
    invocationsUrl: router.invocationsUrl,
    clock,
    capacityMode: { mode: limiter.mode, note: limiter.note, instanceCores, vcpusPerInstance: vcpus },
    autoscaling,
    status: () => status,
    failureReason: () => failure,
    desiredInstanceCount: () => desired,
    inServiceInstances: () =>
      inService().map((instance) => ({
        id: instance.id,
        pid: instance.running?.pid ?? 0,
        inFlight: instance.inFlight,
      })),
    activities,
    events,
    getMetricData: (input, nowSeconds) => cloudWatch.getMetricData(input, nowSeconds ?? clock.nowSeconds()),
    updateInstanceCount,
    waitInService: (timeoutMs) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          if (status === 'InService') return resolve();
          if (status === 'Failed') return reject(new EndpointFailedError(failure ?? 'endpoint Failed'));
          if (Date.now() > deadline)
            return reject(new EndpointFailedError(`endpoint still ${status} after ${timeoutMs} ms`));
          statusWaiters.push(check);
          setTimeout(check, 50);
        };
        check();
      }),
    stop,
  };

  emit('status', `Creating ${options.initialInstanceCount} instance(s); ${limiter.note}`);
  const created = await Promise.allSettled(
    Array.from({ length: options.initialInstanceCount }, () => launch(false)),
  );
  const failed = created.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    failure = (failed.reason as Error).message;
    setStatus('Failed', failure);
    await stop();
    throw new EndpointFailedError(`endpoint ${options.endpointName} Failed: ${failure}`, {
      cause: failed.reason,
    });
  }
  setStatus('InService', `${options.initialInstanceCount} instance(s) InService`);
  schedule();
  return endpoint;
}
