/**
 * The first policy set of a request, and the whole derivation chained: benchmark analysis ->
 * thresholds -> capacities -> policies. The deriveThresholds handler and `scaleplan derive` call
 * `derivePlan`; the simulator and the tuning loop start from its `policySet`.
 */
import { type AnalyzeBenchmarkOptions, analyzeBenchmark } from './benchmark';
import type { BenchmarkSeries } from './benchmark-file';
import { planCapacity } from './capacity';
import { InvalidInputError, type Reason } from './errors';
import { validateStepAdjustments } from './policies';
import type { ScalingRequest } from './request';
import { deriveThresholds } from './thresholds';
import type {
  BenchmarkAnalysis,
  CapacityPlan,
  PolicySet,
  StepAdjustment,
  StepScalingSpec,
  TargetTrackingSpec,
  Thresholds,
} from './types';

/** Spiky traffic: scale out fast, scale in cautiously (the AWS sample's helper defaults). */
export const SPIKY_COOLDOWNS_SECONDS = { scaleOut: 10, scaleIn: 100 } as const;
/** Smooth traffic: Application Auto Scaling's defaults for SageMaker variants. */
export const SMOOTH_COOLDOWNS_SECONDS = { scaleOut: 300, scaleIn: 300 } as const;

/**
 * The AWS sample's step adjustments, exactly as its notebook sends them in PutScalingPolicy
 * (StepScaling, ChangeInCapacity, MetricAggregationType Average): MetricIntervalLowerBound /
 * UpperBound [0, 5) +1, [5, 80) +3, [80, inf) +4. Step bounds are relative to the alarm threshold
 * (metric - threshold) in the alarm metric's own unit, so with scaleplan's alarm on
 * InvocationsPerInstance (Sum, 60 s) these are 5 and 80 invocations per instance per minute above
 * the threshold. This is the default because it reproduces the sample's request; the sample never
 * created the alarm, so these values were never exercised (see SCALED_STEP_SHAPE).
 */
export const SAMPLE_STEPS: readonly Readonly<StepAdjustment>[] = [
  { lower: 0, upper: 5, adjustment: 1 },
  { lower: 5, upper: 80, adjustment: 3 },
  { lower: 80, upper: null, adjustment: 4 },
];

/**
 * The same +1 / +3 / +4 with the bounds 0, 5 and 80 read as PERCENT above the alarm threshold:
 * threshold 4987 -> [0, 249) +1, [249, 3990) +3, [3990, inf) +4. Next to a threshold of thousands
 * of invocations per minute, the sample's literal 5 and 80 put almost every breach in the +4 step;
 * the scaled bounds grade the response by how far the load is above the threshold. Chosen with
 * `stepBounds: 'scaled'` (derive: `--step-bounds scaled`).
 */
export const SCALED_STEP_SHAPE = [
  { lowerPercentAboveThreshold: 0, upperPercentAboveThreshold: 5, adjustment: 1 },
  { lowerPercentAboveThreshold: 5, upperPercentAboveThreshold: 80, adjustment: 3 },
  { lowerPercentAboveThreshold: 80, upperPercentAboveThreshold: null, adjustment: 4 },
] as const;

/** How the default steps' bounds are read: the sample's literal values, or percent of the threshold. */
export type StepBounds = 'sample' | 'scaled';
export const DEFAULT_STEP_BOUNDS: StepBounds = 'sample';

/**
 * The step alarm fires on ONE minute at or above the threshold (target tracking's own alarm needs
 * 3 of 3): that head start is what step scaling adds for spikes.
 */
export const DEFAULT_STEP_ALARM_DATAPOINTS = { evaluationPeriods: 1, datapointsToAlarm: 1 } as const;

/** What the derivation reads from a ScalingRequest (a ScalingRequest fits; the CLI builds one without a model). */
export type DerivePlanRequest = Pick<
  ScalingRequest,
  'traffic' | 'goal' | 'thresholdMethod' | 'policies' | 'maxInstancesLimit' | 'instanceType'
> & {
  vcpus?: number;
  /** Optional here: without it the peak ignores latency. */
  latencySlo?: ScalingRequest['latencySlo'];
  /** Bounds of the default steps when the request gives none; DEFAULT_STEP_BOUNDS ('sample') when absent. */
  stepBounds?: StepBounds;
};

/**
 * The default step adjustments, relative to the alarm threshold in invocations per instance per
 * minute: the sample's literal bounds, or SCALED_STEP_SHAPE on the threshold.
 * @example defaultSteps('sample', 4987) // [{0, 5, +1}, {5, 80, +3}, {80, null, +4}]
 * @example defaultSteps('scaled', 4987) // [{0, 249, +1}, {249, 3990, +3}, {3990, null, +4}]
 */
export function defaultSteps(
  bounds: StepBounds,
  alarmThresholdInvocationsPerInstance: number,
): StepAdjustment[] {
  return bounds === 'sample'
    ? SAMPLE_STEPS.map((step) => ({ ...step }))
    : scaledSteps(alarmThresholdInvocationsPerInstance);
}

/**
 * SCALED_STEP_SHAPE on a threshold: bounds rounded to whole invocations and kept strictly
 * ascending.
 * @example scaledSteps(4987) // [{0, 249, +1}, {249, 3990, +3}, {3990, null, +4}]
 */
export function scaledSteps(alarmThresholdInvocationsPerInstance: number): StepAdjustment[] {
  let previousUpper = 0;
  return SCALED_STEP_SHAPE.map((shape) => {
    const lower = previousUpper;
    if (shape.upperPercentAboveThreshold === null)
      return { lower, upper: null, adjustment: shape.adjustment };
    const upper = Math.max(
      lower + 1,
      Math.round((shape.upperPercentAboveThreshold / 100) * alarmThresholdInvocationsPerInstance),
    );
    previousUpper = upper;
    return { lower, upper, adjustment: shape.adjustment };
  });
}

/**
 * The first policy set: Min/MaxCapacity from the plan, target tracking on invocations (target
 * = thresholds.invocationsPerInstance) and on CPU (target = thresholds.cpuTargetPercent), and
 * for spiky traffic cooldowns of 10 s out / 100 s in plus step scaling; smooth traffic gets
 * 300 s / 300 s and no step scaling. `request.policies` overrides each choice.
 * @throws InvalidInputError for invalid custom steps or a scheduled action above the instance limit
 * @example
 * buildInitialPolicySet(request, thresholds, { minCapacity: 1, maxCapacity: 8, ... })
 * // { minCapacity: 1, maxCapacity: 8, invocationsTargetTracking: { targetValue: 4987,
 * //   scaleOutCooldownSeconds: 10, scaleInCooldownSeconds: 100, ... }, stepScaling: {...}, ... }
 */
export function buildInitialPolicySet(
  request: DerivePlanRequest,
  thresholds: Thresholds,
  capacity: CapacityPlan,
): PolicySet {
  const spiky = request.traffic.pattern === 'spiky';
  const policies = request.policies;
  const base = spiky ? SPIKY_COOLDOWNS_SECONDS : SMOOTH_COOLDOWNS_SECONDS;
  const scaleOutCooldownSeconds = policies.scaleOutCooldownSeconds ?? base.scaleOut;
  const scaleInCooldownSeconds = policies.scaleInCooldownSeconds ?? base.scaleIn;
  const tracking = (targetValue: number): TargetTrackingSpec => ({
    targetValue,
    scaleOutCooldownSeconds,
    scaleInCooldownSeconds,
    disableScaleIn: false,
  });

  const set: PolicySet = {
    minCapacity: capacity.minCapacity,
    maxCapacity: capacity.maxCapacity,
    scheduledActions: policies.scheduledActions.map((action) => {
      if (action.maxCapacity !== undefined && action.maxCapacity > request.maxInstancesLimit)
        throw new InvalidInputError(
          `scheduled action '${action.name}' maxCapacity ${action.maxCapacity} exceeds maxInstancesLimit ${request.maxInstancesLimit}`,
        );
      if (
        action.minCapacity !== undefined &&
        action.maxCapacity !== undefined &&
        action.minCapacity > action.maxCapacity
      )
        throw new InvalidInputError(
          `scheduled action '${action.name}' minCapacity ${action.minCapacity} exceeds its maxCapacity ${action.maxCapacity}`,
        );
      return {
        name: action.name,
        schedule: action.schedule,
        ...(action.timezone ? { timezone: action.timezone } : {}),
        ...(action.minCapacity !== undefined ? { minCapacity: action.minCapacity } : {}),
        ...(action.maxCapacity !== undefined ? { maxCapacity: action.maxCapacity } : {}),
      };
    }),
  };
  if (policies.invocationsTargetTracking)
    set.invocationsTargetTracking = tracking(thresholds.invocationsPerInstance);
  if (policies.cpuTargetTracking) set.cpuTargetTracking = tracking(thresholds.cpuTargetPercent);

  const stepChoice = policies.stepScaling ?? spiky;
  if (stepChoice !== false) {
    const custom = typeof stepChoice === 'object' ? stepChoice : {};
    const threshold = thresholds.invocationsPerInstance;
    const steps = custom.steps ?? defaultSteps(request.stepBounds ?? DEFAULT_STEP_BOUNDS, threshold);
    const problems = validateStepAdjustments(steps);
    if (problems.length > 0)
      throw new InvalidInputError(`policies.stepScaling.steps: ${problems.join('; ')}`);
    const stepScaling: StepScalingSpec = {
      alarmThresholdInvocationsPerInstance: threshold,
      steps,
      cooldownSeconds: custom.cooldownSeconds ?? scaleOutCooldownSeconds,
      ...DEFAULT_STEP_ALARM_DATAPOINTS,
    };
    set.stepScaling = stepScaling;
  }
  return set;
}

export interface DerivedPlan {
  benchmark: BenchmarkAnalysis;
  thresholds: Thresholds;
  capacity: CapacityPlan;
  policySet: PolicySet;
  /** Notes on the inputs (vCPU or instance type mismatches, policies switched off). */
  reasons: Reason[];
}

/**
 * The whole derivation: analyzeBenchmark (with the request's latency SLO) -> deriveThresholds
 * (goal, method) -> planCapacity (traffic, instance limit) -> buildInitialPolicySet.
 * The series' vCPUs are authoritative (CPUUtilization was measured on that instance).
 * @throws InsufficientBenchmarkDataError, InvalidInputError, InfeasibleCapacityPlanError
 * @example derivePlan(series, request).capacity.maxCapacity // 8 for the AWS sample's numbers
 */
export function derivePlan(
  series: BenchmarkSeries,
  request: DerivePlanRequest,
  options: Pick<AnalyzeBenchmarkOptions, 'maxErrorRate'> = {},
): DerivedPlan {
  const reasons: Reason[] = [];
  if (request.vcpus !== undefined && request.vcpus !== series.vcpus) {
    reasons.push({
      code: 'vcpusMismatch',
      message: `the request says ${request.vcpus} vCPUs but the benchmark was measured with ${series.vcpus}: the benchmark's count is used`,
    });
  }
  if (series.instanceType !== request.instanceType && series.instanceType !== 'local') {
    reasons.push({
      code: 'instanceTypeMismatch',
      message: `the benchmark ran on ${series.instanceType} but the request is for ${request.instanceType}: thresholds may not transfer`,
    });
  }
  const benchmark = analyzeBenchmark(series, {
    ...(request.latencySlo ? { latencySlo: request.latencySlo } : {}),
    ...options,
  });
  const thresholds = deriveThresholds(benchmark, request.goal, request.thresholdMethod);
  const capacity = planCapacity(request.traffic, thresholds.invocationsPerInstance, {
    maxInstancesLimit: request.maxInstancesLimit,
  });
  const policySet = buildInitialPolicySet(request, thresholds, capacity);
  if (!policySet.invocationsTargetTracking && !policySet.cpuTargetTracking && !policySet.stepScaling) {
    reasons.push({
      code: 'noDynamicPolicy',
      message:
        'every dynamic policy is switched off: the variant only follows Min/MaxCapacity and scheduled actions',
    });
  }
  return { benchmark, thresholds, capacity, policySet, reasons };
}
