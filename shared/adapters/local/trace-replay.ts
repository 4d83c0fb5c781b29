/**
 * Reads the trace of an evaluation's open-loop replay (`evaluation.replay`) and gives the traffic
 * to send: the window, rescaled to maxRps, cut at the job (core `replayTraffic`). Shared by the
 * local evaluation drivers (the twin and the fleet), so both replay the same arrivals.
 */
import { type ReplayTraceFormat, replayTraffic, type TraceReplay } from '../../core/load/replay';
import type { OpenTraffic } from '../../core/sim/traffic';
import { readTraceFile } from './traces';

/**
 * The replay's traffic, steps of the trace's own period (requests per step). Throws
 * InvalidInputError naming the file when it is missing, unreadable or leaves nothing to send.
 *
 * @example
 * readReplayTraffic({ traceFile: 'day.csv', peakRps: 10 }, 7200).requests; // per-minute counts, busiest 600
 */
export function readReplayTraffic(replay: TraceReplay, maxDurationSeconds: number): OpenTraffic {
  const format: ReplayTraceFormat | undefined = replay.format;
  const trace = readTraceFile(replay.traceFile, format ? { format } : {});
  return replayTraffic(trace, replay, maxDurationSeconds);
}
