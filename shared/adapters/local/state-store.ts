/**
 * What the local backend holds, one object shared by its ports, written to `<runDir>/state.json`
 * after each change so a run can be inspected afterwards. Outputs too large or too live for the
 * file (the benchmark series, the evaluations' metrics, the payloads) stay in memory beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  PutMetricAlarmRequest,
  PutScalingPolicyRequest,
  PutScheduledActionRequest,
  RegisterScalableTargetRequest,
} from '../../core/aws-requests';
import type { BenchmarkSeries } from '../../core/benchmark-file';
import type { JobStatus } from '../../core/ports';
import type { ScalingRequest } from '../../core/request';
import type { EvaluationMetrics } from '../../core/types';

/** Fake account and Region used in the ARNs of local resources. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

/** The model of a request on the local backend: a server on the SageMaker contract. */
export type LocalModelSource = Extract<ScalingRequest['model'], { kind: 'local' }>;

export interface LocalJob {
  status: JobStatus;
  failureReason?: string;
  startTime?: string;
  endTime?: string;
}

export interface LocalTarget {
  minCapacity: number;
  maxCapacity: number;
  policies: Record<string, { arn: string; type: string }>;
  scheduledActions: string[];
  /**
   * The requests exactly as received, latest per name, in the order first received: what the
   * local endpoint's Application Auto Scaling executes.
   */
  received: {
    registerScalableTarget: RegisterScalableTargetRequest;
    putScalingPolicies: PutScalingPolicyRequest[];
    putMetricAlarms: PutMetricAlarmRequest[];
    putScheduledActions: PutScheduledActionRequest[];
  };
}

/** Everything the local backend holds, serialised to `<runDir>/state.json` after each change. */
export interface LocalState {
  /** By package ARN: its group and, as a model package holds its container, the local server. */
  modelPackages: Record<string, { group: string; model?: LocalModelSource; vcpus?: number }>;
  modelPackageGroups: string[];
  models: string[];
  endpointConfigs: string[];
  endpoints: Record<string, { status: 'InService'; instanceCount: number; variantName: string }>;
  jobs: Record<string, LocalJob>;
  evaluations: Record<string, LocalJob>;
  scalableTargets: Record<string, LocalTarget>;
  alarms: Record<string, { actions: string[] }>;
  artifacts: string[];
}

export function emptyLocalState(): LocalState {
  return {
    modelPackages: {},
    modelPackageGroups: [],
    models: [],
    endpointConfigs: [],
    endpoints: {},
    jobs: {},
    evaluations: {},
    scalableTargets: {},
    alarms: {},
    artifacts: [],
  };
}

/** The state, its file, and what the ports keep in memory beside it. */
export interface LocalStateStore {
  /** Folder of this run; state.json, benchmark.json and recommendation.json are written there. */
  runDir: string;
  state: LocalState;
  /** Writes state.json. */
  save(): void;
  /** Benchmark series of completed Default jobs, by job name. */
  series: Map<string, BenchmarkSeries>;
  /** Metrics of completed evaluations, by evaluation name. */
  evaluationMetrics: Map<string, EvaluationMetrics>;
  /** The sample payload of each local model package (as SamplePayloadUrl on AWS), by package ARN. */
  payloads: Map<string, Buffer>;
}

/** Creates the run's folder and an empty state (state.json is written on the first change). */
export function createLocalStateStore(runDir: string): LocalStateStore {
  const state = emptyLocalState();
  mkdirSync(runDir, { recursive: true });
  return {
    runDir,
    state,
    save: () => writeFileSync(join(runDir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`),
    series: new Map(),
    evaluationMetrics: new Map(),
    payloads: new Map(),
  };
}

/** The ARN of a local SageMaker resource, e.g. `arn:aws:sagemaker:local:000000000000:endpoint/x`. */
export function localArn(kind: string, name: string): string {
  return `arn:aws:sagemaker:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind}/${name}`;
}
