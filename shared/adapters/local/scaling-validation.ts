/**
 * The checks Application Auto Scaling and CloudWatch apply to the requests scaleplan sends, so
 * that the local backend refuses what AWS would refuse (ValidationException) instead of
 * accepting anything. Sources: the AAS API reference (RegisterScalableTarget, PutScalingPolicy,
 * StepScalingPolicyConfiguration, PutScheduledAction) and the PutMetricAlarm reference.
 */
import type {
  PutMetricAlarmRequest,
  PutScalingPolicyRequest,
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
} from '../../core/aws-requests';

/** Application Auto Scaling quotas (not adjustable): policies and scheduled actions per target, steps per policy. */
export const AAS_LIMITS = {
  policiesPerTarget: 50,
  scheduledActionsPerTarget: 200,
  stepsPerPolicy: 20,
} as const;

const RESOURCE_ID = /^endpoint\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/variant\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Returns the problems AWS would report for a RegisterScalableTarget request; empty when valid. */
export function validateRegisterScalableTarget(input: RegisterScalableTargetRequest): string[] {
  const problems: string[] = [];
  if (!RESOURCE_ID.test(input.ResourceId))
    problems.push(`ResourceId '${input.ResourceId}' is not endpoint/<name>/variant/<name>`);
  if (!Number.isInteger(input.MinCapacity) || input.MinCapacity < 1)
    problems.push(`MinCapacity ${input.MinCapacity} must be an integer >= 1 for an instance-based variant`);
  if (!Number.isInteger(input.MaxCapacity) || input.MaxCapacity < input.MinCapacity)
    problems.push(`MaxCapacity ${input.MaxCapacity} must be an integer >= MinCapacity ${input.MinCapacity}`);
  return problems;
}

/** Problems with a PutScalingPolicy request, given the policies already on the target. */
export function validatePutScalingPolicy(
  input: PutScalingPolicyRequest,
  existingPolicyCount: number,
): string[] {
  const problems: string[] = [];
  if (input.PolicyName.length < 1 || input.PolicyName.length > 256)
    problems.push(`PolicyName must be 1..256 characters (got ${input.PolicyName.length})`);
  if (existingPolicyCount >= AAS_LIMITS.policiesPerTarget)
    problems.push(`a scalable target holds at most ${AAS_LIMITS.policiesPerTarget} policies`);
  if (input.PolicyType === 'TargetTrackingScaling') {
    const config = input.TargetTrackingScalingPolicyConfiguration;
    if (!config) return [...problems, 'TargetTrackingScaling needs TargetTrackingScalingPolicyConfiguration'];
    if (!(config.TargetValue > 0)) problems.push(`TargetValue ${config.TargetValue} must be > 0`);
    const specs = [config.PredefinedMetricSpecification, config.CustomizedMetricSpecification].filter(
      Boolean,
    );
    if (specs.length !== 1)
      problems.push('exactly one of Predefined/CustomizedMetricSpecification is required');
    if (config.ScaleInCooldown < 0 || config.ScaleOutCooldown < 0)
      problems.push('cooldowns must be >= 0 seconds');
  } else {
    const config = input.StepScalingPolicyConfiguration;
    if (!config) return [...problems, 'StepScaling needs StepScalingPolicyConfiguration'];
    problems.push(...validateStepAdjustments(config.StepAdjustments));
  }
  return problems;
}

/**
 * Step intervals (relative to the alarm threshold) may have no gaps and no overlaps, at most one
 * open lower bound and one open upper bound, and at most 20 steps. These are AWS's rules on the
 * request (scale-in steps below the threshold included); the core's `validateStepAdjustments`
 * checks scaleplan's stricter policy shape (scale-out only, from the threshold up) before building it.
 */
export function validateStepAdjustments(
  steps: {
    MetricIntervalLowerBound?: number;
    MetricIntervalUpperBound?: number;
    ScalingAdjustment: number;
  }[],
): string[] {
  const problems: string[] = [];
  if (steps.length === 0) return ['StepAdjustments needs at least one step'];
  if (steps.length > AAS_LIMITS.stepsPerPolicy)
    problems.push(`at most ${AAS_LIMITS.stepsPerPolicy} step adjustments`);
  const sorted = [...steps].sort(
    (a, b) => (a.MetricIntervalLowerBound ?? -Infinity) - (b.MetricIntervalLowerBound ?? -Infinity),
  );
  if (sorted.filter((s) => s.MetricIntervalLowerBound === undefined).length > 1)
    problems.push('only one step may have no lower bound');
  if (sorted.filter((s) => s.MetricIntervalUpperBound === undefined).length > 1)
    problems.push('only one step may have no upper bound');
  for (let i = 1; i < sorted.length; i++) {
    const previousUpper = sorted[i - 1]?.MetricIntervalUpperBound;
    const lower = sorted[i]?.MetricIntervalLowerBound;
    if (previousUpper !== lower)
      problems.push(`steps leave a gap or overlap between ${previousUpper} and ${lower}`);
  }
  for (const s of sorted) {
    if (
      s.MetricIntervalLowerBound !== undefined &&
      s.MetricIntervalUpperBound !== undefined &&
      s.MetricIntervalUpperBound <= s.MetricIntervalLowerBound
    )
      problems.push(`step [${s.MetricIntervalLowerBound}, ${s.MetricIntervalUpperBound}) is empty`);
  }
  return problems;
}

/** Problems with a PutScheduledAction request. */
export function validatePutScheduledAction(
  input: PutScheduledActionRequest,
  existingCount: number,
): string[] {
  const problems: string[] = [];
  if (/[:/|]/.test(input.ScheduledActionName))
    problems.push("ScheduledActionName may not contain ':' '/' or '|'");
  if (
    !/^(at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/.test(
      input.Schedule,
    )
  )
    problems.push(`Schedule '${input.Schedule}' is not at(...), rate(value unit) or cron(...)`);
  const { MinCapacity, MaxCapacity } = input.ScalableTargetAction;
  if (MinCapacity !== undefined && MaxCapacity !== undefined && MinCapacity > MaxCapacity)
    problems.push(`ScalableTargetAction MinCapacity ${MinCapacity} exceeds MaxCapacity ${MaxCapacity}`);
  if (existingCount >= AAS_LIMITS.scheduledActionsPerTarget)
    problems.push(
      `a scalable target holds at most ${AAS_LIMITS.scheduledActionsPerTarget} scheduled actions`,
    );
  return problems;
}

/** Problems with a PutMetricAlarm request; `knownPolicyArns` are the actions that exist. */
export function validatePutMetricAlarm(
  input: PutMetricAlarmRequest,
  knownPolicyArns: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  if (!(input.Period === 10 || input.Period === 20 || input.Period === 30 || input.Period % 60 === 0))
    problems.push(`Period ${input.Period} must be 10, 20, 30 or a multiple of 60`);
  if (input.DatapointsToAlarm > input.EvaluationPeriods)
    problems.push(
      `DatapointsToAlarm ${input.DatapointsToAlarm} exceeds EvaluationPeriods ${input.EvaluationPeriods}`,
    );
  if (input.Period * input.EvaluationPeriods > 86_400)
    problems.push('Period x EvaluationPeriods may not exceed one day');
  for (const action of input.AlarmActions) {
    if (!knownPolicyArns.has(action)) problems.push(`AlarmActions names an unknown scaling policy ${action}`);
  }
  return problems;
}
