/**
 * The period recorder: counts the answers of the current period (invocations, 4XX, 5XX, an HDR
 * latency histogram, the most users), and closes it into one point of the benchmark file, in the
 * units CloudWatch uses, with the server's CPU and memory read from /proc over the period.
 */
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { BenchmarkPoint } from '../../../core/benchmark-file';
import type { PeriodOutcome } from '../../../core/load/stop-rule';
import type { RunClock } from './clock';
import {
  cpuUtilizationPercent,
  memoryUtilizationPercent,
  type ProcessSample,
  sampleProcesses,
} from './proc-stats';
import { roundTo } from './rounding';
import type { SendResult } from './transport';

/** Latencies above this are recorded as this (microseconds): 60 s. */
const HIGHEST_LATENCY_US = 60_000_000;
/** Distinct error answers kept as samples for the file. */
const MAX_ERROR_SAMPLES = 5;

function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_LATENCY_US,
    numberOfSignificantValueDigits: 3,
  });
}

interface PeriodCounters {
  histogram: hdr.Histogram;
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  maxUsers: number;
}

/** A period just closed: its point and what the progress line shows of it. */
export interface ClosedPeriod {
  point: BenchmarkPoint;
  invocationsPerMinute: number;
  /** Seconds the period lasted, measured. */
  coveredSeconds: number;
  /** Share of the period the generator's event loop was busy, 0..1. */
  generatorEventLoopUtilization: number;
}

/** Latency over the whole run, microseconds (the file's `source.overallLatencyUs`). */
export interface OverallLatency {
  avg: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class PeriodRecorder {
  /** The closed periods, in order; a partial one carries its coveredSeconds. */
  readonly points: BenchmarkPoint[] = [];
  /** Invocations per minute of each closed period, rounded. */
  readonly invocationsPerMinute: number[] = [];
  private readonly overall = newHistogram();
  private readonly errorSamples = new Map<string, number>();
  private current: PeriodCounters;
  private periodStartMs: number;
  private eluBefore = performance.eventLoopUtilization();
  private processesBefore: ProcessSample[];

  constructor(
    private readonly clock: RunClock,
    private readonly serverPids: number[],
    private readonly periodSeconds: number,
    /** Closed loop: every point records its users. */
    private readonly closedLoop: boolean,
  ) {
    this.current = PeriodRecorder.counters(0);
    this.periodStartMs = clock.startMs;
    this.processesBefore = sampleProcesses(serverPids);
  }

  private static counters(users: number): PeriodCounters {
    return { histogram: newHistogram(), invocations: 0, errors4xx: 0, errors5xx: 0, maxUsers: users };
  }

  /** Milliseconds since the current period began. */
  get periodAgeMs(): number {
    return performance.now() - this.periodStartMs;
  }

  /** Counts one answer in the current period; `latencyUs` is the time to the answer. */
  record(result: SendResult, latencyUs: number): void {
    const current = this.current;
    // A request without an answer (reset, timeout) counts as an invocation and a 5XX, as an
    // endpoint whose container does not answer returns 5XX to the caller.
    current.invocations += 1;
    if (result.status === 0 || result.status >= 500) current.errors5xx += 1;
    else if (result.status >= 400) current.errors4xx += 1;
    if (result.status !== 0) {
      const us = Math.min(HIGHEST_LATENCY_US, Math.max(1, Math.round(latencyUs)));
      current.histogram.recordValue(us);
      this.overall.recordValue(us);
    }
    if (result.errorText && this.errorSamples.size < MAX_ERROR_SAMPLES) {
      const key = `${result.status}: ${result.errorText}`;
      this.errorSamples.set(key, (this.errorSamples.get(key) ?? 0) + 1);
    }
  }

  /** Closed loop: the profile wants `users` now; the period records the most it wanted. */
  noteUsers(users: number): void {
    this.current.maxUsers = Math.max(this.current.maxUsers, users);
  }

  /**
   * Closes the current period into a point and starts the next with `usersNow`. `partial`: the
   * run stopped between boundaries, so the point carries the seconds it covered.
   */
  close(partial: boolean, usersNow: number): ClosedPeriod {
    const nowMs = performance.now();
    const coveredSeconds = (nowMs - this.periodStartMs) / 1000;
    const processesAfter = sampleProcesses(this.serverPids);
    const elu = performance.eventLoopUtilization(this.eluBefore);
    const point = this.pointOf(this.current, coveredSeconds, processesAfter, partial);
    this.points.push(point);
    const invocationsPerMinute = coveredSeconds > 0 ? (60 * point.invocations) / coveredSeconds : 0;
    this.invocationsPerMinute.push(Math.round(invocationsPerMinute));
    this.processesBefore = processesAfter;
    this.eluBefore = performance.eventLoopUtilization();
    this.periodStartMs = nowMs;
    this.current.histogram.destroy();
    this.current = PeriodRecorder.counters(this.closedLoop ? usersNow : 0);
    return { point, invocationsPerMinute, coveredSeconds, generatorEventLoopUtilization: elu.utilization };
  }

  private pointOf(
    counters: PeriodCounters,
    coveredSeconds: number,
    processesAfter: ProcessSample[],
    partial: boolean,
  ): BenchmarkPoint {
    const h = counters.histogram;
    const hasLatency = h.totalCount > 0;
    const measured = this.serverPids.length > 0;
    return {
      timestamp: this.clock.isoAt(this.periodStartMs),
      invocations: counters.invocations,
      modelLatencyAvgUs: hasLatency ? roundTo(h.mean, 1) : 0,
      modelLatencyP50Us: hasLatency ? h.getValueAtPercentile(50) : 0,
      modelLatencyP95Us: hasLatency ? h.getValueAtPercentile(95) : 0,
      modelLatencyP99Us: hasLatency ? h.getValueAtPercentile(99) : 0,
      cpuUtilizationPercent: roundTo(
        cpuUtilizationPercent(this.processesBefore, processesAfter, coveredSeconds),
        2,
      ),
      memoryUtilizationPercent: roundTo(measured ? memoryUtilizationPercent(processesAfter) : 0, 3),
      invocation4xxErrors: counters.errors4xx,
      invocation5xxErrors: counters.errors5xx,
      ...(this.closedLoop ? { users: counters.maxUsers } : {}),
      // Only a stop between boundaries makes a partial period. A boundary timer that fires late
      // (a stalled event loop) lengthens this period and shortens the next by as much, but both
      // are full periods of the schedule: judging them by measured coverage would drop a full
      // mid-run period from the analysis.
      ...(partial ? { coveredSeconds: roundTo(coveredSeconds, 3) } : {}),
    };
  }

  /** Every closed period as the stop rule reads it (a full period covers periodSeconds). */
  outcomes(): PeriodOutcome[] {
    return this.points.map((p) => this.outcomeOf(p));
  }

  /** The full periods only (what "still rising at the end" is judged on). */
  fullOutcomes(): PeriodOutcome[] {
    return this.points.filter((p) => p.coveredSeconds === undefined).map((p) => this.outcomeOf(p));
  }

  private outcomeOf(p: BenchmarkPoint): PeriodOutcome {
    return {
      invocations: p.invocations,
      errors: p.invocation4xxErrors + p.invocation5xxErrors,
      coveredSeconds: p.coveredSeconds ?? this.periodSeconds,
    };
  }

  /** The best invocations per minute of a full period (0 when none). */
  peakInvocationsPerMinute(): number {
    return Math.max(
      0,
      ...this.points.map((p, i) =>
        p.coveredSeconds === undefined ? (this.invocationsPerMinute[i] ?? 0) : 0,
      ),
    );
  }

  /** Latency over the run, microseconds; undefined when nothing was answered. */
  overallLatencyUs(): OverallLatency | undefined {
    const h = this.overall;
    if (!h.totalCount) return undefined;
    return {
      avg: roundTo(h.mean, 1),
      p50: h.getValueAtPercentile(50),
      p95: h.getValueAtPercentile(95),
      p99: h.getValueAtPercentile(99),
      max: h.maxValue,
    };
  }

  /** The first distinct error answers and their counts; undefined when none. */
  errorSampleCounts(): Record<string, number> | undefined {
    return this.errorSamples.size ? Object.fromEntries(this.errorSamples) : undefined;
  }

  /** Frees the histograms (hdr-histogram-js may hold WebAssembly memory). */
  destroy(): void {
    this.current.histogram.destroy();
    this.overall.destroy();
  }
}
