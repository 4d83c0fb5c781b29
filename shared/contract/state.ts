/**
 * The execution state of the state machine and the schemas of the slices its Tasks pass to the
 * handlers. The state is JSON: every key is written by one Task (`ResultPath`), the ledger by
 * each Task that creates something.
 *
 *   request      NormalizeInput      the validated ScalingRequest (vCPUs resolved)
 *   names        NormalizeInput      deterministic resource names (shared/core/naming)
 *   ledger       creating Tasks      ResourceRef[] in creation order; clean-up deletes exactly these
 *   job          PollJob             { iteration, round, status, benchmarkWindow }
 *   plan         DeriveThresholds    benchmark, thresholds, capacity, initial policySet, pricing
 *   endpoint     PollEndpoint        { iteration, round, status }
 *   iteration    Tune*               { number, policySet?, history, exhausted }
 *   prediction   SimulatePolicies    { verdict, simulation }
 *   evaluation   PollEvaluation      { iteration, round, status }
 *   verdict      Judge               the evaluation's verdict
 *   recommendation WriteRecommendation
 *   error        any Catch           { Error, Cause }
 */
import { z } from 'zod';
import { InvalidInputError, WaitTimeoutError } from '../core/errors';
import type { InstancePricing } from '../core/instance-types';
import { evaluationTrafficPattern } from '../core/load/pattern';
import { evaluationPhases } from '../core/load/phases';
import { evaluationName, type RunNames } from '../core/naming';
import { scalableTargetResourceId, scalingNames } from '../core/policies';
import type { EvaluationInput, JobStatus, ResourceRef } from '../core/ports';
import type { IterationRecord, Prediction } from '../core/recommendation';
import { type ScalingRequest, type ScalingRequestDraft, ScalingRequestSchema } from '../core/request';
import type { SearchSummary } from '../core/sim/search-map';
import type { BenchmarkAnalysis, CapacityPlan, PolicySet, Thresholds, Verdict } from '../core/types';

export const ResourceRefSchema = z
  .object({
    kind: z.enum([
      'modelPackageGroup',
      'modelPackage',
      'model',
      'endpointConfig',
      'endpoint',
      'scalableTarget',
      'alarm',
      'recommenderJob',
      'evaluation',
    ]),
    name: z.string().min(1),
    arn: z.string().optional(),
  })
  .strict();
export const LedgerSchema = z.array(ResourceRefSchema);

export const RunNamesSchema = z
  .object({
    runId: z.string().min(1),
    base: z.string().min(1),
    jobName: z.string().min(1),
    endpointName: z.string().min(1),
    modelPackageGroupName: z.string().min(1),
    stateMachineArn: z.string().min(1).max(256).optional(),
  })
  .strict();

/** The request as NormalizeInput wrote it; parsing it again is idempotent. */
export const RequestSchema = ScalingRequestSchema;

/** Progress of one wait loop; `iteration` tells loops of different iterations apart. */
export const PollStateSchema = z
  .object({
    iteration: z.number().int().min(0),
    round: z.number().int().min(0),
    status: z.string().optional(),
    failureReason: z.string().optional(),
  })
  .loose();
export type PollState = z.output<typeof PollStateSchema>;

const TargetTrackingSchema = z
  .object({
    targetValue: z.number(),
    scaleOutCooldownSeconds: z.number(),
    scaleInCooldownSeconds: z.number(),
    disableScaleIn: z.boolean(),
  })
  .strict();

export const PolicySetSchema = z
  .object({
    minCapacity: z.number().int(),
    maxCapacity: z.number().int(),
    invocationsTargetTracking: TargetTrackingSchema.optional(),
    cpuTargetTracking: TargetTrackingSchema.optional(),
    concurrencyTargetTracking: TargetTrackingSchema.optional(),
    stepScaling: z
      .object({
        alarmThresholdInvocationsPerInstance: z.number(),
        steps: z.array(
          z.object({ lower: z.number(), upper: z.number().nullable(), adjustment: z.number() }).strict(),
        ),
        cooldownSeconds: z.number(),
        evaluationPeriods: z.number().int(),
        datapointsToAlarm: z.number().int(),
      })
      .strict()
      .optional(),
    scheduledActions: z.array(
      z
        .object({
          name: z.string(),
          schedule: z.string(),
          timezone: z.string().optional(),
          minCapacity: z.number().optional(),
          maxCapacity: z.number().optional(),
        })
        .strict(),
    ),
  })
  .strict() satisfies z.ZodType<PolicySet>;

/** Results of core computations carried between Tasks: checked for shape, typed by the core. */
function coreResult<T>(what: string, required: string[]) {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      required.every((key) => (value as Record<string, unknown>)[key] !== undefined),
    { message: `${what} is missing or lacks ${required.join(', ')}` },
  );
}

export const VerdictSchema = coreResult<Verdict>('verdict', ['passed', 'failures']);
export const PredictionSchema = coreResult<Prediction>('prediction', ['verdict', 'simulation']);
export const IterationRecordSchema = coreResult<IterationRecord>('iteration record', [
  'iteration',
  'policySet',
  'outcome',
]);

export const IterationStateSchema = z
  .object({
    /** 1-based number of the policy set being tried. */
    number: z.number().int().min(1),
    /** The policy set of this iteration; absent on the first (the plan's). */
    policySet: PolicySetSchema.optional(),
    history: z.array(IterationRecordSchema),
    /** True when tuning found nothing left to try. */
    exhausted: z.boolean(),
    /** Why tuning stopped, when it did. */
    reasons: z.array(z.object({ code: z.string(), message: z.string() }).strict()).optional(),
  })
  .strict();
export type IterationState = z.output<typeof IterationStateSchema>;

export interface PlanState {
  benchmark: BenchmarkAnalysis;
  thresholds: Thresholds;
  capacity: CapacityPlan;
  policySet: PolicySet;
  pricing: InstancePricing;
  reasons: { code: string; message: string }[];
  /** PickRobustPolicySet's summary when the run searched on a history (policySet is then its pick). */
  search?: SearchSummary;
}
export const PlanStateSchema = coreResult<PlanState>('plan', [
  'benchmark',
  'thresholds',
  'capacity',
  'policySet',
  'pricing',
]);
export const BenchmarkAnalysisSchema = coreResult<BenchmarkAnalysis>('benchmark analysis', [
  'peakInvocationsPerMinute',
  'latencyCurve',
]);
export const CapacityPlanSchema = coreResult<CapacityPlan>('capacity plan', ['minCapacity', 'maxCapacity']);

/** The state right after NormalizeInput. */
export interface InitialState {
  /** minRps/maxRps may be absent when traffic.history is given: ReadHistory fills them before any other Task reads the request. */
  request: ScalingRequestDraft;
  names: RunNames;
  ledger: ResourceRef[];
  job: PollState;
  endpoint: PollState;
  evaluation: PollState;
  iteration: IterationState;
  reasons: { code: string; message: string }[];
}

/** The first iteration's state. */
export function initialIteration(): IterationState {
  return { number: 1, history: [], exhausted: false };
}

/**
 * The ledger with `refs` appended, skipping any ref already in it (same kind and name), so a
 * repeated step (a later iteration registering the same scalable target) records it once.
 */
export function appendToLedger(ledger: ResourceRef[], refs: ResourceRef[]): ResourceRef[] {
  const next = [...ledger];
  for (const ref of refs) {
    if (!next.some((known) => known.kind === ref.kind && known.name === ref.name)) next.push(ref);
  }
  return next;
}

/**
 * The versioned model package ARN of the run: the request's when it reuses one, else the one
 * CreateModelPackage recorded in the ledger.
 * @throws InvalidInputError when neither exists (CreateModelPackage has not run)
 */
export function modelPackageArnOf(request: ScalingRequest, ledger: ResourceRef[]): string {
  if (request.model.kind === 'modelPackage') return request.model.modelPackageArn;
  const created = ledger.find((ref) => ref.kind === 'modelPackage' && ref.arn !== undefined);
  if (!created?.arn)
    throw new InvalidInputError('no model package in the ledger: CreateModelPackage must run first');
  return created.arn;
}

/** The policy set of the current iteration: the tuned one, or the plan's on the first. */
export function currentPolicySet(initial: PolicySet, iteration: IterationState): PolicySet {
  return iteration.policySet ?? initial;
}

/** The evaluation's traffic: the phases, or none and the STAIRS or replay pattern instead. */
function evaluationTraffic(request: ScalingRequest): Pick<EvaluationInput, 'phases' | 'trafficPattern'> {
  const pattern = evaluationTrafficPattern(request.evaluation, request.traffic.maxRps);
  return pattern ? { phases: [], trafficPattern: pattern } : { phases: evaluationPhases(request.evaluation) };
}

/** What the evaluation driver receives for the current iteration (RunEvaluation and Judge agree). */
export function buildEvaluationInput(input: {
  request: ScalingRequest;
  names: RunNames;
  ledger: ResourceRef[];
  iteration: IterationState;
  policySet: PolicySet;
  /** The plan's benchmark analysis, for drivers that simulate (RunEvaluation passes it). */
  benchmark?: BenchmarkAnalysis;
}): EvaluationInput {
  const { request, names } = input;
  return {
    evaluationName: evaluationName(names, input.iteration.number),
    modelPackageArn: modelPackageArnOf(request, input.ledger),
    endpointName: names.endpointName,
    variantName: request.variantName,
    instanceType: request.instanceType,
    ...(request.roleArn ? { roleArn: request.roleArn } : {}),
    ...evaluationTraffic(request),
    jobDurationSeconds: request.evaluation.jobDurationSeconds,
    maxInvocationsPerMinute: Math.ceil(request.traffic.maxRps * 60),
    latencySlo: request.latencySlo,
    policySet: input.policySet,
    ...(input.benchmark ? { benchmark: input.benchmark } : {}),
  };
}

/**
 * The name of the current iteration's evaluation as the driver returned it: the newest
 * `evaluation` in the ledger (RunEvaluation records it), so a driver that names its evaluations
 * its own way still works. Before any was recorded, the name the run derives.
 */
export function currentEvaluationName(ledger: ResourceRef[], names: RunNames, iteration: number): string {
  const recorded = [...ledger].reverse().find((ref) => ref.kind === 'evaluation');
  return recorded?.name ?? evaluationName(names, iteration);
}

/** Job statuses after which polling stops. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'STOPPED', 'DELETED'];

/**
 * The round number of this poll: one more than the previous poll of the same iteration, 1 when
 * the iteration changed (a new wait loop).
 */
export function nextRound(previous: PollState, iteration: number): number {
  return previous.iteration === iteration ? previous.round + 1 : 1;
}

/**
 * Throws WaitTimeoutError when a loop has polled `maxRounds` times without reaching a final
 * status: the bound that keeps every wait loop finite.
 */
export function assertWithinRounds(what: string, round: number, maxRounds: number, status: string): void {
  if (round >= maxRounds)
    throw new WaitTimeoutError(`${what} is still ${status} after ${round} polls (the limit is ${maxRounds})`);
}

/** Creation order of the kinds: clean-up deletes in the reverse order (newest kind first). */
const KIND_CREATION_ORDER: readonly ResourceRef['kind'][] = [
  'modelPackageGroup',
  'modelPackage',
  'recommenderJob',
  'model',
  'endpointConfig',
  'endpoint',
  'scalableTarget',
  'alarm',
  'evaluation',
];

/**
 * Everything this execution may have created, by the names it derives (shared/core/naming): the
 * model package group it registers when the request names none, the Default job, the evaluation
 * endpoint with its model and config (same name), the variant's scalable target, the step alarm
 * and the evaluation of every iteration up to `iterations`.
 *
 * Why: the ledger only learns what a Task returns. When a create succeeds on AWS but the Task
 * fails afterwards (a 5XX after the fact, a lost Lambda), the Retry sends the create again, AWS
 * answers "already exists" (not retryable) and the resource never reaches the ledger. Clean-up
 * therefore also tries these names; one that does not exist answers not found, which is done.
 * Not listed: the versioned model package (AWS assigns its version); deleting the group the run
 * registered deletes every version in it first.
 */
export function resourcesNamedByRun(
  request: ScalingRequest,
  names: RunNames,
  iterations: number,
): ResourceRef[] {
  const refs: ResourceRef[] = [];
  if (request.model.kind === 'container' && request.model.modelPackageGroupName === undefined)
    refs.push({ kind: 'modelPackageGroup', name: names.modelPackageGroupName });
  refs.push({ kind: 'recommenderJob', name: names.jobName });
  for (const kind of ['model', 'endpointConfig', 'endpoint'] as const)
    refs.push({ kind, name: names.endpointName });
  const target = { endpointName: names.endpointName, variantName: request.variantName };
  refs.push({
    kind: 'scalableTarget',
    name: scalableTargetResourceId(target.endpointName, target.variantName),
  });
  refs.push({ kind: 'alarm', name: scalingNames(target).stepAlarmName });
  for (let iteration = 1; iteration <= iterations; iteration++)
    refs.push({ kind: 'evaluation', name: evaluationName(names, iteration) });
  return refs;
}

/**
 * The ledger plus the `named` refs it lacks (same kind and name), in creation order by kind
 * (the ledger's own order kept within a kind), so deleting it in reverse removes an evaluation
 * before the endpoint it loads and an endpoint before its config and model.
 */
export function withNamedResources(ledger: ResourceRef[], named: ResourceRef[]): ResourceRef[] {
  const merged = appendToLedger(ledger, named);
  const rank = (ref: ResourceRef) => KIND_CREATION_ORDER.indexOf(ref.kind);
  return merged
    .map((ref, index) => ({ ref, index }))
    .sort((a, b) => rank(a.ref) - rank(b.ref) || a.index - b.index)
    .map(({ ref }) => ref);
}
