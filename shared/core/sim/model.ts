/**
 * The twin of a SageMaker variant scaled by Application Auto Scaling: a step function over
 * (state, observation, now, context) folded over the traffic by `simulate`.
 *
 * Each step of `stepSeconds`:
 * 1. an endpoint update whose time is up completes (new instances InService, removed ones gone);
 * 2. at every minute boundary: scheduled actions run, then, unless the endpoint is Updating (no
 *    change is possible then), every policy reads the datapoints published so far (a minute's
 *    datapoint appears metricDelaySeconds after the minute ends) and the combined decision starts
 *    an update (Updating for startupSeconds on scale-out, scaleInUpdateSeconds on scale-in);
 * 3. the InService instances serve the step's requests: each serves at most the benchmark's peak
 *    invocations per minute; above that requests queue (first in, first out), their wait adds to
 *    the curve's latency at the peak, and requests that would wait past the invocation timeout
 *    are 5XX errors. Closed-loop users are spread over the instances, each a server solved by
 *    mean value analysis (queueing.ts; or, with closedLoopModel 'latencyCurve', throughput =
 *    users / latency read off the curve, capped by the fleet).
 * 4. the step's requests are added to the minute's CloudWatch-like datapoints (and, with a
 *    concurrency policy, to the 10-second ConcurrentRequestsPerModel datapoints, whose alarms are
 *    evaluated at every 10-second boundary).
 */
import { InvalidInputError } from '../errors';
import { approximatePricePerHourUsd } from '../instance-types';
import type { BenchmarkAnalysis, PolicySet } from '../types';
import {
  type CompiledLatencyCurve,
  compileLatencyCurve,
  knotsMeanMs,
  latencyKnots,
  shareAtOrBelow,
} from './latency';
import {
  type AlarmMemory,
  type CooldownState,
  combineProposals,
  highResolutionAlarmSettings,
  type NotScaledCode,
  type PolicyName,
  type Proposal,
  stepScalingProposal,
  targetTrackingProposal,
} from './policies';
import { closedLoopKnots, closedLoopMva, deriveServiceModel, type ServiceModel } from './queueing';
import { type ScheduledRun, scheduledRuns } from './schedule';
import { resolveSimSettings, type SimSettings } from './settings';
import { resampleTraffic, type Traffic } from './traffic';

/** One change of the desired capacity. */
export interface ScalingActivity {
  /** When the change was decided, seconds since the epoch and ISO 8601 UTC. */
  epochSeconds: number;
  time: string;
  fromCapacity: number;
  toCapacity: number;
  /** The policy that won, `scheduledAction:<name>`, or `bounds` (capacity moved into new Min/Max). */
  cause: PolicyName | `scheduledAction:${string}` | 'bounds';
  reason: string;
}

export interface SimulationSpec {
  policySet: PolicySet;
  analysis: BenchmarkAnalysis;
  traffic: Traffic;
  /** A request is within the SLO when answered without error in at most this latency, ms. */
  latencySloMs: number;
  settings?: Partial<SimSettings>;
  /** InService instances at the start; default minCapacity. */
  initialInstances?: number;
  /** Stop at the end of the first minute with at least this many invocations (IR's MaxInvocations). */
  stopAtInvocationsPerMinute?: number;
  /** InvocationsPerInstance per minute of the oracle fleet; default the policy's target (see results). */
  oracleTargetInvocationsPerInstance?: number;
  /** Compute the latency percentiles of the summary (default true; the search skips them for speed). */
  computePercentiles?: boolean;
}

/** What the step function reads, compiled once per run. */
export interface SimulationContext {
  spec: SimulationSpec;
  settings: SimSettings;
  curve: CompiledLatencyCurve;
  /** One instance as a queueing server, for closed-loop users (settings.closedLoopModel). */
  service: ServiceModel;
  /** Requests per second one InService instance serves at most (peak / 60). */
  capacityRpsPerInstance: number;
  cpuMaxPercent: number;
  scheduled: ScheduledRun[];
  scaleInVoters: PolicyName[];
  /** The high-resolution concurrency policy's datapoints and alarms; null without that policy. */
  highResolution: {
    periodSeconds: number;
    metricDelaySeconds: number;
    /** The settings with the high-resolution alarms (highResolutionAlarmSettings). */
    alarmSettings: SimSettings;
  } | null;
}

/** Per-minute CloudWatch-like datapoints, typed arrays indexed by minute. */
export interface MinuteSeries {
  /** Requests that reached the endpoint (served or failed). */
  invocations: Float64Array;
  /** Sum over requests of 1 / InService instances: SageMaker's InvocationsPerInstance (Sum). */
  invocationsPerInstance: Float64Array;
  /** CPUUtilization Average (percent summed over vCPUs), from the benchmark's CPU fit. */
  cpuUtilizationPercent: Float64Array;
  invocation5xxErrors: Float64Array;
  /** Requests answered within the SLO without error. */
  withinSlo: Float64Array;
  /** Average latency of answered requests, ms (0 when none). */
  avgLatencyMs: Float64Array;
  /** InService instances and desired capacity at the end of the minute. */
  inServiceInstances: Float64Array;
  desiredCapacity: Float64Array;
  /** Requests that arrived (open traffic) or were sent (closed traffic). */
  demand: Float64Array;
}

/** The mutable state of one run (owned by the run; `advanceSimulation` updates it in place for speed). */
export interface SimulationState {
  stepIndex: number;
  inService: number;
  desired: number;
  minCapacity: number;
  maxCapacity: number;
  update: {
    direction: 'out' | 'in';
    fromCapacity: number;
    toCapacity: number;
    completesAtSeconds: number;
  } | null;
  /** Requests waiting (open traffic). */
  backlog: number;
  cooldown: CooldownState;
  /**
   * The scheduled action whose new Min/Max the capacity still has to move into (it ran while the
   * endpoint was Updating); the activity that moves it keeps the action's name.
   */
  pendingBoundsCause: ScalingActivity['cause'] | null;
  memory: Record<PolicyName, AlarmMemory>;
  nextScheduled: number;
  minutes: MinuteSeries;
  /**
   * Per high-resolution period (10 s): ConcurrentRequestsPerModel per instance (mean over the
   * period, Little's law: answered requests per second x their latency, queueing included, over
   * the InService instances) and the InService instances; empty without a concurrency policy.
   */
  highResolution: { concurrencyPerInstance: Float64Array; inServiceInstances: Float64Array };
  /** Per step: answered requests and the five latency knots (ms), for percentiles. */
  stepServed: Float64Array;
  stepKnots: Float64Array;
  instanceSeconds: number;
  activities: ScalingActivity[];
  notScaled: Partial<Record<NotScaledCode, number>>;
  stopped: boolean;
}

/** The observation of one step: requests arriving (open) or users (closed). */
export interface StepObservation {
  kind: 'open' | 'closed';
  value: number;
}

function isoOf(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString();
}

/** Validates the spec and compiles what the step function reads. Throws InvalidInputError. */
export function createSimulationContext(spec: SimulationSpec): SimulationContext {
  const { policySet, analysis } = spec;
  const given = resolveSimSettings(spec.settings);
  // The price used is part of the context's settings, so a printed result says what it was.
  const settings: SimSettings = {
    ...given,
    pricePerInstanceHourUsd:
      given.pricePerInstanceHourUsd ?? approximatePricePerHourUsd(analysis.instanceType) ?? null,
  };
  if (!(settings.stepSeconds > 0) || 60 % settings.stepSeconds !== 0)
    throw new InvalidInputError(`simulation: stepSeconds must divide 60, got ${settings.stepSeconds}`);
  if (!(analysis.peakInvocationsPerMinute > 0))
    throw new InvalidInputError('simulation: the benchmark peak must be > 0 invocations per minute');
  if (
    !Number.isInteger(policySet.minCapacity) ||
    policySet.minCapacity < 0 ||
    policySet.maxCapacity < policySet.minCapacity
  )
    throw new InvalidInputError(
      `simulation: need integers 0 <= minCapacity (${policySet.minCapacity}) <= maxCapacity (${policySet.maxCapacity})`,
    );
  if (!(spec.latencySloMs > 0)) throw new InvalidInputError('simulation: latencySloMs must be > 0');
  if (!(settings.timeScale >= 1 && Number.isFinite(settings.timeScale)))
    throw new InvalidInputError(`simulation: timeScale must be a number >= 1, got ${settings.timeScale}`);
  for (const [name, tt] of [
    ['invocationsTargetTracking', policySet.invocationsTargetTracking],
    ['cpuTargetTracking', policySet.cpuTargetTracking],
    ['concurrencyTargetTracking', policySet.concurrencyTargetTracking],
  ] as const) {
    if (tt && !(tt.targetValue > 0))
      throw new InvalidInputError(`simulation: ${name}.targetValue must be > 0`);
  }
  const traffic = spec.traffic;
  const values = traffic.kind === 'open' ? traffic.requests : traffic.users;
  const end = traffic.startEpochSeconds + values.length * traffic.stepSeconds;
  const scaleInVoters: PolicyName[] = [];
  if (policySet.invocationsTargetTracking && !policySet.invocationsTargetTracking.disableScaleIn)
    scaleInVoters.push('invocationsTargetTracking');
  if (policySet.cpuTargetTracking && !policySet.cpuTargetTracking.disableScaleIn)
    scaleInVoters.push('cpuTargetTracking');
  if (policySet.concurrencyTargetTracking && !policySet.concurrencyTargetTracking.disableScaleIn)
    scaleInVoters.push('concurrencyTargetTracking');
  const period = settings.highResolutionPeriodSeconds;
  if (policySet.concurrencyTargetTracking && !(period > 0 && period % settings.stepSeconds === 0))
    throw new InvalidInputError(
      `simulation: the concurrency policy's ${period} s datapoints need stepSeconds (${settings.stepSeconds}) to divide them`,
    );
  return {
    spec,
    settings,
    curve: compileLatencyCurve(analysis.latencyCurve),
    service: deriveServiceModel(analysis, settings),
    capacityRpsPerInstance: analysis.peakInvocationsPerMinute / 60,
    cpuMaxPercent: 100 * Math.max(1, analysis.vcpus),
    scheduled: scheduledRuns(policySet.scheduledActions, traffic.startEpochSeconds, end),
    scaleInVoters,
    highResolution: policySet.concurrencyTargetTracking
      ? {
          periodSeconds: period,
          metricDelaySeconds: settings.highResolutionMetricDelaySeconds,
          alarmSettings: highResolutionAlarmSettings(settings),
        }
      : null,
  };
}

/** A fresh state for `stepCount` steps of the context's step length. */
export function createSimulationState(context: SimulationContext, stepCount: number): SimulationState {
  const { policySet } = context.spec;
  const minuteCount = Math.ceil((stepCount * context.settings.stepSeconds) / 60);
  const initial = Math.min(
    policySet.maxCapacity,
    Math.max(policySet.minCapacity, context.spec.initialInstances ?? policySet.minCapacity),
  );
  const arr = () => new Float64Array(minuteCount);
  const periods = context.highResolution
    ? Math.ceil((stepCount * context.settings.stepSeconds) / context.highResolution.periodSeconds)
    : 0;
  return {
    stepIndex: 0,
    inService: initial,
    desired: initial,
    minCapacity: policySet.minCapacity,
    maxCapacity: policySet.maxCapacity,
    update: null,
    backlog: 0,
    cooldown: {
      lastScaleOutAtSeconds: null,
      lastScaleOutFromCapacity: initial,
      lastScaleOutToCapacity: initial,
      lastScaleInAtSeconds: null,
    },
    pendingBoundsCause: null,
    memory: {
      invocationsTargetTracking: { high: false, low: false },
      cpuTargetTracking: { high: false, low: false },
      concurrencyTargetTracking: { high: false, low: false },
      stepScaling: { high: false, low: false },
    },
    nextScheduled: 0,
    minutes: {
      invocations: arr(),
      invocationsPerInstance: arr(),
      cpuUtilizationPercent: arr(),
      invocation5xxErrors: arr(),
      withinSlo: arr(),
      avgLatencyMs: arr(),
      inServiceInstances: arr(),
      desiredCapacity: arr(),
      demand: arr(),
    },
    highResolution: {
      concurrencyPerInstance: new Float64Array(periods),
      inServiceInstances: new Float64Array(periods),
    },
    stepServed: new Float64Array(stepCount),
    stepKnots: new Float64Array(stepCount * 5),
    instanceSeconds: 0,
    activities: [],
    notScaled: {},
    stopped: false,
  };
}

function startUpdate(
  state: SimulationState,
  context: SimulationContext,
  now: number,
  toCapacity: number,
  cause: ScalingActivity['cause'],
  reason: string,
): void {
  const from = state.desired;
  const direction = toCapacity > from ? 'out' : 'in';
  const duration =
    direction === 'out' ? context.settings.startupSeconds : context.settings.scaleInUpdateSeconds;
  state.update = { direction, fromCapacity: from, toCapacity, completesAtSeconds: now + duration };
  state.desired = toCapacity;
  state.activities.push({
    epochSeconds: now,
    time: isoOf(now),
    fromCapacity: from,
    toCapacity,
    cause,
    reason,
  });
}

function countNotScaled(state: SimulationState, code: NotScaledCode): void {
  state.notScaled[code] = (state.notScaled[code] ?? 0) + 1;
}

/**
 * Scheduled actions due by `now`, then the capacity moved into [Min, Max] when the endpoint is free.
 * Every action due at this boundary is applied before the capacity moves, so two actions due at
 * the same minute give one move into their combined bounds, not a move into the first one's.
 */
function runSchedules(state: SimulationState, context: SimulationContext, now: number): void {
  while (
    state.nextScheduled < context.scheduled.length &&
    context.scheduled[state.nextScheduled]!.epochSeconds <= now
  ) {
    const { action } = context.scheduled[state.nextScheduled]!;
    if (action.minCapacity !== undefined) state.minCapacity = action.minCapacity;
    if (action.maxCapacity !== undefined) state.maxCapacity = action.maxCapacity;
    if (state.minCapacity > state.maxCapacity) state.maxCapacity = state.minCapacity;
    state.nextScheduled++;
    // Moved into the new bounds now, or when the running update ends, in the action's name.
    state.pendingBoundsCause = `scheduledAction:${action.name}`;
  }
  if (state.update === null) {
    enforceBounds(state, context, now, state.pendingBoundsCause ?? 'bounds');
    state.pendingBoundsCause = null;
  }
}

function enforceBounds(
  state: SimulationState,
  context: SimulationContext,
  now: number,
  cause: ScalingActivity['cause'],
): void {
  if (state.desired < state.minCapacity)
    startUpdate(
      state,
      context,
      now,
      state.minCapacity,
      cause,
      `capacity ${state.desired} below MinCapacity ${state.minCapacity}`,
    );
  else if (state.desired > state.maxCapacity)
    startUpdate(
      state,
      context,
      now,
      state.maxCapacity,
      cause,
      `capacity ${state.desired} above MaxCapacity ${state.maxCapacity}`,
    );
}

function considerProposal(
  state: SimulationState,
  proposals: Proposal[],
  result: Proposal | NotScaledCode | null,
): void {
  if (result === null) return;
  if (typeof result === 'string') countNotScaled(state, result);
  else proposals.push(result);
}

/** The proposals of the policies on one-minute datapoints, at a minute boundary. */
function minutePolicyProposals(
  state: SimulationState,
  context: SimulationContext,
  now: number,
  proposals: Proposal[],
): void {
  const { settings, spec } = context;
  const { policySet } = spec;
  const elapsed = now - spec.traffic.startEpochSeconds;
  const lastIndex = Math.floor((elapsed - settings.metricDelaySeconds) / 60) - 1;
  if (lastIndex < 0) return;
  const current = state.desired;
  // The fleet the datapoint was measured on: InvocationsPerInstance is Invocations over InService.
  const minutes = state.minutes;
  const perInstance = minutes.invocationsPerInstance[lastIndex]!;
  const datapointInstances =
    perInstance > 0 ? minutes.invocations[lastIndex]! / perInstance : minutes.inServiceInstances[lastIndex]!;
  if (policySet.invocationsTargetTracking)
    considerProposal(
      state,
      proposals,
      targetTrackingProposal({
        policy: 'invocationsTargetTracking',
        spec: policySet.invocationsTargetTracking,
        values: state.minutes.invocationsPerInstance,
        memory: state.memory.invocationsTargetTracking,
        lastIndex,
        currentCapacity: current,
        datapointInstances,
        nowSeconds: now,
        cooldown: state.cooldown,
        settings,
      }),
    );
  if (policySet.cpuTargetTracking)
    considerProposal(
      state,
      proposals,
      targetTrackingProposal({
        policy: 'cpuTargetTracking',
        spec: policySet.cpuTargetTracking,
        values: state.minutes.cpuUtilizationPercent,
        memory: state.memory.cpuTargetTracking,
        lastIndex,
        currentCapacity: current,
        datapointInstances,
        nowSeconds: now,
        cooldown: state.cooldown,
        settings,
      }),
    );
  if (policySet.stepScaling)
    considerProposal(
      state,
      proposals,
      stepScalingProposal({
        spec: policySet.stepScaling,
        values: state.minutes.invocationsPerInstance,
        memory: state.memory.stepScaling,
        lastIndex,
        currentCapacity: current,
        nowSeconds: now,
        cooldown: state.cooldown,
        settings,
      }),
    );
}

/** The concurrency policy's proposal on its 10-second datapoints, at a 10-second boundary. */
function concurrencyProposal(
  state: SimulationState,
  context: SimulationContext,
  now: number,
  proposals: Proposal[],
): void {
  const spec = context.spec.policySet.concurrencyTargetTracking;
  const hr = context.highResolution;
  if (!spec || hr === null) return;
  const elapsed = now - context.spec.traffic.startEpochSeconds;
  const lastIndex = Math.floor((elapsed - hr.metricDelaySeconds) / hr.periodSeconds) - 1;
  if (lastIndex < 0) return;
  considerProposal(
    state,
    proposals,
    targetTrackingProposal({
      policy: 'concurrencyTargetTracking',
      spec,
      values: state.highResolution.concurrencyPerInstance,
      memory: state.memory.concurrencyTargetTracking,
      lastIndex,
      currentCapacity: state.desired,
      datapointInstances: state.highResolution.inServiceInstances[lastIndex]!,
      nowSeconds: now,
      cooldown: state.cooldown,
      settings: hr.alarmSettings,
    }),
  );
}

/**
 * The policies' alarm evaluation: at a minute boundary every policy, at the other 10-second
 * boundaries only the concurrency policy (its datapoints are 10 s apart); then the combined
 * decision starts an update.
 */
function evaluatePolicies(
  state: SimulationState,
  context: SimulationContext,
  now: number,
  minuteBoundary: boolean,
): void {
  const { settings } = context;
  const updating = state.update !== null;
  const proposals: Proposal[] = [];
  if (minuteBoundary) minutePolicyProposals(state, context, now, proposals);
  concurrencyProposal(state, context, now, proposals);
  if (proposals.length === 0) return;
  if (updating) {
    countNotScaled(state, 'updateInProgress');
    return;
  }
  const decision = combineProposals(
    proposals,
    context.scaleInVoters,
    state.desired,
    state.minCapacity,
    state.maxCapacity,
  );
  if (decision === null) return;
  if (typeof decision === 'string') {
    countNotScaled(state, decision);
    return;
  }
  const from = state.desired;
  startUpdate(state, context, now, decision.desiredCapacity, decision.policies[0]!, decision.reason);
  // settings.cooldownStartsAt 'completion': the cooldown starts when the update ends (it is
  // running, and blocking, meanwhile); the update's length is known at the decision.
  const cooldownStart = settings.cooldownStartsAt === 'completion' ? state.update!.completesAtSeconds : now;
  if (decision.direction === 'out') {
    state.cooldown.lastScaleOutAtSeconds = cooldownStart;
    state.cooldown.lastScaleOutFromCapacity = from;
    state.cooldown.lastScaleOutToCapacity = decision.desiredCapacity;
    // A scale-out cancels a running scale-in cooldown (AAS user guide).
    state.cooldown.lastScaleInAtSeconds = null;
  } else {
    state.cooldown.lastScaleInAtSeconds = cooldownStart;
  }
}

/** Scratch space for one knot set (the run is single-threaded and never re-enters). */
const scratch = new Float64Array(5);

/**
 * Closed loop: the throughput (requests per second) of `users` users sending back to back to
 * `instances` instances, X = users / latency(X), capped at the fleet's capacity (bisection).
 */
function closedLoopThroughput(
  context: SimulationContext,
  users: number,
  instances: number,
  capacityRps: number,
): number {
  // In AWS seconds: a latency of l real seconds lasts l x timeScale on the (scaled) clock.
  const meanLatencySeconds = (x: number): number =>
    Math.max(
      1e-6,
      (knotsMeanMs(latencyKnots(context.curve, (x * 60) / instances, 0, scratch)) / 1000) *
        context.settings.timeScale,
    );
  if (capacityRps * meanLatencySeconds(capacityRps) <= users) return capacityRps;
  let lo = 0;
  let hi = capacityRps;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (mid * meanLatencySeconds(mid) < users) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Share of a step's served requests within `sloMs`: a share `queuedShare` of them waited from
 * `fromMs` down (or up) to `toMs` linearly, the others did not wait; each adds its wait to the
 * curve's latency (`knots` without wait). Four midpoints integrate the linear part.
 */
function shareWithinSlo(
  knots: Float64Array,
  fromMs: number,
  toMs: number,
  queuedShare: number,
  sloMs: number,
): number {
  if (fromMs === 0 && toMs === 0) return shareAtOrBelow(knots, 0, sloMs);
  const span = toMs - fromMs;
  const queued =
    shareAtOrBelow(knots, 0, sloMs - fromMs - 0.125 * span) +
    shareAtOrBelow(knots, 0, sloMs - fromMs - 0.375 * span) +
    shareAtOrBelow(knots, 0, sloMs - fromMs - 0.625 * span) +
    shareAtOrBelow(knots, 0, sloMs - fromMs - 0.875 * span);
  const waited = queuedShare * (queued / 4);
  const unqueued = queuedShare < 1 ? (1 - queuedShare) * shareAtOrBelow(knots, 0, sloMs) : 0;
  return waited + unqueued;
}

/**
 * What one step served, written by `serveOpen` / `serveClosed` and read by the recorders. One
 * object reused for every step (the run is single-threaded and never re-enters; the step is the
 * twin's hot path, so it allocates nothing).
 */
interface StepOutcome {
  /** Requests answered, failed (5XX) and arrived (open) or sent (closed) during the step. */
  served: number;
  errors: number;
  demand: number;
  /** Mean wait of the step's served requests, ms. */
  waitMs: number;
  /** The queued requests' wait goes linearly from waitFromMs to waitToMs (FIFO), ms. */
  waitFromMs: number;
  waitToMs: number;
  /** Share of the served requests that waited from waitFromMs to waitToMs (the rest waited 0). */
  drainedShare: number;
  /** Mean response of the queueing model's closed loop, ms; -1 when the curve gives the latency. */
  closedResponseMs: number;
}

const outcome: StepOutcome = {
  served: 0,
  errors: 0,
  demand: 0,
  waitMs: 0,
  waitFromMs: 0,
  waitToMs: 0,
  drainedShare: 1,
  closedResponseMs: -1,
};

/**
 * Open traffic: the step's requests join the FIFO backlog; the InService instances serve up to
 * their capacity; requests that would wait past the invocation timeout fail.
 */
function serveOpen(
  state: SimulationState,
  context: SimulationContext,
  requests: number,
  out: StepOutcome,
): void {
  const { settings } = context;
  const capacityRps = state.inService * context.capacityRpsPerInstance;
  out.demand = requests;
  const before = state.backlog;
  const total = before + requests;
  out.served = Math.min(total, capacityRps * settings.stepSeconds);
  let rest = total - out.served;
  const maxBacklog = capacityRps * settings.invocationTimeoutSeconds;
  if (rest > maxBacklog) {
    out.errors = rest - maxBacklog;
    rest = maxBacklog;
  }
  state.backlog = rest;
  // FIFO: the first requests served waited before / capacity, the last rest / capacity; when
  // the queue empties within the step, the requests after the backlog wait nothing.
  if (capacityRps > 0) {
    // The queue drains at the fleet's rate in AWS seconds; latency runs timeScale times slower.
    const msPerRequest = 1000 / (capacityRps * settings.timeScale);
    out.waitFromMs = before * msPerRequest;
    out.waitToMs = rest * msPerRequest;
    out.drainedShare = rest === 0 && out.served > 0 ? Math.min(1, before / out.served) : 1;
    out.waitMs = out.drainedShare * ((out.waitFromMs + out.waitToMs) / 2);
  }
}

/**
 * Closed-loop users: spread over the InService instances, each a queueing server (MVA), or
 * throughput read off the latency curve (closedLoopModel 'latencyCurve'); all of a step's users
 * fail when the response would pass the invocation timeout.
 */
function serveClosed(
  state: SimulationState,
  context: SimulationContext,
  users: number,
  out: StepOutcome,
): void {
  const { settings } = context;
  const step = settings.stepSeconds;
  const n = state.inService;
  const capacityRps = n * context.capacityRpsPerInstance;
  if (users > 0 && capacityRps <= 0) {
    out.errors = (users / settings.invocationTimeoutSeconds) * step;
  } else if (users > 0 && settings.closedLoopModel === 'queueingModel') {
    // users spread evenly over the InService instances, each a server solved by MVA
    const perInstance = closedLoopMva(context.service, users / n);
    // Response and throughput are in ms of latency; a step is step x 1000 / timeScale of them.
    if (perInstance.responseMs > (settings.invocationTimeoutSeconds * 1000) / settings.timeScale)
      out.errors = (users / settings.invocationTimeoutSeconds) * step;
    else {
      out.served = (n * perInstance.throughputPerMs * 1000 * step) / settings.timeScale;
      out.closedResponseMs = perInstance.responseMs;
    }
  } else if (users > 0) {
    const x = closedLoopThroughput(context, users, n, capacityRps);
    if (x >= capacityRps) {
      // saturated: Little's law gives the time in system, users / throughput
      latencyKnots(context.curve, context.spec.analysis.peakInvocationsPerMinute, 0, scratch);
      const baseMs = knotsMeanMs(scratch);
      out.waitMs = Math.max(0, ((users / capacityRps) * 1000) / settings.timeScale - baseMs);
      if (out.waitMs > (settings.invocationTimeoutSeconds * 1000) / settings.timeScale) {
        out.errors = (users / settings.invocationTimeoutSeconds) * step;
        out.waitMs = 0;
      } else out.served = x * step;
    } else out.served = x * step;
  }
  out.demand = out.served + out.errors;
  // Every closed-loop request of the step waits the same.
  out.waitFromMs = out.waitMs;
  out.waitToMs = out.waitMs;
}

/**
 * The latency of the step's served requests: their five knots (ms, wait included) go into the
 * state for the percentiles; returns how many were answered within the SLO.
 */
function recordLatency(
  state: SimulationState,
  context: SimulationContext,
  out: StepOutcome,
  invocationsPerInstancePerMinute: number,
): number {
  if (out.closedResponseMs >= 0) {
    closedLoopKnots(context.service, out.closedResponseMs, scratch);
    out.waitFromMs = 0;
    out.waitToMs = 0;
    out.waitMs = 0;
  } else latencyKnots(context.curve, invocationsPerInstancePerMinute, 0, scratch);
  const within =
    out.served > 0
      ? out.served *
        shareWithinSlo(scratch, out.waitFromMs, out.waitToMs, out.drainedShare, context.spec.latencySloMs)
      : 0;
  for (let k = 0; k < 5; k++) scratch[k]! += out.waitMs;
  state.stepKnots.set(scratch, state.stepIndex * 5);
  state.stepServed[state.stepIndex] = out.served;
  return within;
}

/**
 * The step's share of its minute's CloudWatch-like datapoints (scratch holds the step's knots),
 * and the instance-seconds billed.
 */
function recordDatapoints(
  state: SimulationState,
  context: SimulationContext,
  out: StepOutcome,
  within: number,
  invocationsPerInstancePerMinute: number,
): void {
  const { settings } = context;
  const step = settings.stepSeconds;
  const n = state.inService;
  const m = Math.floor((state.stepIndex * step) / 60);
  const minutes = state.minutes;
  const handled = out.served + out.errors;
  minutes.invocations[m]! += handled;
  minutes.demand[m]! += out.demand;
  if (n > 0) minutes.invocationsPerInstance[m]! += handled / n;
  minutes.invocation5xxErrors[m]! += out.errors;
  minutes.withinSlo[m]! += within;
  const cpu = context.spec.analysis.cpuFit;
  const cpuNow = Math.min(
    context.cpuMaxPercent,
    Math.max(
      0,
      cpu.slopePercentPerInvocationPerMinute * invocationsPerInstancePerMinute + cpu.interceptPercent,
    ),
  );
  const stepsPerMinute = 60 / step;
  minutes.cpuUtilizationPercent[m]! += cpuNow / stepsPerMinute;
  const meanMs = knotsMeanMs(scratch);
  minutes.avgLatencyMs[m]! += out.served * meanMs;
  minutes.inServiceInstances[m] = n;
  minutes.desiredCapacity[m] = state.desired;
  const hr = context.highResolution;
  if (hr !== null) {
    const p = Math.floor((state.stepIndex * step) / hr.periodSeconds);
    // Little's law: concurrent requests = answered per second x their time in the endpoint.
    if (n > 0)
      state.highResolution.concurrencyPerInstance[p]! += (out.served * meanMs) / 1000 / n / hr.periodSeconds;
    state.highResolution.inServiceInstances[p] = n;
  }
  const billed =
    settings.billStartingInstances && state.update?.direction === 'out'
      ? state.update.toCapacity
      : state.inService;
  state.instanceSeconds += billed * step;
}

/**
 * The step function: advances `state` by one step that starts at `nowSeconds` (epoch seconds)
 * with the step's observation. Mutates and returns `state`.
 */
export function advanceSimulation(
  state: SimulationState,
  observation: StepObservation,
  nowSeconds: number,
  context: SimulationContext,
): SimulationState {
  const step = context.settings.stepSeconds;
  const elapsed = state.stepIndex * step;
  // 1. an update that is due completes
  if (state.update !== null && state.update.completesAtSeconds <= nowSeconds) {
    state.inService = state.update.toCapacity;
    state.update = null;
  }
  // 2. minute boundary: schedules, then policies
  if (elapsed % 60 === 0) {
    runSchedules(state, context, nowSeconds);
    evaluatePolicies(state, context, nowSeconds, true);
  } else if (context.highResolution !== null && elapsed % context.highResolution.periodSeconds === 0)
    evaluatePolicies(state, context, nowSeconds, false);
  // 3. serve
  const out = outcome;
  out.served = 0;
  out.errors = 0;
  out.demand = 0;
  out.waitMs = 0;
  out.waitFromMs = 0;
  out.waitToMs = 0;
  out.drainedShare = 1;
  out.closedResponseMs = -1;
  if (observation.kind === 'open') serveOpen(state, context, observation.value, out);
  else serveClosed(state, context, observation.value, out);
  // 4. latency and datapoints
  const n = state.inService;
  const ipm = n > 0 ? (out.served / n) * (60 / step) : 0;
  const within = recordLatency(state, context, out, ipm);
  recordDatapoints(state, context, out, within, ipm);
  state.stepIndex += 1;
  // IR's MaxInvocations stopping condition, checked at the end of each minute
  const stop = context.spec.stopAtInvocationsPerMinute;
  const m = Math.floor(elapsed / 60);
  if (stop !== undefined && (elapsed + step) % 60 === 0 && state.minutes.invocations[m]! >= stop)
    state.stopped = true;
  return state;
}

/** The state after folding `advanceSimulation` over the whole traffic (or until it stops). */
export function runSimulation(spec: SimulationSpec): { state: SimulationState; context: SimulationContext } {
  const context = createSimulationContext(spec);
  const traffic = resampleTraffic(spec.traffic, context.settings.stepSeconds);
  const values = traffic.kind === 'open' ? traffic.requests : traffic.users;
  const state = createSimulationState(context, values.length);
  const observation: StepObservation = { kind: traffic.kind, value: 0 };
  const start = traffic.startEpochSeconds;
  for (let i = 0; i < values.length && !state.stopped; i++) {
    observation.value = values[i]!;
    advanceSimulation(state, observation, start + i * context.settings.stepSeconds, context);
  }
  const minutes = state.minutes;
  for (let m = 0; m < minutes.avgLatencyMs.length; m++) {
    const answered = minutes.invocations[m]! - minutes.invocation5xxErrors[m]!;
    minutes.avgLatencyMs[m] = answered > 0 ? minutes.avgLatencyMs[m]! / answered : 0;
  }
  return { state, context };
}
