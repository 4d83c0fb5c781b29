/**
 * The local backend: the workflow's ports implemented on one machine, behind the same interfaces
 * the AWS adapters implement. The Default job runs a real benchmark (injected, so the run command
 * decides which server and for how long), the Advanced job is the digital twin, scaling requests
 * are validated the way Application Auto Scaling validates them, and every piece of state is
 * written under the run's folder (`state.json`) so a run can be inspected afterwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchmarkSeries } from '../../core/benchmark-file';
import { AwsRequestError, InvalidInputError, JobFailedError, ResourceNotFoundError } from '../../core/errors';
import type {
  EvaluationInput,
  JobDescription,
  JobStatus,
  ResourceRef,
  WorkflowPorts,
} from '../../core/ports';
import type { EvaluationMetrics } from '../../core/types';
import {
  validatePutMetricAlarm,
  validatePutScalingPolicy,
  validatePutScheduledAction,
  validateRegisterScalableTarget,
} from './scaling-validation';

/** Fake account and Region used in the ARNs of local resources. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

export interface LocalBackendOptions {
  /** Folder of this run; state.json, benchmark.json and recommendation.json are written there. */
  runDir: string;
  /**
   * Runs the Default job's benchmark (a real load test of a real server). `signal` aborts when the
   * job is stopped or cleaned up: the load must stop then, not when the benchmark would have ended.
   */
  runBenchmark: (jobName: string, signal: AbortSignal) => Promise<BenchmarkSeries>;
  /** Runs one evaluation in the digital twin and returns its per-minute metrics. */
  simulateEvaluation: (input: EvaluationInput) => EvaluationMetrics;
  /** The clock, for timestamps of the benchmark window. */
  now: () => Date;
}

interface LocalJob {
  status: JobStatus;
  failureReason?: string;
  startTime?: string;
  endTime?: string;
}

interface LocalTarget {
  minCapacity: number;
  maxCapacity: number;
  policies: Record<string, { arn: string; type: string }>;
  scheduledActions: string[];
}

/** Everything the local backend holds, serialised to `<runDir>/state.json` after each change. */
export interface LocalState {
  modelPackages: Record<string, { group: string }>;
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

function arn(kind: string, name: string): string {
  return `arn:aws:sagemaker:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind}/${name}`;
}

/** Code of the reason the local backend adds to every recommendation it stores. */
export const LOCAL_EVALUATION_REASON_CODE = 'evaluationByDigitalTwin';

/**
 * The recommendation with one more reason: locally the evaluation is the digital twin, not an
 * Advanced job on a SageMaker endpoint, so a reader must not take "passed" (or the core's "paid
 * evaluation(s)") for a measured one. Returns a copy; anything but a recommendation is unchanged.
 *
 * @example
 * withLocalEvaluationReason({ iterations: [{ verdict }], reasons: [passed] }).reasons.at(-1).code; // 'evaluationByDigitalTwin'
 */
export function withLocalEvaluationReason<T>(recommendation: T): T {
  if (typeof recommendation !== 'object' || recommendation === null) return recommendation;
  const { reasons, iterations } = recommendation as { reasons?: unknown; iterations?: unknown };
  if (!Array.isArray(reasons)) return recommendation;
  if (reasons.some((reason) => (reason as { code?: unknown })?.code === LOCAL_EVALUATION_REASON_CODE))
    return recommendation;
  const evaluated = Array.isArray(iterations)
    ? iterations.filter((iteration) => (iteration as { verdict?: unknown })?.verdict !== undefined).length
    : 0;
  return {
    ...recommendation,
    reasons: [
      ...reasons,
      {
        code: LOCAL_EVALUATION_REASON_CODE,
        message: `the ${evaluated} evaluation(s) above were done by the digital twin on the local backend, not on a SageMaker endpoint: nothing was deployed or paid, and each verdict is the twin's prediction from the benchmark of the local server`,
      },
    ],
  };
}

function refuse(operation: string, problems: string[]): void {
  if (problems.length > 0) throw new InvalidInputError(`${operation} refused: ${problems.join('; ')}`);
}

/**
 * Builds the local ports. Returns the ports, the live state (for tests and the summary), a
 * promise per background job so a caller can wait for them before exiting, and `stopAllJobs` to
 * stop whatever still runs (the workflow ended without stopping its job).
 */
export function createLocalPorts(options: LocalBackendOptions): {
  ports: WorkflowPorts;
  state: LocalState;
  benchmarks: Map<string, Promise<BenchmarkSeries>>;
  stopAllJobs: () => void;
} {
  const state = emptyLocalState();
  const benchmarks = new Map<string, Promise<BenchmarkSeries>>();
  const controllers = new Map<string, AbortController>();
  const series = new Map<string, BenchmarkSeries>();
  const evaluationMetrics = new Map<string, EvaluationMetrics>();
  mkdirSync(options.runDir, { recursive: true });
  const save = () => writeFileSync(join(options.runDir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  const target = (resourceId: string): LocalTarget => {
    const found = state.scalableTargets[resourceId];
    if (!found) throw new ResourceNotFoundError(`no scalable target ${resourceId} is registered`);
    return found;
  };
  /**
   * Stops a running job: STOPPED, as StopInferenceRecommendationsJob, and its load aborted. Its
   * benchmark settles soon after (the periods so far), and a settled stopped job stays STOPPED.
   */
  const stopRunningJob = (jobName: string) => {
    const job = state.jobs[jobName];
    if (job && (job.status === 'IN_PROGRESS' || job.status === 'PENDING')) {
      job.status = 'STOPPED';
      job.endTime = options.now().toISOString();
    }
    controllers.get(jobName)?.abort();
  };

  const ports: WorkflowPorts = {
    registry: {
      async ensureModelPackage(request, runId) {
        if (request.model.kind === 'modelPackage')
          return { modelPackageArn: request.model.modelPackageArn, created: [] };
        const group = `${request.name}-${runId}`.slice(0, 63);
        const packageArn = arn('model-package', `${group}/1`);
        state.modelPackageGroups.push(group);
        state.modelPackages[packageArn] = { group };
        save();
        return {
          modelPackageArn: packageArn,
          created: [
            { kind: 'modelPackageGroup', name: group, arn: arn('model-package-group', group) },
            { kind: 'modelPackage', name: `${group}/1`, arn: packageArn },
          ],
        };
      },
    },
    jobs: {
      async startDefaultJob(input) {
        if (!state.modelPackages[input.modelPackageArn])
          throw new ResourceNotFoundError(`model package ${input.modelPackageArn} does not exist locally`);
        // Job names are unique, whatever the job's status: SageMaker answers ResourceInUse, which
        // the AWS adapter passes on as an AwsRequestError. Replacing the job would orphan its load.
        if (state.jobs[input.jobName])
          throw new AwsRequestError(
            `unable to start inference recommendations job ${input.jobName}: ResourceInUse: a job named ${input.jobName} already exists (${state.jobs[input.jobName]!.status})`,
          );
        const job: LocalJob = { status: 'IN_PROGRESS', startTime: options.now().toISOString() };
        state.jobs[input.jobName] = job;
        save();
        const controller = new AbortController();
        controllers.set(input.jobName, controller);
        const running = options.runBenchmark(input.jobName, controller.signal);
        benchmarks.set(input.jobName, running);
        running.then(
          (result) => {
            // A job stopped meanwhile stays STOPPED and leaves no benchmark behind (the workflow
            // that stopped it has moved on), as a stopped Inference Recommender job does.
            if (job.status !== 'IN_PROGRESS') return;
            series.set(input.jobName, result);
            writeFileSync(join(options.runDir, 'benchmark.json'), `${JSON.stringify(result, null, 2)}\n`);
            Object.assign(job, { status: 'COMPLETED', endTime: options.now().toISOString() });
            save();
          },
          (error: unknown) => {
            if (job.status !== 'IN_PROGRESS') return;
            Object.assign(job, {
              status: 'FAILED',
              failureReason: error instanceof Error ? error.message : String(error),
              endTime: options.now().toISOString(),
            });
            save();
          },
        );
        return {
          kind: 'recommenderJob',
          name: input.jobName,
          arn: arn('inference-recommendations-job', input.jobName),
        };
      },
      async describeJob(jobName): Promise<JobDescription> {
        const job = state.jobs[jobName];
        if (!job) throw new ResourceNotFoundError(`no inference recommendations job ${jobName}`);
        const described: JobDescription = { jobName, status: job.status };
        if (job.failureReason) described.failureReason = job.failureReason;
        if (job.status === 'COMPLETED' && job.startTime && job.endTime) {
          described.benchmarkWindow = {
            endpointName: `${jobName}-bench`.slice(0, 63),
            variantName: 'AllTraffic',
            startTime: job.startTime,
            endTime: job.endTime,
          };
        }
        return described;
      },
      async stopJob(jobName) {
        const job = state.jobs[jobName];
        if (!job) throw new ResourceNotFoundError(`no inference recommendations job ${jobName}`);
        stopRunningJob(jobName);
        save();
      },
    },
    metrics: {
      async getBenchmarkSeries(input) {
        const jobName = Object.keys(state.jobs).find(
          (name) => input.window.endpointName === `${name}-bench`.slice(0, 63),
        );
        const found = jobName ? series.get(jobName) : undefined;
        if (!found)
          throw new ResourceNotFoundError(`no benchmark metrics for endpoint ${input.window.endpointName}`);
        // Like GetMetricData: StartTime inclusive, EndTime exclusive. Local periods stay as measured
        // (shorter than a minute); the series carries its periodSeconds and the core works per minute.
        const start = Date.parse(input.window.startTime);
        const end = Date.parse(input.window.endTime);
        const points = found.points.filter((point) => {
          const at = Date.parse(point.timestamp);
          return at >= start && at < end;
        });
        return { ...found, points };
      },
    },
    hosting: {
      async createEndpoint(input) {
        if (!state.modelPackages[input.modelPackageArn] && !input.modelPackageArn.includes(':model-package/'))
          throw new ResourceNotFoundError(`model package ${input.modelPackageArn} does not exist`);
        if (state.endpoints[input.endpointName])
          throw new InvalidInputError(`endpoint ${input.endpointName} already exists`);
        const name = input.endpointName;
        state.models.push(name);
        state.endpointConfigs.push(name);
        state.endpoints[name] = {
          status: 'InService',
          instanceCount: input.initialInstanceCount,
          variantName: input.variantName,
        };
        save();
        return [
          { kind: 'model', name, arn: arn('model', name) },
          { kind: 'endpointConfig', name, arn: arn('endpoint-config', name) },
          { kind: 'endpoint', name, arn: arn('endpoint', name) },
        ];
      },
      async describeEndpoint(endpointName) {
        const endpoint = state.endpoints[endpointName];
        if (!endpoint) throw new ResourceNotFoundError(`no endpoint ${endpointName}`);
        return { status: endpoint.status };
      },
      async resetInstanceCount(input) {
        const endpoint = state.endpoints[input.endpointName];
        if (!endpoint) throw new ResourceNotFoundError(`no endpoint ${input.endpointName}`);
        endpoint.instanceCount = input.instanceCount;
        save();
      },
    },
    scaling: {
      async registerScalableTarget(input) {
        refuse('RegisterScalableTarget', validateRegisterScalableTarget(input));
        const endpointName = input.ResourceId.split('/')[1] ?? '';
        if (!state.endpoints[endpointName])
          throw new InvalidInputError(
            `RegisterScalableTarget refused: endpoint ${endpointName} does not exist`,
          );
        const existing = state.scalableTargets[input.ResourceId];
        state.scalableTargets[input.ResourceId] = {
          minCapacity: input.MinCapacity,
          maxCapacity: input.MaxCapacity,
          policies: existing?.policies ?? {},
          scheduledActions: existing?.scheduledActions ?? [],
        };
        save();
      },
      async putScalingPolicy(input) {
        const found = target(input.ResourceId);
        const isUpdate = input.PolicyName in found.policies;
        refuse(
          'PutScalingPolicy',
          validatePutScalingPolicy(input, Object.keys(found.policies).length - (isUpdate ? 1 : 0)),
        );
        const policyArn = `arn:aws:autoscaling:${LOCAL_REGION}:${LOCAL_ACCOUNT}:scalingPolicy:local:resource/sagemaker/${input.ResourceId}:policyName/${input.PolicyName}`;
        found.policies[input.PolicyName] = { arn: policyArn, type: input.PolicyType };
        const alarmNames =
          input.PolicyType === 'TargetTrackingScaling'
            ? [
                `TargetTracking-${input.ResourceId}-AlarmHigh-${input.PolicyName}`,
                `TargetTracking-${input.ResourceId}-AlarmLow-${input.PolicyName}`,
              ]
            : [];
        save();
        return { policyArn, alarmNames };
      },
      async putMetricAlarm(input) {
        const knownArns = new Set(
          Object.values(state.scalableTargets).flatMap((t) => Object.values(t.policies).map((p) => p.arn)),
        );
        refuse('PutMetricAlarm', validatePutMetricAlarm(input, knownArns));
        state.alarms[input.AlarmName] = { actions: input.AlarmActions };
        save();
      },
      async putScheduledAction(input) {
        const found = target(input.ResourceId);
        refuse('PutScheduledAction', validatePutScheduledAction(input, found.scheduledActions.length));
        if (!found.scheduledActions.includes(input.ScheduledActionName))
          found.scheduledActions.push(input.ScheduledActionName);
        save();
      },
      async deregisterScalableTarget(input) {
        target(input.ResourceId);
        delete state.scalableTargets[input.ResourceId];
        save();
      },
    },
    evaluation: {
      async start(input) {
        const endpoint = state.endpoints[input.endpointName];
        if (!endpoint) throw new ResourceNotFoundError(`no endpoint ${input.endpointName} to evaluate`);
        const startTime = options.now().toISOString();
        try {
          evaluationMetrics.set(input.evaluationName, options.simulateEvaluation(input));
          state.evaluations[input.evaluationName] = { status: 'COMPLETED', startTime, endTime: startTime };
        } catch (error) {
          const failureReason = error instanceof Error ? error.message : String(error);
          state.evaluations[input.evaluationName] = { status: 'FAILED', failureReason, startTime };
        }
        save();
        return { kind: 'evaluation', name: input.evaluationName };
      },
      async describe(evaluationName) {
        const evaluation = state.evaluations[evaluationName];
        if (!evaluation) throw new ResourceNotFoundError(`no evaluation ${evaluationName}`);
        const described: JobDescription = { jobName: evaluationName, status: evaluation.status };
        if (evaluation.failureReason) described.failureReason = evaluation.failureReason;
        return described;
      },
      async collectMetrics(evaluationName) {
        const metrics = evaluationMetrics.get(evaluationName);
        if (!metrics) throw new JobFailedError(`evaluation ${evaluationName} produced no metrics`);
        return metrics;
      },
      async stop(evaluationName) {
        const evaluation = state.evaluations[evaluationName];
        if (evaluation && evaluation.status === 'IN_PROGRESS') evaluation.status = 'STOPPED';
        save();
      },
    },
    cleanup: {
      async deleteResource(ref: ResourceRef) {
        if (ref.kind === 'recommenderJob') stopRunningJob(ref.name);
        const removed = deleteFromState(state, ref);
        save();
        return removed ? 'deleted' : 'notFound';
      },
    },
    artifacts: {
      async putRecommendation(_runId, recommendation) {
        const path = join(options.runDir, 'recommendation.json');
        writeFileSync(path, `${JSON.stringify(withLocalEvaluationReason(recommendation), null, 2)}\n`);
        state.artifacts.push(path);
        save();
        return { uri: path };
      },
    },
  };
  const stopAllJobs = () => {
    for (const jobName of Object.keys(state.jobs)) stopRunningJob(jobName);
    save();
  };
  return { ports, state, benchmarks, stopAllJobs };
}

/** Removes one resource from the local state; false when it was not there (clean-up may run twice). */
function deleteFromState(state: LocalState, ref: ResourceRef): boolean {
  const dropFrom = (list: string[], name: string) => {
    const index = list.indexOf(name);
    if (index >= 0) list.splice(index, 1);
    return index >= 0;
  };
  const dropKey = (record: Record<string, unknown>, key: string) => {
    const had = key in record;
    delete record[key];
    return had;
  };
  switch (ref.kind) {
    case 'modelPackageGroup':
      return dropFrom(state.modelPackageGroups, ref.name);
    case 'modelPackage':
      return dropKey(state.modelPackages, ref.arn ?? arn('model-package', ref.name));
    case 'model':
      return dropFrom(state.models, ref.name);
    case 'endpointConfig':
      return dropFrom(state.endpointConfigs, ref.name);
    case 'endpoint':
      return dropKey(state.endpoints, ref.name);
    case 'scalableTarget':
      return dropKey(state.scalableTargets, ref.name);
    case 'alarm':
      return dropKey(state.alarms, ref.name);
    case 'recommenderJob':
      // Jobs are not deleted (as on AWS): the caller has stopped it if it was running.
      return ref.name in state.jobs;
    case 'evaluation':
      return dropKey(state.evaluations, ref.name);
  }
}
