/**
 * An endpoint variant's own traffic, from CloudWatch: the window to read, its split into
 * GetMetricData requests, the per-minute series with its gaps, the summary (peak, mean, daily
 * shape) and the minRps/maxRps it suggests, and the trace file that `simulate` and `search` read.
 *
 * Facts (CloudWatch GetMetricData reference, botocore cloudwatch model):
 * - AWS/SageMaker `Invocations` is published per minute; `Sum` over 60 s is the requests of the minute.
 * - One request returns at most 100,800 datapoints (queries x periods); more come with NextToken.
 * - 1-minute datapoints are kept for 15 days, then only as 5-minute sums.
 * - StartTime is inclusive, EndTime exclusive.
 *
 * A minute without a datapoint is a gap, not a zero: CloudWatch leaves a minute out both when the
 * variant got no request and when nothing was recorded, and a reader cannot tell the two apart.
 * The series holds `null` there, the gaps are listed, and the summary counts only minutes with data.
 */
import { InvalidInputError, type Reason } from './errors';
import { isAwsName, MAX_ENDPOINT_NAME_LENGTH } from './naming';
import { MAX_TRAFFIC_RPS } from './request';

/** The period of the history, seconds: Invocations is a standard-resolution, per-minute metric. */
export const HISTORY_PERIOD_SECONDS = 60;
/** Datapoints one GetMetricData request may return in all its queries (CloudWatch limit). */
export const GET_METRIC_DATA_MAX_DATAPOINTS = 100_800;
/** Days of 1-minute datapoints CloudWatch keeps; older minutes exist only as 5-minute sums. */
export const MAX_HISTORY_DAYS = 15;
/**
 * Minutes between the end of the window and now. CloudWatch publishes a minute's datapoint a
 * little after the minute ends [unconfirmed: no documented bound], so the newest minutes would
 * read as gaps; 5 minutes leaves them out. A setting, not a fact.
 */
export const HISTORY_END_LAG_MINUTES = 5;
/** The variant name SageMaker's SDKs give a single-variant endpoint. */
export const DEFAULT_VARIANT_NAME = 'AllTraffic';
/** Smallest minRps suggested: the request schema needs minRps > 0 even for an idle hour. */
export const MIN_SUGGESTED_RPS = 0.01;

const SECONDS_PER_HOUR = 3600;
const HOURS_PER_DAY = 24;

/** What to read: one variant over whole days that end at `endEpochSeconds`. */
export interface HistoryQuery {
  endpointName: string;
  variantName: string;
  /** Whole days, 1..{@link MAX_HISTORY_DAYS}. */
  days: number;
  /** End of the window, seconds since the epoch (exclusive; rounded down to the minute). */
  endEpochSeconds: number;
}

/** A window of whole minutes, seconds since the epoch: start inclusive, end exclusive. */
export interface HistoryWindow {
  startEpochSeconds: number;
  endEpochSeconds: number;
}

/** Minutes without a datapoint, back to back: `start` inclusive, `end` exclusive (ISO 8601, UTC). */
export interface HistoryGap {
  start: string;
  end: string;
  minutes: number;
}

/** Invocations per minute over a window; `null` where CloudWatch has no datapoint (a gap). */
export interface MinuteSeries {
  /** Start of minute 0, seconds since the epoch. */
  startEpochSeconds: number;
  /** Always {@link HISTORY_PERIOD_SECONDS}. */
  stepSeconds: number;
  invocationsPerMinute: (number | null)[];
}

/** One datapoint as GetMetricData returns it: the minute's start and its Sum. */
export interface InvocationDatapoint {
  epochSeconds: number;
  invocations: number;
}

/** The mean rate of one hour of the day (UTC), over the minutes of that hour that have data. */
export interface HourOfDayRate {
  hourUtc: number;
  /** null when no minute of this hour of day has a datapoint. */
  meanRps: number | null;
  minutesWithData: number;
}

/** The request's traffic expectation suggested by the history, and the rule that gave it. */
export interface SuggestedTraffic {
  minRps: number;
  maxRps: number;
  rule: string;
}

export interface HistorySummary {
  /** Window, ISO 8601 UTC: start inclusive, end exclusive. */
  start: string;
  end: string;
  minutes: number;
  minutesWithData: number;
  gapMinutes: number;
  totalInvocations: number;
  /** The busiest minute; null without data. */
  peak: { invocationsPerMinute: number; rps: number; at: string } | null;
  /** Mean requests per second over the minutes with data (gaps left out); null without data. */
  meanRps: number | null;
  /** The daily shape: 24 rows, hour 0..23 UTC. */
  hourOfDay: HourOfDayRate[];
  /** null when there is no datapoint to suggest from. */
  suggested: SuggestedTraffic | null;
  reasons: Reason[];
}

/** What `simulate --trace` and `search --trace` read as a CloudWatch JSON trace, and more. */
export interface InvocationTraceFile {
  formatVersion: 1;
  source: {
    tool: 'cloudwatch';
    namespace: 'AWS/SageMaker';
    metricName: 'Invocations';
    stat: 'Sum';
    periodSeconds: number;
    endpointName: string;
    variantName: string;
    start: string;
    end: string;
  };
  gaps: HistoryGap[];
  summary: HistorySummary;
  /**
   * GetMetricData's output shape, ascending: a gap has no timestamp and no value (as CloudWatch
   * returns it); `gaps` names them. The trace readers fill a gap inside the span with 0 requests.
   */
  MetricDataResults: [
    {
      Id: 'invocations';
      Label: 'Invocations';
      StatusCode: 'Complete';
      Timestamps: string[];
      Values: number[];
    },
  ];
}

const isoOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();
const floorToMinute = (epochSeconds: number) =>
  Math.floor(epochSeconds / HISTORY_PERIOD_SECONDS) * HISTORY_PERIOD_SECONDS;

/**
 * The end of a window read now: the start of the current minute, less {@link HISTORY_END_LAG_MINUTES}.
 * @param nowEpochSeconds the clock, seconds since the epoch
 * @example historyEndEpochSeconds(Date.parse('2026-12-01T10:07:30Z') / 1000) // 10:02:00Z
 */
export function historyEndEpochSeconds(nowEpochSeconds: number): number {
  return floorToMinute(nowEpochSeconds) - HISTORY_END_LAG_MINUTES * HISTORY_PERIOD_SECONDS;
}

/**
 * Checks the query and gives its window of whole minutes.
 * @throws InvalidInputError naming the bad field and what is expected
 * @example historyWindowOf({ endpointName: 'ep', variantName: 'AllTraffic', days: 1, endEpochSeconds: 86_430 })
 * // { startEpochSeconds: 0, endEpochSeconds: 86_400 }
 */
export function historyWindowOf(query: HistoryQuery): HistoryWindow {
  for (const [field, name] of [
    ['endpointName', query.endpointName],
    ['variantName', query.variantName],
  ] as const)
    if (!isAwsName(name, MAX_ENDPOINT_NAME_LENGTH))
      throw new InvalidInputError(
        `${field}: expected a SageMaker name (1..${MAX_ENDPOINT_NAME_LENGTH} letters, digits and single hyphens, starting and ending alphanumeric), got ${JSON.stringify(name)}`,
      );
  if (!Number.isInteger(query.days) || query.days < 1 || query.days > MAX_HISTORY_DAYS)
    throw new InvalidInputError(
      `days: expected a whole number of days 1..${MAX_HISTORY_DAYS} (CloudWatch keeps 1-minute datapoints for ${MAX_HISTORY_DAYS} days), got ${query.days}`,
    );
  if (!Number.isFinite(query.endEpochSeconds))
    throw new InvalidInputError(`endTime: expected a time, got ${query.endEpochSeconds}`);
  const endEpochSeconds = floorToMinute(query.endEpochSeconds);
  return {
    startEpochSeconds: endEpochSeconds - query.days * HOURS_PER_DAY * SECONDS_PER_HOUR,
    endEpochSeconds,
  };
}

/**
 * Splits a window into back-to-back pieces that each ask for at most `maxDatapointsPerRequest`
 * datapoints over `queries` queries, so no GetMetricData request exceeds the limit. 15 days of
 * one per-minute query are 21,600 datapoints: one piece under the 100,800 limit.
 * @example chunkHistoryWindow({ startEpochSeconds: 0, endEpochSeconds: 3 * 86_400 }, { maxDatapointsPerRequest: 1440 }).length // 3
 */
export function chunkHistoryWindow(
  window: HistoryWindow,
  options: { maxDatapointsPerRequest?: number; queries?: number } = {},
): HistoryWindow[] {
  const limit = options.maxDatapointsPerRequest ?? GET_METRIC_DATA_MAX_DATAPOINTS;
  const queries = options.queries ?? 1;
  const minutesPerChunk = Math.floor(limit / queries);
  if (!(minutesPerChunk >= 1))
    throw new InvalidInputError(
      `maxDatapointsPerRequest ${limit} cannot hold one minute of ${queries} queries`,
    );
  const chunks: HistoryWindow[] = [];
  const step = minutesPerChunk * HISTORY_PERIOD_SECONDS;
  for (let start = window.startEpochSeconds; start < window.endEpochSeconds; start += step)
    chunks.push({
      startEpochSeconds: start,
      endEpochSeconds: Math.min(start + step, window.endEpochSeconds),
    });
  return chunks;
}

/**
 * Places datapoints on the window's minutes; a minute without one stays `null`. A datapoint
 * outside the window, or a second one for a minute, is left out and counted in a reason.
 * @example fillMinuteSeries({ startEpochSeconds: 0, endEpochSeconds: 180 }, [{ epochSeconds: 120, invocations: 7 }]).series.invocationsPerMinute // [null, null, 7]
 */
export function fillMinuteSeries(
  window: HistoryWindow,
  datapoints: readonly InvocationDatapoint[],
): { series: MinuteSeries; reasons: Reason[] } {
  const minutes = (window.endEpochSeconds - window.startEpochSeconds) / HISTORY_PERIOD_SECONDS;
  const values: (number | null)[] = new Array(Math.max(0, minutes)).fill(null);
  let outside = 0;
  let repeated = 0;
  for (const point of datapoints) {
    const index = Math.floor((point.epochSeconds - window.startEpochSeconds) / HISTORY_PERIOD_SECONDS);
    if (index < 0 || index >= values.length || !Number.isFinite(point.invocations)) outside += 1;
    else if (values[index] !== null) repeated += 1;
    else values[index] = point.invocations;
  }
  const reasons: Reason[] = [];
  if (outside > 0)
    reasons.push({
      code: 'datapointsOutsideWindow',
      message: `${outside} datapoint(s) outside the window or without a value were left out`,
    });
  if (repeated > 0)
    reasons.push({
      code: 'repeatedMinutes',
      message: `${repeated} datapoint(s) repeated a minute already read and were left out`,
    });
  return {
    series: {
      startEpochSeconds: window.startEpochSeconds,
      stepSeconds: HISTORY_PERIOD_SECONDS,
      invocationsPerMinute: values,
    },
    reasons,
  };
}

/**
 * The runs of minutes without a datapoint, in time order.
 * @example findHistoryGaps({ startEpochSeconds: 0, stepSeconds: 60, invocationsPerMinute: [1, null, null, 4] })
 * // [{ start: '1970-01-01T00:01:00.000Z', end: '1970-01-01T00:03:00.000Z', minutes: 2 }]
 */
export function findHistoryGaps(series: MinuteSeries): HistoryGap[] {
  const gaps: HistoryGap[] = [];
  const values = series.invocationsPerMinute;
  const at = (index: number) => series.startEpochSeconds + index * series.stepSeconds;
  let runStart = -1;
  for (let i = 0; i <= values.length; i++) {
    const missing = i < values.length && values[i] === null;
    if (missing && runStart < 0) runStart = i;
    if (!missing && runStart >= 0) {
      gaps.push({ start: isoOf(at(runStart)), end: isoOf(at(i)), minutes: i - runStart });
      runStart = -1;
    }
  }
  return gaps;
}

/** The mean rate of each hour of the day (UTC) over the minutes with data. */
function hourOfDayRates(series: MinuteSeries): HourOfDayRate[] {
  const sums = new Array<number>(HOURS_PER_DAY).fill(0);
  const counts = new Array<number>(HOURS_PER_DAY).fill(0);
  series.invocationsPerMinute.forEach((value, i) => {
    if (value === null) return;
    const epochSeconds = series.startEpochSeconds + i * series.stepSeconds;
    const hour = Math.floor((((epochSeconds % 86_400) + 86_400) % 86_400) / SECONDS_PER_HOUR);
    sums[hour]! += value;
    counts[hour]! += 1;
  });
  return sums.map((sum, hourUtc) => ({
    hourUtc,
    meanRps: counts[hourUtc]! > 0 ? sum / counts[hourUtc]! / series.stepSeconds : null,
    minutesWithData: counts[hourUtc]!,
  }));
}

const ceilTo2 = (x: number) => Math.ceil(x * 100 - 1e-9) / 100;
const floorTo2 = (x: number) => Math.floor(x * 100 + 1e-9) / 100;

/**
 * The rule: maxRps is the busiest minute's rate (its Invocations / 60, rounded up to 0.01): the
 * peak the evaluation must reach, the growth factor on MaxCapacity adds the headroom. minRps is
 * the mean rate of the quietest hour of the day (UTC, rounded down to 0.01, at least 0.01):
 * scale-in waits for 15 low minutes, so a floor below the hour the daily cycle returns to is
 * rarely reached, and one quiet minute should not set it.
 */
function suggestTraffic(
  peakRps: number,
  hours: HourOfDayRate[],
): { suggested: SuggestedTraffic; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const known = hours.filter((h): h is HourOfDayRate & { meanRps: number } => h.meanRps !== null);
  const quietest = known.reduce((a, b) => (b.meanRps < a.meanRps ? b : a));
  let maxRps = ceilTo2(peakRps);
  if (maxRps > MAX_TRAFFIC_RPS) {
    reasons.push({
      code: 'maxRpsCapped',
      message: `the peak ${peakRps.toFixed(2)} rps is above the ${MAX_TRAFFIC_RPS} rps a request accepts: maxRps is capped`,
    });
    maxRps = MAX_TRAFFIC_RPS;
  }
  const minRps = Math.min(maxRps, Math.max(MIN_SUGGESTED_RPS, floorTo2(quietest.meanRps)));
  reasons.push({
    code: 'suggestedTraffic',
    message: `maxRps ${maxRps} = the busiest minute, ${peakRps.toFixed(2)} rps; minRps ${minRps} = the mean of the quietest hour of the day, ${String(quietest.hourUtc).padStart(2, '0')}:00 UTC, ${quietest.meanRps.toFixed(2)} rps${minRps > floorTo2(quietest.meanRps) ? ` (raised to the smallest rate a request accepts, ${MIN_SUGGESTED_RPS})` : ''}`,
  });
  const unknownHours = HOURS_PER_DAY - known.length;
  if (unknownHours > 0)
    reasons.push({
      code: 'hoursWithoutData',
      message: `${unknownHours} hour(s) of the day have no datapoint at all (idle or not recorded) and do not count for minRps`,
    });
  return {
    suggested: {
      minRps,
      maxRps,
      rule: 'maxRps: busiest minute / 60 s, rounded up to 0.01; minRps: mean of the quietest hour of the day (UTC) over minutes with data, rounded down to 0.01, at least 0.01',
    },
    reasons,
  };
}

/**
 * The summary of a per-minute history: peak, mean, the daily shape, gaps and the suggested
 * minRps/maxRps (rule in {@link SuggestedTraffic.rule}). Rates are requests per second.
 * @example summarizeHistory({ startEpochSeconds: 0, stepSeconds: 60, invocationsPerMinute: [60, null, 600] }).peak
 * // { invocationsPerMinute: 600, rps: 10, at: '1970-01-01T00:02:00.000Z' }
 */
export function summarizeHistory(series: MinuteSeries, gaps = findHistoryGaps(series)): HistorySummary {
  const values = series.invocationsPerMinute;
  let total = 0;
  let withData = 0;
  let peakIndex = -1;
  values.forEach((value, i) => {
    if (value === null) return;
    total += value;
    withData += 1;
    if (peakIndex < 0 || value > values[peakIndex]!) peakIndex = i;
  });
  const gapMinutes = values.length - withData;
  const start = series.startEpochSeconds;
  const hourOfDay = hourOfDayRates(series);
  const reasons: Reason[] = [];
  if (gapMinutes > 0)
    reasons.push({
      code: 'gaps',
      message: `${gapMinutes} of ${values.length} minute(s) have no datapoint, in ${gaps.length} gap(s): they are left out of the mean and the daily shape, not counted as zero`,
    });
  const summary: HistorySummary = {
    start: isoOf(start),
    end: isoOf(start + values.length * series.stepSeconds),
    minutes: values.length,
    minutesWithData: withData,
    gapMinutes,
    totalInvocations: total,
    peak: null,
    meanRps: null,
    hourOfDay,
    suggested: null,
    reasons,
  };
  if (peakIndex < 0) {
    reasons.push({
      code: 'noData',
      message: 'no minute of the window has a datapoint: nothing to suggest minRps/maxRps from',
    });
    return summary;
  }
  const peakPerMinute = values[peakIndex]!;
  summary.peak = {
    invocationsPerMinute: peakPerMinute,
    rps: peakPerMinute / series.stepSeconds,
    at: isoOf(start + peakIndex * series.stepSeconds),
  };
  summary.meanRps = total / withData / series.stepSeconds;
  const suggestion = suggestTraffic(summary.peak.rps, hourOfDay);
  summary.suggested = suggestion.suggested;
  reasons.push(...suggestion.reasons);
  return summary;
}

/**
 * The trace file: GetMetricData's output shape with only the minutes that have data, the gaps
 * and the summary beside it.
 * @example buildInvocationTrace(series, { endpointName: 'ep', variantName: 'AllTraffic' }).MetricDataResults[0].Timestamps
 */
export function buildInvocationTrace(
  series: MinuteSeries,
  variant: { endpointName: string; variantName: string },
  summary: HistorySummary = summarizeHistory(series),
  gaps: HistoryGap[] = findHistoryGaps(series),
): InvocationTraceFile {
  const timestamps: string[] = [];
  const values: number[] = [];
  series.invocationsPerMinute.forEach((value, i) => {
    if (value === null) return;
    timestamps.push(isoOf(series.startEpochSeconds + i * series.stepSeconds));
    values.push(value);
  });
  return {
    formatVersion: 1,
    source: {
      tool: 'cloudwatch',
      namespace: 'AWS/SageMaker',
      metricName: 'Invocations',
      stat: 'Sum',
      periodSeconds: series.stepSeconds,
      endpointName: variant.endpointName,
      variantName: variant.variantName,
      start: summary.start,
      end: summary.end,
    },
    // Gaps and summary come before the minutes, so that a person opening the file sees them first.
    gaps,
    summary,
    MetricDataResults: [
      {
        Id: 'invocations',
        Label: 'Invocations',
        StatusCode: 'Complete',
        Timestamps: timestamps,
        Values: values,
      },
    ],
  };
}
