/**
 * What a local benchmark is asked to do ({@link LocalBenchmarkOptions}), what it reports after
 * each period ({@link BenchmarkProgress}), and the options resolved once, with their defaults and
 * checks, into the {@link RunSettings} every part of the run reads.
 */
import { availableParallelism } from 'node:os';
import { InvalidInputError } from '../../../core/errors';
import type { LoadProfile } from '../../../core/load/profile';
import type { StopReason, StopRule } from '../../../core/load/stop-rule';
import { invocationsUrlOf } from './endpoint';
import type { TransportKind } from './transport';

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
   * The load over time. Default 'paced': a probe of `probeSeconds` with unpaced users measures
   * the server, then stairs of one more user per period, each user paced at the probe's rate /
   * `usersToReachProbeRate` (pacedUserRate in the core), so the load rises from light to
   * saturation. 'unpaced': the same stairs without pauses (pure Inference Recommender users).
   */
  load?: LoadProfile | 'paced' | 'unpaced';
  /** Seconds of the probe of the 'paced' default (not recorded in the series). Default DEFAULT_PROBE_SECONDS. */
  probeSeconds?: number;
  /**
   * Users that reach the probe's rate in the 'paced' default. Default: from the number of steps
   * (pacedUsersToReachProbeRate in the core), at most DEFAULT_USERS_TO_REACH_PROBE_RATE.
   */
  usersToReachProbeRate?: number;
  /** When to stop early (plateau, errors). Default DEFAULT_STOP_RULE; plateau off for a constant open-loop rate. */
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

/** The options with their defaults applied and checked: what the parts of a run read. */
export interface RunSettings {
  /** Full URL of the invocations endpoint. */
  invocationsUrl: string;
  payload: Buffer;
  contentType: string;
  transport: TransportKind;
  requestTimeoutMs: number;
  periodSeconds: number;
  maxDurationSeconds: number;
  maxRequests: number;
  serverPids: number[];
  vcpus: number;
  /** Wall clock, epoch milliseconds. */
  now: () => number;
}

/**
 * The settings of a run; throws InvalidInputError naming the first bad option.
 * @example resolveSettings({ url: 'http://127.0.0.1:8080', payload: '1,2' }).invocationsUrl; // 'http://127.0.0.1:8080/invocations'
 */
export function resolveSettings(options: LocalBenchmarkOptions): RunSettings {
  const periodSeconds = options.periodSeconds ?? DEFAULT_PERIOD_SECONDS;
  const maxDurationSeconds = options.maxDurationSeconds ?? DEFAULT_MAX_DURATION_SECONDS;
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  if (!(periodSeconds > 0)) throw new InvalidInputError(`periodSeconds must be > 0, got ${periodSeconds}`);
  if (!(maxDurationSeconds > 0))
    throw new InvalidInputError(`maxDurationSeconds must be > 0, got ${maxDurationSeconds}`);
  if (!(maxRequests >= 1)) throw new InvalidInputError(`maxRequests must be >= 1, got ${maxRequests}`);
  return {
    invocationsUrl: invocationsUrlOf(options.url),
    payload: typeof options.payload === 'string' ? Buffer.from(options.payload) : options.payload,
    contentType: options.contentType ?? 'text/csv',
    transport: options.transport ?? 'undici',
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    periodSeconds,
    maxDurationSeconds,
    maxRequests,
    serverPids: options.serverPids ?? [],
    vcpus: options.vcpus ?? (options.serverCpus?.length || availableParallelism()),
    now: options.now ?? Date.now,
  };
}
