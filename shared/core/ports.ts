/**
 * The ports the workflow's handlers call. The core declares them; `shared/adapters/aws`
 * implements them with the AWS SDK and `shared/adapters/local` with local stand-ins (a real model
 * server, a real load generator, the simulator). Handlers receive them as dependencies.
 * Adapters translate errors to the named errors of `./errors` (throttling -> TransientAwsError).
 */
import type {
  DeregisterScalableTargetRequest,
  PutMetricAlarmRequest,
  PutScalingPolicyRequest,
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
} from './aws-requests';
import type { BenchmarkSeries } from './benchmark-file';
import type { HistorySeries } from './history';
import type { EvaluationTrafficPattern } from './load/pattern';
import type { TrafficPhase } from './load/phases';
import type { RunOwner } from './ownership';
import type { LatencySlo, ScalingRequest, TrafficHistorySource } from './request';
import type { RunEvent } from './run-events';
import type { BenchmarkAnalysis, EvaluationMetrics, PolicySet } from './types';

/** Something an execution created, kept in the ledger so clean-up deletes exactly that. */
export interface ResourceRef {
  kind:
    | 'modelPackageGroup'
    | 'modelPackage'
    | 'model'
    | 'endpointConfig'
    | 'endpoint'
    | 'scalableTarget'
    | 'alarm'
    | 'recommenderJob'
    | 'evaluation';
  /** Name (or ResourceId for a scalable target). */
  name: string;
  arn?: string;
}

export type JobStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'COMPLETED'
  | 'FAILED'
  | 'STOPPING'
  | 'STOPPED'
  | 'DELETING'
  | 'DELETED';

/** Where a finished Default job benchmarked, to read its metrics. */
export interface BenchmarkWindow {
  endpointName: string;
  variantName: string;
  /** ISO 8601 UTC, InvocationStartTime of the recommendation. */
  startTime: string;
  /** ISO 8601 UTC, InvocationEndTime of the recommendation. */
  endTime: string;
  /** CostPerHour reported by the job for one instance, USD, when known. */
  costPerHourUsd?: number;
}

export interface JobDescription {
  jobName: string;
  status: JobStatus;
  failureReason?: string;
  /** Present once a Default job has COMPLETED. */
  benchmarkWindow?: BenchmarkWindow;
}

export interface ModelRegistryPort {
  /**
   * Returns a versioned model package ARN for the request: the given one, or a new package
   * (and group) registered for this run. `created` lists what must be deleted at clean-up.
   */
  ensureModelPackage(
    request: ScalingRequest,
    runId: string,
    /** Tagged on what is registered; a retry meeting "already exists" goes on only for its own. */
    owner?: RunOwner,
  ): Promise<{ modelPackageArn: string; created: ResourceRef[] }>;
  /**
   * DescribeModelPackage, for an EventBridge "Model Package State Change" event whose detail
   * lacks the fields the request needs. Optional: adapters that cannot describe omit it.
   */
  describeModelPackage?(modelPackageArn: string): Promise<ModelPackageSummary>;
  /**
   * The model sources (`model.kind`) this backend can run; NormalizeInput refuses the others
   * before anything exists. Absent: every kind.
   */
  readonly modelKinds?: readonly ScalingRequest['model']['kind'][];
}

/** What the workflow reads of a model package (DescribeModelPackage). */
export interface ModelPackageSummary {
  modelPackageArn: string;
  modelPackageGroupName?: string;
  modelApprovalStatus?: string;
  /** CustomerMetadataProperties, where the expectations (`scaleplan:maxRps`...) live. */
  customerMetadataProperties: Record<string, string>;
  /** InferenceSpecification.SupportedRealtimeInferenceInstanceTypes. */
  supportedRealtimeInstanceTypes: string[];
}

export interface DefaultJobInput {
  jobName: string;
  modelPackageArn: string;
  instanceType: string;
  roleArn?: string;
  /** Tagged on the job; a retry meeting "already exists" goes on only for its own. */
  owner?: RunOwner;
}

export interface RecommenderJobsPort {
  /** Starts a Default (instance recommendation) job narrowed to one instance type. */
  startDefaultJob(input: DefaultJobInput): Promise<ResourceRef>;
  describeJob(jobName: string): Promise<JobDescription>;
  stopJob(jobName: string): Promise<void>;
}

export interface MetricsPort {
  /** The benchmark series of one instance over the job's window (GetMetricData, periods of 60 s). */
  getBenchmarkSeries(input: {
    window: BenchmarkWindow;
    instanceType: string;
    vcpus: number;
    periodSeconds: number;
  }): Promise<BenchmarkSeries>;
}

export type EndpointStatus =
  | 'OutOfService'
  | 'Creating'
  | 'Updating'
  | 'SystemUpdating'
  | 'RollingBack'
  | 'InService'
  | 'Deleting'
  | 'Failed'
  | 'UpdateRollbackFailed';

export interface HostingPort {
  /** Creates model, endpoint config and endpoint; returns them in creation order. */
  createEndpoint(input: {
    endpointName: string;
    modelPackageArn: string;
    instanceType: string;
    variantName: string;
    initialInstanceCount: number;
    roleArn?: string;
    /** Tagged on model, config and endpoint; a retry meeting "already exists" goes on only for its own. */
    owner?: RunOwner;
  }): Promise<ResourceRef[]>;
  describeEndpoint(endpointName: string): Promise<{ status: EndpointStatus; failureReason?: string }>;
  /** Puts the variant back to a given instance count between iterations. */
  resetInstanceCount(input: {
    endpointName: string;
    variantName: string;
    instanceCount: number;
  }): Promise<void>;
}

export interface ScalingPort {
  /** `owner`: tagged on the target (the requests of the recommendation carry no run tags). */
  registerScalableTarget(input: RegisterScalableTargetRequest, owner?: RunOwner): Promise<void>;
  /** Returns the policy ARN and the alarms Application Auto Scaling created for it. */
  putScalingPolicy(input: PutScalingPolicyRequest): Promise<{ policyArn: string; alarmNames: string[] }>;
  putMetricAlarm(input: PutMetricAlarmRequest, owner?: RunOwner): Promise<void>;
  putScheduledAction(input: PutScheduledActionRequest): Promise<void>;
  deregisterScalableTarget(input: DeregisterScalableTargetRequest): Promise<void>;
}

export interface EvaluationInput {
  evaluationName: string;
  modelPackageArn: string;
  endpointName: string;
  variantName: string;
  instanceType: string;
  roleArn?: string;
  /** Inference Recommender PHASES of closed-loop users; empty when `trafficPattern` is given. */
  phases: TrafficPhase[];
  /**
   * The traffic when it is not PHASES: IR's STAIRS, or (local backend only) an open-loop replay
   * of a trace file rescaled to maxRps. Absent: the phases.
   */
  trafficPattern?: EvaluationTrafficPattern;
  jobDurationSeconds: number;
  /** Stopping condition: the invocations per minute the endpoint must reach (maxRps x 60). */
  maxInvocationsPerMinute: number;
  latencySlo: LatencySlo;
  /** The policies in force, for drivers that simulate rather than measure. */
  policySet: PolicySet;
  /**
   * The benchmark analysis the plan rests on (`$.plan.benchmark`), for drivers that simulate
   * rather than measure (the local twin). RunEvaluation passes it; a measuring driver ignores it.
   */
  benchmark?: BenchmarkAnalysis;
  /** Tagged on the evaluation's job; a retry meeting "already exists" goes on only for its own. */
  owner?: RunOwner;
}

/**
 * Drives one evaluation of the scaled endpoint. On AWS the default driver is an Inference
 * Recommender Advanced job; locally it is the simulator. Another driver (for example a load
 * generator in the account) plugs in here without touching the state machine.
 */
export interface EvaluationDriverPort {
  start(input: EvaluationInput): Promise<ResourceRef>;
  describe(evaluationName: string): Promise<JobDescription>;
  /** Per-period metrics of the evaluated endpoint over the evaluation's window. */
  collectMetrics(evaluationName: string, input: EvaluationInput): Promise<EvaluationMetrics>;
  stop(evaluationName: string): Promise<void>;
}

export interface CleanupPort {
  /**
   * Deletes one resource; 'notFound' when it was already gone (clean-up can run twice). With an
   * `owner`, only a resource that carries the owner's tags is deleted: another one of the same
   * name is left alone and answers 'notOwned'.
   */
  deleteResource(ref: ResourceRef, owner?: RunOwner): Promise<'deleted' | 'notFound' | 'notOwned'>;
}

/** An execution of the state machine that is running, with its input as given. */
export interface RunningExecution {
  executionArn: string;
  /** ISO 8601. */
  startDate: string;
  /** The execution input, parsed from JSON (undefined when it could not be read). */
  input: unknown;
}

/** The state machine's executions, for refusing a second run of the same model version. */
export interface ExecutionsPort {
  /** Every execution of `stateMachineArn` that is RUNNING now. */
  listRunning(stateMachineArn: string): Promise<RunningExecution[]>;
  /**
   * The newest state payload of an ended execution that `accepts` (a state's input or output as
   * parsed JSON, newest first in the execution's history), for the sweeper; undefined when no
   * payload is accepted. Absent on a backend without execution histories.
   */
  latestState?(executionArn: string, accepts: (payload: unknown) => boolean): Promise<unknown>;
}

export interface ArtifactStorePort {
  /** Stores the recommendation; returns where (s3://... or a file path). */
  putRecommendation(runId: string, recommendation: unknown): Promise<{ uri: string }>;
  /**
   * Stores the run's other outputs beside the recommendation (summary.md, report.html, the
   * exports), each under its file name; returns where each one went, in the same order.
   */
  putRunObjects(runId: string, objects: readonly RunObject[]): Promise<{ name: string; uri: string }[]>;
}

/** One output file of a run: its file name, its text and its media type. */
export interface RunObject {
  /** File name under the run's prefix, e.g. `report.html` or `exports/scaling.tf`. */
  name: string;
  body: string;
  /** Media type, e.g. `text/html; charset=utf-8`. */
  contentType: string;
}

/** Announces a run's end (EventBridge on AWS): "Recommendation Ready" or "Recommendation Failed". */
export interface RunEventsPort {
  /**
   * Publishes one event; resolves once it is accepted.
   * @throws TransientAwsError when it was not (retry), AwsRequestError when it never will be
   */
  publish(event: RunEvent): Promise<{ eventId: string }>;
}

/** The kinds of `traffic.history` a backend reads (see TrafficHistorySchema). */
export type TrafficHistoryKind = 'endpoint' | 's3' | 'file';

/**
 * Reads an endpoint's own traffic: CloudWatch Invocations or an S3 trace on AWS, a trace file on
 * this machine. NormalizeInput refuses the kinds a backend does not list in `sources`.
 */
export interface TrafficHistoryPort {
  readonly sources: readonly TrafficHistoryKind[];
  /**
   * The history per minute. For an endpoint: the `days` whole days before `endEpochSeconds` of
   * `variantName` (the source's own, else this one).
   * @throws InvalidInputError when the source cannot be read as a history (missing, malformed)
   */
  read(
    source: TrafficHistorySource,
    input: { variantName: string; endEpochSeconds: number },
  ): Promise<{ series: HistorySeries; source: string }>;
}

/**
 * The run's working data beside its results (the results bucket on AWS, the run folder locally):
 * what is too large for the execution state (the history, the search's figures) goes here and
 * the state keeps the key.
 */
export interface RunDataPort {
  /** Stores `value` as JSON under the run; returns its key. */
  put(runId: string, name: string, value: unknown): Promise<{ key: string }>;
  /** Reads what `put` stored. @throws ResourceNotFoundError when the key holds nothing */
  get(key: string): Promise<unknown>;
}

/** Everything a handler may need; each handler takes the slice it uses. */
export interface WorkflowPorts {
  registry: ModelRegistryPort;
  jobs: RecommenderJobsPort;
  metrics: MetricsPort;
  hosting: HostingPort;
  scaling: ScalingPort;
  evaluation: EvaluationDriverPort;
  cleanup: CleanupPort;
  artifacts: ArtifactStorePort;
  history: TrafficHistoryPort;
  runData: RunDataPort;
  events: RunEventsPort;
  /** Absent on a backend with no concurrent executions (this machine). */
  executions?: ExecutionsPort;
}
