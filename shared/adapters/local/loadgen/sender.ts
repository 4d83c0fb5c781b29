/**
 * Sends the requests of a run and counts them: sent, in flight, and (open loop) skipped because
 * too many were in flight. Every answer goes to one callback with its latency.
 */
import { performance } from 'node:perf_hooks';
import type { SendResult, Transport } from './transport';

/** Called with each answer (status 0: none came) and its latency, microseconds. */
export type OnAnswer = (result: SendResult, latencyUs: number) => void;

export class RequestSender {
  /** Requests started. */
  sent = 0;
  /** Requests started and not answered yet. */
  inFlight = 0;
  /** Open-loop starts skipped over the bound on requests in flight. */
  skipped = 0;

  constructor(
    private readonly transport: Transport,
    /** Bound on requests sent. */
    readonly maxRequests: number,
    private readonly onAnswer: OnAnswer,
  ) {}

  /** True once `maxRequests` requests were sent. */
  get exhausted(): boolean {
    return this.sent >= this.maxRequests;
  }

  /** Sends one request and hands its answer to the callback. */
  async send(): Promise<void> {
    this.sent += 1;
    this.inFlight += 1;
    const startMs = performance.now();
    const result = await this.transport.send();
    this.inFlight -= 1;
    this.onAnswer(result, (performance.now() - startMs) * 1000);
  }

  /** Counts a start that was skipped. */
  skip(): void {
    this.skipped += 1;
  }

  /** Waits until nothing is in flight, at most `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (this.inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
}
