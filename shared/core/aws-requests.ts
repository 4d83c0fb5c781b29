/**
 * Structural types of the AWS requests the core builds, field for field the AWS SDK v3 command
 * inputs (the core may not import the SDK; the adapters pass these objects straight to it, and
 * the tests check every one against the botocore model of its operation).
 */

export interface MetricDimension {
  Name: string;
  Value: string;
}

/** The scalable target of one endpoint variant. */
export interface ScalableTargetRef {
  ServiceNamespace: 'sagemaker';
  /** endpoint/<EndpointName>/variant/<VariantName> */
  ResourceId: string;
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount';
}

/** application-autoscaling RegisterScalableTarget. */
export interface RegisterScalableTargetRequest extends ScalableTargetRef {
  MinCapacity: number;
  MaxCapacity: number;
}

/** application-autoscaling DeregisterScalableTarget (also deletes its policies and scheduled actions). */
export type DeregisterScalableTargetRequest = ScalableTargetRef;

export interface TargetTrackingScalingPolicyConfiguration {
  TargetValue: number;
  PredefinedMetricSpecification?: {
    PredefinedMetricType:
      | 'SageMakerVariantInvocationsPerInstance'
      | 'SageMakerVariantConcurrentRequestsPerModelHighResolution';
  };
  CustomizedMetricSpecification?: {
    MetricName: string;
    Namespace: string;
    Dimensions: MetricDimension[];
    Statistic: 'Average' | 'Minimum' | 'Maximum' | 'SampleCount' | 'Sum';
    Unit?: string;
  };
  ScaleOutCooldown: number;
  ScaleInCooldown: number;
  DisableScaleIn: boolean;
}

export interface StepScalingPolicyConfiguration {
  AdjustmentType: 'ChangeInCapacity' | 'PercentChangeInCapacity' | 'ExactCapacity';
  StepAdjustments: {
    MetricIntervalLowerBound?: number;
    MetricIntervalUpperBound?: number;
    ScalingAdjustment: number;
  }[];
  Cooldown: number;
  MetricAggregationType: 'Average' | 'Minimum' | 'Maximum';
}

/** application-autoscaling PutScalingPolicy. */
export interface PutScalingPolicyRequest extends ScalableTargetRef {
  PolicyName: string;
  PolicyType: 'TargetTrackingScaling' | 'StepScaling';
  TargetTrackingScalingPolicyConfiguration?: TargetTrackingScalingPolicyConfiguration;
  StepScalingPolicyConfiguration?: StepScalingPolicyConfiguration;
}

/** application-autoscaling PutScheduledAction. */
export interface PutScheduledActionRequest extends ScalableTargetRef {
  ScheduledActionName: string;
  Schedule: string;
  Timezone?: string;
  ScalableTargetAction: { MinCapacity?: number; MaxCapacity?: number };
}

/** application-autoscaling DeleteScheduledAction. */
export interface DeleteScheduledActionRequest extends ScalableTargetRef {
  ScheduledActionName: string;
}

/** cloudwatch PutMetricAlarm (the alarm that invokes a step scaling policy). */
export interface PutMetricAlarmRequest {
  AlarmName: string;
  AlarmDescription?: string;
  Namespace: string;
  MetricName: string;
  Dimensions: MetricDimension[];
  Statistic: 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator:
    | 'GreaterThanOrEqualToThreshold'
    | 'GreaterThanThreshold'
    | 'LessThanThreshold'
    | 'LessThanOrEqualToThreshold';
  TreatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
  AlarmActions: string[];
}

/** Everything that applies one PolicySet to one endpoint variant, in the order to send it. */
export interface ScalingRequests {
  registerScalableTarget: RegisterScalableTargetRequest;
  /** Target tracking policies first, then the step policy if any. */
  putScalingPolicies: PutScalingPolicyRequest[];
  /** The alarm for the step policy; AlarmActions is filled with the step policy's ARN once known. */
  stepAlarm: Omit<PutMetricAlarmRequest, 'AlarmActions'> | null;
  /** Name of the step policy in putScalingPolicies whose ARN the alarm invokes. */
  stepPolicyName: string | null;
  putScheduledActions: PutScheduledActionRequest[];
}
