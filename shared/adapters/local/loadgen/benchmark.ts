/**
 * The local Default job: a real load test of one server on the SageMaker contract, under rising
 * load, recorded per period in the units CloudWatch uses (the benchmark file format).
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { request as undiciRequest } from 'undici';
import {
  type BenchmarkPoint,
  type BenchmarkSeries,
  BenchmarkSeriesSchema,
} from '../../../core/benchmark-file';
import { ConfigurationError, InvalidInputError } from '../../../core/errors';
import {
  DEFAULT_MAX_IN_FLIGHT,
  defaultLocalProfile,
  defaultStepCount,
  type LoadProfile,
  pacedUserRate,
  pacedUsersToReachProbeRate,
  profileDurationSeconds,
  rateAt,
  requestsDueBy,
  userRateOf,
  usersAt,
  validateLoadProfile,
} from '../../../core/load/profile';
import { pinThisProcess } from './pinning';
import {
  cpuUtilizationPercent,
  memoryUtilizationPercent,
  type ProcessSample,
  sampleProcesses,
} from './proc-stats';
import { DEFAULT_STOP_RULE, decideStop, type PeriodOutcome, type StopRule } from '../../../core/load/stop-rule';
import { createTransport, type SendResult, type TransportKind, type TransportOptions } from './transport';

/**
 * Default period locally, seconds. Six periods a minute: on the demo server (one core) throughput
 * flattens at 2-3 users, so the plateau rule ends the default run after 5-7 periods (50-70 s).
 */
export const DEFAULT_PERIOD_SECONDS = 10;
/** Default bound on the whole run, seconds (the local Default job should take 60-90 s). */
export const DEFAULT_MAX_DURATION_SECONDS = 90;
/** Default bound on the number of requests sent. */
export const DEFAULT_MAX_REQUESTS = 5_000_000;
/** Default per-request time limit, milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Seconds of the probe that calibrates the paced default profile. */
export const DEFAULT_PROBE_SECONDS = 2;
/** The probe's first seconds are not counted (at most a quarter of it): JIT warm-up of both sides. */
const PROBE_WARM_UP_SECONDS = 0.5;
/**
 * Unpaced users of the probe. One user measures latency more than capacity: on a quiet machine it
 * gets ~80% of the demo server's peak, but on a busy one (slow answers, the server's core half
 * idle) a run saw 40%, and stairs paced from it never reached the peak. Four users keep a server
 * of up to four workers busy whatever the latency, so the probe's rate is close to its capacity.
 */
export const DEFAULT_PROBE_USERS = 4;
/**
 * Most paced users that together send the probe's rate: with 3, the load rises by thirds of it.
 * Fewer when the stairs are short ({@link pacedUsersToReachProbeRate}): 2.67 with 7 steps.
 */
export const DEFAULT_USERS_TO_REACH_PROBE_RATE = 3;
/** How far behind its schedule a paced user may catch up by sending back to back, milliseconds. */
const MAX_CATCH_UP_MS = 50;
/** Latencies above this are recorded as this (microseconds): 60 s. */
const HIGHEST_LATENCY_US = 60_000_000;

export interface LocalBenchmarkOptions {
  /** Base URL of the server (`http://127.0.0.1:8080`) or its full `/invocations` URL. Loopback or not. */
  url: string;
  /** The body of every request (the sample payload). */
  payload: Buffer | string;
  /** Content-Type of the payload. Default text/csv. */
  contentType?: string;
  /**
   * Every process of the server (primary and workers), to read CPU and memory from /proc.
   * Without them CPU and memory cannot be measured: 0 is recorded and `source.cpuNote` says why.
   */
  serverPids?: number[];
  /** Cores the server is pinned to (recorded; their count is the default `vcpus`). */
  serverCpus?: number[];
  /** vCPUs of the "instance": the denominator of CPUUtilization / 100. Default serverCpus.length, else all cores. */
  vcpus?: number;
  /** Cores to pin this process (the generator) to during the run; restored afterwards. Default: not pinned. */
  generatorCpus?: number[];
  /** Length of a period, seconds. Default {@link DEFAULT_PERIOD_SECONDS}. */
  periodSeconds?: number;
  /** Bound on the whole run, seconds. Default {@link DEFAULT_MAX_DURATION_SECONDS}. */
  maxDurationSeconds?: number;
  /** Bound on requests sent. Default {@link DEFAULT_MAX_REQUESTS}. */
  maxRequests?: number;
  /**
   * The load over time. Default 'paced': a probe of `probeSeconds` with one unpaced user measures
   * the server, then stairs of one more user per period, each user paced at the probe's rate /
   * `usersToReachProbeRate` ({@link pacedUserRate}), so the load rises from light to saturation.
   * 'unpaced': the same stairs without pauses (pure Inference Recommender users).
   */
  load?: LoadProfile | 'paced' | 'unpaced';
  /** Seconds of the probe of the 'paced' default (not recorded in the series). Default {@link DEFAULT_PROBE_SECONDS}. */
  probeSeconds?: number;
  /**
   * Users that reach the probe's rate in the 'paced' default. Default: from the number of steps
   * ({@link pacedUsersToReachProbeRate}), at most {@link DEFAULT_USERS_TO_REACH_PROBE_RATE}.
   */
  usersToReachProbeRate?: number;
  /** When to stop early (plateau, errors). Default {@link DEFAULT_STOP_RULE}; plateau off for a constant open-loop rate. */
  stopRule?: Partial<StopRule>;
  /** HTTP client. Default 'undici'. */
  transport?: TransportKind;
  /** Per-request time limit, milliseconds. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Written to the file's instanceType. Default "local". */
  instanceType?: string;
  /** Called after each period, to show the rise. */
  onPeriod?: (progress: BenchmarkProgress) => void;
  /** Aborts the run; the periods so far are returned. */
  signal?: AbortSignal;
  /** Wall clock for the timestamps, epoch milliseconds. Default Date.now. */
  now?: () => number;
}

/** What the CLI shows after each period; every rate is also given per minute. */
export interface BenchmarkProgress {
  /** 0-based. */
  periodIndex: number;
  elapsedSeconds: number;
  /** Closed-loop users at the end of the period (0 in open loop). */
  users: number;
  /** Open-loop requests per second asked for (0 in closed loop). */
  offeredRequestsPerSecond: number;
  invocations: number;
  invocationsPerMinute: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors4xx: number;
  errors5xx: number;
  cpuUtilizationPercent: number;
  memoryUtilizationPercent: number;
  /** Share of the period the generator's event loop was busy (near 1: the generator may be the bottleneck). */
  generatorEventLoopUtilization: number;
  /** Set on the last period: why the run stopped. */
  stopReason?: StopReason;
  /** Set on the last period when the run ended with throughput still rising: the peak may be higher. */
  stillRising?: string;
}

export type StopReason = 'plateau' | 'errors' | 'profileEnd' | 'maxDuration' | 'maxRequests' | 'aborted';

/**
 * A warning when a run ended (end of the profile, of the time or of the requests) while its last
 * full period was still a new best, beating the best before it by the stop rule's growth fraction:
 * the server was not saturated, so the measured peak is only a lower bound. Undefined otherwise.
 *
 * @example
 * // invocations per 10 s period: 100, 200, 300, 300, 400 -> the last beats 300 by 33%
 * stillRisingAtEnd([100, 200, 300, 300, 400].map((invocations) => ({ invocations, errors: 0, coveredSeconds: 10 })), 'profileEnd');
 * // 'throughput was still rising when the run ended (profileEnd): period 5 beat the best before it by 33.3%; ...'
 */
export function stillRisingAtEnd(
  fullPeriods: PeriodOutcome[],
  stopReason: StopReason | undefined,
  rule: StopRule = DEFAULT_STOP_RULE,
): string | undefined {
  if (stopReason !== 'profileEnd' && stopReason !== 'maxDuration' && stopReason !== 'maxRequests')
    return undefined;
  if (fullPeriods.length < 2) return undefined;
  const last = fullPeriods.length - 1;
  if (decideStop(fullPeriods, rule).bestPeriodIndex !== last) return undefined;
  const rate = (p: PeriodOutcome) => (p.coveredSeconds > 0 ? p.invocations / p.coveredSeconds : 0);
  const before = decideStop(fullPeriods.slice(0, last), rule).bestPeriodIndex;
  const earlier = rate(fullPeriods[before]!);
  const gainPercent = earlier > 0 ? (100 * (rate(fullPeriods[last]!) - earlier)) / earlier : 100;
  return `throughput was still rising when the run ended (${stopReason}): period ${last + 1} beat the best before it by ${gainPercent.toFixed(1)}%; the server may not be saturated and the peak may be higher (give the benchmark more time, or more load per step)`;
}

/** The invocations URL for a base URL or a full one. */
export function invocationsUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`"${url}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (parsed.protocol !== 'http:')
    throw new InvalidInputError(`"${url}": only http:// servers can be benchmarked`);
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/invocations') ? path : `${path}/invocations`;
  return parsed.toString();
}

async function checkPing(invocationsUrl: string, timeoutMs: number): Promise<void> {
  const pingUrl = invocationsUrl.replace(/\/invocations(\?.*)?$/, '/ping');
  try {
    const response = await undiciRequest(pingUrl, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  } catch (error) {
    throw new ConfigurationError(
      `the server does not answer GET ${pingUrl} with 200 (${(error as Error).message}): is it running on the SageMaker contract?`,
      { cause: error },
    );
  }
}

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

const roundTo = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Runs a rising-load benchmark against a server on the SageMaker contract and returns the series
 * of the benchmark file (periods of `periodSeconds`), validated against its schema.
 * Stops at the first of: a throughput plateau, 1% failed invocations in a period, the end of the
 * load profile, `maxDurationSeconds`, `maxRequests`, `signal`. Requests go only to `url`.
 *
 * @example
 * const server = await startModelServer({ port: 0, cpus: [0] });
 * const series = await runLocalBenchmark({
 *   url: server.url, payload: readFileSync(DEMO_PAYLOAD_PATH), serverPids: server.pids, serverCpus: [0],
 *   generatorCpus: [1], periodSeconds: 5, maxDurationSeconds: 60,
 *   onPeriod: (p) => console.log(p.users, p.invocationsPerMinute, p.p95Ms),
 * });
 * // series.points: [{ invocations: 9800, modelLatencyP95Us: 640, cpuUtilizationPercent: 71.2, users: 1 }, ...]
 */
export async function runLocalBenchmark(options: LocalBenchmarkOptions): Promise<BenchmarkSeries> {
  const periodSeconds = options.periodSeconds ?? DEFAULT_PERIOD_SECONDS;
  const maxDurationSeconds = options.maxDurationSeconds ?? DEFAULT_MAX_DURATION_SECONDS;
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  if (!(periodSeconds > 0)) throw new InvalidInputError(`periodSeconds must be > 0, got ${periodSeconds}`);
  if (!(maxDurationSeconds > 0))
    throw new InvalidInputError(`maxDurationSeconds must be > 0, got ${maxDurationSeconds}`);
  if (!(maxRequests >= 1)) throw new InvalidInputError(`maxRequests must be >= 1, got ${maxRequests}`);
  const invocationsUrl = invocationsUrlOf(options.url);
  const payload = typeof options.payload === 'string' ? Buffer.from(options.payload) : options.payload;
  const contentType = options.contentType ?? 'text/csv';
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  await checkPing(invocationsUrl, timeoutMs);
  const requested = options.load ?? 'paced';
  let probe:
    | { seconds: number; users: number; requestsPerSecond: number; usersToReachProbeRate: number }
    | undefined;
  let chosen: LoadProfile;
  if (requested === 'paced') {
    const seconds = options.probeSeconds ?? DEFAULT_PROBE_SECONDS;
    const usersToReachProbeRate =
      options.usersToReachProbeRate ??
      pacedUsersToReachProbeRate(
        defaultStepCount(periodSeconds, maxDurationSeconds),
        options.stopRule?.plateauPeriods ?? DEFAULT_STOP_RULE.plateauPeriods,
        DEFAULT_USERS_TO_REACH_PROBE_RATE,
      );
    if (!(seconds > 0) || !(usersToReachProbeRate > 0)) {
      throw new InvalidInputError('probeSeconds and usersToReachProbeRate must be > 0');
    }
    const requestsPerSecond = await probeUnpacedUsers(
      options.transport ?? 'undici',
      {
        invocationsUrl,
        payload,
        contentType,
        connections: DEFAULT_PROBE_USERS,
        timeoutMs,
      },
      seconds,
      options.signal,
      options.generatorCpus,
    );
    probe = {
      seconds,
      users: DEFAULT_PROBE_USERS,
      requestsPerSecond: roundTo(requestsPerSecond, 1),
      usersToReachProbeRate: roundTo(usersToReachProbeRate, 3),
    };
    chosen = defaultLocalProfile(
      periodSeconds,
      maxDurationSeconds,
      requestsPerSecond > 0 ? pacedUserRate(requestsPerSecond, usersToReachProbeRate) : undefined,
    );
  } else if (requested === 'unpaced') chosen = defaultLocalProfile(periodSeconds, maxDurationSeconds);
  else chosen = requested;
  const load: LoadProfile = chosen;
  validateLoadProfile(load);
  const userRate = userRateOf(load);
  const openLoop = load.kind === 'openLoop';
  const constantRate = openLoop && !(load.rampRequestsPerSecond ?? 0);
  const stopRule: StopRule = { ...DEFAULT_STOP_RULE, detectPlateau: !constantRate, ...options.stopRule };
  const serverPids = options.serverPids ?? [];
  const vcpus = options.vcpus ?? (options.serverCpus?.length || availableParallelism());
  const now = options.now ?? Date.now;
  const runSeconds = Math.min(maxDurationSeconds, profileDurationSeconds(load));
  const peakUsers = openLoop ? 0 : Math.max(...sampleTimes(runSeconds).map((t) => usersAt(load, t)));
  const transport = createTransport(options.transport ?? 'undici', {
    invocationsUrl,
    payload,
    contentType,
    connections: openLoop ? (load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) : Math.max(1, peakUsers),
    timeoutMs,
  });
  const pin = options.generatorCpus?.length ? pinThisProcess(options.generatorCpus) : undefined;

  const points: BenchmarkPoint[] = [];
  const perMinute: number[] = [];
  const errorSamples = new Map<string, number>();
  const overall = newHistogram();
  let current: PeriodCounters = {
    histogram: newHistogram(),
    invocations: 0,
    errors4xx: 0,
    errors5xx: 0,
    maxUsers: 0,
  };
  let sent = 0;
  let skipped = 0;
  let inFlight = 0;
  let stopReason: StopReason | undefined;
  let stopMessage = '';
  let stillRising: string | undefined;
  let activeUsers = 0;
  let targetUsers = 0;
  const startedAtMs = now();
  const t0 = performance.now();
  let periodStart = t0;
  let eluBefore = performance.eventLoopUtilization();
  let before: ProcessSample[] = sampleProcesses(serverPids);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const elapsed = () => (performance.now() - t0) / 1000;

  const record = (result: SendResult, latencyUs: number) => {
    if (stopReason) return;
    // A request without an answer (reset, timeout) counts as an invocation and a 5XX, as an
    // endpoint whose container does not answer returns 5XX to the caller.
    current.invocations += 1;
    if (result.status === 0 || result.status >= 500) current.errors5xx += 1;
    else if (result.status >= 400) current.errors4xx += 1;
    if (result.status !== 0) {
      const us = Math.min(HIGHEST_LATENCY_US, Math.max(1, Math.round(latencyUs)));
      current.histogram.recordValue(us);
      overall.recordValue(us);
    }
    if (result.errorText && errorSamples.size < 5) {
      const key = `${result.status}: ${result.errorText}`;
      errorSamples.set(key, (errorSamples.get(key) ?? 0) + 1);
    }
  };

  const sendOne = async () => {
    sent += 1;
    inFlight += 1;
    const start = performance.now();
    const result = await transport.send();
    inFlight -= 1;
    record(result, (performance.now() - start) * 1000);
    if (sent >= maxRequests && !stopReason) stop('maxRequests', `${sent} requests sent (the maximum)`);
  };

  // Paced users' pauses, woken on stop: a pause may last a whole pacing interval (20 s at
  // 0.05 requests/s), and a pending timer would keep the process alive that long after the run.
  const sleepers = new Set<() => void>();
  const sleepUnlessStopped = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  const wakeSleepers = () => {
    for (const wake of [...sleepers]) wake();
  };

  const userLoop = async (index: number) => {
    activeUsers += 1;
    // A paced user keeps a schedule (not a pause after each answer), so timer jitter does not
    // lower its rate: when a timer fires late (timers have ~1 ms granularity, a fast server's
    // interval may be 0.1 ms) it sends back to back until on schedule again. Behind by more than
    // MAX_CATCH_UP_MS (a saturated server), it starts a new schedule instead of bursting.
    const intervalMs = userRate ? 1000 / userRate : 0;
    let nextSendMs = performance.now() + Math.random() * intervalMs;
    try {
      while (!stopReason && index < targetUsers && sent < maxRequests) {
        if (intervalMs > 0) {
          const waitMs = nextSendMs - performance.now();
          if (waitMs > 0) await sleepUnlessStopped(waitMs);
          else if (waitMs < -Math.max(intervalMs, MAX_CATCH_UP_MS)) nextSendMs = performance.now();
          nextSendMs += intervalMs;
          if (stopReason || index >= targetUsers) break;
        }
        await sendOne();
      }
    } finally {
      activeUsers -= 1;
    }
  };

  const timers: NodeJS.Timeout[] = [];
  const adjustUsers = () => {
    const wanted = usersAt(load, elapsed());
    const spawnFrom = Math.max(targetUsers, activeUsers);
    targetUsers = wanted;
    current.maxUsers = Math.max(current.maxUsers, wanted);
    for (let index = spawnFrom; index < wanted; index++) void userLoop(index);
  };

  const tickOpenLoop = () => {
    const due = Math.min(maxRequests, requestsDueBy(load, elapsed()));
    const maxInFlight = load.kind === 'openLoop' ? (load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) : 1;
    while (sent + skipped < due && !stopReason) {
      if (inFlight >= maxInFlight) skipped += 1;
      else void sendOne();
    }
  };

  const closePeriod = (partial: boolean) => {
    const nowPerf = performance.now();
    const coveredSeconds = (nowPerf - periodStart) / 1000;
    const after = sampleProcesses(serverPids);
    const elu = performance.eventLoopUtilization(eluBefore);
    const counters = current;
    const h = counters.histogram;
    const hasLatency = h.totalCount > 0;
    const point: BenchmarkPoint = {
      timestamp: new Date(startedAtMs + (periodStart - t0)).toISOString(),
      invocations: counters.invocations,
      modelLatencyAvgUs: hasLatency ? roundTo(h.mean, 1) : 0,
      modelLatencyP50Us: hasLatency ? h.getValueAtPercentile(50) : 0,
      modelLatencyP95Us: hasLatency ? h.getValueAtPercentile(95) : 0,
      modelLatencyP99Us: hasLatency ? h.getValueAtPercentile(99) : 0,
      cpuUtilizationPercent: roundTo(cpuUtilizationPercent(before, after, coveredSeconds), 2),
      memoryUtilizationPercent: roundTo(serverPids.length ? memoryUtilizationPercent(after) : 0, 3),
      invocation4xxErrors: counters.errors4xx,
      invocation5xxErrors: counters.errors5xx,
      ...(openLoop ? {} : { users: counters.maxUsers }),
      // Only a stop between boundaries makes a partial period. A boundary timer that fires late
      // (a stalled event loop) lengthens this period and shortens the next by as much, but both
      // are full periods of the schedule: judging them by measured coverage would drop a full
      // mid-run period from the analysis.
      ...(partial ? { coveredSeconds: roundTo(coveredSeconds, 3) } : {}),
    };
    points.push(point);
    const invocationsPerMinute = coveredSeconds > 0 ? (60 * counters.invocations) / coveredSeconds : 0;
    perMinute.push(Math.round(invocationsPerMinute));
    before = after;
    eluBefore = performance.eventLoopUtilization();
    periodStart = nowPerf;
    h.destroy();
    current = {
      histogram: newHistogram(),
      invocations: 0,
      errors4xx: 0,
      errors5xx: 0,
      maxUsers: openLoop ? 0 : targetUsers,
    };
    return { point, invocationsPerMinute, coveredSeconds, elu: elu.utilization };
  };

  const report = (closed: ReturnType<typeof closePeriod>) => {
    const { point } = closed;
    options.onPeriod?.({
      periodIndex: points.length - 1,
      elapsedSeconds: roundTo(elapsed(), 3),
      users: point.users ?? 0,
      offeredRequestsPerSecond: openLoop ? rateAt(load, Math.max(0, elapsed() - closed.coveredSeconds)) : 0,
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
      generatorEventLoopUtilization: roundTo(closed.elu, 3),
      ...(stopReason ? { stopReason } : {}),
      ...(stillRising ? { stillRising } : {}),
    });
  };

  const fullPeriods = (): PeriodOutcome[] =>
    points
      .filter((p) => p.coveredSeconds === undefined)
      .map((p) => ({
        invocations: p.invocations,
        errors: p.invocation4xxErrors + p.invocation5xxErrors,
        coveredSeconds: periodSeconds,
      }));

  function stop(reason: StopReason, message: string): void {
    if (stopReason) return;
    const settle = () => {
      stillRising = stillRisingAtEnd(fullPeriods(), reason, stopRule);
    };
    // A stop between boundaries closes a partial period before marking the run stopped.
    // (Not when the period has barely begun: nothing was measured in it.)
    if ((reason === 'maxRequests' || reason === 'aborted') && performance.now() - periodStart >= 1) {
      const closed = closePeriod(true);
      stopReason = reason;
      stopMessage = message;
      settle();
      report(closed);
    } else {
      stopReason = reason;
      stopMessage = message;
      settle();
    }
    for (const timer of timers) clearTimeout(timer);
    wakeSleepers();
    finish();
  }

  const onBoundary = (index: number) => {
    if (stopReason) return;
    const closed = closePeriod(false);
    const decision = decideStop(
      points.map((p) => ({
        invocations: p.invocations,
        errors: p.invocation4xxErrors + p.invocation5xxErrors,
        coveredSeconds: p.coveredSeconds ?? periodSeconds,
      })),
      stopRule,
    );
    const nextStart = (index + 1) * periodSeconds;
    if (decision.stop) stop(decision.reason!, decision.reasons.map((r) => r.message).join('; '));
    else if (nextStart >= maxDurationSeconds - 1e-9 && runSeconds >= maxDurationSeconds) {
      stop('maxDuration', `${maxDurationSeconds} s reached`);
    } else if (nextStart >= runSeconds - 1e-9)
      stop('profileEnd', `the load profile ended after ${runSeconds} s`);
    report(closed);
    if (!stopReason) schedule(index + 1);
  };

  function schedule(index: number): void {
    const endSeconds = Math.min((index + 1) * periodSeconds, runSeconds);
    const delayMs = Math.max(0, t0 + endSeconds * 1000 - performance.now());
    timers.push(
      setTimeout(() => {
        if (endSeconds < (index + 1) * periodSeconds) {
          // The profile or the duration ends inside this period: close it as partial.
          const closed = closePeriod(true);
          stop(
            runSeconds >= maxDurationSeconds ? 'maxDuration' : 'profileEnd',
            `ended after ${runSeconds} s`,
          );
          report(closed);
        } else onBoundary(index);
      }, delayMs),
    );
  }

  const onAbort = () => stop('aborted', 'aborted by the caller');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let ticker: NodeJS.Timeout | undefined;
  try {
    // Aborted already (during the probe): no user is started, no period recorded.
    if (options.signal?.aborted) stop('aborted', 'aborted by the caller before the load started');
    else {
      if (openLoop) ticker = setInterval(tickOpenLoop, 1);
      else {
        adjustUsers();
        ticker = setInterval(adjustUsers, 100);
      }
      schedule(0);
    }
    await finished;
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
    targetUsers = 0;
    // (also when the run throws: no pause may outlive it)
    wakeSleepers();
    await drain(() => inFlight, timeoutMs);
    await transport.close();
    pin?.restore();
  }

  const peakInvocationsPerMinute = Math.max(
    0,
    ...points.map((p, i) => (p.coveredSeconds === undefined ? (perMinute[i] ?? 0) : 0)),
  );
  const series: BenchmarkSeries = {
    formatVersion: 1,
    instanceType: options.instanceType ?? 'local',
    vcpus,
    periodSeconds,
    // Every period carries coveredSeconds, so the analysis tells partial periods by coverage, not
    // by the edge rule: paced stairs double the load from the first period to the second, which
    // the edge rule (< 50 % of the neighbour) would take for a partial start. A full period is
    // written as covering its whole length: its measured coverage differs only by timer lateness.
    points: points.map((p) => ({ ...p, coveredSeconds: p.coveredSeconds ?? periodSeconds })),
    source: {
      tool: 'scaleplan-loadgen',
      url: invocationsUrl,
      contentType,
      payloadBytes: payload.length,
      transport: options.transport ?? 'undici',
      load,
      ...(probe ? { probe } : {}),
      stopReason,
      stopMessage,
      ...(stillRising ? { stillRising } : {}),
      startedAt: new Date(startedAtMs).toISOString(),
      durationSeconds: roundTo(elapsed(), 3),
      requestsSent: sent,
      ...(skipped ? { requestsSkippedOverMaxInFlight: skipped } : {}),
      invocationsPerMinute: perMinute,
      peakInvocationsPerMinute,
      overallLatencyUs: overall.totalCount
        ? {
            avg: roundTo(overall.mean, 1),
            p50: overall.getValueAtPercentile(50),
            p95: overall.getValueAtPercentile(95),
            p99: overall.getValueAtPercentile(99),
            max: overall.maxValue,
          }
        : undefined,
      latencyMeasuredAt: 'client, over keep-alive HTTP (the equivalent of ModelLatency plus loopback time)',
      serverPids,
      ...(options.serverCpus ? { serverCpus: options.serverCpus } : {}),
      ...(pin?.pinned ? { generatorCpus: options.generatorCpus } : {}),
      ...(pin?.note ? { pinningNote: pin.note } : {}),
      cpuMeasured: serverPids.length > 0,
      ...(serverPids.length
        ? {}
        : {
            cpuNote:
              'CPU and memory cannot be measured for a remote server: no server pids given, 0 recorded. Pass the pids of a local server (--server-pid) to measure them.',
          }),
      ...(errorSamples.size ? { errorSamples: Object.fromEntries(errorSamples) } : {}),
    },
  };
  overall.destroy();
  return BenchmarkSeriesSchema.parse(series);
}

/**
 * Requests per second that `options.connections` unpaced closed-loop users get together for
 * `seconds` (the pacing probe); ends early on `signal`. The generator is pinned as during the run
 * (unpinned, it shares the server's core and the probe under-estimates the server), and the first
 * requests, slow while both sides warm up, are not counted.
 */
async function probeUnpacedUsers(
  kind: TransportKind,
  options: TransportOptions,
  seconds: number,
  signal?: AbortSignal,
  generatorCpus?: number[],
): Promise<number> {
  const pin = generatorCpus?.length ? pinThisProcess(generatorCpus) : undefined;
  const transport = createTransport(kind, options);
  const start = performance.now();
  const countFromMs = start + 1000 * Math.min(PROBE_WARM_UP_SECONDS, seconds / 4);
  const endMs = start + seconds * 1000;
  let answered = 0;
  let anyAnswered = false;
  let firstError: SendResult | undefined;
  const user = async () => {
    while (performance.now() < endMs && !signal?.aborted) {
      const result = await transport.send();
      if (result.status >= 200 && result.status < 300) {
        anyAnswered = true;
        if (performance.now() >= countFromMs) answered += 1;
      } else firstError ??= result;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.connections) }, user));
  } finally {
    await transport.close();
    pin?.restore();
  }
  // Not one success: the run would only measure errors (a wrong --content-type, a payload the
  // model refuses). Unpaced stairs of 100 % errors would end after a period as if it had run.
  if (!anyAnswered && firstError && !signal?.aborted) {
    throw new ConfigurationError(
      `the server answered no request of the probe with 2XX; first error: ${firstError.status || 'no answer'}: ${firstError.errorText ?? ''} (check the payload and --content-type)`,
    );
  }
  const countedSeconds = (performance.now() - countFromMs) / 1000;
  return countedSeconds > 0 ? answered / countedSeconds : 0;
}

/** Times at which to probe a profile for its peak users (every 0.5 s). */
function sampleTimes(runSeconds: number): number[] {
  return Array.from({ length: Math.max(1, Math.ceil(runSeconds * 2)) }, (_, i) => i / 2);
}

/** Waits until nothing is in flight, at most `timeoutMs`. */
async function drain(inFlight: () => number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (inFlight() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
