/**
 * The local endpoint: a real fleet of model-server processes on this machine behind one
 * invocation URL, with SageMaker's lifecycle, a local CloudWatch and a local Application Auto
 * Scaling on a scaled clock. See docs/local-endpoint.md.
 */
export {
  applyScalingRequests,
  createLocalAutoScaling,
  type FleetActivity,
  type LocalAutoScaling,
  type ScaledVariant,
} from './autoscaling';
export { createScaledClock, type ScaledClock } from './clock';
export { runClosedLoopUsers } from './closed-loop';
export {
  createLocalCloudWatch,
  ENDPOINT_INSTANCE_NAMESPACE,
  type GetMetricDataInput,
  type GetMetricDataOutput,
  LOCAL_FLEET_NAMESPACE,
  type LocalCloudWatch,
  type MetricDataQuery,
  type MetricDataResult,
  SAGEMAKER_NAMESPACE,
  statistic,
} from './cloudwatch';
export { type CpuLimiter, type CpuLimitMode, detectCpuLimiter } from './cpu-limit';
export {
  createLocalEndpoint,
  DEFAULT_RESERVED_CORES,
  defaultInstanceCores,
  type FleetEvent,
  type LocalEndpoint,
  type LocalEndpointOptions,
} from './endpoint';
export {
  createFleetEvaluationDriver,
  type FleetEvaluationOptions,
  type FleetProgress,
  fleetEvaluationDriverFactory,
  readEvaluationMetrics,
} from './evaluation-driver';
export { driveEvaluationTraffic, type EvaluationTrafficOptions } from './evaluation-traffic';
export { PORT_PLACEHOLDER, type ServerCommand } from './instance';
export { driveOpenLoop, type OpenLoopOptions, type OpenLoopResult } from './open-loop';
export type { RoutingStrategy } from './router';
