/**
 * The open-loop driver: requests start on a schedule of requests per second, whatever the
 * answers' latency. Every millisecond it starts what the schedule has due by then (the integral
 * of the rate, so a late tick catches up instead of drifting), and skips, counting them, the
 * starts that would exceed the bound on requests in flight.
 */
import { DEFAULT_MAX_IN_FLIGHT, type LoadProfile, requestsDueBy } from '../../../core/load/profile';
import type { DriverContext, LoadDriver } from './drivers';

/** Milliseconds between two ticks of the schedule (timers' granularity). */
const OPEN_LOOP_TICK_MS = 1;

export class OpenLoopRate implements LoadDriver {
  readonly users = 0;
  private readonly maxInFlight: number;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly load: LoadProfile & { kind: 'openLoop' },
    private readonly context: DriverContext,
  ) {
    this.maxInFlight = load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  start(): void {
    this.ticker = setInterval(() => this.tick(), OPEN_LOOP_TICK_MS);
  }

  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private tick(): void {
    const { sender } = this.context;
    const due = Math.min(sender.maxRequests, requestsDueBy(this.load, this.context.elapsedSeconds()));
    while (sender.sent + sender.skipped < due && !this.context.isStopped()) {
      if (sender.inFlight >= this.maxInFlight) sender.skip();
      else void sender.send();
    }
  }
}
