/**
 * The load of a run: a profile given by the caller, the 'unpaced' stairs of Inference Recommender
 * users, or the 'paced' default, whose users are paced from a short probe of the server so that
 * the load rises from light to saturation (the arithmetic is pure, in shared/core/load/profile.ts).
 */
import { performance } from 'node:perf_hooks';
import { ConfigurationError, InvalidInputError } from '../../../core/errors';
import {
  defaultLocalProfile,
  defaultStepCount,
  type LoadProfile,
  pacedUserRate,
  pacedUsersToReachProbeRate,
  validateLoadProfile,
} from '../../../core/load/profile';
import { DEFAULT_STOP_RULE } from '../../../core/load/stop-rule';
import type { LocalBenchmarkOptions, RunSettings } from './options';
import { pinThisProcess } from './pinning';
import { roundTo } from './rounding';
import { createTransport, type SendResult, type TransportKind, type TransportOptions } from './transport';

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
 * Fewer when the stairs are short (pacedUsersToReachProbeRate): 2.67 with 7 steps.
 */
export const DEFAULT_USERS_TO_REACH_PROBE_RATE = 3;

/** What the probe measured (the benchmark file's `source.probe`). */
export interface ProbeRecord {
  seconds: number;
  users: number;
  requestsPerSecond: number;
  usersToReachProbeRate: number;
}

export interface ChosenLoad {
  /** The profile the run follows, validated. */
  load: LoadProfile;
  /** Set for the 'paced' default. */
  probe?: ProbeRecord;
}

/**
 * The profile of the run, probing the server first for the 'paced' default. Throws
 * InvalidInputError for a bad profile, ConfigurationError when the probe gets no 2XX.
 */
export async function chooseLoad(options: LocalBenchmarkOptions, settings: RunSettings): Promise<ChosenLoad> {
  const requested = options.load ?? 'paced';
  const chosen: ChosenLoad =
    requested === 'paced'
      ? await pacedLoad(options, settings)
      : {
          load:
            requested === 'unpaced'
              ? defaultLocalProfile(settings.periodSeconds, settings.maxDurationSeconds)
              : requested,
        };
  validateLoadProfile(chosen.load);
  return chosen;
}

async function pacedLoad(options: LocalBenchmarkOptions, settings: RunSettings): Promise<ChosenLoad> {
  const { periodSeconds, maxDurationSeconds } = settings;
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
    settings.transport,
    {
      invocationsUrl: settings.invocationsUrl,
      payload: settings.payload,
      contentType: settings.contentType,
      connections: DEFAULT_PROBE_USERS,
      timeoutMs: settings.requestTimeoutMs,
    },
    seconds,
    options.signal,
    options.generatorCpus,
  );
  return {
    load: defaultLocalProfile(
      periodSeconds,
      maxDurationSeconds,
      requestsPerSecond > 0 ? pacedUserRate(requestsPerSecond, usersToReachProbeRate) : undefined,
    ),
    probe: {
      seconds,
      users: DEFAULT_PROBE_USERS,
      requestsPerSecond: roundTo(requestsPerSecond, 1),
      usersToReachProbeRate: roundTo(usersToReachProbeRate, 3),
    },
  };
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
