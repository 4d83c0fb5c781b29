/**
 * NormalizeInput: the execution input (a ScalingRequest, or an EventBridge "SageMaker Model
 * Package State Change" event) -> the initial state: the validated request with its vCPUs, the
 * run's resource names and an empty ledger. A bad input fails here, before any resource exists;
 * a plain request makes no AWS call other than listing the running executions, and a second
 * execution for a model package version that already has one running is refused
 * (DuplicateExecutionError); an event may also describe its model package.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { isIanaTimezone } from '../../shared/adapters/aws/timezones';
import { defineHandler, parseOrThrow, type WorkflowHandler } from '../../shared/contract/handler';
import { type InitialState, initialIteration } from '../../shared/contract/state';
import { ConfigurationError, DuplicateExecutionError, InvalidInputError } from '../../shared/core/errors';
import {
  assertSupportedEvent,
  eventNeedsDescribe,
  isModelPackageStateChangeEvent,
  ModelPackageStateChangeEventSchema,
  type RequestDefaults,
  requestFromModelPackageEvent,
} from '../../shared/core/event';
import { vcpusForInstanceType } from '../../shared/core/instance-types';
import { runIdFor, runNames } from '../../shared/core/naming';
import { earlierRunOf } from '../../shared/core/one-run-per-version';
import { stateMachineArnOf } from '../../shared/core/ownership';
import type { WorkflowPorts } from '../../shared/core/ports';
import {
  awsRequestLimitProblems,
  historySourceKind,
  roleArnProblems,
  ScalingRequestDraftSchema,
  type TimezoneCheck,
  timezoneProblems,
} from '../../shared/core/request';

export const NormalizeInputInput = z
  .object({
    /** The execution input as given. */
    input: z.unknown(),
    /**
     * `$$.Execution.Id`, the execution's ARN: the run id is derived from it. Not the name, which is
     * unique only per state machine: two state machines (a dev and a prod stage) may run executions
     * of the same name, and clean-up deletes the names a run derives.
     */
    executionArn: z.string().min(1).max(2048),
  })
  .strict();

export interface NormalizeInputOptions {
  /** Stage defaults for requests built from events (read once, on first use). */
  requestDefaults?: () => RequestDefaults;
  /** Model sources this backend runs; others fail here (AWS cannot run `local`). */
  allowedModelKinds?: readonly ('modelPackage' | 'container' | 'local')[];
  /** Refuse what the AWS backend cannot evaluate (`awsRequestLimitProblems`), before anything exists. */
  awsLimits?: boolean;
  /** Whether a scheduled action's time zone exists; the IANA database of the runtime by default. */
  isKnownTimezone?: TimezoneCheck;
  /**
   * The roles the deployment may pass to SageMaker (its iam:PassRole grant): a request's
   * `roleArn` outside them is refused here rather than at the first create. Read only when a
   * request names a role. Absent: no check (the local backend passes no role).
   */
  passRoleArns?: () => readonly string[];
}

/** What production applies on AWS; the end-to-end tests on the AWS adapters wire the same. */
export const AWS_NORMALIZE_INPUT_OPTIONS = {
  requestDefaults: () => requestDefaultsFromEnv(),
  allowedModelKinds: ['modelPackage', 'container'],
  awsLimits: true,
  passRoleArns: () => passRoleArnsFromEnv(),
} as const satisfies NormalizeInputOptions;

/** What each kind of traffic.history looks like, for the message on one the backend does not read. */
const HISTORY_SOURCE_SHAPES = {
  endpoint: '{ "endpointName", "variantName"?, "days" }',
  s3: '{ "s3Uri" }',
  file: '{ "file" }',
} as const;

/** The execution input's JSON type, for the message on a non-object. */
function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Environment variable holding the stage defaults as JSON (set per stage by the deployment). */
export const REQUEST_DEFAULTS_ENV = 'SCALEPLAN_REQUEST_DEFAULTS';

/** Reads the stage defaults from SCALEPLAN_REQUEST_DEFAULTS; `{}` when unset. */
export function requestDefaultsFromEnv(env: NodeJS.ProcessEnv = process.env): RequestDefaults {
  const raw = env[REQUEST_DEFAULTS_ENV];
  if (raw === undefined || raw.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    return parsed as RequestDefaults;
  } catch (error) {
    throw new ConfigurationError(`${REQUEST_DEFAULTS_ENV} must be a JSON object of request defaults`, {
      cause: error,
    });
  }
}

/** Environment variable holding the roles a request's roleArn may name, comma-separated (the passRoleArns deploy parameter). */
export const PASS_ROLE_ARNS_ENV = 'SCALEPLAN_PASS_ROLE_ARNS';
/** The deployment's default role, which passRoleArns holds when the parameter is not given. */
const DEFAULT_ROLE_ENV = 'SCALEPLAN_SAGEMAKER_ROLE_ARN';

/**
 * The roles the deployment may pass, from SCALEPLAN_PASS_ROLE_ARNS (what serverless.yml's iam:PassRole
 * grants), else its default role SCALEPLAN_SAGEMAKER_ROLE_ARN (passRoleArns' default); neither
 * set is a deployment fault.
 * @example passRoleArnsFromEnv({ SCALEPLAN_PASS_ROLE_ARNS: 'arn:a, arn:b' }) // ['arn:a', 'arn:b']
 */
export function passRoleArnsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env[PASS_ROLE_ARNS_ENV] ?? env[DEFAULT_ROLE_ENV] ?? '')
    .split(',')
    .map((arn) => arn.trim())
    .filter((arn) => arn.length > 0);
  if (listed.length === 0)
    throw new ConfigurationError(
      `${PASS_ROLE_ARNS_ENV} (or ${DEFAULT_ROLE_ENV}) is not set: it must list the IAM roles a request's roleArn may name`,
    );
  return listed;
}

/**
 * Refuses a second execution of the state machine for a model package version that already has
 * one running (`earlierRunOf`): a duplicate EventBridge delivery or a second start. Nothing exists
 * yet, so the refusal creates nothing and leaves nothing.
 */
async function refuseSecondRun(
  executions: WorkflowPorts['executions'],
  executionArn: string,
  stateMachineArn: string | undefined,
  modelPackageArn: string,
): Promise<void> {
  if (!executions || !stateMachineArn) return;
  const running = await executions.listRunning(stateMachineArn);
  const earlier = earlierRunOf(executionArn, modelPackageArn, running);
  if (earlier)
    throw new DuplicateExecutionError(
      `model.modelPackageArn: ${modelPackageArn} already has a running execution, ${earlier.executionArn} (started ${earlier.startDate}): one execution per model version at a time; start again once it has ended`,
    );
}

export function createNormalizeInputHandler(
  ports: Pick<WorkflowPorts, 'registry' | 'history' | 'executions'>,
  options: NormalizeInputOptions = {},
): WorkflowHandler<InitialState> {
  return defineHandler({
    name: 'normalizeInput',
    input: NormalizeInputInput,
    handle: async ({ input, executionArn }, { logger }) => {
      const reasons: InitialState['reasons'] = [];
      let raw: unknown = input;
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new InvalidInputError(
          `(top level): the execution input must be a JSON object (a ScalingRequest or a "SageMaker Model Package State Change" event), got ${jsonTypeOf(input)}`,
        );
      assertSupportedEvent(input);
      if (isModelPackageStateChangeEvent(input)) {
        const event = parseOrThrow(
          ModelPackageStateChangeEventSchema,
          input,
          'model package state change event',
        );
        const describe = ports.registry.describeModelPackage;
        const described =
          eventNeedsDescribe(event) && describe
            ? await describe.call(ports.registry, event.detail.ModelPackageArn)
            : undefined;
        const built = requestFromModelPackageEvent(event, {
          ...(described ? { described } : {}),
          defaults: options.requestDefaults?.() ?? {},
        });
        raw = built.value;
        reasons.push(...built.reasons);
      }
      // minRps/maxRps may be absent when traffic.history is given: ReadHistory fills them.
      const request = parseOrThrow(ScalingRequestDraftSchema, raw, 'ScalingRequest');
      // The backend's ports say which model sources they run (the local one runs only `local`).
      const allowed = options.allowedModelKinds ?? ports.registry.modelKinds;
      if (allowed && !allowed.includes(request.model.kind))
        throw new InvalidInputError(
          `model.kind "${request.model.kind}" is not supported by this backend: use ${allowed.map((kind) => `"${kind}"`).join(' or ')}`,
        );
      const history = request.traffic.history;
      if (history && !ports.history.sources.includes(historySourceKind(history)))
        throw new InvalidInputError(
          `traffic.history: a ${historySourceKind(history)} history is not read by this backend: give ${ports.history.sources.map((kind) => HISTORY_SOURCE_SHAPES[kind]).join(' or ')}`,
        );
      if (options.awsLimits) {
        const problems = awsRequestLimitProblems(request);
        if (problems.length > 0) throw new InvalidInputError(`ScalingRequest: ${problems.join('; ')}`);
      }
      if (request.roleArn !== undefined && options.passRoleArns) {
        const roles = roleArnProblems(request, options.passRoleArns());
        if (roles.length > 0) throw new InvalidInputError(`ScalingRequest: ${roles.join('; ')}`);
      }
      const zones = timezoneProblems(request, options.isKnownTimezone ?? isIanaTimezone);
      if (zones.length > 0) throw new InvalidInputError(`ScalingRequest: invalid input: ${zones.join('; ')}`);
      const vcpus = request.vcpus ?? vcpusForInstanceType(request.instanceType);
      if (vcpus === undefined)
        throw new InvalidInputError(
          `the vCPUs of ${request.instanceType} are not in the built-in table: set "vcpus" in the request`,
        );
      const stateMachineArn = stateMachineArnOf(executionArn);
      if (request.model.kind === 'modelPackage')
        await refuseSecondRun(ports.executions, executionArn, stateMachineArn, request.model.modelPackageArn);
      const names = {
        ...runNames(request.name, runIdFor(executionArn)),
        ...(stateMachineArn ? { stateMachineArn } : {}),
      };
      logger.info('normalized', { runId: names.runId, instanceType: request.instanceType });
      return {
        request: { ...request, vcpus },
        names,
        ledger: [],
        job: { iteration: 0, round: 0 },
        endpoint: { iteration: 0, round: 0 },
        evaluation: { iteration: 0, round: 0 },
        iteration: initialIteration(),
        reasons,
      };
    },
  });
}

export const handler = createNormalizeInputHandler(createAwsPorts(), AWS_NORMALIZE_INPUT_OPTIONS);
