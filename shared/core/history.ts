/**
 * The endpoint's own traffic inside a run (`traffic.history`): the per-minute series the
 * backend read, as the run stores it beside its results (never in the execution state: 14 days
 * of minutes are 20,160 numbers, about 150 KB of JSON against a state budget of 160 KiB), and
 * the request's minRps/maxRps filled from it when the request left them out.
 */
import { z } from 'zod';
import { InvalidInputError, type Reason } from './errors';
import { MAX_TRAFFIC_HISTORY_DAYS, type ScalingRequestDraft, type TrafficHistorySource } from './request';
import { countsTraffic, type OpenTraffic, resampleTraffic } from './sim/traffic';

/** Seconds per step of a stored history: the twin replays the history per minute, as CloudWatch publishes it. */
export const HISTORY_STEP_SECONDS = 60;

/**
 * Whole UTC days a history must cover at least: the held-out rule trains on the days before a
 * test day, so it needs one day to train on and one to test.
 */
export const MIN_HISTORY_DAYS = 2;

/**
 * Minutes a history may hold at most: {@link MAX_TRAFFIC_HISTORY_DAYS} days (21,600). The search
 * runs every candidate on every day, and a batch of 48 candidates x 15 days is what one
 * EvaluateCandidateBatch Lambda finishes within its timeout; a longer trace (a file or an S3
 * object, which no `days` bounds) would time the batches out.
 */
export const MAX_HISTORY_MINUTES = MAX_TRAFFIC_HISTORY_DAYS * 1440;

/** Refuses a history longer than {@link MAX_HISTORY_MINUTES}, naming its length and what to give. */
function refuseLongHistory(minutes: number, source: string): void {
  if (minutes > MAX_HISTORY_MINUTES)
    throw new InvalidInputError(
      `traffic.history: ${source} covers ${(minutes / 1440).toFixed(2)} days; at most ${MAX_TRAFFIC_HISTORY_DAYS} are searched on (${MAX_HISTORY_MINUTES} minutes): give the last ${MAX_TRAFFIC_HISTORY_DAYS} days (\`scaleplan traffic --days ${MAX_TRAFFIC_HISTORY_DAYS}\` writes them)`,
    );
}

/** Invocations per minute; `null` where no datapoint was recorded (a gap, not a zero). */
export interface HistorySeries {
  /** Start of minute 0, seconds since the epoch (UTC). */
  startEpochSeconds: number;
  /** Always {@link HISTORY_STEP_SECONDS}. */
  stepSeconds: number;
  invocationsPerMinute: (number | null)[];
}

/** The history as a run stores it (`history.json` in the run folder or the results bucket). */
export const StoredHistorySchema = z
  .object({
    formatVersion: z.literal(1),
    /** What was read, e.g. `CloudWatch AWS/SageMaker Invocations of prod/AllTraffic` or a file name. */
    source: z.string().min(1).max(2048),
    startEpochSeconds: z.number().int(),
    stepSeconds: z.literal(HISTORY_STEP_SECONDS),
    /** Invocations per minute; a gap is stored as `null` and replayed as no request. */
    invocationsPerMinute: z.array(z.number().nonnegative().nullable()).min(1),
  })
  .strict();
export type StoredHistory = z.output<typeof StoredHistorySchema>;

/** What the execution state keeps of the history: where it is and its size, never the minutes. */
export interface HistoryRef {
  /** Key of the stored history (an S3 key in the results bucket, a path in the run folder). */
  key: string;
  source: string;
  /** ISO 8601 UTC, start inclusive, end exclusive. */
  start: string;
  end: string;
  minutes: number;
  gapMinutes: number;
}

/**
 * Open traffic (any step) as a per-minute series: a finer trace is summed per minute; a coarser
 * one is refused, since a 5-minute sum hides the bursts that scaling must follow.
 * @example historySeriesOf(countsTraffic([1, 2, 3], { stepSeconds: 20 })).invocationsPerMinute; // [6]
 */
export function historySeriesOf(traffic: OpenTraffic, source = 'history'): HistorySeries {
  if (traffic.stepSeconds > HISTORY_STEP_SECONDS || HISTORY_STEP_SECONDS % traffic.stepSeconds !== 0)
    throw new InvalidInputError(
      `${source}: a history needs a step that divides 60 s (per minute or finer); this one has ${traffic.stepSeconds} s`,
    );
  const perMinute =
    traffic.stepSeconds === HISTORY_STEP_SECONDS ? traffic : resampleTraffic(traffic, HISTORY_STEP_SECONDS);
  return {
    startEpochSeconds: perMinute.startEpochSeconds,
    stepSeconds: HISTORY_STEP_SECONDS,
    invocationsPerMinute: Array.from(perMinute.requests),
  };
}

/**
 * The history to store, refused when it is shorter than {@link MIN_HISTORY_DAYS} days, longer
 * than {@link MAX_HISTORY_MINUTES} or holds no request at all (nothing to search on).
 */
export function storedHistoryOf(series: HistorySeries, source: string): StoredHistory {
  const minutes = series.invocationsPerMinute.length;
  refuseLongHistory(minutes, source);
  if (minutes < MIN_HISTORY_DAYS * 1440)
    throw new InvalidInputError(
      `traffic.history: ${source} covers ${(minutes / 1440).toFixed(2)} day(s); at least ${MIN_HISTORY_DAYS} are needed (one to train the search on, one to test it)`,
    );
  if (!series.invocationsPerMinute.some((v) => v !== null && v > 0))
    throw new InvalidInputError(`traffic.history: ${source} holds no invocation in ${minutes} minutes`);
  // A day without any datapoint (an endpoint created yesterday, read over 3 days) is not a day of
  // traffic: every candidate meets the SLO on it and the cheapest would be picked.
  const busyDays = utcDaysWithInvocations(series);
  if (busyDays < MIN_HISTORY_DAYS)
    throw new InvalidInputError(
      `traffic.history: ${source} covers ${(minutes / 1440).toFixed(2)} days but only ${busyDays} UTC day holds an invocation; at least ${MIN_HISTORY_DAYS} are needed (one to train the search on, one to test it): read more days, or once the endpoint has served ${MIN_HISTORY_DAYS} days`,
    );
  return {
    formatVersion: 1,
    source,
    startEpochSeconds: Math.round(series.startEpochSeconds),
    stepSeconds: HISTORY_STEP_SECONDS,
    invocationsPerMinute: series.invocationsPerMinute.map((v) => (v === null ? null : Math.max(0, v))),
  };
}

/** UTC days (any part of one) in which at least one minute has an invocation. */
function utcDaysWithInvocations(series: HistorySeries): number {
  const days = new Set<number>();
  series.invocationsPerMinute.forEach((v, i) => {
    if (v !== null && v > 0)
      days.add(Math.floor((series.startEpochSeconds + i * series.stepSeconds) / 86_400));
  });
  return days.size;
}

/** Reads a stored history back (InvalidInputError naming the key when it is not one). */
export function parseStoredHistory(value: unknown, key: string): StoredHistory {
  const parsed = StoredHistorySchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidInputError(
      `${key} is not a stored history: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return parsed.data;
}

/** The stored history as the twin's open traffic (gaps replayed as no request). */
export function historyTraffic(history: StoredHistory): OpenTraffic {
  return countsTraffic(
    history.invocationsPerMinute.map((v) => v ?? 0),
    { stepSeconds: history.stepSeconds, startEpochSeconds: history.startEpochSeconds },
  );
}

/**
 * The per-minute series of a trace file in CloudWatch's GetMetricData shape (what `scaleplan
 * traffic` writes, `MetricDataResults[0].Timestamps/Values`): a minute without a datapoint between
 * the first and the last is a gap (`null`), as CloudWatch leaves such minutes out.
 * @example historySeriesOfTraceJson({ MetricDataResults: [{ Timestamps: ['2026-01-01T00:02:00Z', '2026-01-01T00:00:00Z'], Values: [5, 3] }] }, 'x').invocationsPerMinute; // [3, null, 5]
 */
export function historySeriesOfTraceJson(value: unknown, source: string): HistorySeries {
  const parsed = TraceJsonSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidInputError(
      `${source}: expected the JSON \`scaleplan traffic\` writes, with MetricDataResults[0].Timestamps and Values of equal length`,
    );
  const result = parsed.data.MetricDataResults[0]!;
  const points = result.Timestamps.map((t, i) => ({ t: Date.parse(t) / 1000, v: result.Values[i]! }));
  if (points.length !== result.Values.length || points.some((p) => !Number.isFinite(p.t)))
    throw new InvalidInputError(`${source}: a timestamp is unreadable or Values do not match Timestamps`);
  if (points.length === 0) throw new InvalidInputError(`${source}: no datapoint`);
  points.sort((a, b) => a.t - b.t);
  const start = Math.floor(points[0]!.t / HISTORY_STEP_SECONDS) * HISTORY_STEP_SECONDS;
  const minutes = Math.floor((points.at(-1)!.t - start) / HISTORY_STEP_SECONDS) + 1;
  // Before the array is made: two timestamps years apart would otherwise allocate millions of minutes.
  refuseLongHistory(minutes, source);
  const invocationsPerMinute: (number | null)[] = new Array(minutes).fill(null);
  for (const p of points) {
    const k = Math.floor((p.t - start) / HISTORY_STEP_SECONDS);
    invocationsPerMinute[k] = (invocationsPerMinute[k] ?? 0) + p.v;
  }
  return { startEpochSeconds: start, stepSeconds: HISTORY_STEP_SECONDS, invocationsPerMinute };
}

const TraceJsonSchema = z.object({
  MetricDataResults: z
    .array(z.object({ Timestamps: z.array(z.string()), Values: z.array(z.number().nonnegative()) }).loose())
    .min(1),
});

/** The state's reference to a stored history. */
export function historyRefOf(history: StoredHistory, key: string): HistoryRef {
  const minutes = history.invocationsPerMinute.length;
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return {
    key,
    source: history.source,
    start: iso(history.startEpochSeconds),
    end: iso(history.startEpochSeconds + minutes * history.stepSeconds),
    minutes,
    gapMinutes: history.invocationsPerMinute.filter((v) => v === null).length,
  };
}

/** A description of a history source for messages and the stored file. */
export function describeHistorySource(source: TrafficHistorySource, variantName: string): string {
  if ('endpointName' in source)
    return `CloudWatch AWS/SageMaker Invocations of ${source.endpointName}/${source.variantName ?? variantName} over ${source.days} days`;
  return 's3Uri' in source ? source.s3Uri : source.file;
}

/**
 * The request's traffic with minRps and maxRps filled from the history's suggestion where the
 * request left them out; the reasons say which came from the history and by what rule. A rate
 * the request gives is kept, even when the history suggests another (the reasons say so).
 * @example
 * fillTrafficRates(draftWithoutRates, { minRps: 2.1, maxRps: 151.14, rule: '...' }, 'prod/AllTraffic').traffic.maxRps; // 151.14
 */
export function fillTrafficRates(
  request: ScalingRequestDraft,
  suggested: { minRps: number; maxRps: number; rule: string } | null,
  source: string,
): { traffic: ScalingRequestDraft['traffic'] & { minRps: number; maxRps: number }; reasons: Reason[] } {
  const given = request.traffic;
  if (given.minRps !== undefined && given.maxRps !== undefined) {
    const reasons: Reason[] = suggested
      ? [
          {
            code: 'TrafficFromRequest',
            message: `minRps ${given.minRps} and maxRps ${given.maxRps} as the request gives them; the history (${source}) suggests ${suggested.minRps} and ${suggested.maxRps}`,
          },
        ]
      : [];
    return { traffic: { ...given, minRps: given.minRps, maxRps: given.maxRps }, reasons };
  }
  if (!suggested)
    throw new InvalidInputError(
      `traffic.history: ${source} has no datapoint to derive minRps/maxRps from; give traffic.minRps and traffic.maxRps`,
    );
  const maxRps = given.maxRps ?? suggested.maxRps;
  // A given maxRps below the history's quiet-hour rate bounds minRps (minRps <= maxRps).
  const minRps = given.minRps ?? Math.min(suggested.minRps, maxRps);
  const filled = [
    given.minRps === undefined ? `minRps ${minRps}` : undefined,
    given.maxRps === undefined ? `maxRps ${maxRps}` : undefined,
  ].filter(Boolean);
  return {
    traffic: { ...given, minRps, maxRps },
    reasons: [
      {
        code: 'TrafficFromHistory',
        message: `${filled.join(' and ')} from the history (${source}), absent from the request: ${suggested.rule}`,
      },
    ],
  };
}
