/**
 * The results of a run: the summary (instance-hours and cost, SLO attainment, errors, latency
 * percentiles, the oracle bound), the per-minute CloudWatch-like series and the scaling
 * activities.
 *
 * The oracle bound is the instance-hours of a clairvoyant fleet that has, in every minute, exactly
 * max(1, ceil(requests in the minute / target InvocationsPerInstance)) InService instances, with no
 * start-up time and no alarm delay. The target is the run's `oracleTargetInvocationsPerInstance`,
 * else the invocations target tracking value, else the CPU target turned into invocations by the
 * CPU fit, else the benchmark's peak. No policy can do better at that utilization.
 */
import type { Reason } from '../errors';
import type { EvaluationMetrics, EvaluationPoint } from '../types';
import { mixtureQuantileMs } from './latency';
import {
  runSimulation,
  type ScalingActivity,
  type SimulationContext,
  type SimulationSpec,
  type SimulationState,
} from './model';
import type { NotScaledCode } from './policies';

export interface SimulationSummary {
  /** Simulated time, seconds (shorter than the traffic when a stopping condition ended the run). */
  durationSeconds: number;
  stoppedEarly: boolean;
  /** Requests sent to the endpoint. */
  requests: number;
  answeredRequests: number;
  /** 5XX errors (requests that would have waited past the invocation timeout). */
  errorCount: number;
  /** errorCount / requests, 0..1. */
  errorRate: number;
  /** Requests still queued when the traffic ended (neither answered nor failed). */
  unfinishedRequests: number;
  withinSloRequests: number;
  /** Share of requests answered without error within the latency SLO, 0..1. */
  sloAttainment: number;
  instanceHours: number;
  costUsd: number;
  oracleInstanceHours: number;
  oracleCostUsd: number;
  oracleTargetInvocationsPerInstance: number;
  maxInvocationsPerMinute: number;
  /** Latency percentiles of answered requests (queueing included), ms; NaN when not computed. */
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  /** Number of scaling activities (the list is in `activities`). */
  scalingActivities: number;
  minInServiceInstances: number;
  maxInServiceInstances: number;
}

/** One minute of the CloudWatch-like series (CloudWatch units: latency in microseconds). */
export interface SimulatedMinute {
  timestamp: string;
  invocations: number;
  invocationsPerInstance: number;
  cpuUtilizationPercent: number;
  invocation5xxErrors: number;
  modelLatencyAvgUs: number;
  modelLatencyP95Us: number;
  modelLatencyP99Us: number;
  inServiceInstances: number;
  desiredCapacity: number;
}

export interface SimulationResult {
  summary: SimulationSummary;
  activities: ScalingActivity[];
  /** Policy evaluations that wanted to scale and could not, by reason. */
  notScaled: Partial<Record<NotScaledCode, number>>;
  state: SimulationState;
  context: SimulationContext;
  reasons: Reason[];
}

/** The oracle's InvocationsPerInstance target for a spec (see the file comment). */
export function oracleTarget(spec: SimulationSpec): number {
  if (spec.oracleTargetInvocationsPerInstance !== undefined) return spec.oracleTargetInvocationsPerInstance;
  const { policySet, analysis } = spec;
  if (policySet.invocationsTargetTracking) return policySet.invocationsTargetTracking.targetValue;
  const fit = analysis.cpuFit;
  if (policySet.cpuTargetTracking && fit.slopePercentPerInvocationPerMinute > 0) {
    const ipm =
      (policySet.cpuTargetTracking.targetValue - fit.interceptPercent) /
      fit.slopePercentPerInvocationPerMinute;
    if (ipm > 0) return Math.min(ipm, analysis.peakInvocationsPerMinute);
  }
  return analysis.peakInvocationsPerMinute;
}

/**
 * The oracle's instances for one minute's demand at `targetPerInstance` invocations per minute: at
 * least one.
 * @example oracleInstances(2100, 1000); // 3
 */
export function oracleInstances(demand: number, targetPerInstance: number): number {
  return Math.max(1, Math.ceil(demand / targetPerInstance - 1e-9));
}

/**
 * Oracle instance-hours for per-minute demand at `targetPerInstance` invocations per minute.
 * @example oracleInstanceHours(new Float64Array([0, 900, 2100]), 1000); // (1 + 1 + 3) / 60
 */
export function oracleInstanceHours(
  demandPerMinute: ArrayLike<number>,
  targetPerInstance: number,
  minuteCount = demandPerMinute.length,
): number {
  let minutes = 0;
  for (let m = 0; m < minuteCount; m++) minutes += oracleInstances(demandPerMinute[m]!, targetPerInstance);
  return minutes / 60;
}

/** Summarises a finished run. */
export function summarizeSimulation(state: SimulationState, context: SimulationContext): SimulationSummary {
  const step = context.settings.stepSeconds;
  const durationSeconds = state.stepIndex * step;
  const minuteCount = Math.ceil(durationSeconds / 60);
  const mins = state.minutes;
  let requests = 0;
  let errors = 0;
  let within = 0;
  let maxIpm = 0;
  let minN = Number.POSITIVE_INFINITY;
  let maxN = 0;
  for (let m = 0; m < minuteCount; m++) {
    requests += mins.demand[m]!;
    errors += mins.invocation5xxErrors[m]!;
    within += mins.withinSlo[m]!;
    maxIpm = Math.max(maxIpm, mins.invocations[m]!);
    minN = Math.min(minN, mins.inServiceInstances[m]!);
    maxN = Math.max(maxN, mins.inServiceInstances[m]!);
  }
  let answered = 0;
  for (let s = 0; s < state.stepIndex; s++) answered += state.stepServed[s]!;
  const instanceHours = state.instanceSeconds / 3600;
  const target = oracleTarget(context.spec);
  const oracleHours = oracleInstanceHours(mins.demand, target, minuteCount);
  // An unknown price makes the costs NaN (null in JSON), like the percentiles a run skipped.
  const price = context.settings.pricePerInstanceHourUsd ?? Number.NaN;
  const wantPercentiles = context.spec.computePercentiles ?? true;
  const q = (p: number) =>
    wantPercentiles ? mixtureQuantileMs(state.stepKnots, state.stepServed, p, state.stepIndex) : Number.NaN;
  return {
    durationSeconds,
    stoppedEarly: state.stopped,
    requests,
    answeredRequests: answered,
    errorCount: errors,
    errorRate: requests > 0 ? errors / requests : 0,
    unfinishedRequests:
      requests - answered - errors > 1e-6 * Math.max(1, requests) ? requests - answered - errors : 0,
    withinSloRequests: within,
    sloAttainment: requests > 0 ? Math.min(1, within / requests) : 1,
    instanceHours,
    costUsd: instanceHours * price,
    oracleInstanceHours: oracleHours,
    oracleCostUsd: oracleHours * price,
    oracleTargetInvocationsPerInstance: target,
    maxInvocationsPerMinute: maxIpm,
    p50LatencyMs: q(0.5),
    p95LatencyMs: q(0.95),
    p99LatencyMs: q(0.99),
    scalingActivities: state.activities.length,
    minInServiceInstances: minuteCount > 0 ? minN : 0,
    maxInServiceInstances: maxN,
  };
}

/**
 * Runs the twin and summarises it.
 *
 * @example
 * const { summary } = simulate({ policySet, analysis, traffic: constantTraffic({ rps: 100, durationSeconds: 3600 }), latencySloMs: 100 });
 * summary.instanceHours; // 1 with one instance that never scales
 */
export function simulate(spec: SimulationSpec): SimulationResult {
  const { state, context } = runSimulation(spec);
  const reasons: Reason[] = [];
  if (state.stopped)
    reasons.push({
      code: 'StoppedAtMaxInvocations',
      message: `stopped after ${state.stepIndex * context.settings.stepSeconds} s: a minute reached ${spec.stopAtInvocationsPerMinute} invocations`,
    });
  return {
    summary: summarizeSimulation(state, context),
    activities: state.activities,
    notScaled: state.notScaled,
    state,
    context,
    reasons,
  };
}

/** The per-minute series with timestamps and latency percentiles (CloudWatch units). */
export function minuteSeries(result: SimulationResult): SimulatedMinute[] {
  const { state, context } = result;
  const step = context.settings.stepSeconds;
  const perMinute = 60 / step;
  const minuteCount = Math.ceil((state.stepIndex * step) / 60);
  const start = context.spec.traffic.startEpochSeconds;
  const mins = state.minutes;
  const out: SimulatedMinute[] = [];
  for (let m = 0; m < minuteCount; m++) {
    const from = m * perMinute;
    const count = Math.min(perMinute, state.stepIndex - from);
    const knots = state.stepKnots.subarray(from * 5, (from + count) * 5);
    const served = state.stepServed.subarray(from, from + count);
    out.push({
      timestamp: new Date((start + m * 60) * 1000).toISOString(),
      invocations: mins.invocations[m]!,
      invocationsPerInstance: mins.invocationsPerInstance[m]!,
      cpuUtilizationPercent: mins.cpuUtilizationPercent[m]!,
      invocation5xxErrors: mins.invocation5xxErrors[m]!,
      modelLatencyAvgUs: mins.avgLatencyMs[m]! * 1000,
      modelLatencyP95Us: mixtureQuantileMs(knots, served, 0.95) * 1000,
      modelLatencyP99Us: mixtureQuantileMs(knots, served, 0.99) * 1000,
      inServiceInstances: mins.inServiceInstances[m]!,
      desiredCapacity: mins.desiredCapacity[m]!,
    });
  }
  return out;
}

/** The series as the judge's EvaluationPoints. */
export function evaluationPoints(result: SimulationResult): EvaluationPoint[] {
  return minuteSeries(result).map((m) => ({
    timestamp: m.timestamp,
    invocations: m.invocations,
    invocation4xxErrors: 0,
    invocation5xxErrors: m.invocation5xxErrors,
    modelLatencyAvgUs: m.modelLatencyAvgUs,
    modelLatencyP95Us: m.modelLatencyP95Us,
    modelLatencyP99Us: m.modelLatencyP99Us,
    instanceCount: m.inServiceInstances,
  }));
}

/**
 * The simulated evaluation as the judge reads any driver's metrics: the per-minute points and
 * every scaling activity, timed from the start of the traffic.
 */
export function evaluationMetricsOf(result: SimulationResult): EvaluationMetrics {
  const startEpochSeconds = result.context.spec.traffic.startEpochSeconds;
  return {
    periodSeconds: 60,
    points: evaluationPoints(result),
    activities: result.activities.map((activity) => ({
      atSeconds: activity.epochSeconds - startEpochSeconds,
      fromCapacity: activity.fromCapacity,
      toCapacity: activity.toCapacity,
      cause: activity.cause,
    })),
    measuredOn: 'the digital twin',
  };
}
