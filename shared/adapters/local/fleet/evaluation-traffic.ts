/**
 * The traffic of the local Advanced job on the fleet, by pattern: IR's PHASES or STAIRS of
 * closed-loop users (closed-loop.ts), or the open-loop replay of a trace (open-loop.ts), all on the
 * endpoint's scaled clock. A replay step of `n` requests over `s` AWS seconds is sent at
 * n / s x timeScale real requests per second for s / timeScale real seconds, so CloudWatch on the
 * scaled clock counts the trace's (rescaled) requests per period: a trace minute of 600 requests
 * gives Invocations 600 in that scaled minute, whatever the time scale.
 */
import { closedLoopUsers } from '../../../core/load/pattern';
import { replayDurationSeconds, replayRateAt } from '../../../core/load/replay';
import type { EvaluationInput } from '../../../core/ports';
import { readReplayTraffic } from '../trace-replay';
import type { ScaledClock } from './clock';
import { runClosedLoopUsers } from './closed-loop';
import { driveOpenLoop } from './open-loop';

export interface EvaluationTrafficOptions {
  input: Pick<EvaluationInput, 'phases' | 'trafficPattern' | 'jobDurationSeconds'>;
  invocationsUrl: string;
  payload: Buffer;
  contentType: string;
  clock: ScaledClock;
  /** Stops the traffic early (a stopping condition, or the job stopped). */
  signal: AbortSignal;
  /** Client-side limit per request, real ms. */
  timeoutMs: number;
}

/**
 * Drives the evaluation's traffic until it ends (cut at jobDurationSeconds for a replay, as IR
 * ends a job) or the signal aborts; resolves with the requests sent once all are answered. A
 * replay whose trace cannot be read rejects with InvalidInputError naming the file.
 *
 * @example
 * await driveEvaluationTraffic({ input, invocationsUrl: endpoint.invocationsUrl, payload, contentType: 'text/csv', clock: endpoint.clock, signal, timeoutMs: 5000 });
 * // { sent: 12_345 }
 */
export async function driveEvaluationTraffic(options: EvaluationTrafficOptions): Promise<{ sent: number }> {
  const { input, clock } = options;
  const users = closedLoopUsers(input.phases, input.trafficPattern);
  if (users) return runClosedLoopUsers({ ...options, users });
  if (input.trafficPattern?.trafficType !== 'REPLAY')
    throw new Error('unreachable: no closed-loop users and no replay');
  const traffic = readReplayTraffic(input.trafficPattern.replay, input.jobDurationSeconds);
  const result = await driveOpenLoop({
    invocationsUrl: options.invocationsUrl,
    payload: options.payload,
    contentType: options.contentType,
    rateAt: (realSeconds) => replayRateAt(traffic, realSeconds * clock.timeScale) * clock.timeScale,
    durationMs: clock.realMs(replayDurationSeconds(traffic)),
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  return { sent: result.sent };
}
