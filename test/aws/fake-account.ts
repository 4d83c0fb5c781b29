/**
 * A consistent, stateful fake AWS account for the fault matrix: an inventory of everything that
 * exists (model package groups and versions, models, endpoint configs, endpoints with their status
 * lifecycle, Inference Recommender jobs with theirs, alarms, scalable targets with their policies
 * and scheduled actions, S3 objects, EventBridge events), kept as the requests arrive on the
 * mocked clients of createMockedAws and answered from by every Describe, List and ListTags.
 *
 * Time is virtual (`nowMs`): the state machine runs with 0 ms waits, and the test advances the
 * clock by what Step Functions would have waited. Lifecycles run on that clock: an endpoint is
 * Creating for `endpointCreatingSeconds`, Updating after a reset or at the end of a load test,
 * Deleting for a minute before it is gone; a job is PENDING, IN_PROGRESS, then COMPLETED (or what
 * its script says), a stopped job STOPPING then STOPPED.
 *
 * What it refuses, as real AWS does: a create of a name that exists (ValidationException "Cannot
 * create already existing ...", ResourceInUse for a job name), a Describe/Delete of what does not
 * exist ("Could not find ...", ObjectNotFoundException, ResourceNotFound), CreateEndpoint without
 * its config, an update of an endpoint that is not InService, DeleteModelPackageGroup of a group
 * that still holds versions, a policy or scheduled action on a target not registered. DeleteEndpoint
 * while the endpoint is Creating or Updating is refused ("Cannot update in-progress endpoint"):
 * AWS-FACTS marks that behaviour as reported, not confirmed in the API docs, so the fake takes the
 * harsher side. CreateModelPackage honours ClientToken (the same token in the same group returns
 * the version it created). DeregisterScalableTarget deletes the target's policies and scheduled
 * actions, and deleting a target tracking policy deletes the alarms Application Auto Scaling made
 * for it (AWS-FACTS 3.1, 3.3).
 *
 * Faults come from `faultFor` (set per cell): an error thrown before the request takes effect, or
 * after it (`after: true`: the request took effect, its response was lost).
 */
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  type DeregisterScalableTargetCommandInput,
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandInput,
  ListTagsForResourceCommand as ListTargetTagsCommand,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  PutScheduledActionCommand,
  type PutScheduledActionCommandInput,
  RegisterScalableTargetCommand,
  type RegisterScalableTargetCommandInput,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  ListTagsForResourceCommand as ListAlarmTagsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
  CreateModelCommand,
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateModelPackageGroupCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceRecommendationsJobCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  StopInferenceRecommendationsJobCommand,
  type Tag,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type UpdateEndpointWeightsAndCapacitiesCommandInput,
} from '@aws-sdk/client-sagemaker';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { RUN_ID_TAG } from '../../shared/core/ownership';
import { evaluationMetricsOf, exampleBenchmark } from '../fakes/ports';
import { resultsFor } from './metric-answers';
import { ACCOUNT, awsError, type createMockedAws, REGION } from './mocks';
import { alarmArn, sageMakerArn, targetArn } from './tagged-account';

type MockedAws = ReturnType<typeof createMockedAws>;
type Input = Record<string, unknown>;

/** Lifecycle durations of the fake account, virtual seconds. */
export interface AccountTimings {
  endpointCreatingSeconds: number;
  endpointUpdatingSeconds: number;
  endpointDeletingSeconds: number;
  /** After an Advanced job ends the variant scales in: Updating for this long. */
  scaleInSeconds: number;
  jobPendingSeconds: number;
  defaultJobSeconds: number;
  advancedJobSeconds: number;
  jobStoppingSeconds: number;
}

export const DEFAULT_TIMINGS: AccountTimings = {
  endpointCreatingSeconds: 180,
  endpointUpdatingSeconds: 120,
  endpointDeletingSeconds: 60,
  scaleInSeconds: 120,
  jobPendingSeconds: 30,
  defaultJobSeconds: 180,
  advancedJobSeconds: 180,
  jobStoppingSeconds: 30,
};

/** A job's end: its terminal status after `seconds` (Infinity: it never ends by itself). */
export interface JobScript {
  outcome: 'COMPLETED' | 'FAILED' | 'STOPPED';
  seconds: number;
}

/** One request as the fault hook sees it. */
export interface CallContext {
  service: string;
  operation: string;
  input: Input;
  /** The Task state whose handler sent it (undefined outside a handler). */
  state: string | undefined;
  nowMs: number;
}

/** An error for one request: thrown before it takes effect, or after (`after`: the response was lost). */
export interface Fault {
  error: Error;
  after?: boolean;
}

interface Owned {
  arn: string;
  tags: Tag[];
}
interface EndpointEntry extends Owned {
  configName: string;
  variantName: string;
  status: string;
  /** The next status and when it comes ('gone' removes the endpoint). */
  next?: { status: string; atMs: number; reason?: string };
  desiredInstanceCount: number;
  failureReason?: string;
}
interface JobEntry extends Owned {
  type: string;
  status: string;
  createdMs: number;
  modifiedMs: number;
  endMs: number;
  outcome: JobScript['outcome'];
  completedMs?: number;
  stopAtMs?: number;
  endpointName?: string;
  failureReason?: string;
}
interface PackageEntry extends Owned {
  group: string;
  version: number;
  clientToken?: string;
}
interface PolicyEntry {
  arn: string;
  type: string;
  alarmNames: string[];
}
interface AlarmEntry extends Owned {
  /** The scaling policy (`resourceId|policyName`) Application Auto Scaling made it for. */
  managedBy?: string;
}

/** What a cell found left, by ARN (or name for what has none). */
export interface Leftover {
  kind: string;
  arn: string;
  billing: boolean;
}

const START_MS = Date.parse('2026-01-01T00:00:00Z');
const RUNNING_JOB = new Set(['PENDING', 'IN_PROGRESS']);
const UNSETTLED_ENDPOINT = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

const notFound = (what: string) => awsError('ValidationException', `Could not find ${what}.`);
const exists = (what: string) => awsError('ValidationException', `Cannot create already existing ${what}.`);
const text = (value: unknown) => (typeof value === 'string' ? value : '');

export class FakeAccount {
  nowMs = START_MS;
  readonly timings: AccountTimings;
  readonly groups = new Map<string, Owned & { description: string }>();
  readonly packages = new Map<string, PackageEntry>();
  readonly models = new Map<string, Owned>();
  readonly configs = new Map<string, Owned & { variants: Input[] }>();
  readonly endpoints = new Map<string, EndpointEntry>();
  readonly jobs = new Map<string, JobEntry>();
  readonly alarms = new Map<string, AlarmEntry>();
  readonly targets = new Map<string, Owned & { minCapacity: number; maxCapacity: number }>();
  readonly policies = new Map<string, PolicyEntry>();
  readonly scheduledActions = new Map<string, Input>();
  readonly objects = new Map<string, string>();
  readonly events: { detailType: string; detail: string }[] = [];
  /** Every request the account answered or refused, with the state that sent it. */
  readonly calls: { state: string | undefined; service: string; operation: string; faulted: boolean }[] = [];
  /** The run id of the execution under test (its jobs are counted for the scripts). */
  runId = '';
  /** The Task state whose handler is running (set by the test's wrapper). */
  currentState: string | undefined;
  /** The fault of one request, if any. */
  faultFor: (call: CallContext) => Fault | undefined = () => undefined;
  /** How each job ends, by type and 1-based index among jobs of that type. */
  jobScript: (type: string, index: number) => JobScript;
  /** The evaluation's peak, invocations per minute, of the n-th Advanced job. */
  evaluationPeak: (index: number) => number = () => 31000;
  private readonly benchmark = exampleBenchmark();

  constructor(timings: Partial<AccountTimings> = {}) {
    this.timings = { ...DEFAULT_TIMINGS, ...timings };
    this.jobScript = (type) => ({
      outcome: 'COMPLETED',
      seconds: type === 'Default' ? this.timings.defaultJobSeconds : this.timings.advancedJobSeconds,
    });
  }

  /** Moves the virtual clock on, running every lifecycle due. */
  advance(seconds: number): void {
    this.nowMs += Math.max(0, seconds) * 1000;
    this.tick();
  }

  /** Sets an endpoint's status now, and what it becomes after `seconds` (Infinity: never). */
  setEndpointStatus(
    name: string,
    status: string,
    then?: { status: string; seconds: number; reason?: string },
  ) {
    const endpoint = this.endpoints.get(name);
    if (!endpoint) throw new Error(`fake account: no endpoint ${name}`);
    endpoint.status = status;
    delete endpoint.next;
    if (then)
      endpoint.next = {
        status: then.status,
        atMs: this.nowMs + then.seconds * 1000,
        ...(then.reason ? { reason: then.reason } : {}),
      };
  }

  /** Keeps a job running until it is stopped. */
  holdJob(name: string): void {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`fake account: no job ${name}`);
    job.endMs = Number.POSITIVE_INFINITY;
  }

  /** Ends a running job now with `outcome` (FAILED with a reason). */
  endJob(name: string, outcome: JobScript['outcome']): void {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`fake account: no job ${name}`);
    job.endMs = this.nowMs;
    job.outcome = outcome;
    this.tick();
  }

  private tick(): void {
    for (const [name, endpoint] of this.endpoints) {
      const next = endpoint.next;
      if (!next || next.atMs > this.nowMs) continue;
      if (next.status === 'gone') {
        this.endpoints.delete(name);
        continue;
      }
      endpoint.status = next.status;
      delete endpoint.next;
      if (next.reason) endpoint.failureReason = next.reason;
    }
    for (const job of this.jobs.values()) {
      if (job.status === 'PENDING' && this.nowMs >= job.createdMs + this.timings.jobPendingSeconds * 1000)
        this.jobStatus(job, 'IN_PROGRESS');
      if (RUNNING_JOB.has(job.status) && this.nowMs >= job.endMs) this.finishJob(job, job.outcome);
      if (job.status === 'STOPPING' && this.nowMs >= (job.stopAtMs ?? 0)) this.finishJob(job, 'STOPPED');
    }
  }

  private jobStatus(job: JobEntry, status: string) {
    job.status = status;
    job.modifiedMs = this.nowMs;
  }

  private finishJob(job: JobEntry, outcome: string) {
    this.jobStatus(job, outcome);
    job.completedMs = this.nowMs;
    if (outcome === 'FAILED') job.failureReason = `fake: benchmark of ${job.arn} failed`;
    // The load test is over: the variant scales back in (Updating) for a while.
    const endpoint = job.endpointName ? this.endpoints.get(job.endpointName) : undefined;
    if (endpoint?.status === 'InService')
      this.setEndpointStatus(endpoint.arn.split('/').pop() ?? '', 'Updating', {
        status: 'InService',
        seconds: this.timings.scaleInSeconds,
      });
  }

  /** Sends one request through the fault hook to the account. */
  call(service: string, operation: string, input: Input): unknown {
    this.tick();
    const context: CallContext = { service, operation, input, state: this.currentState, nowMs: this.nowMs };
    const fault = this.faultFor(context);
    this.calls.push({ state: this.currentState, service, operation, faulted: fault !== undefined });
    if (fault && !fault.after) throw fault.error;
    const answer = this.answer(operation, input);
    if (fault) throw fault.error;
    return answer;
  }

  /** Installs the account behind every command the workflow sends on `aws`'s mocks. */
  wire(aws: MockedAws, current: () => FakeAccount): void {
    const route = (
      mock: { on: (command: never) => { callsFake: (fake: (input: Input) => unknown) => unknown } },
      service: string,
      commands: { name: string }[],
    ) => {
      for (const command of commands) {
        const operation = command.name.replace(/Command$/, '');
        mock.on(command as never).callsFake((input: Input) => current().call(service, operation, input));
      }
    };
    route(aws.sagemaker as never, 'sagemaker', [
      CreateModelPackageGroupCommand,
      CreateModelPackageCommand,
      DescribeModelPackageGroupCommand,
      DescribeModelPackageCommand,
      ListModelPackagesCommand,
      DeleteModelPackageCommand,
      DeleteModelPackageGroupCommand,
      CreateModelCommand,
      DescribeModelCommand,
      DeleteModelCommand,
      CreateEndpointConfigCommand,
      DescribeEndpointConfigCommand,
      DeleteEndpointConfigCommand,
      CreateEndpointCommand,
      DescribeEndpointCommand,
      UpdateEndpointWeightsAndCapacitiesCommand,
      DeleteEndpointCommand,
      CreateInferenceRecommendationsJobCommand,
      DescribeInferenceRecommendationsJobCommand,
      StopInferenceRecommendationsJobCommand,
      ListTagsCommand,
    ]);
    route(aws.autoScaling as never, 'application-autoscaling', [
      RegisterScalableTargetCommand,
      DescribeScalableTargetsCommand,
      DeregisterScalableTargetCommand,
      PutScalingPolicyCommand,
      DeleteScalingPolicyCommand,
      PutScheduledActionCommand,
      ListTargetTagsCommand,
    ]);
    route(aws.cloudWatch as never, 'cloudwatch', [
      PutMetricAlarmCommand,
      DescribeAlarmsCommand,
      DeleteAlarmsCommand,
      ListAlarmTagsCommand,
      GetMetricDataCommand,
    ]);
    route(aws.s3 as never, 's3', [PutObjectCommand, GetObjectCommand]);
    route(aws.eventBridge as never, 'events', [PutEventsCommand]);
    route(aws.sfn as never, 'sfn', [ListExecutionsCommand, DescribeExecutionCommand]);
  }

  private answer(operation: string, input: Input): unknown {
    const op = this.operations[operation];
    if (!op) throw new Error(`fake account: no answer for ${operation}`);
    return op(input);
  }

  /** The SageMaker resource at `arn` (lower-cased, as SageMaker writes names), for ListTags. */
  private sageMakerTagsOf(arn: string): Tag[] | undefined {
    const wanted = arn.toLowerCase();
    const all: Owned[] = [
      ...this.groups.values(),
      ...this.packages.values(),
      ...this.models.values(),
      ...this.configs.values(),
      ...this.endpoints.values(),
      ...this.jobs.values(),
    ];
    return all.find((resource) => resource.arn.toLowerCase() === wanted)?.tags;
  }

  private readonly operations: Record<string, (input: Input) => unknown> = {
    // --- Model Registry -----------------------------------------------------------------------
    CreateModelPackageGroup: (input) => {
      const name = text(input.ModelPackageGroupName);
      if (this.groups.has(name))
        throw awsError('ValidationException', `Model Package Group already exists: ${name}`);
      const arn = sageMakerArn('model-package-group', name);
      this.groups.set(name, {
        arn,
        tags: (input.Tags as Tag[]) ?? [],
        description: text(input.ModelPackageGroupDescription),
      });
      return { ModelPackageGroupArn: arn };
    },
    DescribeModelPackageGroup: (input) => {
      const name = text(input.ModelPackageGroupName);
      const group = this.groups.get(name);
      if (!group) throw notFound(`model package group ${name}`);
      return {
        ModelPackageGroupName: name,
        ModelPackageGroupArn: group.arn,
        CreationTime: new Date(START_MS),
        CreatedBy: {},
        ModelPackageGroupStatus: 'Completed',
      };
    },
    CreateModelPackage: (input) => {
      const request = input as unknown as CreateModelPackageCommandInput;
      const groupName = request.ModelPackageGroupName?.split('/').pop() ?? '';
      if (!this.groups.has(groupName)) throw notFound(`model package group ${groupName}`);
      const same = [...this.packages.values()].find(
        (p) => p.group === groupName && request.ClientToken && p.clientToken === request.ClientToken,
      );
      if (same) return { ModelPackageArn: same.arn };
      const version =
        1 +
        Math.max(
          0,
          ...[...this.packages.values()].filter((p) => p.group === groupName).map((p) => p.version),
        );
      const arn = sageMakerArn('model-package', `${groupName}/${version}`);
      this.packages.set(arn, {
        arn,
        tags: request.Tags ?? [],
        group: groupName,
        version,
        ...(request.ClientToken ? { clientToken: request.ClientToken } : {}),
      });
      return { ModelPackageArn: arn };
    },
    DescribeModelPackage: (input) => {
      const found = this.packageNamed(text(input.ModelPackageName));
      if (!found) throw notFound(`model package ${text(input.ModelPackageName)}`);
      return {
        ModelPackageName: found.group,
        ModelPackageGroupName: found.group,
        ModelPackageVersion: found.version,
        ModelPackageArn: found.arn,
        CreationTime: new Date(START_MS),
        ModelPackageStatus: 'Completed',
        ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
        ModelApprovalStatus: 'PendingManualApproval',
      };
    },
    ListModelPackages: (input) => {
      const group = text(input.ModelPackageGroupName);
      return {
        ModelPackageSummaryList: [...this.packages.values()]
          .filter((p) => p.group === group)
          .map((p) => ({
            ModelPackageArn: p.arn,
            ModelPackageName: p.group,
            ModelPackageGroupName: p.group,
            ModelPackageVersion: p.version,
            ModelPackageStatus: 'Completed',
            CreationTime: new Date(START_MS),
          })),
      };
    },
    DeleteModelPackage: (input) => {
      const found = this.packageNamed(text(input.ModelPackageName));
      if (!found)
        throw awsError(
          'ValidationException',
          `Model package ${text(input.ModelPackageName)} does not exist.`,
        );
      this.packages.delete(found.arn);
      return {};
    },
    DeleteModelPackageGroup: (input) => {
      const name = text(input.ModelPackageGroupName);
      if (!this.groups.has(name)) throw notFound(`model package group ${name}`);
      if ([...this.packages.values()].some((p) => p.group === name))
        throw awsError('ConflictException', `Model Package Group ${name} still holds model packages.`);
      this.groups.delete(name);
      return {};
    },
    // --- Hosting ------------------------------------------------------------------------------
    CreateModel: (input) => {
      const name = text(input.ModelName);
      const arn = sageMakerArn('model', name);
      if (this.models.has(name)) throw exists(`model "${arn}"`);
      this.models.set(name, { arn, tags: (input.Tags as Tag[]) ?? [] });
      return { ModelArn: arn };
    },
    DescribeModel: (input) => {
      const model = this.models.get(text(input.ModelName));
      if (!model) throw notFound(`model "${text(input.ModelName)}"`);
      return { ModelName: input.ModelName, ModelArn: model.arn, CreationTime: new Date(START_MS) };
    },
    DeleteModel: (input) => {
      if (!this.models.delete(text(input.ModelName))) throw notFound(`model "${text(input.ModelName)}"`);
      return {};
    },
    CreateEndpointConfig: (input) => {
      const request = input as unknown as CreateEndpointConfigCommandInput;
      const name = request.EndpointConfigName ?? '';
      const arn = sageMakerArn('endpoint-config', name);
      if (this.configs.has(name)) throw exists(`endpoint configuration "${arn}"`);
      for (const variant of request.ProductionVariants ?? [])
        if (!this.models.has(variant.ModelName ?? '')) throw notFound(`model "${variant.ModelName}"`);
      this.configs.set(name, {
        arn,
        tags: request.Tags ?? [],
        variants: (request.ProductionVariants ?? []) as unknown as Input[],
      });
      return { EndpointConfigArn: arn };
    },
    DescribeEndpointConfig: (input) => {
      const config = this.configs.get(text(input.EndpointConfigName));
      if (!config) throw notFound(`endpoint configuration "${text(input.EndpointConfigName)}"`);
      return {
        EndpointConfigName: input.EndpointConfigName,
        EndpointConfigArn: config.arn,
        ProductionVariants: config.variants,
        CreationTime: new Date(START_MS),
      };
    },
    DeleteEndpointConfig: (input) => {
      if (!this.configs.delete(text(input.EndpointConfigName)))
        throw notFound(`endpoint configuration "${text(input.EndpointConfigName)}"`);
      return {};
    },
    CreateEndpoint: (input) => {
      const name = text(input.EndpointName);
      const arn = sageMakerArn('endpoint', name);
      if (this.endpoints.has(name)) throw exists(`endpoint "${arn}"`);
      const config = this.configs.get(text(input.EndpointConfigName));
      if (!config) throw notFound(`endpoint configuration "${text(input.EndpointConfigName)}"`);
      const variant = config.variants[0] ?? {};
      this.endpoints.set(name, {
        arn,
        tags: (input.Tags as Tag[]) ?? [],
        configName: text(input.EndpointConfigName),
        variantName: text(variant.VariantName),
        desiredInstanceCount: Number(variant.InitialInstanceCount ?? 1),
        status: 'Creating',
        next: { status: 'InService', atMs: this.nowMs + this.timings.endpointCreatingSeconds * 1000 },
      });
      return { EndpointArn: arn };
    },
    DescribeEndpoint: (input) => {
      const name = text(input.EndpointName);
      const endpoint = this.endpoints.get(name);
      if (!endpoint) throw notFound(`endpoint "${name}"`);
      return {
        EndpointName: name,
        EndpointArn: endpoint.arn,
        EndpointConfigName: endpoint.configName,
        EndpointStatus: endpoint.status,
        ProductionVariants: [
          {
            VariantName: endpoint.variantName,
            DesiredInstanceCount: endpoint.desiredInstanceCount,
            CurrentInstanceCount: endpoint.desiredInstanceCount,
          },
        ],
        ...(endpoint.failureReason ? { FailureReason: endpoint.failureReason } : {}),
        CreationTime: new Date(START_MS),
        LastModifiedTime: new Date(this.nowMs),
      };
    },
    UpdateEndpointWeightsAndCapacities: (input) => {
      const request = input as unknown as UpdateEndpointWeightsAndCapacitiesCommandInput;
      const endpoint = this.endpoints.get(request.EndpointName ?? '');
      if (!endpoint) throw notFound(`endpoint "${request.EndpointName}"`);
      if (endpoint.status !== 'InService')
        throw awsError('ValidationException', `Cannot update in-progress endpoint "${endpoint.arn}".`);
      const wanted = request.DesiredWeightsAndCapacities?.[0];
      if (wanted?.VariantName !== endpoint.variantName)
        throw awsError(
          'ValidationException',
          `The variant name(s) [${wanted?.VariantName}] is/are not present.`,
        );
      endpoint.desiredInstanceCount = wanted.DesiredInstanceCount ?? endpoint.desiredInstanceCount;
      this.setEndpointStatus(request.EndpointName ?? '', 'Updating', {
        status: 'InService',
        seconds: this.timings.endpointUpdatingSeconds,
      });
      return { EndpointArn: endpoint.arn };
    },
    DeleteEndpoint: (input) => {
      const name = text(input.EndpointName);
      const endpoint = this.endpoints.get(name);
      if (!endpoint) throw notFound(`endpoint "${name}"`);
      // Reported, not confirmed in the API docs (AWS-FACTS 8): the fake takes the harsher side.
      if (UNSETTLED_ENDPOINT.has(endpoint.status) || endpoint.status === 'Deleting')
        throw awsError('ValidationException', `Cannot update in-progress endpoint "${endpoint.arn}".`);
      this.setEndpointStatus(name, 'Deleting', {
        status: 'gone',
        seconds: this.timings.endpointDeletingSeconds,
      });
      return {};
    },
    // --- Inference Recommender ----------------------------------------------------------------
    CreateInferenceRecommendationsJob: (input) => {
      const request = input as unknown as CreateInferenceRecommendationsJobCommandInput;
      const name = request.JobName ?? '';
      if (this.jobs.has(name))
        throw awsError('ResourceInUse', `Job with name ${name} already exists for this account.`);
      const type = request.JobType ?? 'Default';
      const index = 1 + this.runJobs(type).length;
      const script = this.jobScript(type, index);
      const endpointName = request.InputConfig?.Endpoints?.[0]?.EndpointName;
      if (endpointName && this.endpoints.get(endpointName)?.status !== 'InService')
        throw awsError('ValidationException', `Endpoint ${endpointName} is not InService.`);
      const arn = sageMakerArn('inference-recommendations-job', name);
      this.jobs.set(name, {
        arn,
        tags: request.Tags ?? [],
        type,
        status: 'PENDING',
        createdMs: this.nowMs,
        modifiedMs: this.nowMs,
        endMs: this.nowMs + script.seconds * 1000,
        outcome: script.outcome,
        ...(endpointName ? { endpointName } : {}),
      });
      return { JobArn: arn };
    },
    DescribeInferenceRecommendationsJob: (input) => {
      const name = text(input.JobName);
      const job = this.jobs.get(name);
      if (!job) throw awsError('ResourceNotFound', `Job ${name} does not exist.`);
      return this.describeJob(name, job);
    },
    StopInferenceRecommendationsJob: (input) => {
      const name = text(input.JobName);
      const job = this.jobs.get(name);
      if (!job) throw awsError('ResourceNotFound', `Job ${name} does not exist.`);
      if (!RUNNING_JOB.has(job.status))
        throw awsError('ValidationException', `Job ${name} is ${job.status} and cannot be stopped.`);
      this.jobStatus(job, 'STOPPING');
      job.stopAtMs = this.nowMs + this.timings.jobStoppingSeconds * 1000;
      return {};
    },
    ListTags: (input) => {
      const tags = this.sageMakerTagsOf(text(input.ResourceArn));
      if (!tags) throw awsError('ValidationException', `Could not find resource ${text(input.ResourceArn)}.`);
      return { Tags: tags };
    },
    // --- Application Auto Scaling -------------------------------------------------------------
    RegisterScalableTarget: (input) => {
      const request = input as unknown as RegisterScalableTargetCommandInput;
      const resourceId = request.ResourceId ?? '';
      const endpointName = resourceId.split('/')[1] ?? '';
      if (!this.endpoints.has(endpointName))
        throw awsError('ValidationException', `The endpoint ${endpointName} does not exist.`);
      const known = this.targets.get(resourceId);
      const arn = known?.arn ?? targetArn(resourceId);
      // Re-registering updates in place; the target keeps the tags of its first registration.
      this.targets.set(resourceId, {
        arn,
        tags: known?.tags ?? Object.entries(request.Tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        minCapacity: request.MinCapacity ?? known?.minCapacity ?? 1,
        maxCapacity: request.MaxCapacity ?? known?.maxCapacity ?? 1,
      });
      return { ScalableTargetARN: arn };
    },
    DescribeScalableTargets: (input) => {
      const request = input as unknown as DescribeScalableTargetsCommandInput;
      return {
        ScalableTargets: (request.ResourceIds ?? [])
          .flatMap((id) => {
            const target = this.targets.get(id);
            return target ? [{ id, target }] : [];
          })
          .map(({ id, target }) => ({
            ServiceNamespace: 'sagemaker',
            ResourceId: id,
            ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
            MinCapacity: target.minCapacity,
            MaxCapacity: target.maxCapacity,
            RoleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
            CreationTime: new Date(START_MS),
            ScalableTargetARN: target.arn,
          })),
      };
    },
    DeregisterScalableTarget: (input) => {
      const resourceId = text((input as unknown as DeregisterScalableTargetCommandInput).ResourceId);
      if (!this.targets.delete(resourceId))
        throw awsError('ObjectNotFoundException', `No scalable target found for resource ID ${resourceId}.`);
      // Deregistering deletes the target's policies (and their alarms) and scheduled actions.
      for (const key of [...this.policies.keys()])
        if (key.startsWith(`${resourceId}|`)) this.deletePolicy(key);
      for (const key of [...this.scheduledActions.keys()])
        if (key.startsWith(`${resourceId}|`)) this.scheduledActions.delete(key);
      return {};
    },
    PutScalingPolicy: (input) => {
      const request = input as unknown as PutScalingPolicyCommandInput;
      const resourceId = request.ResourceId ?? '';
      if (!this.targets.has(resourceId))
        throw awsError(
          'ValidationException',
          `No scalable target registered for service namespace: sagemaker, resource ID: ${resourceId}, scalable dimension: sagemaker:variant:DesiredInstanceCount`,
        );
      const key = `${resourceId}|${request.PolicyName}`;
      if (this.policies.has(key)) this.deletePolicy(key);
      const arn = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:0f0e:resource/sagemaker/${resourceId}:policyName/${request.PolicyName}`;
      const alarmNames =
        request.PolicyType === 'TargetTrackingScaling'
          ? ['AlarmHigh', 'AlarmLow'].map(
              (side) => `TargetTracking-${resourceId}-${side}-${request.PolicyName}`,
            )
          : [];
      for (const name of alarmNames) this.alarms.set(name, { arn: alarmArn(name), tags: [], managedBy: key });
      this.policies.set(key, { arn, type: request.PolicyType ?? '', alarmNames });
      return {
        PolicyARN: arn,
        Alarms: alarmNames.map((AlarmName) => ({ AlarmName, AlarmARN: alarmArn(AlarmName) })),
      };
    },
    DeleteScalingPolicy: (input) => {
      const key = `${text(input.ResourceId)}|${text(input.PolicyName)}`;
      if (!this.policies.has(key)) throw awsError('ObjectNotFoundException', `No scaling policy ${key}.`);
      this.deletePolicy(key);
      return {};
    },
    PutScheduledAction: (input) => {
      const request = input as unknown as PutScheduledActionCommandInput;
      const resourceId = request.ResourceId ?? '';
      if (!this.targets.has(resourceId))
        throw awsError(
          'ValidationException',
          `No scalable target registered for service namespace: sagemaker, resource ID: ${resourceId}, scalable dimension: sagemaker:variant:DesiredInstanceCount`,
        );
      this.scheduledActions.set(`${resourceId}|${request.ScheduledActionName}`, input);
      return {};
    },
    // Both services answer ListTagsForResource; the ARN tells them apart.
    ListTagsForResource: (input) => {
      const arn = text(input.ResourceARN);
      if (arn.includes(':cloudwatch:')) {
        const alarm = [...this.alarms.values()].find((a) => a.arn === arn);
        if (!alarm) throw awsError('ResourceNotFoundException', `Alarm ${arn} does not exist.`);
        return { Tags: alarm.tags };
      }
      const target = [...this.targets.values()].find((t) => t.arn === arn);
      if (!target) throw awsError('ObjectNotFoundException', `No scalable target ${arn}.`);
      return { Tags: Object.fromEntries(target.tags.map((tag) => [tag.Key, tag.Value])) };
    },
    // --- CloudWatch ---------------------------------------------------------------------------
    PutMetricAlarm: (input) => {
      const request = input as unknown as PutMetricAlarmCommandInput;
      const name = request.AlarmName ?? '';
      const known = this.alarms.get(name);
      // An update keeps the alarm's tags (PutMetricAlarm ignores Tags on an existing alarm).
      this.alarms.set(name, { arn: alarmArn(name), tags: known?.tags ?? request.Tags ?? [] });
      return {};
    },
    DescribeAlarms: (input) => ({
      MetricAlarms: ((input.AlarmNames as string[] | undefined) ?? []).flatMap((name) => {
        const alarm = this.alarms.get(name);
        return alarm ? [{ AlarmName: name, AlarmArn: alarm.arn }] : [];
      }),
    }),
    DeleteAlarms: (input) => {
      const names = (input.AlarmNames as string[] | undefined) ?? [];
      const missing = names.filter((name) => !this.alarms.has(name));
      if (missing.length > 0)
        throw awsError('ResourceNotFound', `Alarms ${missing.join(', ')} do not exist.`);
      for (const name of names) this.alarms.delete(name);
      return {};
    },
    GetMetricData: (input) => {
      const peak = this.evaluationPeak(Math.max(1, this.runJobs('Advanced').length));
      return resultsFor(
        input as unknown as GetMetricDataCommandInput,
        this.benchmark,
        evaluationMetricsOf({ peakPerMinute: peak, p95Ms: 20 }),
      );
    },
    // --- S3, EventBridge, Step Functions ------------------------------------------------------
    PutObject: (input) => {
      const request = input as unknown as PutObjectCommandInput;
      this.objects.set(`${request.Bucket}/${request.Key}`, String(request.Body ?? ''));
      return { ETag: '"fake"' };
    },
    GetObject: (input) => {
      const body = this.objects.get(`${text(input.Bucket)}/${text(input.Key)}`);
      if (body === undefined) throw awsError('NoSuchKey', 'The specified key does not exist.', 404);
      return { Body: { transformToString: async () => body } };
    },
    PutEvents: (input) => {
      const entries = (input as unknown as PutEventsCommandInput).Entries ?? [];
      for (const entry of entries)
        this.events.push({ detailType: entry.DetailType ?? '', detail: entry.Detail ?? '' });
      return {
        FailedEntryCount: 0,
        Entries: entries.map((_, i) => ({ EventId: `event-${this.events.length + i}` })),
      };
    },
    ListExecutions: () => ({ executions: [] }),
    DescribeExecution: (input) => {
      throw awsError('ExecutionDoesNotExist', `Execution ${text(input.executionArn)} does not exist.`);
    },
  };

  /** The name of the newest job of `type` the run under test started, if any. */
  latestRunJob(type: string): string | undefined {
    const job = this.runJobs(type)
      .sort((a, b) => a.createdMs - b.createdMs)
      .at(-1);
    return [...this.jobs].find(([, entry]) => entry === job)?.[0];
  }

  /** The jobs of `type` that the run under test (`runId`) started. */
  private runJobs(type: string): JobEntry[] {
    return [...this.jobs.values()].filter(
      (job) => job.type === type && job.tags.some((t) => t.Key === RUN_ID_TAG && t.Value === this.runId),
    );
  }

  private deletePolicy(key: string) {
    for (const name of this.policies.get(key)?.alarmNames ?? []) this.alarms.delete(name);
    this.policies.delete(key);
  }

  private packageNamed(name: string): PackageEntry | undefined {
    const direct = this.packages.get(name.toLowerCase()) ?? this.packages.get(name);
    if (direct) return direct;
    const [group, version] = name.split('/');
    return [...this.packages.values()].find((p) => p.group === group && String(p.version) === version);
  }

  private describeJob(name: string, job: JobEntry) {
    const base = {
      JobName: name,
      JobType: job.type,
      JobArn: job.arn,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/scaleplan-sagemaker`,
      Status: job.status,
      CreationTime: new Date(job.createdMs),
      LastModifiedTime: new Date(job.modifiedMs),
      InputConfig: {},
      ...(job.completedMs ? { CompletionTime: new Date(job.completedMs) } : {}),
      ...(job.failureReason ? { FailureReason: job.failureReason } : {}),
    };
    if (job.status !== 'COMPLETED' || job.type !== 'Default') return base;
    const points = this.benchmark.points;
    return {
      ...base,
      InferenceRecommendations: [
        {
          Metrics: { CostPerHour: 0.102, MaxInvocations: 9068, ModelLatency: 4 },
          EndpointConfiguration: {
            EndpointName: `${name}-ep`,
            VariantName: 'variant-1',
            InstanceType: 'ml.c5.large',
            InitialInstanceCount: 1,
          },
          ModelConfiguration: {},
          InvocationStartTime: new Date(points[0]?.timestamp ?? 0),
          InvocationEndTime: new Date(new Date(points.at(-1)?.timestamp ?? 0).getTime() + 60_000),
        },
      ],
    };
  }

  /**
   * What a run left that carries its run id (or hangs off its scalable target): billing means an
   * endpoint that is not Deleting or a job still running. Jobs that ended and the run's S3
   * objects (its results) are not left-overs.
   */
  leftBy(runId: string): Leftover[] {
    const mine = (tags: Tag[]) => tags.some((tag) => tag.Key === RUN_ID_TAG && tag.Value === runId);
    const left: Leftover[] = [];
    const add = (kind: string, arn: string, billing = false) => left.push({ kind, arn, billing });
    for (const g of this.groups.values()) if (mine(g.tags)) add('modelPackageGroup', g.arn);
    for (const p of this.packages.values()) if (mine(p.tags)) add('modelPackage', p.arn);
    for (const m of this.models.values()) if (mine(m.tags)) add('model', m.arn);
    for (const c of this.configs.values()) if (mine(c.tags)) add('endpointConfig', c.arn);
    for (const e of this.endpoints.values())
      if (mine(e.tags) && e.status !== 'Deleting') add(`endpoint (${e.status})`, e.arn, true);
    for (const j of this.jobs.values())
      if (mine(j.tags) && RUNNING_JOB.has(j.status)) add(`job (${j.status})`, j.arn, true);
    for (const a of this.alarms.values()) if (mine(a.tags)) add('alarm', a.arn);
    const runTargets = [...this.targets.entries()].filter(([, t]) => mine(t.tags));
    for (const [id, t] of runTargets) add(`scalableTarget ${id}`, t.arn);
    const orphanOf = (key: string) => {
      const id = key.split('|')[0] ?? '';
      return !this.targets.has(id) && id.includes(`-${runId}-`);
    };
    for (const key of this.policies.keys()) if (orphanOf(key)) add('scalingPolicy', key);
    for (const key of this.scheduledActions.keys()) if (orphanOf(key)) add('scheduledAction', key);
    return left;
  }

  /** A fingerprint of every resource, to check later that the foreign ones are untouched. */
  snapshot(): Map<string, string> {
    const shot = new Map<string, string>();
    const put = (kind: string, key: string, value: unknown) =>
      shot.set(`${kind} ${key}`, JSON.stringify(value));
    for (const [k, v] of this.groups) put('modelPackageGroup', k, v.tags);
    for (const [k, v] of this.packages) put('modelPackage', k, v.tags);
    for (const [k, v] of this.models) put('model', k, v.tags);
    for (const [k, v] of this.configs) put('endpointConfig', k, v.tags);
    for (const [k, v] of this.endpoints) put('endpoint', k, [v.status, v.desiredInstanceCount, v.tags]);
    for (const [k, v] of this.jobs) put('job', k, [RUNNING_JOB.has(v.status) ? 'running' : v.status, v.tags]);
    for (const [k, v] of this.alarms) put('alarm', k, v.tags);
    for (const [k, v] of this.targets) put('scalableTarget', k, [v.minCapacity, v.maxCapacity, v.tags]);
    for (const k of this.policies.keys()) put('scalingPolicy', k, true);
    for (const k of this.scheduledActions.keys()) put('scheduledAction', k, true);
    for (const k of this.objects.keys()) put('object', k, true);
    return shot;
  }
}

/** Tags of another team (no run id) and of another run of scaleplan. */
export const TEAM_TAGS: Tag[] = [{ Key: 'team', Value: 'forecasting' }];
export const otherRunTags = (runId: string, stateMachineArn: string): Tag[] => [
  { Key: RUN_ID_TAG, Value: runId },
  { Key: 'scaleplan:state-machine', Value: stateMachineArn },
];

/**
 * Seeds another team's production endpoint with its model, config, scaling (target, target
 * tracking policy and its alarms, a scheduled action, an alarm of their own), their model package
 * group with versions, a finished benchmark job; the user's own group (`userGroup`) with two
 * versions; and another run's endpoint, target, step alarm and still-running job.
 */
export function seedForeign(
  account: FakeAccount,
  options: { userGroup: string; otherRunId: string; stateMachineArn: string },
): void {
  const say = (operation: string, input: Input) => account.call('seed', operation, input);
  const hosting = (name: string, tags: Tag[]) => {
    say('CreateModel', { ModelName: name, Tags: tags });
    say('CreateEndpointConfig', {
      EndpointConfigName: name,
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 2 }],
      Tags: tags,
    });
    say('CreateEndpoint', { EndpointName: name, EndpointConfigName: name, Tags: tags });
    account.setEndpointStatus(name, 'InService');
    const resourceId = `endpoint/${name}/variant/AllTraffic`;
    say('RegisterScalableTarget', {
      ResourceId: resourceId,
      MinCapacity: 2,
      MaxCapacity: 6,
      Tags: Object.fromEntries(tags.map((t) => [t.Key, t.Value])),
    });
    say('PutScalingPolicy', {
      PolicyName: 'invocations',
      ResourceId: resourceId,
      PolicyType: 'TargetTrackingScaling',
    });
    return resourceId;
  };
  const team = hosting('forecast-prod', TEAM_TAGS);
  say('PutScheduledAction', { ResourceId: team, ScheduledActionName: 'morning' });
  say('PutMetricAlarm', { AlarmName: 'forecast-prod-latency', Tags: TEAM_TAGS });
  say('CreateModelPackageGroup', { ModelPackageGroupName: 'forecast-models', Tags: TEAM_TAGS });
  for (let i = 0; i < 2; i++)
    say('CreateModelPackage', { ModelPackageGroupName: 'forecast-models', Tags: TEAM_TAGS });
  say('CreateModelPackageGroup', { ModelPackageGroupName: options.userGroup });
  for (let i = 0; i < 2; i++) say('CreateModelPackage', { ModelPackageGroupName: options.userGroup });
  say('CreateInferenceRecommendationsJob', {
    JobName: 'forecast-bench',
    JobType: 'Default',
    Tags: TEAM_TAGS,
  });
  account.endJob('forecast-bench', 'COMPLETED');
  const other = otherRunTags(options.otherRunId, options.stateMachineArn);
  const base = `churn-${options.otherRunId}`;
  const otherTarget = hosting(`${base}-eval`, other);
  say('PutMetricAlarm', {
    AlarmName: `scaleplan-${base}-eval-AllTraffic-invocations-step-alarm`,
    Tags: other,
  });
  say('PutScheduledAction', { ResourceId: otherTarget, ScheduledActionName: 'peak' });
  say('CreateInferenceRecommendationsJob', { JobName: `${base}-bench`, JobType: 'Default', Tags: other });
  // Their benchmark never ends within this test: it must not be stopped by anyone else.
  account.holdJob(`${base}-bench`);
  account.calls.length = 0;
}
