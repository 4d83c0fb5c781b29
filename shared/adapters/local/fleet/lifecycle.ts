/**
 * The fleet's instances over time: starting one (it joins the router after /ping and the start-up
 * time), replacing one that died, and the endpoint updates of SageMaker (Updating while instances
 * come in or drain out; any other change refused meanwhile). State lives in one FleetContext that
 * the endpoint, the router and the period ticker share.
 */
import { InvalidInputError } from '../../../core/errors';
import type { EndpointStatus } from '../../../core/ports';
import type { SimSettings } from '../../../core/sim/settings';
import type { FleetActivity } from './autoscaling';
import type { ScaledClock } from './clock';
import type { LocalCloudWatch } from './cloudwatch';
import type { CpuLimiter } from './cpu-limit';
import { type RunningInstance, type ServerCommand, startInstance } from './instance';

export interface FleetInstance {
  id: string;
  state: 'Pending' | 'InService' | 'Draining' | 'Stopped';
  inFlight: number;
  url: string;
  /** Known from the spawn on, so the exit guard can kill an instance that is still starting. */
  pid?: number;
  running?: RunningInstance;
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

/** Everything the parts of one fleet share. */
export interface FleetContext {
  endpointName: string;
  command: ServerCommand;
  startTimeoutMs: number;
  settings: SimSettings;
  clock: ScaledClock;
  limiter: CpuLimiter;
  instanceCores: number;
  vcpus: number;
  memoryBytes: number;
  periodSeconds: number;
  cloudWatch: LocalCloudWatch;
  instances: Map<string, FleetInstance>;
  activities: FleetActivity[];
  events: FleetEvent[];
  abort: AbortController;
  state: { status: EndpointStatus; failure?: string; desired: number; serial: number };
  statusWaiters: (() => void)[];
  launches: Set<Promise<unknown>>;
  onEvent?: (event: FleetEvent) => void;
}

export function inServiceOf(ctx: FleetContext): FleetInstance[] {
  return [...ctx.instances.values()].filter((instance) => instance.state === 'InService');
}

export function emit(ctx: FleetContext, kind: FleetEvent['kind'], message: string): void {
  const event: FleetEvent = {
    atSeconds: ctx.clock.nowSeconds(),
    kind,
    message,
    status: ctx.state.status,
    desiredInstances: ctx.state.desired,
    inServiceInstances: inServiceOf(ctx).length,
  };
  ctx.events.push(event);
  ctx.onEvent?.(event);
}

export function setStatus(ctx: FleetContext, next: EndpointStatus, message: string): void {
  ctx.state.status = next;
  emit(ctx, 'status', message);
  const waiters = ctx.statusWaiters.splice(0);
  for (const waiter of waiters) waiter();
}

async function stopInstance(ctx: FleetContext, instance: FleetInstance): Promise<void> {
  instance.state = 'Stopped';
  await instance.running?.stop();
  ctx.instances.delete(instance.id);
  emit(ctx, 'instanceStopped', `instance ${instance.id} stopped`);
}

/** Starts one process; it joins the router after /ping and (when asked) the start-up time. */
export function launchInstance(ctx: FleetContext, waitStartup: boolean): Promise<FleetInstance> {
  const started = launchOne(ctx, waitStartup);
  ctx.launches.add(started);
  const forget = () => ctx.launches.delete(started);
  started.then(forget, forget);
  return started;
}

async function launchOne(ctx: FleetContext, waitStartup: boolean): Promise<FleetInstance> {
  ctx.state.serial += 1;
  const id = `${ctx.endpointName}-${ctx.state.serial}`;
  const instance: FleetInstance = { id, state: 'Pending', inFlight: 0, url: '' };
  ctx.instances.set(id, instance);
  emit(ctx, 'instanceStarting', `instance ${id} starting`);
  const { signal } = ctx.abort;
  const startup = waitStartup ? ctx.clock.sleep(ctx.settings.startupSeconds, signal) : Promise.resolve();
  try {
    instance.running = await startInstance({
      id,
      command: ctx.command,
      limiter: ctx.limiter,
      cores: ctx.instanceCores,
      startTimeoutMs: ctx.startTimeoutMs,
      signal,
      onSpawn: (pid) => {
        instance.pid = pid;
      },
      onUnexpectedExit: (deadId, why) => onDeath(ctx, deadId, why),
    });
    instance.url = instance.running.url;
    await startup;
  } catch (error) {
    ctx.instances.delete(id);
    emit(ctx, 'instanceFailed', (error as Error).message);
    throw error;
  }
  if (signal.aborted || instance.state !== 'Pending') return instance;
  instance.state = 'InService';
  emit(ctx, 'instanceInService', `instance ${id} InService`);
  return instance;
}

function onDeath(ctx: FleetContext, id: string, why: string): void {
  const instance = ctx.instances.get(id);
  if (!instance || instance.state === 'Stopped' || ctx.abort.signal.aborted) return;
  instance.state = 'Stopped';
  ctx.instances.delete(id);
  emit(ctx, 'instanceDied', `instance ${id} died (${why}); replacing it`);
  // SageMaker replaces an unhealthy instance without a change of the desired count.
  launchInstance(ctx, true).catch(() => {
    // The replacement's failure is in the events; the fleet keeps serving with fewer instances.
  });
}

async function scaleOut(ctx: FleetContext, count: number): Promise<void> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => launchInstance(ctx, true)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    // The update fails and rolls back to the instances that did start (UpdateRollback).
    ctx.state.desired -= failed.length;
    ctx.state.failure = ((failed[0] as PromiseRejectedResult).reason as Error).message;
  }
}

async function scaleIn(ctx: FleetContext, count: number): Promise<void> {
  const removed = inServiceOf(ctx).slice(-count);
  await ctx.clock.sleep(ctx.settings.scaleInUpdateSeconds, ctx.abort.signal);
  for (const instance of removed) {
    instance.state = 'Draining';
    emit(ctx, 'instanceDraining', `instance ${instance.id} draining ${instance.inFlight} request(s)`);
  }
  const drainDeadline = Date.now() + ctx.clock.realMs(ctx.settings.invocationTimeoutSeconds) + 1_000;
  while (removed.some((instance) => instance.inFlight > 0) && Date.now() < drainDeadline)
    await new Promise((resolve) => setTimeout(resolve, 10));
  await Promise.all(removed.map((instance) => stopInstance(ctx, instance)));
}

/**
 * UpdateEndpointWeightsAndCapacities: Updating until the new instances are InService or the
 * removed ones stopped.
 * @throws InvalidInputError while the endpoint is not InService, or for a count below 1
 */
export function updateInstanceCount(ctx: FleetContext, count: number, cause: string): void {
  const { state } = ctx;
  if (state.status !== 'InService')
    throw new InvalidInputError(
      `Cannot update in-progress endpoint ${ctx.endpointName}: its status is ${state.status}`,
    );
  if (!(Number.isInteger(count) && count >= 1))
    throw new InvalidInputError(`DesiredInstanceCount must be an integer >= 1, got ${count}`);
  const from = state.desired;
  if (count === from) return;
  state.desired = count;
  setStatus(ctx, 'Updating', `${cause}: ${from} -> ${count} instances`);
  const work = count > from ? scaleOut(ctx, count - from) : scaleIn(ctx, from - count);
  work
    .catch((error: unknown) => {
      state.failure = (error as Error).message;
    })
    .finally(() => {
      if (!ctx.abort.signal.aborted)
        setStatus(ctx, 'InService', `update to ${state.desired} instances complete`);
    });
}
