/**
 * The local Default job: a real load test of one server on the SageMaker contract, under rising
 * load, recorded per period in the units CloudWatch uses (the benchmark file format).
 *
 * The parts, one idea each: the options and their defaults (options.ts); the load choice and the
 * probe of the paced default (load-choice.ts); the drivers (closed-loop users in phases or stairs,
 * unpaced or paced, and the open loop: drivers.ts); the period recorder (period-recorder.ts); the
 * run in time, which asks the stop rule at each boundary (run.ts; the rule itself is pure, in
 * shared/core/load/stop-rule.ts); and the series assembly (series.ts).
 */
import type { BenchmarkSeries } from '../../../core/benchmark-file';
import { DEFAULT_MAX_IN_FLIGHT, peakUsersOf, profileDurationSeconds } from '../../../core/load/profile';
import { stopRuleFor } from '../../../core/load/stop-rule';
import { RunClock } from './clock';
import { checkPing } from './endpoint';
import { chooseLoad } from './load-choice';
import { type LocalBenchmarkOptions, resolveSettings } from './options';
import { PeriodRecorder } from './period-recorder';
import { pinThisProcess } from './pinning';
import { BenchmarkRun } from './run';
import { assembleSeries } from './series';
import { createTransport } from './transport';

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
  const settings = resolveSettings(options);
  await checkPing(settings.invocationsUrl, settings.requestTimeoutMs);
  const { load, probe } = await chooseLoad(options, settings);
  const runSeconds = Math.min(settings.maxDurationSeconds, profileDurationSeconds(load));
  const transport = createTransport(settings.transport, {
    invocationsUrl: settings.invocationsUrl,
    payload: settings.payload,
    contentType: settings.contentType,
    // One keep-alive connection per user; in open loop, one per request in flight at most.
    connections:
      load.kind === 'openLoop' ? (load.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) : peakUsersOf(load, runSeconds),
    timeoutMs: settings.requestTimeoutMs,
  });
  const pin = options.generatorCpus?.length ? pinThisProcess(options.generatorCpus) : undefined;
  const clock = new RunClock(settings.now);
  const recorder = new PeriodRecorder(
    clock,
    settings.serverPids,
    settings.periodSeconds,
    load.kind !== 'openLoop',
  );
  const run = new BenchmarkRun(
    {
      load,
      stopRule: stopRuleFor(load, options.stopRule),
      periodSeconds: settings.periodSeconds,
      maxDurationSeconds: settings.maxDurationSeconds,
      maxRequests: settings.maxRequests,
      runSeconds,
      drainTimeoutMs: settings.requestTimeoutMs,
    },
    clock,
    recorder,
    transport,
    options.onPeriod,
  );
  try {
    await run.execute(options.signal);
  } finally {
    await transport.close();
    pin?.restore();
  }
  try {
    return assembleSeries({
      settings,
      load,
      ...(probe ? { probe } : {}),
      end: run.end,
      clock,
      recorder,
      sender: run.sender,
      ...(pin ? { pin } : {}),
      ...(options.instanceType ? { instanceType: options.instanceType } : {}),
      ...(options.serverCpus ? { serverCpus: options.serverCpus } : {}),
      ...(options.generatorCpus ? { generatorCpus: options.generatorCpus } : {}),
    });
  } finally {
    recorder.destroy();
  }
}
