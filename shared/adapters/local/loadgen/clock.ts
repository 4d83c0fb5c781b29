/**
 * The two clocks of a run: the monotonic one (performance.now, milliseconds) that paces and
 * measures, and the wall clock that stamps the periods (epoch milliseconds, injectable).
 */
import { performance } from 'node:perf_hooks';

export class RunClock {
  /** Wall time at the start, epoch milliseconds. */
  readonly startedAtMs: number;
  /** performance.now() at the start, milliseconds. */
  readonly startMs: number;

  constructor(now: () => number) {
    this.startedAtMs = now();
    this.startMs = performance.now();
  }

  /** Seconds since the start. */
  elapsedSeconds(): number {
    return (performance.now() - this.startMs) / 1000;
  }

  /** The wall time, ISO 8601 UTC, of a performance.now() instant of the run. */
  isoAt(performanceMs: number): string {
    return new Date(this.startedAtMs + (performanceMs - this.startMs)).toISOString();
  }
}
