/**
 * The domain types that flow between the core's computations, the handlers, the simulator and
 * the adapters. Every numeric field names its unit.
 */
import type { Reason } from './errors';
import type { Goal } from './request';

/** A sample of the per-instance latency curve measured by the benchmark. */
export interface LatencyCurvePoint {
  invocationsPerMinute: number;
  avgMs: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
}

/** CPUUtilization (summed over vCPUs, percent) = slope x invocationsPerMinute + intercept. */
export interface CpuFit {
  slopePercentPerInvocationPerMinute: number;
  interceptPercent: number;
  /** Coefficient of determination of the least-squares fit, 0..1. */
  rSquared: number;
  /** Points used by the fit. */
  sampleCount: number;
}

export type Bottleneck = 'cpu' | 'memory' | 'none';

/** What one instance can do, read from a benchmark series. */
export interface BenchmarkAnalysis {
  instanceType: string;
  vcpus: number;
  periodSeconds: number;
  /**
   * AWS seconds per real second of the series' clock, when it is not 1: a benchmark of the local
   * endpoint counts per minute of its scaled clock while its latencies are real (the twin's
   * `timeScale` setting).
   */
  timeScale?: number;
  /** Highest sustainable throughput (errors < 1%, within SLO, not an outlier), per minute. */
  peakInvocationsPerMinute: number;
  /** Start of the period that set the peak. */
  peakTimestamp: string;
  latencyAtPeak: { avgMs: number; p95Ms?: number; p99Ms?: number };
  cpuFit: CpuFit;
  bottleneck: Bottleneck;
  /** Latency against throughput, ascending in throughput: the simulator's per-instance curve. */
  latencyCurve: LatencyCurvePoint[];
  reasons: Reason[];
}

/** The two ways the procedure turns a goal into InvocationsPerInstance, kept side by side. */
export interface Thresholds {
  goal: Goal;
  /** Utilization target, percent (40 availability, 50 balanced, 70 cost, or explicit). */
  targetPercent: number;
  peakShare: {
    /** floor(peak invocations per minute x percent), the AWS sample's method. */
    invocationsPerInstance: number;
    formula: string;
  };
  cpuOverlay: {
    /** Invocations per minute at which the fitted CPU reaches cpuTargetPercent; null if never. */
    invocationsPerInstance: number | null;
    /** percent x vCPUs (e.g. 100 on 2 vCPUs at 50%): the CPU target tracking value. */
    cpuTargetPercent: number;
    formula: string;
  };
  chosen: 'peakShare' | 'cpuOverlay';
  /** The InvocationsPerInstance target value used by the policies, per instance per minute. */
  invocationsPerInstance: number;
  cpuTargetPercent: number;
  reasons: Reason[];
}

export interface CapacityPlan {
  minCapacity: number;
  maxCapacity: number;
  /** Requests per second one instance serves at the target (InvocationsPerInstance / 60). */
  rpsPerInstance: number;
  reasons: Reason[];
}

export interface TargetTrackingSpec {
  targetValue: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  disableScaleIn: boolean;
}

/** One step, bounds relative to the alarm threshold (metric - threshold), lower inclusive. */
export interface StepAdjustment {
  lower: number;
  /** null = +infinity. */
  upper: number | null;
  /** Instances to add (ChangeInCapacity). */
  adjustment: number;
}

export interface StepScalingSpec {
  /** Alarm threshold on InvocationsPerInstance (Sum per minute). */
  alarmThresholdInvocationsPerInstance: number;
  steps: StepAdjustment[];
  cooldownSeconds: number;
  /** The alarm fires after datapointsToAlarm of evaluationPeriods one-minute datapoints breach. */
  evaluationPeriods: number;
  datapointsToAlarm: number;
}

export interface ScheduledActionSpecResolved {
  name: string;
  schedule: string;
  timezone?: string;
  minCapacity?: number;
  maxCapacity?: number;
}

/**
 * The tunable configuration of one iteration: what the policy builders turn into requests,
 * what the simulator runs and what tuning changes.
 */
export interface PolicySet {
  minCapacity: number;
  maxCapacity: number;
  invocationsTargetTracking?: TargetTrackingSpec;
  cpuTargetTracking?: TargetTrackingSpec;
  /**
   * Target tracking on the high-resolution predefined metric
   * SageMakerVariantConcurrentRequestsPerModelHighResolution: targetValue is concurrent requests
   * (in flight and queued) per instance, from 10-second datapoints.
   */
  concurrencyTargetTracking?: TargetTrackingSpec;
  stepScaling?: StepScalingSpec;
  scheduledActions: ScheduledActionSpecResolved[];
}

/** Per-period metrics of an evaluation (CloudWatch units), the judge's input. */
export interface EvaluationPoint {
  timestamp: string;
  /** Invocations to the endpoint in the period (all instances). */
  invocations: number;
  invocation4xxErrors: number;
  invocation5xxErrors: number;
  modelLatencyP95Us?: number;
  modelLatencyP99Us?: number;
  modelLatencyAvgUs?: number;
  /** InService instances at the end of the period, when known. */
  instanceCount?: number;
}

/** A change of the endpoint's capacity during an evaluation, as the driver saw it. */
export interface EvaluationActivity {
  /** When the change was decided, seconds since the evaluation started (AWS clock). */
  atSeconds: number;
  fromCapacity: number;
  toCapacity: number;
  /** The policy, `scheduledAction:<name>`, or `bounds`. */
  cause: string;
}

export interface EvaluationMetrics {
  periodSeconds: number;
  points: EvaluationPoint[];
  /** The scaling activities, when the driver knows them (the twin, the local endpoint). */
  activities?: EvaluationActivity[];
  /** Where the metrics come from, in words (e.g. "local endpoint, time scale 60, cgroup-v1"). */
  measuredOn?: string;
  /**
   * When the load ended, seconds since the first period: the driver kept the endpoint after it to
   * watch the scale-in. Absent when the metrics end with the load (Inference Recommender, the twin).
   */
  loadEndedAtSeconds?: number;
}

/** What an evaluation did, beyond pass or fail: the side of the verdict a reader compares. */
export interface EvaluationMeasurement {
  /** Length of the metrics' window, minutes (AWS clock). */
  durationMinutes: number;
  invocations: number;
  errors: number;
  /**
   * InService instances x time while the load ran, hours (AWS clock): the figure a prediction of
   * the evaluation compares with; null when the driver gives no counts.
   */
  instanceHours: number | null;
  /** The same after the load, while the endpoint was kept to watch the scale-in; 0 when it was not. */
  instanceHoursAfterLoad: number | null;
  minInstances: number | null;
  maxInstances: number | null;
  /** Every scaling activity, oldest first (at most the first 50). */
  activities: EvaluationActivity[];
  measuredOn?: string;
}

export interface VerdictReason extends Reason {
  observed: number;
  limit: number;
}

export interface Verdict {
  passed: boolean;
  maxInvocationsPerMinute: number;
  targetInvocationsPerMinute: number;
  errorRate: number;
  /** Worst per-period latency at the SLO's percentile, milliseconds. */
  worstLatencyMs: number | null;
  /** Every failed criterion, with numbers; empty when passed. */
  failures: VerdictReason[];
  reasons: Reason[];
  /** What the judged metrics show besides the criteria (instance-hours, activities). */
  measurement?: EvaluationMeasurement;
}

export type TuningStep =
  | 'shortenScaleOutCooldown'
  | 'lowerTargetValue'
  | 'strengthenStepScaling'
  | 'raiseMaxCapacity';

export interface TuningDecision {
  /** The next policy set to try, or null when tuning must stop. */
  next: PolicySet | null;
  step: TuningStep | null;
  reasons: Reason[];
}
