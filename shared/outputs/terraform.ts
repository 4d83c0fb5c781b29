/**
 * The recommended policy set as Terraform (HCL) for the AWS provider: `aws_appautoscaling_target`,
 * one `aws_appautoscaling_policy` per policy, the step policy's `aws_cloudwatch_metric_alarm`
 * (alarm_actions = the step policy's `arn`) and one `aws_appautoscaling_scheduled_action` per
 * scheduled action.
 *
 * Argument names and types follow the provider's schema: the step bounds
 * (`metric_interval_lower_bound`/`upper_bound`) are strings there, so that an absent bound (minus
 * or plus infinity) differs from 0. Scheduled actions of one target are chained by `depends_on`:
 * Application Auto Scaling refuses concurrent updates of one scalable target, which is what
 * Terraform's parallel creation would send.
 */
import type {
  PutScalingPolicyRequest,
  PutScheduledActionRequest,
  StepScalingPolicyConfiguration,
  TargetTrackingScalingPolicyConfiguration,
} from '../core/aws-requests';
import { type ExportInput, planExport } from './evidence';

/** An HCL expression written as is (a reference), not quoted. */
interface Expression {
  expression: string;
}
type HclValue = string | number | boolean | Expression | HclValue[] | { [key: string]: HclValue };
/** A body: attributes (`name = value`) and nested blocks (`name { ... }`), in order. */
type HclBody = ({ attribute: string; value: HclValue } | { block: string; body: HclBody })[];

/** A quoted HCL string: escapes, and `${`/`%{` doubled so no template is read into a name. */
export function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, '$${')
    .replace(/%\{/g, '%%{');
  return `"${escaped}"`;
}

function hclValue(value: HclValue, indent: string): string {
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item) => hclValue(item, indent)).join(', ')}]`;
  if ('expression' in value && typeof value.expression === 'string') return value.expression;
  const inner = `${indent}  `;
  const entries = Object.entries(value as Record<string, HclValue>);
  const width = Math.max(...entries.map(([key]) => key.length));
  return `{\n${entries.map(([key, item]) => `${inner}${key.padEnd(width)} = ${hclValue(item, inner)}`).join('\n')}\n${indent}}`;
}

function renderBody(body: HclBody, indent: string): string[] {
  const lines: string[] = [];
  const attributes = body.filter(
    (item): item is { attribute: string; value: HclValue } => 'attribute' in item,
  );
  const width = Math.max(0, ...attributes.map((item) => item.attribute.length));
  for (const item of body) {
    if ('attribute' in item) {
      lines.push(`${indent}${item.attribute.padEnd(width)} = ${hclValue(item.value, indent)}`);
    } else {
      lines.push('', `${indent}${item.block} {`, ...renderBody(item.body, `${indent}  `), `${indent}}`);
    }
  }
  return lines;
}

const attr = (attribute: string, value: HclValue) => ({ attribute, value });
const ref = (expression: string): Expression => ({ expression });
const TARGET = 'aws_appautoscaling_target.variant';
const targetRefs: HclBody = [
  attr('resource_id', ref(`${TARGET}.resource_id`)),
  attr('scalable_dimension', ref(`${TARGET}.scalable_dimension`)),
  attr('service_namespace', ref(`${TARGET}.service_namespace`)),
];

function trackingBody(config: TargetTrackingScalingPolicyConfiguration): HclBody {
  const body: HclBody = [
    attr('target_value', config.TargetValue),
    attr('scale_out_cooldown', config.ScaleOutCooldown),
    attr('scale_in_cooldown', config.ScaleInCooldown),
    attr('disable_scale_in', config.DisableScaleIn),
  ];
  if (config.PredefinedMetricSpecification)
    body.push({
      block: 'predefined_metric_specification',
      body: [attr('predefined_metric_type', config.PredefinedMetricSpecification.PredefinedMetricType)],
    });
  const custom = config.CustomizedMetricSpecification;
  if (custom)
    body.push({
      block: 'customized_metric_specification',
      body: [
        attr('metric_name', custom.MetricName),
        attr('namespace', custom.Namespace),
        attr('statistic', custom.Statistic),
        ...(custom.Unit ? [attr('unit', custom.Unit)] : []),
        ...custom.Dimensions.map((d) => ({
          block: 'dimensions',
          body: [attr('name', d.Name), attr('value', d.Value)],
        })),
      ],
    });
  return body;
}

function stepBody(config: StepScalingPolicyConfiguration): HclBody {
  return [
    attr('adjustment_type', config.AdjustmentType),
    attr('cooldown', config.Cooldown),
    attr('metric_aggregation_type', config.MetricAggregationType),
    ...config.StepAdjustments.map((step) => ({
      block: 'step_adjustment',
      body: [
        ...(step.MetricIntervalLowerBound !== undefined
          ? [attr('metric_interval_lower_bound', String(step.MetricIntervalLowerBound))]
          : []),
        ...(step.MetricIntervalUpperBound !== undefined
          ? [attr('metric_interval_upper_bound', String(step.MetricIntervalUpperBound))]
          : []),
        attr('scaling_adjustment', step.ScalingAdjustment),
      ],
    })),
  ];
}

/** Terraform resource name of a policy, from the role suffix of its deterministic name. */
export function policyResourceName(policy: PutScalingPolicyRequest): string {
  if (policy.PolicyName.endsWith('-invocations-target-tracking')) return 'invocations_target_tracking';
  if (policy.PolicyName.endsWith('-cpu-target-tracking')) return 'cpu_target_tracking';
  return 'step_scaling';
}

function policyBody(policy: PutScalingPolicyRequest): HclBody {
  const body: HclBody = [
    attr('name', policy.PolicyName),
    attr('policy_type', policy.PolicyType),
    ...targetRefs,
  ];
  if (policy.TargetTrackingScalingPolicyConfiguration)
    body.push({
      block: 'target_tracking_scaling_policy_configuration',
      body: trackingBody(policy.TargetTrackingScalingPolicyConfiguration),
    });
  if (policy.StepScalingPolicyConfiguration)
    body.push({
      block: 'step_scaling_policy_configuration',
      body: stepBody(policy.StepScalingPolicyConfiguration),
    });
  return body;
}

function scheduledBody(action: PutScheduledActionRequest, previous: string | null): HclBody {
  const { MinCapacity, MaxCapacity } = action.ScalableTargetAction;
  return [
    attr('name', action.ScheduledActionName),
    ...targetRefs,
    attr('schedule', action.Schedule),
    ...(action.Timezone ? [attr('timezone', action.Timezone)] : []),
    ...(previous ? [attr('depends_on', [ref(previous)])] : []),
    {
      block: 'scalable_target_action',
      body: [
        ...(MinCapacity !== undefined ? [attr('min_capacity', String(MinCapacity))] : []),
        ...(MaxCapacity !== undefined ? [attr('max_capacity', String(MaxCapacity))] : []),
      ],
    },
  ];
}

function resource(type: string, name: string, comment: string, body: HclBody): string {
  return [`# ${comment}`, `resource "${type}" "${name}" {`, ...renderBody(body, '  '), '}'].join('\n');
}

/**
 * The Terraform configuration, with the evidence as comments.
 * @example renderTerraform(input).includes('resource "aws_appautoscaling_target" "variant"') // true
 */
export function renderTerraform(input: ExportInput): string {
  const { requests, evidence } = planExport(input);
  const target = requests.registerScalableTarget;
  const blocks: string[] = [
    evidence.map((line) => `# ${line}`).join('\n'),
    [
      'terraform {',
      '  required_providers {',
      '    aws = {',
      '      source  = "hashicorp/aws"',
      '      version = ">= 5.0"',
      '    }',
      '  }',
      '}',
    ].join('\n'),
    resource(
      'aws_appautoscaling_target',
      'variant',
      "the variant's scalable target (the endpoint must exist first)",
      [
        attr('service_namespace', target.ServiceNamespace),
        attr('resource_id', target.ResourceId),
        attr('scalable_dimension', target.ScalableDimension),
        attr('min_capacity', target.MinCapacity),
        attr('max_capacity', target.MaxCapacity),
      ],
    ),
  ];
  for (const policy of requests.putScalingPolicies)
    blocks.push(
      resource(
        'aws_appautoscaling_policy',
        policyResourceName(policy),
        `${policy.PolicyType}: ${policy.PolicyName}`,
        policyBody(policy),
      ),
    );
  const alarm = requests.stepAlarm;
  if (alarm)
    blocks.push(
      resource('aws_cloudwatch_metric_alarm', 'step_scaling', `invokes the step policy: ${alarm.AlarmName}`, [
        attr('alarm_name', alarm.AlarmName),
        ...(alarm.AlarmDescription ? [attr('alarm_description', alarm.AlarmDescription)] : []),
        attr('namespace', alarm.Namespace),
        attr('metric_name', alarm.MetricName),
        attr('dimensions', Object.fromEntries(alarm.Dimensions.map((d) => [d.Name, d.Value]))),
        attr('statistic', alarm.Statistic),
        attr('period', alarm.Period),
        attr('evaluation_periods', alarm.EvaluationPeriods),
        attr('datapoints_to_alarm', alarm.DatapointsToAlarm),
        attr('threshold', alarm.Threshold),
        attr('comparison_operator', alarm.ComparisonOperator),
        attr('treat_missing_data', alarm.TreatMissingData),
        attr('alarm_actions', [ref('aws_appautoscaling_policy.step_scaling.arn')]),
      ]),
    );
  let previous: string | null = null;
  requests.putScheduledActions.forEach((action, index) => {
    const name = `scheduled_${index + 1}`;
    blocks.push(
      resource(
        'aws_appautoscaling_scheduled_action',
        name,
        `scheduled action ${action.ScheduledActionName}`,
        scheduledBody(action, previous),
      ),
    );
    previous = `aws_appautoscaling_scheduled_action.${name}`;
  });
  return `${blocks.join('\n\n')}\n`;
}
