/**
 * Builds the exact Application Auto Scaling and CloudWatch request inputs (AWS SDK v3 field
 * names) that apply a PolicySet to one endpoint variant:
 *
 * - RegisterScalableTarget (sagemaker:variant:DesiredInstanceCount, Min/MaxCapacity);
 * - PutScalingPolicy target tracking on the predefined SageMakerVariantInvocationsPerInstance;
 * - PutScalingPolicy target tracking on the high-resolution predefined
 *   SageMakerVariantConcurrentRequestsPerModelHighResolution (concurrent requests per instance,
 *   10-second datapoints; AAS creates its alarms: 3 of 3 datapoints within 30 s above the target,
 *   90 of 90 within 15 min below 0.9 x target, as the AWS sample shows);
 * - PutScalingPolicy target tracking on CPUUtilization as a customized metric
 *   (/aws/sagemaker/Endpoints, Average, Percent; summed over vCPUs, so 100 = 50 % of 2 vCPUs);
 * - PutScalingPolicy step scaling (ChangeInCapacity) AND the PutMetricAlarm that invokes it: a
 *   step policy does nothing until an alarm calls it (the AWS sample created none, so its step
 *   policy never fired). The alarm watches AWS/SageMaker InvocationsPerInstance, Sum over 60 s
 *   (the only statistic that metric supports): invocations per instance per minute, the unit of
 *   the alarm threshold and, relative to it, of the step bounds;
 * - PutScheduledAction for each scheduled action.
 *
 * Names are deterministic from the endpoint and the variant, so re-applying updates in place and
 * clean-up can find everything: `scaleplan-<endpoint>-<variant>-<role>`.
 */
import type {
  DeregisterScalableTargetRequest,
  MetricDimension,
  PutMetricAlarmRequest,
  PutScalingPolicyRequest,
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
  ScalableTargetRef,
  ScalingRequests,
  StepScalingPolicyConfiguration,
} from './aws-requests';
import { InvalidInputError } from './errors';
import type {
  PolicySet,
  ScheduledActionSpecResolved,
  StepAdjustment,
  StepScalingSpec,
  TargetTrackingSpec,
} from './types';

/** An endpoint or variant name as SageMaker accepts it (1..63 characters). */
const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** ScheduledActionName: 1..256 characters, no ':' '/' '|', no control characters, no leading/trailing space. */
export function isValidScheduledActionName(name: string): boolean {
  if (name.length < 1 || name.length > 256 || name.startsWith(' ') || name.endsWith(' ')) return false;
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || ':/|'.includes(char)) return false;
  }
  return true;
}
/** Step policies hold at most 20 step adjustments (Application Auto Scaling quota). */
export const MAX_STEP_ADJUSTMENTS = 20;

export interface EndpointVariant {
  endpointName: string;
  variantName: string;
}

/** The deterministic names of everything applied to one variant. */
export interface ScalingNames {
  invocationsPolicyName: string;
  cpuPolicyName: string;
  concurrencyPolicyName: string;
  stepPolicyName: string;
  stepAlarmName: string;
}

/**
 * The ResourceId of an endpoint variant's scalable target.
 * @example scalableTargetResourceId('my-endpoint', 'AllTraffic') // 'endpoint/my-endpoint/variant/AllTraffic'
 */
export function scalableTargetResourceId(endpointName: string, variantName: string): string {
  requireName('endpointName', endpointName);
  requireName('variantName', variantName);
  return `endpoint/${endpointName}/variant/${variantName}`;
}

/**
 * Policy and alarm names for a variant (at most 10 + 63 + 1 + 63 + 28 = 165 characters, inside
 * PolicyName's 256 and AlarmName's 255, printable ASCII only).
 * @example scalingNames({ endpointName: 'ep', variantName: 'AllTraffic' }).stepAlarmName
 * // 'scaleplan-ep-AllTraffic-invocations-step-alarm'
 */
export function scalingNames(target: EndpointVariant): ScalingNames {
  scalableTargetResourceId(target.endpointName, target.variantName);
  const prefix = `scaleplan-${target.endpointName}-${target.variantName}`;
  return {
    invocationsPolicyName: `${prefix}-invocations-target-tracking`,
    cpuPolicyName: `${prefix}-cpu-target-tracking`,
    concurrencyPolicyName: `${prefix}-concurrency-target-tracking`,
    stepPolicyName: `${prefix}-invocations-step-scaling`,
    stepAlarmName: `${prefix}-invocations-step-alarm`,
  };
}

function scalableTarget(target: EndpointVariant): ScalableTargetRef {
  return {
    ServiceNamespace: 'sagemaker',
    ResourceId: scalableTargetResourceId(target.endpointName, target.variantName),
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
  };
}

function dimensions(target: EndpointVariant): MetricDimension[] {
  return [
    { Name: 'EndpointName', Value: target.endpointName },
    { Name: 'VariantName', Value: target.variantName },
  ];
}

/**
 * RegisterScalableTarget for the variant.
 * @throws InvalidInputError when MinCapacity < 1 or MaxCapacity < MinCapacity (instance-based variants)
 */
export function buildRegisterScalableTarget(
  target: EndpointVariant,
  capacity: { minCapacity: number; maxCapacity: number },
): RegisterScalableTargetRequest {
  const { minCapacity, maxCapacity } = capacity;
  if (!(Number.isInteger(minCapacity) && minCapacity >= 1))
    throw new InvalidInputError(`MinCapacity must be an integer >= 1, got ${minCapacity}`);
  if (!(Number.isInteger(maxCapacity) && maxCapacity >= minCapacity))
    throw new InvalidInputError(
      `MaxCapacity must be an integer >= MinCapacity ${minCapacity}, got ${maxCapacity}`,
    );
  return { ...scalableTarget(target), MinCapacity: minCapacity, MaxCapacity: maxCapacity };
}

/** DeregisterScalableTarget (AWS also deletes the target's policies and scheduled actions; not the step alarm). */
export function buildDeregisterScalableTarget(target: EndpointVariant): DeregisterScalableTargetRequest {
  return scalableTarget(target);
}

function trackingConfig(spec: TargetTrackingSpec) {
  if (!(Number.isFinite(spec.targetValue) && spec.targetValue > 0))
    throw new InvalidInputError(`target tracking TargetValue must be > 0, got ${spec.targetValue}`);
  for (const [name, seconds] of [
    ['scaleOutCooldownSeconds', spec.scaleOutCooldownSeconds],
    ['scaleInCooldownSeconds', spec.scaleInCooldownSeconds],
  ] as const) {
    if (!(Number.isInteger(seconds) && seconds >= 0))
      throw new InvalidInputError(`${name} must be an integer >= 0, got ${seconds}`);
  }
  return {
    TargetValue: spec.targetValue,
    ScaleOutCooldown: spec.scaleOutCooldownSeconds,
    ScaleInCooldown: spec.scaleInCooldownSeconds,
    DisableScaleIn: spec.disableScaleIn,
  };
}

/** Target tracking on SageMakerVariantInvocationsPerInstance (invocations per instance per minute). */
export function buildInvocationsTargetTrackingPolicy(
  target: EndpointVariant,
  spec: TargetTrackingSpec,
): PutScalingPolicyRequest {
  const { TargetValue, ...cooldowns } = trackingConfig(spec);
  return {
    ...scalableTarget(target),
    PolicyName: scalingNames(target).invocationsPolicyName,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue,
      PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      ...cooldowns,
    },
  };
}

/**
 * Target tracking on the high-resolution predefined metric
 * SageMakerVariantConcurrentRequestsPerModelHighResolution: TargetValue is the concurrent requests
 * (in flight and queued) per instance, a double (e.g. 1.5).
 * @example buildConcurrencyTargetTrackingPolicy(target, { targetValue: 1.5, ... })
 *   .TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification
 * // { PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution' }
 */
export function buildConcurrencyTargetTrackingPolicy(
  target: EndpointVariant,
  spec: TargetTrackingSpec,
): PutScalingPolicyRequest {
  const { TargetValue, ...cooldowns } = trackingConfig(spec);
  return {
    ...scalableTarget(target),
    PolicyName: scalingNames(target).concurrencyPolicyName,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue,
      PredefinedMetricSpecification: {
        PredefinedMetricType: 'SageMakerVariantConcurrentRequestsPerModelHighResolution',
      },
      ...cooldowns,
    },
  };
}

/** Target tracking on CPUUtilization (percent summed over vCPUs), the customized metric of the AWS sample. */
export function buildCpuTargetTrackingPolicy(
  target: EndpointVariant,
  spec: TargetTrackingSpec,
): PutScalingPolicyRequest {
  const { TargetValue, ...cooldowns } = trackingConfig(spec);
  return {
    ...scalableTarget(target),
    PolicyName: scalingNames(target).cpuPolicyName,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue,
      CustomizedMetricSpecification: {
        MetricName: 'CPUUtilization',
        Namespace: '/aws/sagemaker/Endpoints',
        Dimensions: dimensions(target),
        Statistic: 'Average',
        Unit: 'Percent',
      },
      ...cooldowns,
    },
  };
}

/**
 * Problems with step adjustments (bounds relative to the alarm threshold, lower inclusive): at
 * least one and at most 20, ascending, contiguous (no gap, no overlap), only the last open-ended,
 * integer non-zero adjustments. Empty when valid.
 */
export function validateStepAdjustments(steps: StepAdjustment[]): string[] {
  const problems: string[] = [];
  if (steps.length === 0) return ['step scaling needs at least one step'];
  if (steps.length > MAX_STEP_ADJUSTMENTS)
    problems.push(`at most ${MAX_STEP_ADJUSTMENTS} steps, got ${steps.length}`);
  if ((steps[0]?.lower ?? 0) < 0)
    problems.push(
      `the first step must start at or above the alarm threshold (lower >= 0), got ${steps[0]?.lower}`,
    );
  steps.forEach((step, i) => {
    if (!Number.isInteger(step.adjustment) || step.adjustment === 0)
      problems.push(`step ${i}: adjustment must be a non-zero integer, got ${step.adjustment}`);
    if (step.upper !== null && !(step.upper > step.lower))
      problems.push(`step ${i}: upper ${step.upper} must be above lower ${step.lower}`);
    const next = steps[i + 1];
    if (next && step.upper === null) problems.push(`step ${i}: only the last step may be open-ended`);
    if (next && step.upper !== null && next.lower !== step.upper)
      problems.push(`steps ${i} and ${i + 1}: bounds must be contiguous (${step.upper} vs ${next.lower})`);
  });
  return problems;
}

/** The step scaling policy (ChangeInCapacity, Average aggregation) that the step alarm invokes. */
export function buildStepScalingPolicy(
  target: EndpointVariant,
  spec: StepScalingSpec,
): PutScalingPolicyRequest {
  const problems = validateStepAdjustments(spec.steps);
  if (problems.length > 0) throw new InvalidInputError(`invalid step scaling: ${problems.join('; ')}`);
  if (!(Number.isInteger(spec.cooldownSeconds) && spec.cooldownSeconds >= 0))
    throw new InvalidInputError(
      `step scaling cooldownSeconds must be an integer >= 0, got ${spec.cooldownSeconds}`,
    );
  const configuration: StepScalingPolicyConfiguration = {
    AdjustmentType: 'ChangeInCapacity',
    StepAdjustments: spec.steps.map((step) => ({
      MetricIntervalLowerBound: step.lower,
      ...(step.upper === null ? {} : { MetricIntervalUpperBound: step.upper }),
      ScalingAdjustment: step.adjustment,
    })),
    Cooldown: spec.cooldownSeconds,
    MetricAggregationType: 'Average',
  };
  return {
    ...scalableTarget(target),
    PolicyName: scalingNames(target).stepPolicyName,
    PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: configuration,
  };
}

/**
 * The CloudWatch alarm that invokes the step policy: InvocationsPerInstance (AWS/SageMaker, Sum,
 * Period 60 = invocations per instance per minute) >= the threshold for `datapointsToAlarm` of
 * `evaluationPeriods` minutes. Missing data (no traffic) does not breach. AlarmActions is added
 * with `withAlarmAction` once PutScalingPolicy has returned the policy ARN.
 * @example buildStepAlarm(target, { alarmThresholdInvocationsPerInstance: 4987, ... }).Threshold // 4987
 */
export function buildStepAlarm(
  target: EndpointVariant,
  spec: StepScalingSpec,
): Omit<PutMetricAlarmRequest, 'AlarmActions'> {
  if (
    !(
      Number.isFinite(spec.alarmThresholdInvocationsPerInstance) &&
      spec.alarmThresholdInvocationsPerInstance > 0
    )
  )
    throw new InvalidInputError(
      `the step alarm threshold must be > 0 invocations per instance per minute, got ${spec.alarmThresholdInvocationsPerInstance}`,
    );
  if (
    !(Number.isInteger(spec.evaluationPeriods) && spec.evaluationPeriods >= 1) ||
    !(Number.isInteger(spec.datapointsToAlarm) && spec.datapointsToAlarm >= 1) ||
    spec.datapointsToAlarm > spec.evaluationPeriods
  )
    throw new InvalidInputError(
      `the step alarm needs 1 <= datapointsToAlarm <= evaluationPeriods (integers), got ${spec.datapointsToAlarm} of ${spec.evaluationPeriods}`,
    );
  const names = scalingNames(target);
  return {
    AlarmName: names.stepAlarmName,
    AlarmDescription: `scaleplan: invokes step scaling policy ${names.stepPolicyName} when InvocationsPerInstance >= ${spec.alarmThresholdInvocationsPerInstance} per minute`,
    Namespace: 'AWS/SageMaker',
    MetricName: 'InvocationsPerInstance',
    Dimensions: dimensions(target),
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: spec.evaluationPeriods,
    DatapointsToAlarm: spec.datapointsToAlarm,
    Threshold: spec.alarmThresholdInvocationsPerInstance,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  };
}

/**
 * The step alarm with the ARN of the step policy (from the PutScalingPolicy response) as its action.
 * @throws InvalidInputError when the ARN is empty
 */
export function withAlarmAction(
  stepAlarm: Omit<PutMetricAlarmRequest, 'AlarmActions'>,
  policyArn: string,
): PutMetricAlarmRequest {
  if (!policyArn.startsWith('arn:'))
    throw new InvalidInputError(`the step alarm needs the step policy's ARN, got '${policyArn}'`);
  return { ...stepAlarm, AlarmActions: [policyArn] };
}

/** PutScheduledAction for one scheduled action (its name must be unique per target). */
export function buildScheduledAction(
  target: EndpointVariant,
  action: ScheduledActionSpecResolved,
): PutScheduledActionRequest {
  if (!isValidScheduledActionName(action.name))
    throw new InvalidInputError(
      `ScheduledActionName '${action.name}' must be 1..256 characters without ':' '/' '|' or surrounding spaces`,
    );
  if (!/^(at|rate|cron)\(.+\)$/.test(action.schedule))
    throw new InvalidInputError(`Schedule '${action.schedule}' must be at(...), rate(...) or cron(...)`);
  if (action.minCapacity === undefined && action.maxCapacity === undefined)
    throw new InvalidInputError(`scheduled action '${action.name}' needs minCapacity or maxCapacity`);
  return {
    ...scalableTarget(target),
    ScheduledActionName: action.name,
    Schedule: action.schedule,
    ...(action.timezone ? { Timezone: action.timezone } : {}),
    ScalableTargetAction: {
      ...(action.minCapacity !== undefined ? { MinCapacity: action.minCapacity } : {}),
      ...(action.maxCapacity !== undefined ? { MaxCapacity: action.maxCapacity } : {}),
    },
  };
}

/**
 * Every request that applies a policy set to a variant, in the order to send them: register the
 * target, put the target tracking policies, put the step policy, put its alarm (with the step
 * policy's ARN via `withAlarmAction`), put the scheduled actions.
 * @example
 * buildScalingRequests({ endpointName: 'ep', variantName: 'AllTraffic' }, policySet)
 *   .putScalingPolicies.map((p) => p.PolicyName);
 * // ['scaleplan-ep-AllTraffic-invocations-target-tracking', 'scaleplan-ep-AllTraffic-cpu-target-tracking', ...]
 */
export function buildScalingRequests(target: EndpointVariant, policySet: PolicySet): ScalingRequests {
  const putScalingPolicies: PutScalingPolicyRequest[] = [];
  if (policySet.invocationsTargetTracking)
    putScalingPolicies.push(
      buildInvocationsTargetTrackingPolicy(target, policySet.invocationsTargetTracking),
    );
  if (policySet.cpuTargetTracking)
    putScalingPolicies.push(buildCpuTargetTrackingPolicy(target, policySet.cpuTargetTracking));
  if (policySet.concurrencyTargetTracking)
    putScalingPolicies.push(
      buildConcurrencyTargetTrackingPolicy(target, policySet.concurrencyTargetTracking),
    );
  const step = policySet.stepScaling;
  if (step) putScalingPolicies.push(buildStepScalingPolicy(target, step));
  const names = new Set<string>();
  for (const action of policySet.scheduledActions) {
    if (names.has(action.name))
      throw new InvalidInputError(`duplicate scheduled action name '${action.name}'`);
    names.add(action.name);
  }
  return {
    registerScalableTarget: buildRegisterScalableTarget(target, policySet),
    putScalingPolicies,
    stepAlarm: step ? buildStepAlarm(target, step) : null,
    stepPolicyName: step ? scalingNames(target).stepPolicyName : null,
    putScheduledActions: policySet.scheduledActions.map((action) => buildScheduledAction(target, action)),
  };
}

function requireName(field: string, value: string): void {
  if (!SAGEMAKER_NAME.test(value))
    throw new InvalidInputError(
      `${field} '${value}' must be 1..63 letters, digits and hyphens, starting and ending with a letter or digit`,
    );
}
