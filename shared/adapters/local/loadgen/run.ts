/**
 * One benchmark run in time: the driver sends the load, the recorder counts the answers, a timer
 * closes each period at its boundary and asks the stop rule (shared/core/load/stop-rule.ts)
 * whether to go on. The run ends at the first stop (plateau, errors, end of the profile or of the
 * time, maxRequests, abort) and waits for the requests in flight.
 */
import { performance } from 'node:perf_hooks';
import { type LoadProfile, rateAt } from '../../../core/load/profile';
import {
  type BoundaryStop,
  decideAtBoundary,
  endInsidePeriod,
  type StopReason,
  type StopRule,
  stillRisingAtEnd,
} from '../../../core/load/stop-rule';
import type { RunClock } from './clock';
import { ClosedLoopUsers } from './closed-loop-users';
import type { DriverContext, LoadDriver } from './drivers';
import { OpenLoopRate } from './open-loop-rate';
import type { BenchmarkProgress } from './options';
import type { ClosedPeriod, PeriodRecorder } from './period-recorder';
import { roundTo } from './rounding';
import { RequestSender } from './sender';
import type { Transport } from './transport';

/** What the run follows. */
export interface RunPlan {
  load: LoadProfile;
  stopRule: StopRule;
  periodSeconds: number;
  maxDurationSeconds: number;
  maxRequests: number;
  /** The shorter of the profile and maxDurationSeconds, seconds. */
  runSeconds: number;
  /** Longest wait for the requests in flight once stopped, milliseconds. */
  drainTimeoutMs: number;
}

/** How the run ended. */
export interface RunEnd {
  reason?: StopReason;
  message: string;
  /** Set when throughput was still rising at the end (see stillRisingAtEnd). */
  stillRising?: string;
}

export class BenchmarkRun {
  readonly sender: RequestSender;
  /** How the run ended: its reason is unset until it stops. */
  readonly end: RunEnd = { message: '' };
  private readonly driver: LoadDriver;
  private readonly timers: NodeJS.Timeout[] = [];
  private finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => {
    this.finish = resolve;
  });

  constructor(
    private readonly plan: RunPlan,
    private readonly clock: RunClock,
    private readonly recorder: PeriodRecorder,
    transport: Transport,
    private readonly onPeriod?: (progress: BenchmarkProgress) => void,
  ) {
    this.sender = new RequestSender(transport, plan.maxRequests, (result, latencyUs) => {
      // Answers after the stop belong to no period.
      if (this.stopped) return;
      this.recorder.record(result, latencyUs);
      if (this.sender.exhausted) this.stop('maxRequests', `${this.sender.sent} requests sent (the maximum)`);
    });
    this.driver = createDriver(plan.load, {
      sender: this.sender,
      elapsedSeconds: () => this.clock.elapsedSeconds(),
      isStopped: () => this.stopped,
      onUsersWanted: (users) => this.recorder.noteUsers(users),
    });
  }

  get stopped(): boolean {
    return this.end.reason !== undefined;
  }

  /** Runs the load until it stops, then waits for the requests in flight (at most drainTimeoutMs). */
  async execute(signal?: AbortSignal): Promise<void> {
    const onAbort = () => this.stop('aborted', 'aborted by the caller');
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Aborted already (during the probe): no user is started, no period recorded.
      if (signal?.aborted) this.stop('aborted', 'aborted by the caller before the load started');
      else {
        this.driver.start();
        this.schedule(0);
      }
      await this.finished;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // (also when the run throws: no pause may outlive it)
      this.driver.stop();
      for (const timer of this.timers) clearTimeout(timer);
      await this.sender.drain(this.plan.drainTimeoutMs);
    }
  }

  /** Sets the timer that ends period `index`: at its boundary, or earlier when the run ends inside it. */
  private schedule(index: number): void {
    const { periodSeconds, runSeconds, maxDurationSeconds } = this.plan;
    const boundarySeconds = (index + 1) * periodSeconds;
    const endSeconds = Math.min(boundarySeconds, runSeconds);
    const delayMs = Math.max(0, this.clock.startMs + endSeconds * 1000 - performance.now());
    this.timers.push(
      setTimeout(() => {
        if (endSeconds < boundarySeconds) {
          // The profile or the duration ends inside this period: close it as partial.
          const closed = this.closePeriod(true);
          const end = endInsidePeriod(runSeconds, maxDurationSeconds);
          this.stop(end.reason, end.message);
          this.report(closed);
        } else this.onBoundary(index);
      }, delayMs),
    );
  }

  private onBoundary(index: number): void {
    if (this.stopped) return;
    const closed = this.closePeriod(false);
    const decision: BoundaryStop | undefined = decideAtBoundary({
      periods: this.recorder.outcomes(),
      rule: this.plan.stopRule,
      periodIndex: index,
      periodSeconds: this.plan.periodSeconds,
      runSeconds: this.plan.runSeconds,
      maxDurationSeconds: this.plan.maxDurationSeconds,
    });
    if (decision) this.stop(decision.reason, decision.message);
    this.report(closed);
    if (!this.stopped) this.schedule(index + 1);
  }

  private closePeriod(partial: boolean): ClosedPeriod {
    return this.recorder.close(partial, this.driver.users);
  }

  /** Marks the run stopped (the first reason wins), stops the load and ends {@link execute}. */
  stop(reason: StopReason, message: string): void {
    if (this.stopped) return;
    // A stop between boundaries closes a partial period before marking the run stopped.
    // (Not when the period has barely begun: nothing was measured in it.)
    const closeNow = (reason === 'maxRequests' || reason === 'aborted') && this.recorder.periodAgeMs >= 1;
    const closed = closeNow ? this.closePeriod(true) : undefined;
    this.end.reason = reason;
    this.end.message = message;
    const stillRising = stillRisingAtEnd(this.recorder.fullOutcomes(), reason, this.plan.stopRule);
    if (stillRising) this.end.stillRising = stillRising;
    if (closed) this.report(closed);
    for (const timer of this.timers) clearTimeout(timer);
    this.driver.stop();
    this.finish();
  }

  /** Tells the caller about a period just closed (with the stop, when it was the last). */
  private report(closed: ClosedPeriod): void {
    if (!this.onPeriod) return;
    const { point } = closed;
    const elapsedSeconds = this.clock.elapsedSeconds();
    const openLoop = this.plan.load.kind === 'openLoop';
    this.onPeriod({
      periodIndex: this.recorder.points.length - 1,
      elapsedSeconds: roundTo(elapsedSeconds, 3),
      users: point.users ?? 0,
      offeredRequestsPerSecond: openLoop
        ? rateAt(this.plan.load, Math.max(0, elapsedSeconds - closed.coveredSeconds))
        : 0,
      invocations: point.invocations,
      invocationsPerMinute: Math.round(closed.invocationsPerMinute),
      avgMs: point.modelLatencyAvgUs / 1000,
      p50Ms: (point.modelLatencyP50Us ?? 0) / 1000,
      p95Ms: (point.modelLatencyP95Us ?? 0) / 1000,
      p99Ms: (point.modelLatencyP99Us ?? 0) / 1000,
      errors4xx: point.invocation4xxErrors,
      errors5xx: point.invocation5xxErrors,
      cpuUtilizationPercent: point.cpuUtilizationPercent,
      memoryUtilizationPercent: point.memoryUtilizationPercent ?? 0,
      generatorEventLoopUtilization: roundTo(closed.generatorEventLoopUtilization, 3),
      ...(this.end.reason ? { stopReason: this.end.reason } : {}),
      ...(this.end.stillRising ? { stillRising: this.end.stillRising } : {}),
    });
  }
}

/** The driver of a profile: open loop for 'openLoop', closed-loop users otherwise. */
function createDriver(load: LoadProfile, context: DriverContext): LoadDriver {
  return load.kind === 'openLoop' ? new OpenLoopRate(load, context) : new ClosedLoopUsers(load, context);
}
