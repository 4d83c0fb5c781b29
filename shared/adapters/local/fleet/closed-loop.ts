/**
 * Inference Recommender's closed-loop users against the local endpoint: each user sends one
 * request, waits for its answer, and sends the next. The number of users follows IR's PHASES or
 * STAIRS on the scaled clock, by the same formulas as the twin and the load generator
 * (core `closedLoopUsers`: usersInPhasesAt, usersInStairsAt).
 */
import type { ClosedLoopUsers } from '../../../core/load/pattern';
import { createTransport } from '../loadgen/transport';
import type { ScaledClock } from './clock';

export interface ClosedLoopOptions {
  invocationsUrl: string;
  payload: Buffer;
  contentType: string;
  /** Users over time, in seconds of the scaled clock since the start. */
  users: ClosedLoopUsers;
  clock: ScaledClock;
  /** Stops the users early (a stopping condition, or the job stopped). */
  signal: AbortSignal;
  /** Client-side limit per request, real ms. */
  timeoutMs: number;
}

/** How often the number of users is adjusted, real ms. */
const ADJUST_MS = 20;

/**
 * Runs the users until the traffic ends or the signal aborts; resolves with the requests sent
 * once every user has had its last answer.
 */
export async function runClosedLoopUsers(options: ClosedLoopOptions): Promise<{ sent: number }> {
  const { users: traffic } = options;
  const transport = createTransport('undici', {
    invocationsUrl: options.invocationsUrl,
    payload: options.payload,
    contentType: options.contentType,
    connections: Math.max(1, traffic.peakUsers),
    timeoutMs: options.timeoutMs,
  });
  const startSeconds = options.clock.nowSeconds();
  const elapsed = () => options.clock.nowSeconds() - startSeconds;
  const done = () => options.signal.aborted || elapsed() >= traffic.durationSeconds;
  let sent = 0;
  const running = new Set<number>();
  const users: Promise<void>[] = [];
  // A user leaves when the traffic asks for no more users than its rank.
  const user = async (rank: number) => {
    running.add(rank);
    try {
      while (!done() && rank < traffic.usersAt(elapsed())) {
        sent++;
        await transport.send();
      }
    } finally {
      running.delete(rank);
    }
  };
  try {
    while (!done()) {
      const wanted = traffic.usersAt(elapsed());
      for (let rank = 0; rank < wanted; rank++) if (!running.has(rank)) users.push(user(rank));
      await new Promise((resolve) => setTimeout(resolve, ADJUST_MS));
    }
    await Promise.all(users);
  } finally {
    await transport.close();
  }
  return { sent };
}
