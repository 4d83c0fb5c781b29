/**
 * ScalingRequest: the execution input of the state machine and the input of `scaleplan run`.
 * This zod schema is the single source: runtime validation uses it and the committed JSON Schema
 * (schemas/scaling-request.schema.json) is generated from it.
 */
import { z } from 'zod';
import { isoSecondsUtc, TRACE_FORMATS } from './load/replay';
import { AWS_STAIRS_LIMITS } from './load/stairs';
import { isValidScheduledActionName, validateStepAdjustments } from './policies';
import { scheduleProblems } from './schedule';

/**
 * The largest value of a 32-bit signed integer, the type AWS gives every whole number scaleplan
 * sends (cooldowns, capacities, ScalingAdjustment, ValueInMilliseconds, MaxInvocations): a larger
 * one is refused by AWS with a ValidationException, so it is refused here, before anything exists.
 */
export const INT32_MAX = 2_147_483_647;

/**
 * Highest growthFactor accepted: 10x headroom over maxRps. The AWS sample uses 1.2; a factor above
 * 10 is a typo rather than a plan (1e308 made MaxCapacity Infinity only after the paid benchmark).
 */
export const MAX_GROWTH_FACTOR = 10;

/**
 * Highest latency SLO, milliseconds: 60 s, the time a real-time endpoint has to answer an
 * InvokeEndpoint call (SageMaker's limit); a slower answer is an error, not a latency.
 */
export const MAX_LATENCY_SLO_MS = 60_000;

/**
 * Highest load accepted, requests per second (either backend). Far above what one endpoint is
 * benchmarked for; it keeps maxRps x 60 and the capacity arithmetic inside 32-bit integers.
 */
export const MAX_TRAFFIC_RPS = 1_000_000;

/** Highest step bound, invocations per instance per minute above the alarm threshold (finite, int32). */
export const MAX_STEP_BOUND = INT32_MAX;

/** Default cost guard, instance-hours (`maxInstanceHours`): above the default request's worst case of 211.5. */
export const DEFAULT_MAX_INSTANCE_HOURS = 250;

/**
 * How long the state machine lets each paid thing live at most, seconds (its wait loops'
 * maxRounds x Wait Seconds in statemachines/scaleplan.asl.yml; test/aws/cost-guard.test.ts reads
 * them from the definition): the Default job 90 x 60 s, the endpoint's creation 60 x 30 s, an
 * evaluation 330 x 60 s, the wait before a reset 60 x 30 s and the one after it 60 x 30 s.
 */
export const PAID_WAIT_BOUNDS_SECONDS = {
  benchmarkJob: 90 * 60,
  endpointInService: 60 * 30,
  evaluationJob: 330 * 60,
  beforeReset: 60 * 30,
  afterReset: 60 * 30,
} as const;

/**
 * Scheduled actions per request and the length of their names. Application Auto Scaling allows
 * 200 per target with 256-character names, but every policy set the run tries carries them, and
 * the execution state holds up to maxIterations of those sets: 200 x 200 characters came to 760 KB
 * of state at 10 iterations, past Step Functions' 256 KiB (States.DataLimitExceeded, which no
 * Catch sees, so Cleanup would never run). At 25 x 64 the worst case stays under the 160 KiB
 * budget that test/aws/state-size.test.ts measures.
 */
export const MAX_SCHEDULED_ACTIONS = 25;
export const MAX_SCHEDULED_ACTION_NAME_LENGTH = 64;
/** Characters of a Schedule expression: room for long cron lists, within the same budget. */
export const MAX_SCHEDULE_LENGTH = 100;

/** A whole number AWS takes as a 32-bit integer. */
const int32 = () => z.number().int().max(INT32_MAX);

/** Utilization goals of the AWS procedure: 40% availability, 50% balanced, 70% cost. */
export const GOAL_PERCENT = { availability: 40, balanced: 50, cost: 70 } as const;
export type NamedGoal = keyof typeof GOAL_PERCENT;

const awsName = z
  .string()
  .regex(
    /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
    'letters, digits and single hyphens, starting and ending alphanumeric',
  )
  .max(40);

export const ModelSourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('modelPackage'),
      /** A versioned model package ARN; reused as is. */
      modelPackageArn: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package\/[\S]{1,2048}$/,
          'a model package ARN',
        ),
    })
    .strict(),
  z
    .object({
      kind: z.literal('container'),
      /** Inference image URI in ECR. */
      image: z.string().min(1).max(255),
      /** S3 URI of model.tar.gz, same Region. */
      modelDataUrl: z
        .string()
        .regex(/^s3:\/\//, 'an s3:// URI')
        .max(1024),
      /** S3 URI of a tar.gz of sample payloads. */
      samplePayloadUrl: z
        .string()
        .regex(/^s3:\/\//, 'an s3:// URI')
        .max(1024),
      framework: z.enum(['TENSORFLOW', 'PYTORCH', 'XGBOOST', 'SAGEMAKER-SCIKIT-LEARN']),
      frameworkVersion: z
        .string()
        .regex(/^[0-9]\.[A-Za-z0-9.-]+$/, 'like "1.5-1"')
        .min(3)
        .max(10),
      nearestModelName: z.string().max(256).optional(),
      domain: z
        .enum(['COMPUTER_VISION', 'NATURAL_LANGUAGE_PROCESSING', 'MACHINE_LEARNING'])
        .default('MACHINE_LEARNING'),
      task: z
        .enum([
          'IMAGE_CLASSIFICATION',
          'OBJECT_DETECTION',
          'TEXT_GENERATION',
          'IMAGE_SEGMENTATION',
          'FILL_MASK',
          'CLASSIFICATION',
          'REGRESSION',
          'OTHER',
        ])
        .default('OTHER'),
      contentType: z.string().max(256).default('text/csv'),
      /** Existing model package group to register into; created per execution when absent. */
      modelPackageGroupName: awsName.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('local'),
      /** URL of a running server on the SageMaker contract (GET /ping, POST /invocations). */
      url: z.url().max(2048).optional(),
      /** Start the bundled demo XGBoost server instead of using `url`. */
      demo: z.boolean().default(false),
      /**
       * Your own server as a command line, one argument per item, with `{port}` where its port
       * goes (`["python", "serve.py", "--port", "{port}"]`): the local endpoint starts one process
       * per instance with it, the way SageMaker starts a container per instance.
       */
      command: z
        .array(z.string().min(1).max(4096))
        .min(1)
        .max(256)
        .refine((argv) => argv.some((arg) => arg.includes('{port}')), {
          message: 'the command must contain {port} where the server listens',
        })
        .optional(),
      /** Payload file sent on every request (defaults to the demo model's sample). */
      payloadFile: z.string().max(4096).optional(),
      contentType: z.string().max(256).default('text/csv'),
    })
    .strict()
    .refine((m) => m.demo || m.url !== undefined || m.command !== undefined, {
      message: 'set one of "demo": true, "command" (argv with {port}) or "url"',
    }),
]);

/**
 * Days of an endpoint's history read at most: CloudWatch keeps one-minute datapoints for 15 days,
 * and the twin replays the history per minute.
 */
export const MAX_TRAFFIC_HISTORY_DAYS = 15;

/**
 * Where the endpoint's own traffic comes from (`traffic.history`): a variant's CloudWatch
 * `Invocations` over the last days (AWS), a trace file in S3 as `scaleplan traffic` writes it
 * (AWS), or a trace file on this machine (local backend). The backend says which it reads
 * (TrafficHistoryPort.sources); NormalizeInput refuses the others.
 */
export const TrafficHistorySchema = z.union([
  z
    .object({
      /** The production endpoint whose traffic is replayed (not the one the run creates). */
      endpointName: z
        .string()
        .regex(
          /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/,
          'letters, digits and single hyphens, starting and ending alphanumeric',
        )
        .max(63),
      /** Its variant; the request's variantName when absent. */
      variantName: z
        .string()
        .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/)
        .max(63)
        .optional(),
      /** Whole days before the execution started, 2..15 (two: one to train on, one to test). */
      days: z.number().int().min(2).max(MAX_TRAFFIC_HISTORY_DAYS),
    })
    .strict(),
  z
    .object({
      /** A trace file in S3, the JSON `scaleplan traffic` writes (CloudWatch's GetMetricData shape, per minute). */
      s3Uri: z
        .string()
        .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'an s3://bucket/key URI')
        .max(1024),
    })
    .strict(),
  z
    .object({
      /** A trace file on this machine (local backend): any format `simulate --trace` reads. */
      file: z.string().min(1).max(4096),
    })
    .strict(),
]);
export type TrafficHistorySource = z.output<typeof TrafficHistorySchema>;

/** Which kind of history a source is, as the backends declare what they read. */
export function historySourceKind(source: TrafficHistorySource): 'endpoint' | 's3' | 'file' {
  if ('endpointName' in source) return 'endpoint';
  return 's3Uri' in source ? 's3' : 'file';
}

const rps = () => z.number().positive().max(MAX_TRAFFIC_RPS);
const trafficFields = {
  /** Headroom multiplier on MaxCapacity; must be > 1 (1.2 in the AWS sample) and <= 10. */
  growthFactor: z.number().gt(1).max(MAX_GROWTH_FACTOR).default(1.2),
  /** Spiky traffic gets short cooldowns (10/100 s) and step scaling; smooth gets AWS defaults (300/300 s). */
  pattern: z.enum(['spiky', 'smooth']).default('spiky'),
  /** The endpoint's own traffic: the workflow reads it, fills minRps/maxRps when absent and searches the policies on it. */
  history: TrafficHistorySchema.optional(),
};
const ratesInOrder = (t: { minRps?: number; maxRps?: number }) =>
  t.minRps === undefined || t.maxRps === undefined || t.minRps <= t.maxRps;

export const TrafficExpectationSchema = z
  .object({
    /** Lowest expected load, requests per second. */
    minRps: rps(),
    /** Highest expected load, requests per second. */
    maxRps: rps(),
    ...trafficFields,
  })
  .strict()
  .refine(ratesInOrder, { message: 'minRps must not exceed maxRps', path: ['minRps'] });

/**
 * The traffic as a request may give it: minRps and maxRps may be left out when `history` is
 * given, and the workflow's ReadHistory fills them from the history before anything is paid for.
 */
export const TrafficDraftSchema = z
  .object({ minRps: rps().optional(), maxRps: rps().optional(), ...trafficFields })
  .strict()
  .refine(ratesInOrder, { message: 'minRps must not exceed maxRps', path: ['minRps'] })
  .superRefine((t, context) => {
    if (t.history !== undefined) return;
    for (const key of ['minRps', 'maxRps'] as const)
      if (t[key] === undefined)
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `${key} is required unless traffic.history names the endpoint's history to read it from`,
        });
  });

export const GoalSchema = z.union([
  z.enum(['availability', 'balanced', 'cost']),
  z.number().gt(0).lt(100).describe('explicit utilization percent of the peak'),
]);

export const LatencySloSchema = z
  .object({
    percentile: z.enum(['P95', 'P99']).default('P95'),
    /** Highest acceptable model latency at that percentile, milliseconds (<= 60000, the InvokeEndpoint timeout). */
    ms: z.number().positive().max(MAX_LATENCY_SLO_MS),
  })
  .strict();

/**
 * Inference Recommender's STAIRS (`evaluation.trafficType` "STAIRS"), in the API's bounds
 * (botocore's sagemaker model: TrafficDurationInSeconds >= 1, NumberOfSteps >= 1, UsersPerStep
 * 1..3), which CreateInferenceRecommendationsJob enforces: refused here on both backends.
 */
export const StairsSettingsSchema = z
  .object({
    /** Length of the whole pattern, seconds; each step lasts durationSeconds / numberOfSteps (<= jobDurationSeconds). */
    durationSeconds: int32().min(AWS_STAIRS_LIMITS.minDurationSeconds),
    /** Steps; the last one has numberOfSteps x usersPerStep users. */
    numberOfSteps: int32().min(AWS_STAIRS_LIMITS.minNumberOfSteps),
    /** Users added at each step, the first included (1..3). */
    usersPerStep: z
      .number()
      .int()
      .min(AWS_STAIRS_LIMITS.minUsersPerStep)
      .max(AWS_STAIRS_LIMITS.maxUsersPerStep),
  })
  .strict();

/**
 * An open-loop replay of a trace file (`evaluation.replay`, local backend only: Inference
 * Recommender has no such pattern, so the AWS backend refuses it at NormalizeInput). The window is
 * rescaled so that its busiest step is traffic.maxRps and replayed on the evaluation's clock (the
 * local endpoint's scaled clock), cut at jobDurationSeconds; the formats are those of `simulate --trace`.
 */
export const ReplaySettingsSchema = z
  .object({
    /** Path of the trace file, relative to the working directory. */
    traceFile: z.string().min(1).max(1024),
    /** counts (`time,count` CSV), requests (one row per request) or cloudwatch (JSON); guessed when absent. */
    format: z.enum(TRACE_FORMATS).optional(),
    /** Start of the window, ISO 8601 (UTC when no zone); default the trace's first step. */
    start: z
      .string()
      .max(64)
      .refine((text) => Number.isFinite(isoSecondsUtc(text)), {
        message: 'an ISO 8601 time like "1998-06-10T12:00:00Z"',
      })
      .optional(),
    /** Length of the window, minutes; default to the end of the trace (within jobDurationSeconds). */
    minutes: z
      .number()
      .positive()
      .max(18000 / 60)
      .optional(),
  })
  .strict();

export const EvaluationSettingsSchema = z
  .object({
    /**
     * Inference Recommender's TrafficPattern.TrafficType: PHASES (initialUsers, spawnRate,
     * durationSeconds below) or STAIRS (`stairs`). Default PHASES.
     */
    trafficType: z.enum(['PHASES', 'STAIRS']).default('PHASES'),
    /** The STAIRS pattern; required with trafficType "STAIRS" and only read then. */
    stairs: StairsSettingsSchema.optional(),
    /** Local backend only: an open-loop replay of a trace file instead of closed-loop users. */
    replay: ReplaySettingsSchema.optional(),
    /** Inference Recommender users at the start of the phase (1..3). */
    initialUsers: z.number().int().min(1).max(3).default(1),
    /** Users added per minute (0..3). */
    spawnRate: z.number().int().min(0).max(3).default(1),
    /** Phase length, seconds (120..3600). */
    durationSeconds: z.number().int().min(120).max(3600).default(3600),
    /** Whole-job limit, seconds (<= 18000). */
    jobDurationSeconds: z.number().int().min(120).max(18000).default(7200),
    /** Policy sets tried at most, whether the twin predicted their failure before paying or an evaluation judged them (so it also bounds the paid evaluations). */
    maxIterations: z.number().int().min(1).max(10).default(3),
    /** Highest acceptable share of 4XX+5XX invocations, 0..1 (0 = no errors, as in the procedure). */
    allowedErrorRate: z.number().min(0).max(1).default(0),
  })
  .strict()
  .superRefine((settings, context) => {
    for (const issue of trafficPatternIssues(settings)) context.addIssue({ code: 'custom', ...issue });
  });

/**
 * One pattern, and it fits in the job: STAIRS needs its `stairs`, `stairs` needs STAIRS, a replay
 * replaces the users (so it goes with neither), and the traffic that runs must not outlast the job
 * (Inference Recommender troubleshooting: total phase duration must not exceed the job duration;
 * the same for the stairs' DurationInSeconds). Refused here, before anything is paid for.
 */
function trafficPatternIssues(settings: {
  trafficType: 'PHASES' | 'STAIRS';
  stairs?: { durationSeconds: number } | undefined;
  replay?: unknown;
  durationSeconds: number;
  jobDurationSeconds: number;
}): { path: string[]; message: string }[] {
  const job = settings.jobDurationSeconds;
  if (settings.replay !== undefined && (settings.trafficType === 'STAIRS' || settings.stairs))
    return [
      {
        path: ['replay'],
        message:
          'an open-loop replay replaces the closed-loop users: give either evaluation.replay or trafficType "STAIRS" with evaluation.stairs, not both',
      },
    ];
  if (settings.trafficType === 'STAIRS' && !settings.stairs)
    return [
      {
        path: ['stairs'],
        message:
          'trafficType "STAIRS" needs evaluation.stairs { durationSeconds, numberOfSteps, usersPerStep }',
      },
    ];
  if (settings.trafficType !== 'STAIRS' && settings.stairs)
    return [
      {
        path: ['trafficType'],
        message: `evaluation.stairs is only read with trafficType "STAIRS" (got "${settings.trafficType}"): set trafficType "STAIRS" or remove stairs`,
      },
    ];
  if (settings.stairs && settings.stairs.durationSeconds > job)
    return [
      {
        path: ['stairs', 'durationSeconds'],
        message: `${settings.stairs.durationSeconds} s of stairs exceed evaluation.jobDurationSeconds ${job} s: the stairs must fit in the job`,
      },
    ];
  if (settings.trafficType === 'PHASES' && settings.replay === undefined && settings.durationSeconds > job)
    return [
      {
        path: ['durationSeconds'],
        message: `${settings.durationSeconds} s of traffic phases exceed evaluation.jobDurationSeconds ${job} s: the phases must fit in the job`,
      },
    ];
  return [];
}

export const StepScalingSettingsSchema = z
  .object({
    /** Step bounds relative to the alarm threshold, invocations per instance per minute. */
    steps: z
      .array(
        z
          .object({
            lower: z.number().min(-MAX_STEP_BOUND).max(MAX_STEP_BOUND),
            upper: z.number().min(-MAX_STEP_BOUND).max(MAX_STEP_BOUND).nullable(),
            adjustment: int32().min(-INT32_MAX),
          })
          .strict(),
      )
      .min(1)
      .max(20)
      // Ascending, contiguous, from the threshold up, only the last open: the rules the step
      // policy is built with (core validateStepAdjustments), checked before the benchmark is paid.
      .superRefine((steps, context) => {
        for (const problem of validateStepAdjustments(steps))
          context.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    cooldownSeconds: int32().min(0).optional(),
  })
  .strict();

export const ScheduledActionSchema = z
  .object({
    name: z
      .string()
      .regex(/^[^:/|]+$/, "no ':' '/' or '|'")
      .min(1)
      .max(MAX_SCHEDULED_ACTION_NAME_LENGTH)
      .refine(isValidScheduledActionName, {
        message: 'no control characters and no leading or trailing space',
      }),
    /** at(...), rate(...) or cron(...) in Application Auto Scaling's dialect (shared/core/schedule). */
    schedule: z
      .string()
      .max(MAX_SCHEDULE_LENGTH)
      .superRefine((schedule, context) => {
        for (const problem of scheduleProblems(schedule))
          context.addIssue({ code: 'custom', message: problem });
      }),
    /** IANA time zone of the schedule (UTC when absent); checked at NormalizeInput through the backend. */
    timezone: z.string().min(1).max(64).optional(),
    minCapacity: int32().min(0).optional(),
    maxCapacity: int32().min(1).optional(),
  })
  .strict()
  .refine((a) => a.minCapacity !== undefined || a.maxCapacity !== undefined, {
    message: 'a scheduled action needs minCapacity or maxCapacity',
  })
  .refine(
    (a) => a.minCapacity === undefined || a.maxCapacity === undefined || a.minCapacity <= a.maxCapacity,
    { message: 'minCapacity must not exceed maxCapacity', path: ['minCapacity'] },
  );

export const PolicyChoiceSchema = z
  .object({
    invocationsTargetTracking: z.boolean().default(true),
    cpuTargetTracking: z.boolean().default(true),
    /** Step scaling on InvocationsPerInstance with its own alarm; default on for spiky traffic. */
    stepScaling: z.union([z.boolean(), StepScalingSettingsSchema]).optional(),
    scheduledActions: z
      .array(ScheduledActionSchema)
      .max(MAX_SCHEDULED_ACTIONS)
      // ScheduledActionName is unique per scalable target: a second PutScheduledAction of the
      // same name would silently replace the first.
      .superRefine((actions, context) => {
        const seen = new Map<string, number>();
        actions.forEach((action, index) => {
          const first = seen.get(action.name);
          if (first !== undefined)
            context.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `duplicate scheduled action name '${action.name}' (also at index ${first})`,
            });
          else seen.set(action.name, index);
        });
      })
      .default([]),
    scaleOutCooldownSeconds: int32().min(0).optional(),
    scaleInCooldownSeconds: int32().min(0).optional(),
  })
  .strict();

const scalingRequestFields = {
  /** Short name used in every resource this execution creates (<= 40 chars). */
  name: awsName.default('scaleplan'),
  model: ModelSourceSchema,
  /** SageMaker instance type, e.g. ml.c5.large. */
  instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'like "ml.c5.large"'),
  /** vCPUs of the instance type; looked up from a built-in table when absent. */
  vcpus: z.number().int().positive().max(1024).optional(),
  variantName: z
    .string()
    .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/)
    .max(63)
    .default('AllTraffic'),
  traffic: TrafficExpectationSchema,
  goal: GoalSchema.default('balanced'),
  /** Which InvocationsPerInstance to use: the more conservative (default) or one method. */
  thresholdMethod: z.enum(['conservative', 'peakShare', 'cpuOverlay']).default('conservative'),
  latencySlo: LatencySloSchema,
  evaluation: EvaluationSettingsSchema.default(EvaluationSettingsSchema.parse({})),
  policies: PolicyChoiceSchema.default(PolicyChoiceSchema.parse({})),
  /** Account quota on instances of this type for endpoints; MaxCapacity above it is refused. */
  maxInstancesLimit: int32().positive().default(20),
  /** IAM role for Inference Recommender and SageMaker (AWS backend only). */
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/, 'an IAM role ARN')
    .max(2048)
    .optional(),
  /**
   * Cost guard, instance-hours: a request whose worst case (`worstCaseInstanceHours`) is above
   * it is refused at NormalizeInput on AWS, before the first paid step. Default 250 (about $25
   * on ml.c5.large); the default request's worst case is 211.5.
   */
  maxInstanceHours: z.number().positive().max(1_000_000).default(DEFAULT_MAX_INSTANCE_HOURS),
  /** Delete everything the execution created when it ends (default true). */
  cleanup: z.boolean().default(true),
};

/** The request's object with its traffic: the resolved one (rates known) or the draft a user may send. */
function requestSchemaWith<T extends z.ZodType>(traffic: T) {
  return (
    z
      .object({ ...scalingRequestFields, traffic })
      .strict()
      // A scheduled action's capacities are bound by the account quota like MaxCapacity is.
      .superRefine(checkScheduledCapacities)
  );
}

function checkScheduledCapacities(
  request: { policies: z.output<typeof PolicyChoiceSchema>; maxInstancesLimit: number },
  context: z.RefinementCtx,
) {
  request.policies.scheduledActions.forEach((action, index) => {
    for (const key of ['minCapacity', 'maxCapacity'] as const) {
      const value = action[key];
      if (value !== undefined && value > request.maxInstancesLimit)
        context.addIssue({
          code: 'custom',
          path: ['policies', 'scheduledActions', index, key],
          message: `${value} exceeds maxInstancesLimit ${request.maxInstancesLimit}`,
        });
    }
  });
}

/** The request every Task after ReadHistory reads: minRps and maxRps are known. */
export const ScalingRequestSchema = requestSchemaWith(TrafficExpectationSchema);
/**
 * The request as a user sends it (the execution input, `scaleplan run` and `start`): minRps and
 * maxRps may be absent when traffic.history is given. NormalizeInput validates it.
 */
export const ScalingRequestDraftSchema = requestSchemaWith(TrafficDraftSchema);

export type ScalingRequest = z.output<typeof ScalingRequestSchema>;
export type ScalingRequestDraft = z.output<typeof ScalingRequestDraftSchema>;
export type ScalingRequestInput = z.input<typeof ScalingRequestSchema>;
export type Goal = z.output<typeof GoalSchema>;
export type LatencySlo = z.output<typeof LatencySloSchema>;
export type TrafficExpectation = z.output<typeof TrafficExpectationSchema>;
export type ScheduledActionSpec = z.output<typeof ScheduledActionSchema>;

/**
 * Inference Recommender's StoppingConditions.MaxInvocations range, requests per minute
 * (developer guide, load test limits: 1..30,000). The AWS evaluation sends maxRps x 60.
 */
export const AWS_MAX_INVOCATIONS_PER_MINUTE = 30000;

/**
 * What the AWS backend cannot run although the request is valid: each problem names the field,
 * its value and the limit. Checked at the first state and by `scaleplan start`, so nothing is
 * created (or paid for) for a run that could never be evaluated. The local backend has no such
 * limit (examples/demo.request.json asks for 3000 rps).
 * @example awsRequestLimitProblems({ ...request, traffic: { ...traffic, maxRps: 600 } })
 * // ['traffic.maxRps 600 needs MaxInvocations 36000 per minute (maxRps x 60); Inference Recommender accepts at most 30000 (maxRps 500) on AWS']
 */
export function awsRequestLimitProblems(request: ScalingRequestDraft): string[] {
  const problems: string[] = [];
  if (request.model.kind === 'local')
    problems.push(
      'model.kind "local" runs on this machine only: on AWS give a "container" or a "modelPackage"',
    );
  if (request.evaluation.replay)
    problems.push(
      `evaluation.replay (${request.evaluation.replay.traceFile}) runs on the local endpoint only: Inference Recommender's Advanced job offers TrafficType PHASES or STAIRS, not a trace; on AWS remove evaluation.replay and give phases or stairs`,
    );
  const worst = worstCaseInstanceHours(request);
  if (worst.hours > request.maxInstanceHours)
    problems.push(
      `maxInstanceHours ${request.maxInstanceHours}: the worst case of this run is ${worst.formula} instance-hours (benchmark, then maxIterations x maxInstancesLimit instances for each evaluation and its endpoint waits); raise maxInstanceHours, or lower evaluation.maxIterations, maxInstancesLimit or evaluation.jobDurationSeconds`,
    );
  // Absent until ReadHistory fills it from the history, which checks it then.
  const invocationsPerMinute = Math.ceil((request.traffic.maxRps ?? 0) * 60);
  if (invocationsPerMinute > AWS_MAX_INVOCATIONS_PER_MINUTE)
    problems.push(
      `traffic.maxRps ${request.traffic.maxRps} needs MaxInvocations ${invocationsPerMinute} per minute (maxRps x 60); Inference Recommender accepts at most ${AWS_MAX_INVOCATIONS_PER_MINUTE} (maxRps ${AWS_MAX_INVOCATIONS_PER_MINUTE / 60}) on AWS`,
    );
  return problems;
}

/**
 * The request's `roleArn` when the deployment may not pass it to SageMaker: iam:PassRole is
 * granted only on the `passRoleArns` deploy parameter, so any other role would fail at
 * StartRecommenderJob or DeployEndpoint, after the model package exists. ARNs compare exactly,
 * as IAM compares a Resource without wildcards. No problem when the request names no role (the
 * deployment's own role is used).
 * @example roleArnProblems({ roleArn: 'arn:aws:iam::123456789012:role/Other' }, ['arn:aws:iam::123456789012:role/Mine'])
 * // ['roleArn "arn:aws:iam::123456789012:role/Other" is not a role this deployment may pass to SageMaker: use one of arn:aws:iam::123456789012:role/Mine (the passRoleArns deploy parameter), or omit roleArn']
 */
export function roleArnProblems(
  request: { roleArn?: string | undefined },
  allowedRoleArns: readonly string[],
): string[] {
  const { roleArn } = request;
  if (roleArn === undefined || allowedRoleArns.includes(roleArn)) return [];
  return [
    `roleArn "${roleArn}" is not a role this deployment may pass to SageMaker: use one of ${allowedRoleArns.join(', ')} (the passRoleArns deploy parameter), or omit roleArn`,
  ];
}

/** Tells whether a time zone name is one AWS accepts (IANA, as Application Auto Scaling reads them). */
export type TimezoneCheck = (name: string) => { known: true } | { known: false; suggestion?: string };

/**
 * The scheduled actions' time zones that `check` does not know, each naming its field. The check
 * is a parameter because the zone database lives outside the pure core (the backend brings it:
 * shared/adapters/aws/timezones.ts).
 * @example timezoneProblems(request, isIanaTimezone)
 * // ['policies.scheduledActions[0].timezone: "Mars/Olympus" is not an IANA time zone (like "Europe/Paris" or "UTC")']
 */
export function timezoneProblems(request: ScalingRequestDraft, check: TimezoneCheck): string[] {
  return request.policies.scheduledActions.flatMap((action, index) => {
    if (action.timezone === undefined) return [];
    const verdict = check(action.timezone);
    if (verdict.known) return [];
    const hint = verdict.suggestion ? ` (did you mean "${verdict.suggestion}"?)` : '';
    return [
      `policies.scheduledActions[${index}].timezone: ${JSON.stringify(action.timezone)} is not an IANA time zone (like "Europe/Paris" or "UTC")${hint}`,
    ];
  });
}

/**
 * The execution's worst-case instance-hours, known before anything is paid: the Default job's
 * single instance for its whole wait bound, then, for every iteration up to maxIterations, the
 * evaluation endpoint at MaxCapacity (at most `maxInstancesLimit`, since MaxCapacity is derived
 * only after the benchmark) for the evaluation (its jobDurationSeconds, within the poll bound) and
 * the endpoint waits around it (creation, before and after the reset).
 * @example worstCaseInstanceHours(defaultRequest) // { hours: 211.5, formula: '1.5 h + 3 x 20 x (2 + 1.5) h = 211.5' }
 */
export function worstCaseInstanceHours(request: ScalingRequestDraft): { hours: number; formula: string } {
  const bounds = PAID_WAIT_BOUNDS_SECONDS;
  const benchmarkHours = bounds.benchmarkJob / 3600;
  const evaluationHours = Math.min(request.evaluation.jobDurationSeconds, bounds.evaluationJob) / 3600;
  const waitsHours = (bounds.endpointInService + bounds.beforeReset + bounds.afterReset) / 3600;
  const iterations = request.evaluation.maxIterations;
  const instances = request.maxInstancesLimit;
  const hours = benchmarkHours + iterations * instances * (evaluationHours + waitsHours);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    hours: round(hours),
    formula: `${round(benchmarkHours)} h + ${iterations} x ${instances} x (${round(evaluationHours)} + ${round(waitsHours)}) h = ${round(hours)}`,
  };
}
