/**
 * The scaled clock of the local endpoint: one factor compresses every AWS duration (metric
 * periods, alarm datapoints, cooldowns, start-up, publication delay) by the same amount, so an
 * hour of AWS time runs in minutes here. Everything the fleet reports stays in AWS units: seconds
 * and minutes of the scaled clock. timeScale 60 means one AWS minute lasts one real second.
 */
import { ConfigurationError } from '../../../core/errors';

export interface ScaledClock {
  /** AWS seconds per real second (1 = real time). */
  timeScale: number;
  /** Epoch seconds of the scaled clock when the fleet started (AWS time zero of the run). */
  startEpochSeconds: number;
  /** Now, in epoch seconds of the scaled clock. */
  nowSeconds(): number;
  /** Epoch seconds of the scaled clock at the real instant `realEpochMs` (Date.now units). */
  atSeconds(realEpochMs: number): number;
  /** Real milliseconds that `awsSeconds` of the scaled clock take. */
  realMs(awsSeconds: number): number;
  /** Resolves after `awsSeconds` of the scaled clock (or at once when the signal aborts). */
  sleep(awsSeconds: number, signal?: AbortSignal): Promise<void>;
}

/** The longest delay setTimeout takes, ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A scaled clock starting now. The start is aligned on a whole AWS minute so that metric periods
 * start on minute boundaries as CloudWatch's do.
 *
 * @example
 * const clock = createScaledClock(60); // one AWS minute per real second
 * clock.realMs(300); // 5000: a 300 s cooldown takes 5 real seconds
 */
export function createScaledClock(timeScale: number, realNowMs: () => number = Date.now): ScaledClock {
  if (!(Number.isFinite(timeScale) && timeScale >= 1 && timeScale <= 3600))
    throw new ConfigurationError(
      `timeScale must be a number from 1 (real time) to 3600 (one AWS hour per real second), got ${timeScale}`,
    );
  const realStartMs = realNowMs();
  const startEpochSeconds = Math.ceil(realStartMs / 60_000) * 60;
  const realMs = (awsSeconds: number) => (awsSeconds * 1000) / timeScale;
  return {
    timeScale,
    startEpochSeconds,
    nowSeconds: () => startEpochSeconds + ((realNowMs() - realStartMs) / 1000) * timeScale,
    atSeconds: (realEpochMs) => startEpochSeconds + ((realEpochMs - realStartMs) / 1000) * timeScale,
    realMs,
    sleep: (awsSeconds, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        // A timer may fire a millisecond before Date.now says it is due: wait on until it is.
        // (setTimeout takes at most 2^31 - 1 ms; a longer sleep wakes and waits again.)
        const dueMs = realNowMs() + realMs(awsSeconds);
        const arm = () => setTimeout(wake, Math.min(MAX_TIMER_MS, Math.max(0, dueMs - realNowMs())));
        let timer = arm();
        let ended = false;
        function wake() {
          if (dueMs - realNowMs() > 0 && !ended) timer = arm();
          else done();
        }
        function done() {
          if (ended) return;
          ended = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      }),
  };
}
