import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import {
  type BenchmarkProgress,
  DEFAULT_MAX_DURATION_SECONDS,
  DEFAULT_PERIOD_SECONDS,
  defaultGeneratorCpus,
  type LoadProfile,
  runLocalBenchmark,
} from '../../shared/adapters/local/loadgen';
import {
  DEMO_PAYLOAD_PATH,
  defaultServerCpus,
  type RunningModelServer,
  startModelServer,
} from '../../shared/adapters/local/model-server';
import { InvalidInputError } from '../../shared/core/errors';
import {
  phasesDurationSeconds,
  phasesOutsideAwsLimits,
  type TrafficPhase,
} from '../../shared/core/load/phases';
import { choiceOption, cpuList, decimal, integer, nonBlankText, pidList } from '../options';
import { PHASES_HELP, parsePhases } from '../phases';

interface BenchOptions {
  url?: string;
  demo?: boolean;
  payload: string;
  contentType: string;
  serverPid?: number[];
  serverCpus?: number[];
  generatorCpus?: number[];
  vcpus?: number;
  periodSeconds: number;
  maxSeconds: number;
  maxRequests?: number;
  load: 'paced' | 'unpaced';
  usersPerStep: number;
  openLoopRps?: number;
  phases?: TrafficPhase[];
  rampRps: number;
  transport: 'undici' | 'http';
  out?: string;
  quiet?: boolean;
}

/** One line per period, for people: the rise of users, throughput (per minute) and p95. */
export function formatProgress(p: BenchmarkProgress): string {
  const load = p.users > 0 ? `users ${String(p.users).padStart(3)}` : `rate ${p.offeredRequestsPerSecond}/s`;
  return (
    `period ${String(p.periodIndex + 1).padStart(3)}  ${load}  ` +
    `${p.invocationsPerMinute.toLocaleString('en-US').padStart(9)} inv/min  ` +
    `p95 ${p.p95Ms.toFixed(2)} ms  CPU ${p.cpuUtilizationPercent.toFixed(1)}%  ` +
    `errors ${p.errors4xx + p.errors5xx}${p.stopReason ? `  -> stop: ${p.stopReason}` : ''}` +
    (p.stillRising ? `\nwarning: ${p.stillRising}; try a larger --max-seconds` : '')
  );
}

/**
 * `scaleplan bench`: the local Default job against any server on the SageMaker contract, written
 * as a benchmark file (docs/local-benchmark.md).
 */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('benchmark a server on the SageMaker contract under rising load; writes a benchmark file')
    .addOption(
      new Option('--url <url>', 'base URL of the server, e.g. http://127.0.0.1:8080')
        .argParser(nonBlankText)
        .conflicts('demo'),
    )
    .option('--demo', 'start the demo model server (pinned to core 0 on 2+ cores) and benchmark it')
    .option('--payload <file>', 'body of every request', nonBlankText, DEMO_PAYLOAD_PATH)
    .option('--content-type <type>', 'Content-Type of the payload', nonBlankText, 'text/csv')
    .option(
      '--server-pid <pid...>',
      'pids of the server processes, to measure CPU and memory from /proc',
      pidList(),
    )
    .option('--server-cpus <list>', 'cores the server is pinned to (vCPUs = their count)', cpuList)
    .option('--generator-cpus <list>', 'pin the generator to these cores during the run', cpuList)
    .option(
      '--vcpus <n>',
      'vCPUs of the server (CPUUtilization spans 0..100 x vCPUs)',
      integer({ atLeast: 1 }),
    )
    .option(
      '--period-seconds <n>',
      'length of a period, seconds',
      decimal({ above: 0 }),
      DEFAULT_PERIOD_SECONDS,
    )
    .option(
      '--max-seconds <n>',
      'bound on the whole run, seconds',
      decimal({ above: 0 }),
      DEFAULT_MAX_DURATION_SECONDS,
    )
    .option('--max-requests <n>', 'bound on the number of requests', integer({ atLeast: 1 }))
    // The phases are the whole load: a stairs, open-loop or ramp option would be silently ignored.
    .addOption(
      choiceOption(
        '--load <kind>',
        'paced: users paced from a short probe so load rises from light to saturation; unpaced: IR users without pauses',
        ['paced', 'unpaced'],
      )
        .default('paced')
        .conflicts('phases'),
    )
    .addOption(
      new Option('--users-per-step <n>', 'unpaced closed loop: users added each period (stairs)')
        .argParser(integer({ atLeast: 1 }))
        .default(1)
        .conflicts('phases'),
    )
    .addOption(
      new Option('--open-loop-rps <n>', 'open loop instead: requests per second at the start')
        .argParser(decimal({ above: 0 }))
        .conflicts('phases'),
    )
    .option(
      '--phases <json>',
      `${PHASES_HELP}, instead of the stairs (unpaced users); --max-seconds defaults to their length`,
      parsePhases,
    )
    .addOption(
      new Option('--ramp-rps <n>', 'open loop: requests per second added each period (0 = constant rate)')
        .argParser(decimal({ atLeast: 0 }))
        .default(0)
        .conflicts('phases'),
    )
    .addOption(
      choiceOption('--transport <kind>', 'HTTP client of the generator', ['undici', 'http']).default(
        'undici',
      ),
    )
    .option('--out <file>', 'write the benchmark file here (default: stdout)', nonBlankText)
    .option('--quiet', 'no progress lines on stderr')
    .action(runBench);
}

/** The load of a bench run and how long it may last, seconds, from the options. */
function chooseLoad(
  opts: BenchOptions,
  command: Command,
): { load: LoadProfile | 'paced'; maxDurationSeconds: number } {
  const { phases, periodSeconds, usersPerStep, openLoopRps } = opts;
  const maxDurationSeconds =
    phases && command.getOptionValueSource('maxSeconds') === 'default'
      ? phasesDurationSeconds(phases)
      : opts.maxSeconds;
  const numberOfSteps = Math.max(1, Math.floor(maxDurationSeconds / periodSeconds));
  const load: LoadProfile | 'paced' = phases
    ? { kind: 'phases', phases }
    : openLoopRps !== undefined
      ? {
          kind: 'openLoop',
          requestsPerSecond: openLoopRps,
          rampRequestsPerSecond: opts.rampRps,
          rampEverySeconds: periodSeconds,
          durationSeconds: maxDurationSeconds,
        }
      : opts.load === 'unpaced'
        ? { kind: 'stairs', durationSeconds: numberOfSteps * periodSeconds, numberOfSteps, usersPerStep }
        : 'paced';
  return { load, maxDurationSeconds };
}

/** What the user should know before the load starts, on stderr. */
function printNotes(opts: BenchOptions, url: string, maxDurationSeconds: number, serverPids: number[]): void {
  const { phases, periodSeconds } = opts;
  process.stderr.write(
    `benchmarking ${url} for at most ${maxDurationSeconds} s (periods of ${periodSeconds} s)\n`,
  );
  const outsideAwsLimits = phases ? phasesOutsideAwsLimits(phases) : [];
  if (outsideAwsLimits.length > 0)
    process.stderr.write(
      `note: Inference Recommender would refuse these phases (${outsideAwsLimits.join('; ')}); run locally anyway\n`,
    );
  if (phases && phasesDurationSeconds(phases) > maxDurationSeconds)
    process.stderr.write(
      `note: the phases last ${phasesDurationSeconds(phases)} s; --max-seconds ${maxDurationSeconds} ends the run first\n`,
    );
  if (serverPids.length === 0)
    process.stderr.write('no --server-pid: CPU cannot be measured for a remote server; 0 is recorded\n');
}

function readPayload(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InvalidInputError(`cannot read --payload ${file}: ${(error as Error).message}`);
  }
}

/** Writes the benchmark file to --out (with a line on stderr) or to stdout. */
function writeSeries(opts: BenchOptions, series: { source?: { peakInvocationsPerMinute?: unknown } }): void {
  const text = `${JSON.stringify(series, null, 2)}\n`;
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(opts.out, text);
  if (!opts.quiet)
    process.stderr.write(
      `peak ${String(series.source?.peakInvocationsPerMinute)} invocations/min; benchmark file written to ${opts.out}\n`,
    );
}

/** The action of `scaleplan bench`: choose the load, start the demo server if asked, run, write. */
async function runBench(opts: BenchOptions, command: Command): Promise<void> {
  if (!opts.url && !opts.demo) throw new InvalidInputError('give --url URL of a running server, or --demo');
  const { load, maxDurationSeconds } = chooseLoad(opts, command);
  const payload = readPayload(opts.payload);
  let server: RunningModelServer | undefined;
  let serverPids = opts.serverPid ?? [];
  let serverCpus = opts.serverCpus;
  if (opts.demo) {
    serverCpus ??= defaultServerCpus();
    server = await startModelServer({ port: 0, ...(serverCpus ? { cpus: serverCpus } : {}) });
    serverPids = server.pids;
  }
  const generatorCpus = opts.generatorCpus ?? (opts.demo ? defaultGeneratorCpus(serverCpus) : undefined);
  const url = server?.url ?? (opts.url as string);
  if (!opts.quiet) printNotes(opts, url, maxDurationSeconds, serverPids);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const series = await runLocalBenchmark({
      url,
      payload,
      contentType: opts.contentType,
      serverPids,
      ...(serverCpus ? { serverCpus } : {}),
      ...(generatorCpus ? { generatorCpus } : {}),
      ...(opts.vcpus !== undefined ? { vcpus: opts.vcpus } : {}),
      periodSeconds: opts.periodSeconds,
      maxDurationSeconds,
      ...(opts.maxRequests !== undefined ? { maxRequests: opts.maxRequests } : {}),
      load,
      transport: opts.transport,
      signal: controller.signal,
      onPeriod: opts.quiet ? undefined : (p) => process.stderr.write(`${formatProgress(p)}\n`),
    });
    writeSeries(opts, series);
  } finally {
    process.off('SIGINT', onSignal);
    await server?.stop();
  }
}
