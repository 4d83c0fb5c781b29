/**
 * `npm run bench:twin`: is the twin right about a real server? Starts the demo model server
 * pinned (defaultServerCpus), runs a calibration benchmark (the local Default job: paced rising
 * users), analyzes it, then a separate validation run of unpaced closed-loop users in stairs
 * (1, 2, 3, 4, 6, 8 users by default), and compares the twin's prediction at each user count with
 * what was measured (`compareTwinWithBenchmark`). Prints a table and the median / max errors
 * against the 15% goal. Not a test: the numbers depend on the machine.
 *
 * Options: --users 1,2,3,4,6,8  --step-seconds 10 (validation, per user count)
 *          --calibration-seconds 60  --period-seconds 10 (calibration)  --runs 1
 *          --save FILE (every run's analysis and measured steps, JSON, to re-score offline)
 * Loopback only; every run is bounded in time; the server is stopped in all cases.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { defaultGeneratorCpus, runLocalBenchmark } from '../shared/adapters/local/loadgen';
import {
  DEMO_PAYLOAD_PATH,
  defaultServerCpus,
  type RunningModelServer,
  startModelServer,
} from '../shared/adapters/local/model-server';
import { analyzeBenchmark } from '../shared/core/benchmark';
import type { BenchmarkSeries } from '../shared/core/benchmark-file';
import {
  type CalibrationReport,
  compareTwinWithBenchmark,
  type MeasuredClosedLoopStep,
} from '../shared/core/sim/calibration';
import type { BenchmarkAnalysis } from '../shared/core/types';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1,2,3,4,6,8' },
    'step-seconds': { type: 'string', default: '10' },
    'calibration-seconds': { type: 'string', default: '60' },
    'period-seconds': { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    /** Write every run's calibration analysis and measured steps as JSON, to re-score a model offline. */
    save: { type: 'string' },
  },
});
const userCounts = values.users.split(',').map(Number);
const stepSeconds = Number(values['step-seconds']);
const calibrationSeconds = Number(values['calibration-seconds']);
const periodSeconds = Number(values['period-seconds']);
const runs = Number(values.runs);
if (userCounts.some((u) => !Number.isInteger(u) || u < 1) || !(stepSeconds >= 1) || !(runs >= 1))
  throw new Error('usage: --users 1,2,4 (integers >= 1) --step-seconds S (>= 1) --runs N (>= 1)');
/** Hard bound on one validation run: the stairs plus slack for the last period. */
const validationSeconds = userCounts.length * stepSeconds;

const payload = readFileSync(DEMO_PAYLOAD_PATH);
const serverCpus = defaultServerCpus();
const generatorCpus = defaultGeneratorCpus(serverCpus);
/** Ctrl-C or SIGTERM ends the current run early; the server is then stopped by `main`'s finally. */
const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
const pinning = {
  signal: abort.signal,
  ...(serverCpus ? { serverCpus } : {}),
  ...(generatorCpus ? { generatorCpus } : {}),
};

async function calibrate(server: RunningModelServer): Promise<BenchmarkAnalysis> {
  const series = await runLocalBenchmark({
    url: server.url,
    payload,
    serverPids: server.pids,
    ...pinning,
    periodSeconds,
    maxDurationSeconds: calibrationSeconds,
    onPeriod: (p) =>
      console.error(
        `  calibration ${String(p.periodIndex + 1).padStart(2)}: ${p.users} paced users ` +
          `${Math.round(p.invocationsPerMinute).toLocaleString('en-US').padStart(8)}/min p95 ${p.p95Ms.toFixed(2)} ms`,
      ),
  });
  if (abort.signal.aborted) throw new Error('interrupted');
  return analyzeBenchmark(series);
}

/**
 * Unpaced closed-loop users, one stair per user count: IR's STAIRS adds the same number of users
 * at every step, so uneven counts (1, 2, 3, 4, 6, 8) are phases without spawning, one per count.
 * One period per stair; the plateau rule is off (flat throughput is expected once saturated).
 */
async function validate(server: RunningModelServer): Promise<MeasuredClosedLoopStep[]> {
  const series: BenchmarkSeries = await runLocalBenchmark({
    url: server.url,
    payload,
    serverPids: server.pids,
    ...pinning,
    periodSeconds: stepSeconds,
    maxDurationSeconds: validationSeconds,
    load: {
      kind: 'phases',
      phases: userCounts.map((users) => ({
        initialUsers: users,
        spawnRatePerMinute: 0,
        durationSeconds: stepSeconds,
      })),
    },
    stopRule: { detectPlateau: false },
  });
  const steps: MeasuredClosedLoopStep[] = [];
  series.points.forEach((point, i) => {
    const covered = point.coveredSeconds ?? series.periodSeconds;
    if (covered < 0.95 * series.periodSeconds || i >= userCounts.length) return;
    if (point.invocation4xxErrors + point.invocation5xxErrors > 0)
      console.error(
        `  validation step ${i + 1}: ${point.invocation5xxErrors} 5XX, ${point.invocation4xxErrors} 4XX`,
      );
    steps.push({
      users: point.users ?? userCounts[i]!,
      invocationsPerMinute: (point.invocations * 60) / covered,
      p95Ms: (point.modelLatencyP95Us ?? 0) / 1000,
    });
  });
  return steps;
}

const pct = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(1)}%`;
const num = (n: number) => Math.round(n).toLocaleString('en-US');

function printReport(report: CalibrationReport, title: string): void {
  console.log(`\n${title}`);
  console.log('users  measured/min  predicted/min  error    measured p95  predicted p95  error');
  for (const s of report.steps) {
    console.log(
      `${String(s.users).padStart(5)}  ${num(s.measured.invocationsPerMinute).padStart(12)}  ` +
        `${num(s.predicted.invocationsPerMinute).padStart(13)}  ${pct(s.throughputRelativeError).padStart(7)}  ` +
        `${s.measured.p95Ms.toFixed(2).padStart(9)} ms  ${s.predicted.p95Ms.toFixed(2).padStart(10)} ms  ` +
        `${pct(s.p95RelativeError).padStart(7)}`,
    );
  }
  for (const reason of report.reasons) console.log(`  ${reason.message}`);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const server = await startModelServer({ port: 0, workers: 1, ...(serverCpus ? { cpus: serverCpus } : {}) });
  console.log(
    `demo server ${server.url} (pid ${server.pids.join(',')}, cores ${serverCpus?.join(',') ?? 'all'}), ` +
      `generator on cores ${generatorCpus?.join(',') ?? 'all'}; calibration paced ${calibrationSeconds} s, ` +
      `validation unpaced users ${userCounts.join(',')} x ${stepSeconds} s, ${runs} run(s)`,
  );
  const reports: CalibrationReport[] = [];
  const saved: { analysis: BenchmarkAnalysis; measured: MeasuredClosedLoopStep[] }[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const analysis = await calibrate(server);
      console.error(
        `  calibration: peak ${num(analysis.peakInvocationsPerMinute)}/min, ${analysis.latencyCurve.length} curve points`,
      );
      const measured = await validate(server);
      if (abort.signal.aborted) throw new Error('interrupted');
      if (measured.length === 0) throw new Error('the validation run recorded no full period');
      const report = compareTwinWithBenchmark(analysis, measured);
      printReport(report, `run ${run}: twin (calibrated on the paced run) against unpaced closed-loop users`);
      reports.push(report);
      saved.push({ analysis, measured });
    }
  } finally {
    await server.stop();
    if (values.save) writeFileSync(values.save, `${JSON.stringify(saved, null, 2)}\n`);
  }
  if (runs > 1) {
    const med = (f: (r: CalibrationReport) => number) => `${(median(reports.map(f)) * 100).toFixed(1)}%`;
    console.log(`\nmedian over ${runs} runs:`);
    console.log(
      `  throughput: median error ${med((r) => r.throughput.medianAbsRelativeError)}, ` +
        `max ${med((r) => r.throughput.maxAbsRelativeError)}`,
    );
    console.log(
      `  p95:        median error ${med((r) => r.p95.medianAbsRelativeError)}, ` +
        `max ${med((r) => r.p95.maxAbsRelativeError)}`,
    );
  }
  const last = reports.at(-1)!;
  const ok = last.throughput.withinGoal && last.p95.withinGoal;
  console.log(
    `\nverdict (goal: every step within ${(last.goal * 100).toFixed(0)}%): throughput ` +
      `${last.throughput.withinGoal ? 'ok' : 'off'}, p95 ${last.p95.withinGoal ? 'ok' : 'off'}${ok ? '' : ' (see docs/simulator.md)'}`,
  );
}

await main();
