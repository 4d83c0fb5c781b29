/**
 * The open-loop replay of a trace (local backend only; Inference Recommender has no such pattern):
 * requests arrive at the trace's rate whatever the endpoint answers, the trace rescaled so that
 * its busiest step is the request's maxRps and its time run on the evaluation's clock. The trace is
 * read by an adapter (the formats of `simulate --trace`: shared/adapters/local/traces.ts); what to
 * replay of it is decided here, purely.
 *
 * Worked numbers: a per-minute trace of [600, 1200, 300] requests rescaled to maxRps 10 becomes
 * [300, 600, 150] per minute (5, 10 and 2.5 requests per second); at time scale 120 each minute
 * lasts 0.5 real seconds, so the fleet receives 5 x 120 = 600 real requests per second during the
 * first half second, and CloudWatch on the scaled clock publishes Invocations 300, 600, 150.
 */
import { InvalidInputError } from '../errors';
import { type OpenTraffic, rescaleTraffic, windowTraffic } from '../sim/traffic';

/** Formats of a trace file (shared/adapters/local/traces.ts reads them). */
export const TRACE_FORMATS = ['counts', 'requests', 'cloudwatch'] as const;
export type ReplayTraceFormat = (typeof TRACE_FORMATS)[number];

/** What to replay, as the request gives it (`evaluation.replay`) plus the peak it is rescaled to. */
export interface TraceReplay {
  /** Path of the trace file, relative to the working directory. */
  traceFile: string;
  /** Format of the file; guessed from its name and first line when absent. */
  format?: ReplayTraceFormat;
  /** Start of the window of the trace, ISO 8601 (UTC when no zone); default its first step. */
  start?: string;
  /** Length of the window, minutes; default to the end of the trace. */
  minutes?: number;
  /** The busiest step of the window becomes this many requests per second (the request's maxRps). */
  peakRps: number;
}

/**
 * Seconds since the epoch of an ISO 8601 time, UTC when it names no zone; NaN when unreadable.
 * @example isoSecondsUtc('1998-06-01T12:00'); // 896702400
 */
export function isoSecondsUtc(text: string): number {
  const zoned = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text.trim());
  const ms = Date.parse(zoned ? text : `${text}Z`);
  return Number.isFinite(ms) ? ms / 1000 : Number.NaN;
}

/**
 * The traffic the replay sends: the window of the trace (`start`, `minutes`), rescaled so that its
 * busiest step is `peakRps`, cut at `maxDurationSeconds` (the job's duration, as IR stops a job at
 * JobDurationInSeconds). Throws InvalidInputError naming the trace when nothing is left to send.
 *
 * @example
 * replayTraffic(countsTraffic([600, 1200, 300], { stepSeconds: 60 }), { traceFile: 't.csv', peakRps: 10 }, 7200).requests;
 * // [300, 600, 150]
 */
export function replayTraffic(
  trace: OpenTraffic,
  replay: TraceReplay,
  maxDurationSeconds: number,
): OpenTraffic {
  const where = `evaluation.replay ${replay.traceFile}`;
  const start = replay.start === undefined ? undefined : isoSecondsUtc(replay.start);
  if (start !== undefined && !Number.isFinite(start))
    throw new InvalidInputError(`${where}: start '${replay.start}' is not an ISO 8601 time`);
  const windowSeconds = Math.min(maxDurationSeconds, (replay.minutes ?? Number.POSITIVE_INFINITY) * 60);
  let windowed: OpenTraffic;
  try {
    windowed = windowTraffic(trace, {
      ...(start !== undefined ? { startEpochSeconds: start } : {}),
      ...(Number.isFinite(windowSeconds) ? { durationSeconds: windowSeconds } : {}),
    });
    return rescaleTraffic(windowed, replay.peakRps);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(`${where}: ${error.message.replace(/^traffic: /, '')}`, { cause: error });
    throw error;
  }
}

/** Seconds the replayed traffic lasts (its steps end to end). */
export function replayDurationSeconds(traffic: OpenTraffic): number {
  return traffic.requests.length * traffic.stepSeconds;
}

/**
 * Requests per second the replay asks for `elapsedSeconds` into it: the step's count over its
 * length, held constant through the step; 0 before the start and once the trace is over.
 *
 * @example
 * const traffic = countsTraffic([300, 600, 150], { stepSeconds: 60 });
 * replayRateAt(traffic, 59.9); // 5
 * replayRateAt(traffic, 60); // 10
 * replayRateAt(traffic, 180); // 0: over
 */
export function replayRateAt(traffic: OpenTraffic, elapsedSeconds: number): number {
  if (elapsedSeconds < 0) return 0;
  const index = Math.floor(elapsedSeconds / traffic.stepSeconds);
  return index < traffic.requests.length ? traffic.requests[index]! / traffic.stepSeconds : 0;
}
