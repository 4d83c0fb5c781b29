/**
 * The recommended policy set as a CloudFormation template (YAML): the
 * `AWS::ApplicationAutoScaling::ScalableTarget` with the scheduled actions inside it, one
 * `AWS::ApplicationAutoScaling::ScalingPolicy` per policy attached by `ScalingTargetId: Ref`, and
 * the step policy's `AWS::CloudWatch::Alarm`, whose AlarmActions is `Ref` of the step policy
 * (Ref of a ScalingPolicy is its ARN). The property names are those of the API requests, which
 * CloudFormation shares for these three types, so the values are the requests' own.
 */
import { Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { PutScalingPolicyRequest } from '../core/aws-requests';
import { type ExportInput, type ExportPlan, planExport } from './evidence';

/** A reference to another resource of the export, rendered by each format in its own way. */
export interface ResourceRef {
  Ref: string;
}

/** One resource of the export, in the order of the template. */
export interface ExportResource {
  logicalId: string;
  type:
    | 'AWS::ApplicationAutoScaling::ScalableTarget'
    | 'AWS::ApplicationAutoScaling::ScalingPolicy'
    | 'AWS::CloudWatch::Alarm';
  properties: Record<string, unknown>;
  /** One line saying what it is and why. */
  comment: string;
}

export const SCALABLE_TARGET_ID = 'ScalableTarget';
export const STEP_ALARM_ID = 'StepScalingAlarm';

/** Logical id of a policy, from the role suffix of its deterministic name. */
export function policyLogicalId(policy: PutScalingPolicyRequest): string {
  if (policy.PolicyName.endsWith('-invocations-target-tracking')) return 'InvocationsTargetTrackingPolicy';
  if (policy.PolicyName.endsWith('-cpu-target-tracking')) return 'CpuTargetTrackingPolicy';
  return 'StepScalingPolicy';
}

function policyComment(policy: PutScalingPolicyRequest): string {
  const tracking = policy.TargetTrackingScalingPolicyConfiguration;
  if (tracking?.PredefinedMetricSpecification)
    return `target tracking: ${tracking.TargetValue} invocations per instance per minute, cooldowns out ${tracking.ScaleOutCooldown} s / in ${tracking.ScaleInCooldown} s`;
  if (tracking)
    return `target tracking: CPUUtilization ${tracking.TargetValue}% (summed over vCPUs), cooldowns out ${tracking.ScaleOutCooldown} s / in ${tracking.ScaleInCooldown} s`;
  const step = policy.StepScalingPolicyConfiguration;
  return `step scaling: ${step?.StepAdjustments.map((s) => `[${s.MetricIntervalLowerBound ?? '-inf'}, ${s.MetricIntervalUpperBound ?? 'inf'}) +${s.ScalingAdjustment}`).join(', ')} above the alarm threshold, cooldown ${step?.Cooldown} s`;
}

/**
 * The resources of the export, shared by the CloudFormation and CDK renderers.
 * @example exportResources(plan).map((r) => r.logicalId)
 * // ['ScalableTarget', 'InvocationsTargetTrackingPolicy', 'CpuTargetTrackingPolicy', 'StepScalingPolicy', 'StepScalingAlarm']
 */
export function exportResources(plan: ExportPlan): ExportResource[] {
  const { requests } = plan;
  const { ServiceNamespace, ResourceId, ScalableDimension, MinCapacity, MaxCapacity } =
    requests.registerScalableTarget;
  const scheduledActions = requests.putScheduledActions.map((action) => ({
    ScheduledActionName: action.ScheduledActionName,
    Schedule: action.Schedule,
    ...(action.Timezone ? { Timezone: action.Timezone } : {}),
    ScalableTargetAction: action.ScalableTargetAction,
  }));
  const resources: ExportResource[] = [
    {
      logicalId: SCALABLE_TARGET_ID,
      type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      properties: {
        ServiceNamespace,
        ResourceId,
        ScalableDimension,
        MinCapacity,
        MaxCapacity,
        ...(scheduledActions.length > 0 ? { ScheduledActions: scheduledActions } : {}),
      },
      comment: `the variant's scalable target: MinCapacity ${MinCapacity}, MaxCapacity ${MaxCapacity}${scheduledActions.length > 0 ? `, ${scheduledActions.length} scheduled action(s)` : ''}; the endpoint must exist first (add DependsOn when it is in the same stack)`,
    },
  ];
  for (const policy of requests.putScalingPolicies) {
    const {
      PolicyName,
      PolicyType,
      TargetTrackingScalingPolicyConfiguration,
      StepScalingPolicyConfiguration,
    } = policy;
    resources.push({
      logicalId: policyLogicalId(policy),
      type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      properties: {
        PolicyName,
        PolicyType,
        ScalingTargetId: { Ref: SCALABLE_TARGET_ID } satisfies ResourceRef,
        ...(TargetTrackingScalingPolicyConfiguration ? { TargetTrackingScalingPolicyConfiguration } : {}),
        ...(StepScalingPolicyConfiguration ? { StepScalingPolicyConfiguration } : {}),
      },
      comment: policyComment(policy),
    });
  }
  if (requests.stepAlarm) {
    const alarm = requests.stepAlarm;
    resources.push({
      logicalId: STEP_ALARM_ID,
      type: 'AWS::CloudWatch::Alarm',
      properties: { ...alarm, AlarmActions: [{ Ref: 'StepScalingPolicy' } satisfies ResourceRef] },
      comment: `invokes the step policy when InvocationsPerInstance (Sum per ${alarm.Period} s) >= ${alarm.Threshold} for ${alarm.DatapointsToAlarm} of ${alarm.EvaluationPeriods} datapoints`,
    });
  }
  return resources;
}

/**
 * The CloudFormation template, YAML, with the evidence as comments.
 * @example renderCloudFormation({ recommendation, target, scaleplanVersion: '0.1.0' }).startsWith('# scaleplan 0.1.0') // true
 */
export function renderCloudFormation(input: ExportInput): string {
  const plan = planExport(input);
  const resources = exportResources(plan);
  const doc = new Document({
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `scaleplan ${input.scaleplanVersion}: auto scaling of SageMaker endpoint ${input.target.endpointName}, variant ${input.target.variantName} (run ${input.recommendation.runId})`,
    Resources: Object.fromEntries(
      resources.map((resource) => [
        resource.logicalId,
        { Type: resource.type, Properties: resource.properties },
      ]),
    ),
  });
  // Quoted: a YAML 1.1 reader (PyYAML, which cfn-lint uses) would read 2010-09-09 as a date.
  const version = doc.get('AWSTemplateFormatVersion', true) as Scalar;
  version.type = 'QUOTE_SINGLE';
  doc.commentBefore = plan.evidence.map((line) => ` ${line}`).join('\n');
  const map = doc.get('Resources', true) as YAMLMap;
  for (const pair of map.items as Pair<Scalar, unknown>[]) {
    const resource = resources.find((r) => r.logicalId === pair.key.value);
    if (resource) pair.key.commentBefore = ` ${resource.comment}`;
  }
  return doc.toString({ lineWidth: 0 });
}
