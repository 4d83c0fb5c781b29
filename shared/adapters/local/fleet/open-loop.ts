/**
 * A minimal open-loop driver for the local endpoint: requests are sent at a rate given as a
 * function of real time, whatever the answers take (arrivals do not wait for completions, as
 * real users of an endpoint do not), over the load generator's keep-alive transport.
 */
import { createTransport } from '../loadgen/transport';

export interface OpenLoopOptions {
  invocationsUrl: string;
  payload: Buffer;
  contentType: string;
  /** Requests per real second at `realSeconds` since the start. */
  rateAt: (realSeconds: number) => number;
  durationMs: number;
  /** Requests in flight at most; arrivals beyond it are counted as dropped by the client. */
  maxInFlight?: number;
  /** Per-request limit of the client, real ms (longer than the endpoint's own timeout). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OpenLoopResult {
  sent: number;
  /** Answers by HTTP status (0: no answer). */
  byStatus: Record<number, number>;
  droppedByClient: number;
}

/** How often arrivals are released, real ms. */
const TICK_MS = 5;

/**
 * Drives the load and resolves once every request sent has been answered.
 *
 * @example
 * await driveOpenLoop({ invocationsUrl, payload, contentType: 'text/csv', rateAt: (t) => (t < 5 ? 20 : 60), durationMs: 10_000 });
 * // { sent: 400, byStatus: { 200: 400 }, droppedByClient: 0 }
 */
export async function driveOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const maxInFlight = options.maxInFlight ?? 256;
  const transport = createTransport('undici', {
    invocationsUrl: options.invocationsUrl,
    payload: options.payload,
    contentType: options.contentType,
    connections: maxInFlight,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const result: OpenLoopResult = { sent: 0, byStatus: {}, droppedByClient: 0 };
  const pending = new Set<Promise<void>>();
  const startMs = performance.now();
  let due = 0;
  let lastMs = startMs;
  try {
    while (!options.signal?.aborted) {
      const nowMs = performance.now();
      if (nowMs - startMs >= options.durationMs) break;
      due += (options.rateAt((nowMs - startMs) / 1000) * (nowMs - lastMs)) / 1000;
      lastMs = nowMs;
      while (due >= 1) {
        due -= 1;
        if (pending.size >= maxInFlight) {
          result.droppedByClient += 1;
          continue;
        }
        result.sent += 1;
        const request: Promise<void> = transport.send().then((answer) => {
          result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
          pending.delete(request);
        });
        pending.add(request);
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    await Promise.all(pending);
  } finally {
    await transport.close();
  }
  return result;
}
