/**
 * The two events a run announces, so that pipelines can react without polling the execution:
 * "Recommendation Ready" (WriteRecommendation, once every object is in the bucket) and
 * "Recommendation Failed" (the failure path, after Cleanup). Both come from the source
 * `scaleplan` and are small: the recommendation, the report and the exports stay in S3 and the
 * event carries their URIs and the few numbers a rule or a pipeline step decides on.
 *
 * Size: EventBridge refuses a PutEvents entry above 256 KiB, counted as the UTF-8 bytes of
 * Source, DetailType, Detail and each Resources entry, plus 14 bytes when Time is set (AWS,
 * "Calculating PutEvents event entry size"). Every free text here (an error's cause, a clean-up
 * error) is cut to MAX_EVENT_TEXT_CHARS and every list to MAX_EVENT_LIST_ITEMS, so the largest
 * event stays far below it (the tests measure the worst case).
 */

/** `source` of every event a run publishes (the `aws.` prefix is reserved to AWS). */
export const RUN_EVENT_SOURCE = 'scaleplan';

/** `detail-type` of the run's two events. */
export const RUN_EVENT_DETAIL_TYPES = {
  ready: 'Recommendation Ready',
  failed: 'Recommendation Failed',
} as const;
export type RunEventDetailType = (typeof RUN_EVENT_DETAIL_TYPES)[keyof typeof RUN_EVENT_DETAIL_TYPES];

/** Version of the detail's shape; a subscriber may match on it. */
export const RUN_EVENT_FORMAT_VERSION = 1;

/** EventBridge's limit on one PutEvents entry, bytes (256 KiB). */
export const MAX_EVENT_ENTRY_BYTES = 256 * 1024;

/** Longest free text (an error's cause) carried in an event, characters; the rest is cut. */
export const MAX_EVENT_TEXT_CHARS = 8_192;

/** Most items of one list (resources deleted, retained...) carried in an event; the rest are counted. */
export const MAX_EVENT_LIST_ITEMS = 50;

/** Where a run's objects went (s3:// URIs on AWS, file paths locally). */
export interface RunObjectUris {
  recommendation: string;
  summary: string;
  report: string;
  /** One per export format (cloudformation, terraform, cdk, cli). */
  exports: Record<string, string>;
}

/** What identifies the run in both events. */
export interface RunIdentity {
  runId: string | null;
  /** The request's name (the base of every resource name), null when the input had none. */
  name: string | null;
  /** `$$.Execution.Id` of the execution. */
  executionArn: string | null;
  /** The versioned model package evaluated, when the request named one. */
  modelPackageArn: string | null;
}

export interface RecommendationReadyDetail extends RunIdentity {
  formatVersion: typeof RUN_EVENT_FORMAT_VERSION;
  instanceType: string;
  verdict: {
    passed: boolean;
    maxInvocationsPerMinute: number;
    targetInvocationsPerMinute: number;
    /** Share of 4XX+5XX invocations, 0..1. */
    errorRate: number;
    worstLatencyMs: number | null;
    latencySlo: { percentile: string; ms: number };
  };
  /** What the recommended policy set registers (after tuning and the search on the history). */
  scaling: {
    minCapacity: number;
    maxCapacity: number;
    /** The InvocationsPerInstance target, invocations per instance per minute (the derived threshold without that policy). */
    invocationsPerInstance: number;
    /** The CPUUtilization target, percent (the derived one without that policy). */
    cpuTargetPercent: number;
    /**
     * Kinds of the recommended policies: invocationsTargetTracking, cpuTargetTracking,
     * concurrencyTargetTracking, stepScaling, scheduled.
     */
    policies: string[];
  };
  cost: { atMinCapacityPerHourUsd: number | null; atMaxCapacityPerHourUsd: number | null };
  iterations: number;
  objects: RunObjectUris;
}

/** A resource as clean-up reports it. */
export interface EventResourceRef {
  kind: string;
  name: string;
}

/** A list cut to MAX_EVENT_LIST_ITEMS, with how many were left out. */
export interface EventList<T> {
  items: T[];
  omitted: number;
}

export interface RecommendationFailedDetail extends RunIdentity {
  formatVersion: typeof RUN_EVENT_FORMAT_VERSION;
  /** The error the execution fails with (its name is the state machine's contract). */
  error: { name: string; cause: string; causeTruncated: boolean };
  /**
   * What clean-up did: `notNeeded` (refused at the first state, nothing was created), `done`,
   * `skipped` (`cleanup: false`: everything is retained), `failed` (its error says what was left).
   */
  cleanup: {
    status: 'notNeeded' | 'done' | 'skipped' | 'failed';
    deleted: EventList<EventResourceRef>;
    notFound: EventList<EventResourceRef>;
    retained: EventList<EventResourceRef>;
    error: { name: string; cause: string; causeTruncated: boolean } | null;
  };
  /** Where the recommendation went when the run wrote one before clean-up failed; else null. */
  recommendation: string | null;
}

/** One event as a port publishes it; the source is always RUN_EVENT_SOURCE. */
export type RunEvent =
  | {
      detailType: typeof RUN_EVENT_DETAIL_TYPES.ready;
      resources: string[];
      detail: RecommendationReadyDetail;
    }
  | {
      detailType: typeof RUN_EVENT_DETAIL_TYPES.failed;
      resources: string[];
      detail: RecommendationFailedDetail;
    };

/**
 * Cuts `text` to `maxChars` characters (a marker says how much was cut).
 * @example truncateText('abcdef', 3) // { text: 'abc... (3 more characters)', truncated: true }
 */
export function truncateText(
  text: string,
  maxChars = MAX_EVENT_TEXT_CHARS,
): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  return {
    text: `${text.slice(0, maxChars)}... (${text.length - maxChars} more characters)`,
    truncated: true,
  };
}

/** The first MAX_EVENT_LIST_ITEMS items and how many were left out. */
export function capList<T>(items: readonly T[], maxItems = MAX_EVENT_LIST_ITEMS): EventList<T> {
  return { items: items.slice(0, maxItems), omitted: Math.max(0, items.length - maxItems) };
}

/** The ARNs an event names in `resources` (a rule may match on them): the execution and the model package. */
function resourcesOf(identity: RunIdentity): string[] {
  return [identity.executionArn, identity.modelPackageArn].filter(
    (arn): arn is string => !!arn?.startsWith('arn:'),
  );
}

/** What the ready event reads from the recommendation (a structural slice, so core needs no outputs). */
export interface ReadySource {
  instanceType: string;
  expectations: { latencySlo: { percentile: string; ms: number } };
  thresholds: { invocationsPerInstance: number; cpuTargetPercent: number };
  policySet: {
    minCapacity: number;
    maxCapacity: number;
    invocationsTargetTracking?: { targetValue: number };
    cpuTargetTracking?: { targetValue: number };
    concurrencyTargetTracking?: unknown;
    stepScaling?: unknown;
    scheduledActions: readonly unknown[];
  };
  cost: { atMinCapacityPerHourUsd: number | null; atMaxCapacityPerHourUsd: number | null };
  verdict: {
    passed: boolean;
    maxInvocationsPerMinute: number;
    targetInvocationsPerMinute: number;
    errorRate: number;
    worstLatencyMs: number | null;
  };
  iterations: readonly unknown[];
}

/**
 * The "Recommendation Ready" event: the verdict, the capacities and targets, the cost per hour
 * and the URIs of every object the run wrote.
 * @example buildReadyEvent(identity, recommendation, objects).detail.scaling.maxCapacity // 8
 */
export function buildReadyEvent(
  identity: RunIdentity,
  recommendation: ReadySource,
  objects: RunObjectUris,
): RunEvent {
  const { verdict, policySet } = recommendation;
  const policies = [
    ...(policySet.invocationsTargetTracking ? ['invocationsTargetTracking'] : []),
    ...(policySet.cpuTargetTracking ? ['cpuTargetTracking'] : []),
    ...(policySet.concurrencyTargetTracking ? ['concurrencyTargetTracking'] : []),
    ...(policySet.stepScaling ? ['stepScaling'] : []),
    ...(policySet.scheduledActions.length > 0 ? ['scheduled'] : []),
  ];
  return {
    detailType: RUN_EVENT_DETAIL_TYPES.ready,
    resources: resourcesOf(identity),
    detail: {
      formatVersion: RUN_EVENT_FORMAT_VERSION,
      ...identity,
      instanceType: recommendation.instanceType,
      verdict: {
        passed: verdict.passed,
        maxInvocationsPerMinute: verdict.maxInvocationsPerMinute,
        targetInvocationsPerMinute: verdict.targetInvocationsPerMinute,
        errorRate: verdict.errorRate,
        worstLatencyMs: verdict.worstLatencyMs,
        latencySlo: {
          percentile: recommendation.expectations.latencySlo.percentile,
          ms: recommendation.expectations.latencySlo.ms,
        },
      },
      scaling: {
        minCapacity: policySet.minCapacity,
        maxCapacity: policySet.maxCapacity,
        invocationsPerInstance:
          policySet.invocationsTargetTracking?.targetValue ??
          recommendation.thresholds.invocationsPerInstance,
        cpuTargetPercent:
          policySet.cpuTargetTracking?.targetValue ?? recommendation.thresholds.cpuTargetPercent,
        policies,
      },
      cost: {
        atMinCapacityPerHourUsd: recommendation.cost.atMinCapacityPerHourUsd,
        atMaxCapacityPerHourUsd: recommendation.cost.atMaxCapacityPerHourUsd,
      },
      iterations: recommendation.iterations.length,
      objects,
    },
  };
}

/** How the run ended, as the failure path knows it. */
export interface FailureSource {
  error: { name: string; cause: string };
  /** Cleanup's result when it ran and succeeded. */
  cleanupResult?: { deleted: EventResourceRef[]; notFound: EventResourceRef[]; retained: EventResourceRef[] };
  /** Cleanup's own error when it failed. */
  cleanupError?: { name: string; cause: string };
  /** False when the request asked to keep everything (`cleanup: false`). */
  cleanupRequested: boolean;
  /** Where the recommendation went, when the run wrote one before clean-up failed. */
  recommendationUri?: string;
}

const refsOf = (refs: readonly EventResourceRef[] | undefined) =>
  capList((refs ?? []).map(({ kind, name }) => ({ kind, name })));

function cappedError(error: { name: string; cause: string }) {
  const { text, truncated } = truncateText(error.cause);
  return { name: truncateText(error.name, 256).text, cause: text, causeTruncated: truncated };
}

/**
 * The "Recommendation Failed" event: the error name and cause (cut to MAX_EVENT_TEXT_CHARS) and
 * what clean-up did. No clean-up result and no clean-up error means the run was refused before
 * anything was created.
 * @example buildFailedEvent(identity, { error: { name: 'InvalidInputError', cause: 'x' }, cleanupRequested: true }).detail.cleanup.status // 'notNeeded'
 */
export function buildFailedEvent(identity: RunIdentity, failure: FailureSource): RunEvent {
  const result = failure.cleanupResult;
  const status = failure.cleanupError
    ? 'failed'
    : result === undefined
      ? 'notNeeded'
      : failure.cleanupRequested
        ? 'done'
        : 'skipped';
  return {
    detailType: RUN_EVENT_DETAIL_TYPES.failed,
    resources: resourcesOf(identity),
    detail: {
      formatVersion: RUN_EVENT_FORMAT_VERSION,
      ...identity,
      error: cappedError(failure.error),
      cleanup: {
        status,
        deleted: refsOf(result?.deleted),
        notFound: refsOf(result?.notFound),
        retained: refsOf(result?.retained),
        error: failure.cleanupError ? cappedError(failure.cleanupError) : null,
      },
      recommendation: failure.recommendationUri ?? null,
    },
  };
}

/**
 * Bytes EventBridge counts for one entry of this event (Source, DetailType, Detail, Resources;
 * no Time, which the adapter leaves to EventBridge).
 * @example eventEntryBytes(event) <= MAX_EVENT_ENTRY_BYTES
 */
export function eventEntryBytes(event: RunEvent): number {
  const utf8 = (text: string) => new TextEncoder().encode(text).length;
  return (
    utf8(RUN_EVENT_SOURCE) +
    utf8(event.detailType) +
    utf8(JSON.stringify(event.detail)) +
    event.resources.reduce((sum, arn) => sum + utf8(arn), 0)
  );
}
