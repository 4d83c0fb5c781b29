/**
 * Application Auto Scaling (and the CloudWatch alarms it acts through) on this machine. It keeps
 * exactly the RegisterScalableTarget, PutScalingPolicy, PutMetricAlarm and PutScheduledAction
 * inputs that would go to AWS, validated as the services validate them, and at every period of
 * the scaled clock evaluates them on the published metrics of the local CloudWatch:
 * target tracking through the alarms AAS creates (high 3 of 3 above the target, low 15 of 15
 * below 0.9 x target: the twin's settings), a step policy only through a PutMetricAlarm whose
 * AlarmActions name its ARN, cooldowns, scheduled actions, several policies at once. The rules
 * are the twin's pure ones (shared/core/sim/policies.ts, schedule.ts), since they are AWS's; what
 * is real here is everything they read: the datapoints come from real requests.
 */
import type {
  PutMetricAlarmRequest,
  PutScalingPolicyRequest,
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
} from '../../../core/aws-requests';
import { ConfigurationError, InvalidInputError, ResourceNotFoundError } from '../../../core/errors';
import {
  type AlarmMemory,
  type CooldownState,
  combineProposals,
  type NotScaledCode,
  type PolicyName,
  type Proposal,
  stepScalingProposal,
  targetTrackingProposal,
} from '../../../core/sim/policies';
import { scheduledRuns } from '../../../core/sim/schedule';
import type { SimSettings } from '../../../core/sim/settings';
import type { StepScalingSpec, TargetTrackingSpec } from '../../../core/types';
import {
  validatePutMetricAlarm,
  validatePutScalingPolicy,
  validatePutScheduledAction,
  validateRegisterScalableTarget,
} from '../scaling-validation';
import { ENDPOINT_INSTANCE_NAMESPACE, type GetMetricDataInput, SAGEMAKER_NAMESPACE } from './cloudwatch';

/** One scaling activity, as DescribeScalingActivities would list it (times on the scaled clock). */
export interface FleetActivity {
  /** Epoch seconds of the scaled clock. */
  atSeconds: number;
  fromCapacity: number;
  toCapacity: number;
  /** The policy's name, `scheduledAction:<name>`, or `bounds`. */
  cause: string;
  reason: string;
}

/** What the scaler needs of the endpoint at an evaluation. */
export interface ScaledVariant {
  desiredCapacity: number;
  /** Endpoint status Updating: no change is accepted (counted as updateInProgress). */
  updating: boolean;
}

type MetricReader = (
  input: GetMetricDataInput,
  nowSeconds: number,
) => { Timestamps: Date[]; Values: number[] }[];

interface StoredPolicy {
  arn: string;
  input: PutScalingPolicyRequest;
  memory: AlarmMemory;
}

export interface LocalAutoScaling {
  registerScalableTarget(input: RegisterScalableTargetRequest): void;
  putScalingPolicy(input: PutScalingPolicyRequest): { policyArn: string; alarmNames: string[] };
  putMetricAlarm(input: PutMetricAlarmRequest): void;
  putScheduledAction(input: PutScheduledActionRequest): void;
  /** Current bounds of the registered target, or undefined when none is registered. */
  bounds(): { minCapacity: number; maxCapacity: number } | undefined;
  /**
   * Evaluates at a period boundary `nowSeconds`: scheduled actions due since the last call, then
   * the policies. Returns the capacity to move to (and why), or null.
   */
  evaluate(nowSeconds: number, variant: ScaledVariant): FleetActivity | null;
  /** Times each not-scaled reason occurred (as IncludeNotScaledActivities would list them). */
  notScaled: Partial<Record<NotScaledCode, number>>;
}

function refuse(operation: string, problems: string[]): void {
  if (problems.length > 0) throw new InvalidInputError(`${operation} refused: ${problems.join('; ')}`);
}

function trackingSpecOf(input: PutScalingPolicyRequest): TargetTrackingSpec {
  const config = input.TargetTrackingScalingPolicyConfiguration!;
  return {
    targetValue: config.TargetValue,
    // AAS's default for SageMaker variants is 300 s each.
    scaleOutCooldownSeconds: config.ScaleOutCooldown ?? 300,
    scaleInCooldownSeconds: config.ScaleInCooldown ?? 300,
    disableScaleIn: config.DisableScaleIn ?? false,
  };
}

/** The metric a target tracking policy tracks: its namespace, name and statistic. */
function trackedMetric(input: PutScalingPolicyRequest): {
  namespace: string;
  metricName: string;
  stat: string;
} {
  const config = input.TargetTrackingScalingPolicyConfiguration!;
  if (config.PredefinedMetricSpecification)
    return { namespace: SAGEMAKER_NAMESPACE, metricName: 'InvocationsPerInstance', stat: 'Sum' };
  const custom = config.CustomizedMetricSpecification;
  if (!custom)
    throw new InvalidInputError(
      `PutScalingPolicy refused: policy ${input.PolicyName} needs a PredefinedMetricSpecification or a CustomizedMetricSpecification`,
    );
  return { namespace: custom.Namespace, metricName: custom.MetricName, stat: custom.Statistic };
}

function stepSpecOf(policy: PutScalingPolicyRequest, alarm: PutMetricAlarmRequest): StepScalingSpec {
  const config = policy.StepScalingPolicyConfiguration!;
  return {
    alarmThresholdInvocationsPerInstance: alarm.Threshold,
    steps: config.StepAdjustments.map((step) => ({
      lower: step.MetricIntervalLowerBound ?? Number.NEGATIVE_INFINITY,
      upper: step.MetricIntervalUpperBound ?? null,
      adjustment: step.ScalingAdjustment,
    })),
    cooldownSeconds: config.Cooldown ?? 300,
    evaluationPeriods: alarm.EvaluationPeriods,
    datapointsToAlarm: alarm.DatapointsToAlarm,
  };
}

/** What this local service does not run, refused by name rather than run differently. */
function checkSupported(policy: PutScalingPolicyRequest): void {
  const type = policy.StepScalingPolicyConfiguration?.AdjustmentType;
  if (policy.PolicyType === 'StepScaling' && type !== 'ChangeInCapacity')
    throw new ConfigurationError(
      `the local endpoint runs step policies with AdjustmentType ChangeInCapacity only, got ${type} in ${policy.PolicyName}`,
    );
}

function checkAlarmSupported(alarm: PutMetricAlarmRequest, periodSeconds: number): void {
  if (alarm.ComparisonOperator !== 'GreaterThanOrEqualToThreshold')
    throw new ConfigurationError(
      `the local endpoint runs step alarms with GreaterThanOrEqualToThreshold only, got ${alarm.ComparisonOperator} in ${alarm.AlarmName}`,
    );
  if (alarm.Period !== periodSeconds)
    throw new ConfigurationError(
      `alarm ${alarm.AlarmName}: Period ${alarm.Period} s; the local endpoint publishes one datapoint per ${periodSeconds} s`,
    );
}

interface ScalerOptions {
  settings: SimSettings;
  periodSeconds: number;
  startEpochSeconds: number;
  read: MetricReader;
}

/** What the local service holds for its one scalable target. */
interface Scaler {
  options: ScalerOptions;
  target?: RegisterScalableTargetRequest;
  minCapacity: number;
  maxCapacity: number;
  policies: Map<string, StoredPolicy>;
  alarms: Map<string, PutMetricAlarmRequest>;
  scheduled: Map<string, PutScheduledActionRequest>;
  notScaled: Partial<Record<NotScaledCode, number>>;
  cooldown: CooldownState;
  scheduledUpTo: number;
  pendingBoundsCause: string | null;
}

function countNotScaled(scaler: Scaler, code: NotScaledCode): void {
  scaler.notScaled[code] = (scaler.notScaled[code] ?? 0) + 1;
}

/** Per-period datapoints of a metric, period 0 .. lastIndex, missing ones 0 (as SageMaker emits). */
function datapoints(
  scaler: Scaler,
  metric: { namespace: string; metricName: string; stat: string },
  lastIndex: number,
  nowSeconds: number,
): Float64Array {
  const { periodSeconds, startEpochSeconds } = scaler.options;
  const values = new Float64Array(lastIndex + 1);
  const [, endpointName = '', , variantName = ''] = scaler.target!.ResourceId.split('/');
  const dimensions = [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
  const [result] = scaler.options.read(
    {
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensions },
            Period: periodSeconds,
            Stat: metric.stat,
          },
        },
      ],
      StartTime: new Date(startEpochSeconds * 1000),
      EndTime: new Date((startEpochSeconds + (lastIndex + 1) * periodSeconds) * 1000),
      ScanBy: 'TimestampAscending',
    },
    nowSeconds,
  );
  result?.Timestamps.forEach((timestamp, i) => {
    const index = Math.round((timestamp.getTime() / 1000 - startEpochSeconds) / periodSeconds);
    if (index >= 0 && index <= lastIndex) values[index] = result.Values[i]!;
  });
  return values;
}

/** Applies the scheduled actions due in (last call, now]: new Min and Max, a move pending. */
function runSchedules(scaler: Scaler, nowSeconds: number): void {
  const actions = [...scaler.scheduled.values()].map((action) => ({
    name: action.ScheduledActionName,
    schedule: action.Schedule,
    ...(action.Timezone ? { timezone: action.Timezone } : {}),
    ...(action.ScalableTargetAction.MinCapacity !== undefined
      ? { minCapacity: action.ScalableTargetAction.MinCapacity }
      : {}),
    ...(action.ScalableTargetAction.MaxCapacity !== undefined
      ? { maxCapacity: action.ScalableTargetAction.MaxCapacity }
      : {}),
  }));
  for (const run of scheduledRuns(actions, scaler.scheduledUpTo, nowSeconds + 1e-6)) {
    if (run.action.minCapacity !== undefined) scaler.minCapacity = run.action.minCapacity;
    if (run.action.maxCapacity !== undefined) scaler.maxCapacity = run.action.maxCapacity;
    if (scaler.minCapacity > scaler.maxCapacity) scaler.maxCapacity = scaler.minCapacity;
    scaler.pendingBoundsCause = `scheduledAction:${run.action.name}`;
  }
  scaler.scheduledUpTo = nowSeconds + 1e-6;
}

/** What every policy asks for at this evaluation (not-scaled reasons are counted). */
function proposals(
  scaler: Scaler,
  nowSeconds: number,
  variant: ScaledVariant,
  lastIndex: number,
): Proposal[] {
  const { settings } = scaler.options;
  const found: Proposal[] = [];
  const consider = (result: Proposal | NotScaledCode | null) => {
    if (result === null) return;
    if (typeof result === 'string') countNotScaled(scaler, result);
    else found.push(result);
  };
  const read = (namespace: string, metricName: string, stat: string) =>
    datapoints(scaler, { namespace, metricName, stat }, lastIndex, nowSeconds);
  const invocations = read(SAGEMAKER_NAMESPACE, 'Invocations', 'Sum')[lastIndex] ?? 0;
  const perInstance = read(SAGEMAKER_NAMESPACE, 'InvocationsPerInstance', 'Sum')[lastIndex] ?? 0;
  // The fleet the datapoint was measured on: InvocationsPerInstance is Invocations over InService.
  const datapointInstances = perInstance > 0 ? invocations / perInstance : variant.desiredCapacity;
  const common = {
    lastIndex,
    currentCapacity: variant.desiredCapacity,
    nowSeconds,
    cooldown: scaler.cooldown,
    settings,
  };
  for (const [name, policy] of scaler.policies) {
    if (policy.input.PolicyType === 'TargetTrackingScaling') {
      const metric = trackedMetric(policy.input);
      consider(
        targetTrackingProposal({
          ...common,
          // AWS policy names, not the twin's three labels: several policies of a kind may coexist.
          policy: name as PolicyName,
          spec: trackingSpecOf(policy.input),
          values: read(metric.namespace, metric.metricName, metric.stat),
          datapointInstances,
          memory: policy.memory,
        }),
      );
      continue;
    }
    for (const alarm of scaler.alarms.values()) {
      if (!alarm.AlarmActions.includes(policy.arn)) continue;
      const result = stepScalingProposal({
        ...common,
        spec: stepSpecOf(policy.input, alarm),
        values: read(alarm.Namespace, alarm.MetricName, alarm.Statistic),
        memory: policy.memory,
      });
      consider(result && typeof result !== 'string' ? { ...result, policy: name as PolicyName } : result);
    }
  }
  return found;
}

/** A move into new bounds (scheduled actions and registration ignore cooldowns), or null. */
function boundsActivity(scaler: Scaler, nowSeconds: number, variant: ScaledVariant): FleetActivity | null {
  if (variant.updating || scaler.pendingBoundsCause === null) return null;
  const cause = scaler.pendingBoundsCause;
  scaler.pendingBoundsCause = null;
  const from = variant.desiredCapacity;
  const { minCapacity, maxCapacity } = scaler;
  if (from < minCapacity)
    return {
      atSeconds: nowSeconds,
      fromCapacity: from,
      toCapacity: minCapacity,
      cause,
      reason: `capacity ${from} below MinCapacity ${minCapacity}`,
    };
  if (from > maxCapacity)
    return {
      atSeconds: nowSeconds,
      fromCapacity: from,
      toCapacity: maxCapacity,
      cause,
      reason: `capacity ${from} above MaxCapacity ${maxCapacity}`,
    };
  return null;
}

function evaluateScaler(scaler: Scaler, nowSeconds: number, variant: ScaledVariant): FleetActivity | null {
  if (!scaler.target) return null;
  runSchedules(scaler, nowSeconds);
  const moved = boundsActivity(scaler, nowSeconds, variant);
  if (moved) return moved;
  const { settings, periodSeconds, startEpochSeconds } = scaler.options;
  // The datapoint of period k is visible once the period has ended and the delay has passed.
  const elapsed = nowSeconds - startEpochSeconds;
  const lastIndex = Math.floor((elapsed - settings.metricDelaySeconds) / periodSeconds + 1e-9) - 1;
  if (lastIndex < 0) return null;
  const found = proposals(scaler, nowSeconds, variant, lastIndex);
  if (found.length === 0) return null;
  if (variant.updating) {
    countNotScaled(scaler, 'updateInProgress');
    return null;
  }
  const voters = [...scaler.policies.entries()]
    .filter(
      ([, p]) => p.input.PolicyType === 'TargetTrackingScaling' && !trackingSpecOf(p.input).disableScaleIn,
    )
    .map(([name]) => name as PolicyName);
  const decision = combineProposals(
    found,
    voters,
    variant.desiredCapacity,
    scaler.minCapacity,
    scaler.maxCapacity,
  );
  if (decision === null) return null;
  if (typeof decision === 'string') {
    countNotScaled(scaler, decision);
    return null;
  }
  const { cooldown } = scaler;
  if (decision.direction === 'out') {
    cooldown.lastScaleOutAtSeconds = nowSeconds;
    cooldown.lastScaleOutFromCapacity = variant.desiredCapacity;
    cooldown.lastScaleOutToCapacity = decision.desiredCapacity;
    // A scale-out cancels the scale-in cooldown (AAS user guide).
    cooldown.lastScaleInAtSeconds = null;
  } else cooldown.lastScaleInAtSeconds = nowSeconds;
  return {
    atSeconds: nowSeconds,
    fromCapacity: variant.desiredCapacity,
    toCapacity: decision.desiredCapacity,
    cause: decision.policies[0] ?? 'policy',
    reason: decision.reason,
  };
}

/**
 * A local Application Auto Scaling for one endpoint variant, reading metrics through `read`.
 *
 * @example
 * const aas = createLocalAutoScaling({ settings, periodSeconds: 60, startEpochSeconds, read });
 * aas.registerScalableTarget(requests.registerScalableTarget);
 * aas.evaluate(now, { desiredCapacity: 1, updating: false }); // { toCapacity: 3, cause: '...', ... } or null
 */
export function createLocalAutoScaling(options: ScalerOptions): LocalAutoScaling {
  const scaler: Scaler = {
    options,
    minCapacity: 0,
    maxCapacity: 0,
    policies: new Map(),
    alarms: new Map(),
    scheduled: new Map(),
    notScaled: {},
    cooldown: {
      lastScaleOutAtSeconds: null,
      lastScaleOutFromCapacity: 0,
      lastScaleOutToCapacity: 0,
      lastScaleInAtSeconds: null,
    },
    scheduledUpTo: options.startEpochSeconds,
    pendingBoundsCause: null,
  };
  const { policies } = scaler;
  const requireTarget = (resourceId: string) => {
    if (!scaler.target || scaler.target.ResourceId !== resourceId)
      throw new ResourceNotFoundError(`no scalable target ${resourceId} is registered`);
  };
  return {
    notScaled: scaler.notScaled,
    registerScalableTarget(input) {
      refuse('RegisterScalableTarget', validateRegisterScalableTarget(input));
      if (scaler.target && scaler.target.ResourceId !== input.ResourceId)
        throw new InvalidInputError(
          `RegisterScalableTarget refused: this local endpoint is ${scaler.target.ResourceId}, not ${input.ResourceId}`,
        );
      scaler.target = input;
      scaler.minCapacity = input.MinCapacity;
      scaler.maxCapacity = input.MaxCapacity;
      scaler.pendingBoundsCause = 'bounds';
    },
    putScalingPolicy(input) {
      requireTarget(input.ResourceId);
      const isUpdate = policies.has(input.PolicyName);
      refuse('PutScalingPolicy', validatePutScalingPolicy(input, policies.size - (isUpdate ? 1 : 0)));
      checkSupported(input);
      if (input.PolicyType === 'TargetTrackingScaling') trackedMetric(input);
      const arn = `arn:aws:autoscaling:local:000000000000:scalingPolicy:local:resource/sagemaker/${input.ResourceId}:policyName/${input.PolicyName}`;
      policies.set(input.PolicyName, { arn, input, memory: { high: false, low: false } });
      const alarmNames =
        input.PolicyType === 'TargetTrackingScaling'
          ? [
              `TargetTracking-${input.ResourceId}-AlarmHigh-${input.PolicyName}`,
              `TargetTracking-${input.ResourceId}-AlarmLow-${input.PolicyName}`,
            ]
          : [];
      return { policyArn: arn, alarmNames };
    },
    putMetricAlarm(input) {
      const arns = new Set([...policies.values()].map((policy) => policy.arn));
      refuse('PutMetricAlarm', validatePutMetricAlarm(input, arns));
      checkAlarmSupported(input, options.periodSeconds);
      scaler.alarms.set(input.AlarmName, input);
    },
    putScheduledAction(input) {
      requireTarget(input.ResourceId);
      refuse('PutScheduledAction', validatePutScheduledAction(input, scaler.scheduled.size));
      scaler.scheduled.set(input.ScheduledActionName, input);
    },
    bounds: () =>
      scaler.target ? { minCapacity: scaler.minCapacity, maxCapacity: scaler.maxCapacity } : undefined,
    evaluate: (nowSeconds, variant) => evaluateScaler(scaler, nowSeconds, variant),
  };
}

/** Namespaces the scaler reads, re-exported for callers building custom metrics. */
export { ENDPOINT_INSTANCE_NAMESPACE, SAGEMAKER_NAMESPACE };

/**
 * Sends every request of a policy set to the local service in RegisterPolicies' order: the target,
 * the policies, the step alarm with the step policy's ARN, the scheduled actions.
 *
 * @example
 * applyScalingRequests(endpoint.autoscaling, buildScalingRequests({ endpointName, variantName }, policySet));
 */
export function applyScalingRequests(
  autoscaling: LocalAutoScaling,
  requests: {
    registerScalableTarget: RegisterScalableTargetRequest;
    putScalingPolicies: PutScalingPolicyRequest[];
    stepAlarm: Omit<PutMetricAlarmRequest, 'AlarmActions'> | null;
    stepPolicyName: string | null;
    putScheduledActions: PutScheduledActionRequest[];
  },
): void {
  autoscaling.registerScalableTarget(requests.registerScalableTarget);
  const arns = new Map<string, string>();
  for (const policy of requests.putScalingPolicies)
    arns.set(policy.PolicyName, autoscaling.putScalingPolicy(policy).policyArn);
  if (requests.stepAlarm && requests.stepPolicyName) {
    const arn = arns.get(requests.stepPolicyName);
    if (!arn)
      throw new InvalidInputError(
        `the step alarm names policy ${requests.stepPolicyName}, which was not put`,
      );
    autoscaling.putMetricAlarm({ ...requests.stepAlarm, AlarmActions: [arn] });
  }
  for (const action of requests.putScheduledActions) autoscaling.putScheduledAction(action);
}
