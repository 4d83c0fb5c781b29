/**
 * `npm run bench:loadgen`: is scaleplan's load generator the bottleneck? Measures the same demo
 * server (pinned to core 0, one worker) with scaleplan's generator and with its peers, autocannon
 * (npm) and wrk (when on PATH), all on the other core, at the same number of keep-alive
 * connections, and prints each peak throughput, the ratio scaleplan / peer (goal >= 0.9) and the
 * medians over a few runs. Not a test: numbers depend on the machine.
 *
 * Options: --runs N (default 3), --seconds S per measurement (default 5), --connections C (default 8).
 * Loopback only; every run is bounded in time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultGeneratorCpus, pinThisProcess, runLocalBenchmark } from '../shared/adapters/local/loadgen';
import {
  DEMO_PAYLOAD_PATH,
  defaultServerCpus,
  startModelServer,
} from '../shared/adapters/local/model-server';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { total: number };
  non2xx: number;
  errors: number;
  /** When the run started and finished (Dates). */
  start: Date;
  finish: Date;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  connections: number;
  pipelining: number;
  duration: number;
}) => Promise<AutocannonResult>;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '8' },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const demoPayload = readFileSync(DEMO_PAYLOAD_PATH);
/** The light scenario: one row per request, so HTTP (and the generator) weighs more than the model. */
const oneRowPayload = Buffer.from(`${demoPayload.toString('utf8').split('\n')[0]}\n`);
const serverCpus = defaultServerCpus();
const generatorCpus = defaultGeneratorCpus(serverCpus);

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

/** scaleplan at a fixed number of users (closed loop, one stair): requests per second over the run. */
async function scaleplanFixed(
  url: string,
  pids: number[],
  payload: Buffer,
  transport: 'undici' | 'http',
): Promise<number> {
  const series = await runLocalBenchmark({
    url,
    payload,
    serverPids: pids,
    ...(serverCpus ? { serverCpus } : {}),
    ...(generatorCpus ? { generatorCpus } : {}),
    transport,
    periodSeconds: seconds,
    maxDurationSeconds: seconds,
    load: { kind: 'stairs', durationSeconds: seconds, numberOfSteps: 1, usersPerStep: connections },
  });
  const errors = series.points.reduce((sum, p) => sum + p.invocation4xxErrors + p.invocation5xxErrors, 0);
  if (errors > 0) throw new Error(`scaleplan saw ${errors} failed invocations`);
  return perMeasuredSecond(
    series.points,
    (series.source as { invocationsPerMinute: number[] }).invocationsPerMinute,
  );
}

/**
 * Invocations over the seconds the periods really covered. A boundary timer that fires late makes
 * a period longer than nominal; dividing by the nominal seconds would flatter scaleplan against
 * its peers. Each period's measured seconds come back from its per-minute rate, which the
 * generator computes over the time the period covered.
 */
function perMeasuredSecond(points: { invocations: number }[], perMinute: number[]): number {
  let invocations = 0;
  let measuredSeconds = 0;
  points.forEach((point, i) => {
    const rate = perMinute[i] ?? 0;
    if (rate <= 0) return;
    invocations += point.invocations;
    measuredSeconds += (60 * point.invocations) / rate;
  });
  return measuredSeconds > 0 ? invocations / measuredSeconds : 0;
}

/** scaleplan as the local Default job runs it (paced users, one more per period, until the plateau): peak per second. */
async function scaleplanRising(
  url: string,
  pids: number[],
  payload: Buffer,
): Promise<{ perSecond: number; periods: number }> {
  const series = await runLocalBenchmark({
    url,
    payload,
    serverPids: pids,
    ...(serverCpus ? { serverCpus } : {}),
    ...(generatorCpus ? { generatorCpus } : {}),
    periodSeconds: 2,
    maxDurationSeconds: 40,
  });
  const source = series.source as { peakInvocationsPerMinute: number };
  return { perSecond: source.peakInvocationsPerMinute / 60, periods: series.points.length };
}

async function autocannonRun(url: string, payload: Buffer): Promise<number> {
  const pin = generatorCpus ? pinThisProcess(generatorCpus) : undefined;
  try {
    const result = await autocannon({
      url: `${url}/invocations`,
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: payload,
      connections,
      pipelining: 1,
      duration: seconds,
    });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`autocannon saw ${result.non2xx} non-2xx, ${result.errors} errors`);
    // Over the measured run, as for scaleplan (wrk's Requests/sec is measured too).
    const measuredSeconds = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000;
    return result.requests.total / (measuredSeconds > 0 ? measuredSeconds : seconds);
  } finally {
    pin?.restore();
  }
}

function wrkRun(url: string, scriptPath: string): number {
  const command = generatorCpus ? 'taskset' : 'wrk';
  const args = [
    ...(generatorCpus ? ['-c', generatorCpus.join(','), 'wrk'] : []),
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '-s',
    scriptPath,
    `${url}/invocations`,
  ];
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const match = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout ?? '');
  if (!match) throw new Error(`wrk gave no Requests/sec: ${result.stderr || result.stdout}`);
  if (/Non-2xx/.test(result.stdout)) throw new Error(`wrk saw non-2xx answers: ${result.stdout}`);
  return Number(match[1]);
}

const fmt = (perSecond: number) =>
  `${perSecond.toFixed(0).padStart(6)}/s = ${(perSecond * 60).toFixed(0).padStart(7)}/min`;

function writeWrkScript(dir: string, name: string, payload: Buffer): string {
  const path = join(dir, `${name}.lua`);
  writeFileSync(
    path,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/csv"\nwrk.body = [==[${payload.toString('utf8')}]==]\n`,
  );
  return path;
}

const FIXED_UNDICI = 'scaleplan (undici, fixed users)';
const FIXED_HTTP = 'scaleplan (node http, fixed users)';
const RISING = 'scaleplan (undici, paced rising users: peak)';

/** Measures one payload with every generator, `runs` times; returns the medians per generator. */
async function measureScenario(
  name: string,
  payload: Buffer,
  server: { url: string; pids: number[] },
  wrkScript: string | undefined,
): Promise<Record<string, number>> {
  console.log(`\n== ${name} (${payload.length} bytes per request)`);
  const results: Record<string, number[]> = {};
  await scaleplanFixed(server.url, server.pids, payload, 'undici'); // warm-up of the server's JIT
  for (let run = 1; run <= runs; run++) {
    const measured: Record<string, number> = {
      [FIXED_UNDICI]: await scaleplanFixed(server.url, server.pids, payload, 'undici'),
      [FIXED_HTTP]: await scaleplanFixed(server.url, server.pids, payload, 'http'),
      [RISING]: (await scaleplanRising(server.url, server.pids, payload)).perSecond,
      autocannon: await autocannonRun(server.url, payload),
      ...(wrkScript ? { wrk: wrkRun(server.url, wrkScript) } : {}),
    };
    console.log(
      `run ${run}: ${Object.entries(measured)
        .map(([generator, value]) => `${generator} ${value.toFixed(0)}/s`)
        .join(', ')}`,
    );
    for (const [generator, value] of Object.entries(measured)) {
      results[generator] = [...(results[generator] ?? []), value];
    }
  }
  const medians = Object.fromEntries(
    Object.entries(results).map(([generator, xs]) => [generator, median(xs)]),
  );
  console.log(`median peak throughput over ${runs} runs:`);
  for (const [generator, value] of Object.entries(medians))
    console.log(`  ${generator.padEnd(46)} ${fmt(value)}`);
  console.log('ratio scaleplan / peer (goal >= 0.9: the generator is not the bottleneck):');
  for (const peer of ['autocannon', 'wrk']) {
    const theirs = medians[peer];
    if (theirs === undefined) continue;
    const ratio = medians[FIXED_UNDICI]! / theirs;
    console.log(`  scaleplan / ${peer.padEnd(10)} ${ratio.toFixed(3)} ${ratio >= 0.9 ? 'ok' : 'BELOW 0.9'}`);
  }
  console.log(
    `  node http / undici (fixed users): ${(medians[FIXED_HTTP]! / medians[FIXED_UNDICI]!).toFixed(3)}`,
  );
  console.log(
    `  rising-users peak / fixed users:  ${(medians[RISING]! / medians[FIXED_UNDICI]!).toFixed(3)}`,
  );
  return medians;
}

async function main(): Promise<void> {
  const server = await startModelServer({ port: 0, workers: 1, ...(serverCpus ? { cpus: serverCpus } : {}) });
  const wrk = hasWrk();
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-bench-'));
  console.log(
    `demo server ${server.url} (pid ${server.pids.join(',')}, cores ${serverCpus?.join(',') ?? 'all'}), ` +
      `generators on cores ${generatorCpus?.join(',') ?? 'all'} of ${availableParallelism()}; ` +
      `${connections} connections, ${seconds} s per measurement, ${runs} runs` +
      (wrk ? '' : '; wrk not on PATH (apt-get install wrk), skipped'),
  );
  try {
    const demo = await measureScenario(
      'the demo payload: 100 rows, the local Default job',
      demoPayload,
      server,
      wrk ? writeWrkScript(dir, 'demo', demoPayload) : undefined,
    );
    await measureScenario(
      'one row per request: a light server, the generator under stress',
      oneRowPayload,
      server,
      wrk ? writeWrkScript(dir, 'one-row', oneRowPayload) : undefined,
    );
    const peers = ['autocannon', 'wrk'].flatMap((peer) => (demo[peer] === undefined ? [] : [demo[peer]!]));
    const worst = Math.min(...peers.map((peer) => demo[FIXED_UNDICI]! / peer));
    console.log(
      `\nverdict on the demo payload: worst ratio ${worst.toFixed(3)} (${worst >= 0.9 ? 'ok' : 'below 0.9'})`,
    );
    if (worst < 0.9) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

await main();
