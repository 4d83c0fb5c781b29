/**
 * `npm run bench:fleet`: does the twin predict a real fleet? The same policy sets on the same
 * traffic, in the digital twin and on the local endpoint (real demo-model processes under a cgroup
 * CPU quota, a router, the local CloudWatch and Application Auto Scaling on a scaled clock),
 * several runs each. Not a test: the numbers depend on the machine.
 *
 * 1. Calibration, as the product does it: one instance of the fleet's size (the same command and
 *    CPU quota, started the way the fleet starts it) is benchmarked by the local Default job (the
 *    load generator's paced rising users); its series, read on the scaled clock (a real period of
 *    p seconds is p x timeScale AWS seconds), is analyzed by `analyzeBenchmark`. That analysis is
 *    all the twin knows of an instance.
 * 2. Policy sets derived from that analysis by `derivePlan` (goal, capacities from the traffic):
 *    "target tracking" (InvocationsPerInstance, smooth cooldowns 300 / 300 s) and "step + target
 *    tracking" (spiky: 10 / 100 s and the step policy with its alarm).
 * 3. Traffic, per AWS minute: a step, a ramp, a spike, and a window of WorldCup98 read from
 *    ../shared/traces (skipped with a message when absent). The fleet is driven open-loop at those
 *    rates, compressed by the time scale; the twin gets the same per-minute requests.
 * 4. Per run and as medians: each scale-out and scale-in, twin minus fleet in periods; instance-
 *    hours, errors, p95 and SLO attainment of both and the twin's error on each; the verdict.
 *
 * Options: --runs 3  --time-scale 60  --cases step,ramp,spike,trace  --latency-slo-ms 100
 *          --slo-target 0.99  --max-capacity 3  --quick (1 run, step and spike only)
 *          --save FILE (JSON of every run, with the per-minute series of both)
 * Loopback only; every fleet is stopped on every way out.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  applyScalingRequests,
  createLocalEndpoint,
  defaultInstanceCores,
  detectCpuLimiter,
  driveOpenLoop,
  LOCAL_FLEET_NAMESPACE,
  type LocalEndpoint,
  type MetricDataQuery,
  SAGEMAKER_NAMESPACE,
} from '../shared/adapters/local/fleet';
import { startInstance } from '../shared/adapters/local/fleet/instance';
import { runLocalBenchmark } from '../shared/adapters/local/loadgen';
import { DEMO_PAYLOAD_PATH } from '../shared/adapters/local/model-server';
import { readTraceFile, sharedTracePath } from '../shared/adapters/local/traces';
import { analyzeBenchmark } from '../shared/core/benchmark';
import type { BenchmarkSeries } from '../shared/core/benchmark-file';
import { derivePlan } from '../shared/core/plan';
import { buildScalingRequests } from '../shared/core/policies';
import { PolicyChoiceSchema } from '../shared/core/request';
import { minuteSeries, simulate } from '../shared/core/sim/results';
import { DEFAULT_SIM_SETTINGS } from '../shared/core/sim/settings';
import { countsTraffic, rescaleTraffic, windowTraffic } from '../shared/core/sim/traffic';
import type { BenchmarkAnalysis, PolicySet } from '../shared/core/types';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'time-scale': { type: 'string', default: '60' },
    cases: { type: 'string', default: 'step,ramp,spike,trace' },
    'latency-slo-ms': { type: 'string', default: '100' },
    'slo-target': { type: 'string', default: '0.99' },
    'max-capacity': { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    save: { type: 'string' },
  },
});

/** A bad option: one line naming it and what is expected, exit code 2. */
function usage(message: string): never {
  console.error(`bench:fleet: ${message}`);
  process.exit(2);
}

function positive(name: string, text: string, integer = false): number {
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value)))
    usage(`--${name} must be a ${integer ? 'whole ' : ''}number > 0, got "${text}"`);
  return value;
}

const runs = values.quick ? 1 : positive('runs', values.runs, true);
const timeScale = positive('time-scale', values['time-scale']);
const latencySloMs = positive('latency-slo-ms', values['latency-slo-ms']);
const sloTarget = positive('slo-target', values['slo-target']);
if (sloTarget > 1) usage(`--slo-target is a share of requests in (0, 1], got ${sloTarget}`);
const maxCapacity = positive('max-capacity', values['max-capacity'], true);
const CASE_NAMES = ['step', 'ramp', 'spike', 'trace'] as const;
type CaseName = (typeof CASE_NAMES)[number];
const caseNames = (values.quick ? 'step,spike' : values.cases).split(',') as CaseName[];
for (const name of caseNames)
  if (!CASE_NAMES.includes(name)) usage(`--cases: "${name}" is not one of ${CASE_NAMES.join(', ')}`);

/** Real seconds of each calibration period (p x timeScale AWS seconds) and the whole calibration. */
const CALIBRATION_PERIOD_SECONDS = 5;
const CALIBRATION_MAX_SECONDS = 50;
const ENDPOINT_NAME = 'bench-fleet';
const payload = readFileSync(DEMO_PAYLOAD_PATH);
const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());

// ---------------------------------------------------------------------------------------------
// 1. Calibration: one instance of the fleet's size, benchmarked as the local Default job does.

interface Calibration {
  analysis: BenchmarkAnalysis;
  series: BenchmarkSeries;
  how: string;
}

async function calibrateOneInstance(instanceCores: number): Promise<Calibration> {
  const limiter = detectCpuLimiter();
  const instance = await startInstance({
    id: 'calibration',
    command: { kind: 'demo' },
    limiter,
    cores: instanceCores,
    startTimeoutMs: 30_000,
    onUnexpectedExit: (_id, why) => console.error(`calibration instance exited: ${why}`),
  });
  try {
    const real = await runLocalBenchmark({
      url: instance.url,
      payload,
      serverPids: [instance.pid],
      vcpus: 2,
      periodSeconds: CALIBRATION_PERIOD_SECONDS,
      maxDurationSeconds: CALIBRATION_MAX_SECONDS,
      signal: abort.signal,
      onPeriod: (p) =>
        console.error(
          `  calibration ${String(p.periodIndex + 1).padStart(2)}: ${p.users} paced users, ` +
            `${Math.round((p.invocations * 60) / (CALIBRATION_PERIOD_SECONDS * timeScale))}/min (scaled), p95 ${p.p95Ms.toFixed(1)} ms`,
        ),
    });
    if (abort.signal.aborted) throw new Error('interrupted');
    // The same counts over periods of p x timeScale AWS seconds: invocations per scaled minute.
    const series: BenchmarkSeries = {
      ...real,
      periodSeconds: real.periodSeconds * timeScale,
      points: real.points.map((point) => ({
        ...point,
        ...(point.coveredSeconds === undefined ? {} : { coveredSeconds: point.coveredSeconds * timeScale }),
      })),
    };
    const analysis = analyzeBenchmark(series, { latencySlo: { percentile: 'P95', ms: latencySloMs } });
    return {
      analysis,
      series,
      how:
        `one demo instance under ${limiter.mode} at ${instanceCores} cores (the fleet's size for Max ${maxCapacity}), ` +
        `benchmarked by the local Default job (paced rising users, ${CALIBRATION_PERIOD_SECONDS} s periods = ` +
        `${CALIBRATION_PERIOD_SECONDS * timeScale} AWS s, at most ${CALIBRATION_MAX_SECONDS} s) and analyzed by analyzeBenchmark`,
    };
  } finally {
    await instance.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Policy sets, derived from the calibration by the product's own derivation.

/** The goal (percent of the instance's peak) of both sets' InvocationsPerInstance target. */
const GOAL_PERCENT = 50;
/** Traffic in units of the target: light (1 instance), the plan's peak (3 instances at growth 1.2), a spike above it. */
const BASE_OF_TARGET = 0.5;
const PEAK_OF_TARGET = 2.2;
const SPIKE_OF_TARGET = 3;

interface NamedPolicySet {
  name: string;
  policySet: PolicySet;
}

function derivePolicySets(series: BenchmarkSeries, target: number): NamedPolicySet[] {
  const request = (pattern: 'smooth' | 'spiky') => ({
    instanceType: series.instanceType,
    goal: GOAL_PERCENT,
    thresholdMethod: 'peakShare' as const,
    maxInstancesLimit: maxCapacity,
    latencySlo: { percentile: 'P95' as const, ms: latencySloMs },
    // AWS requests per second: the scaled clock's invocations per minute / 60.
    traffic: {
      minRps: (BASE_OF_TARGET * target) / 60,
      maxRps: (PEAK_OF_TARGET * target) / 60,
      growthFactor: 1.2,
      pattern,
    },
    policies: PolicyChoiceSchema.parse({ cpuTargetTracking: false, stepScaling: pattern === 'spiky' }),
    stepBounds: 'scaled' as const,
  });
  return [
    { name: 'target tracking', policySet: derivePlan(series, request('smooth')).policySet },
    { name: 'step + target tracking', policySet: derivePlan(series, request('spiky')).policySet },
  ];
}

// ---------------------------------------------------------------------------------------------
// 3. Traffic: requests per AWS minute.

/** Minutes of every synthetic case: long enough for a scale-out, the 15 low datapoints and a scale-in. */
const CASE_MINUTES = 30;

interface TrafficCase {
  name: string;
  /** Requests in each AWS minute. */
  perMinute: number[];
}

function syntheticCase(name: Exclude<CaseName, 'trace'>, target: number): TrafficCase {
  const base = BASE_OF_TARGET * target;
  const peak = PEAK_OF_TARGET * target;
  const at = (minute: number): number => {
    if (name === 'step') return minute >= 2 && minute < 12 ? peak : base;
    if (name === 'spike') return minute >= 3 && minute < 7 ? SPIKE_OF_TARGET * target : base;
    // ramp: up over 10 minutes, 3 at the peak, down over 3
    if (minute < 2) return base;
    if (minute < 12) return base + ((peak - base) * (minute - 1)) / 10;
    if (minute < 15) return peak;
    if (minute < 18) return peak - ((peak - base) * (minute - 14)) / 4;
    return base;
  };
  return { name, perMinute: Array.from({ length: CASE_MINUTES }, (_, m) => at(m)) };
}

/**
 * A window of WorldCup98 (per-minute counts; Arlitt and Jin, Internet Traffic Archive) around the
 * rise of a match, rescaled so that its busiest minute is the plan's peak; null when the trace is
 * not next to the repository.
 */
function traceCase(target: number): TrafficCase | null {
  let path: string;
  try {
    path = sharedTracePath(REPO_ROOT, 'worldcup98-per-minute.csv');
  } catch (error) {
    console.log(`trace case skipped: ${(error as Error).message}`);
    return null;
  }
  const trace = readTraceFile(path);
  if (trace.kind !== 'open') throw new Error('worldcup98-per-minute.csv: expected per-period counts');
  // 1998-07-07 (a semi-final day): 8 minutes before the day's busiest minute, then 22 after.
  const day = windowTraffic(trace, {
    startEpochSeconds: Date.parse('1998-07-07T00:00:00Z') / 1000,
    durationSeconds: 86_400,
  });
  let busiest = 0;
  day.requests.forEach((r, i) => {
    if (r > day.requests[busiest]!) busiest = i;
  });
  const window = windowTraffic(day, {
    startEpochSeconds: day.startEpochSeconds + (busiest - 8) * day.stepSeconds,
    durationSeconds: CASE_MINUTES * 60,
  });
  const rescaled = rescaleTraffic(window, (PEAK_OF_TARGET * target) / 60);
  return {
    name: `trace (WorldCup98 from ${new Date(window.startEpochSeconds * 1000).toISOString().slice(0, 16)}Z)`,
    perMinute: [...rescaled.requests],
  };
}

// ---------------------------------------------------------------------------------------------
// 4. One run of a policy set on a case: on the fleet, and in the twin.

interface Activity {
  /** AWS minutes since the traffic started (fractional on the fleet, whole in the twin). */
  minute: number;
  fromCapacity: number;
  toCapacity: number;
}

interface Outcome {
  activities: Activity[];
  instanceHours: number;
  requests: number;
  errors: number;
  p95Ms: number;
  sloAttainment: number;
  /** Per AWS minute, for --save: requests, 5XX, p95 ms, InService instances. */
  minutes: { requests: number; errors: number; p95Ms: number; instances: number }[];
}

const query = (
  Id: string,
  MetricName: string,
  Stat: string,
  Namespace = SAGEMAKER_NAMESPACE,
): MetricDataQuery => ({
  Id,
  MetricStat: { Metric: { Namespace, MetricName }, Period: 60, Stat },
});

/** Sum over the window's periods of one query's values. */
function summed(
  endpoint: LocalEndpoint,
  q: MetricDataQuery,
  fromSeconds: number,
  toSeconds: number,
): number[] {
  const output = endpoint.getMetricData(
    {
      MetricDataQueries: [q],
      StartTime: new Date(fromSeconds * 1000),
      EndTime: new Date(toSeconds * 1000),
      ScanBy: 'TimestampAscending',
    },
    toSeconds + 3600,
  );
  return output.MetricDataResults[0]!.Values;
}

/**
 * The fleet's latency figures over the window from its published per-period metrics: the share of
 * requests within the SLO (PR(:SLO) x SampleCount of ModelLatency, summed) and the window's p95,
 * found by bisection on the summed percentile ranks (exact to 1 µs, as if one period held the window).
 */
function fleetLatency(endpoint: LocalEndpoint, fromSeconds: number, toSeconds: number, requests: number) {
  const counts = summed(endpoint, query('n', 'ModelLatency', 'SampleCount'), fromSeconds, toSeconds);
  const answered = counts.reduce((a, b) => a + b, 0);
  const shareAtOrBelow = (us: number) => {
    const ranks = summed(endpoint, query('r', 'ModelLatency', `PR(:${us})`), fromSeconds, toSeconds);
    return ranks.reduce((sum, r, i) => sum + (r / 100) * counts[i]!, 0) / Math.max(1, answered);
  };
  let lo = 0;
  let hi = 120_000_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (shareAtOrBelow(mid) >= 0.95) hi = mid;
    else lo = mid;
  }
  const within = shareAtOrBelow(latencySloMs * 1000) * answered;
  return { p95Ms: hi / 1000, sloAttainment: requests > 0 ? within / requests : 1 };
}

/** Instance-hours over the window: every instance process from its start to its stop (as billed). */
function fleetInstanceHours(
  endpoint: LocalEndpoint,
  fromSeconds: number,
  toSeconds: number,
  initial: number,
): number {
  let running = initial;
  let at = fromSeconds;
  let seconds = 0;
  for (const event of endpoint.events) {
    if (event.atSeconds <= fromSeconds || event.atSeconds >= toSeconds) continue;
    const change = event.kind === 'instanceStarting' ? 1 : event.kind === 'instanceStopped' ? -1 : 0;
    if (change === 0) continue;
    seconds += running * (event.atSeconds - at);
    at = event.atSeconds;
    running += change;
  }
  return (seconds + running * (toSeconds - at)) / 3600;
}

async function runOnFleet(
  set: NamedPolicySet,
  traffic: TrafficCase,
  instanceCores: number,
): Promise<Outcome> {
  const { policySet } = set;
  const endpoint = await createLocalEndpoint({
    endpointName: ENDPOINT_NAME,
    command: { kind: 'demo' },
    initialInstanceCount: policySet.minCapacity,
    maxInstances: policySet.maxCapacity,
    timeScale,
    routingStrategy: 'LEAST_OUTSTANDING_REQUESTS',
    instanceCores,
  });
  try {
    applyScalingRequests(
      endpoint.autoscaling,
      buildScalingRequests({ endpointName: ENDPOINT_NAME, variantName: endpoint.variantName }, policySet),
    );
    const { clock } = endpoint;
    // Traffic minute 0 is a whole period of the fleet's CloudWatch, as the twin's minute 0.
    const startSeconds =
      clock.startEpochSeconds + Math.ceil((clock.nowSeconds() - clock.startEpochSeconds) / 60 + 0.1) * 60;
    await clock.sleep(startSeconds - clock.nowSeconds(), abort.signal);
    const minutes = traffic.perMinute.length;
    const sent = await driveOpenLoop({
      invocationsUrl: endpoint.invocationsUrl,
      payload,
      contentType: 'text/csv',
      // real requests per second = requests per AWS minute x timeScale / 60
      rateAt: (realSeconds) =>
        ((traffic.perMinute[Math.floor((realSeconds * timeScale) / 60)] ?? 0) * timeScale) / 60,
      durationMs: clock.realMs(minutes * 60),
      maxInFlight: 4096,
      timeoutMs: clock.realMs(3 * DEFAULT_SIM_SETTINGS.invocationTimeoutSeconds) + 5_000,
      signal: abort.signal,
    });
    if (abort.signal.aborted) throw new Error('interrupted');
    if (sent.droppedByClient > 0)
      console.error(`  ${sent.droppedByClient} requests dropped by the client (in-flight bound)`);
    const endSeconds = startSeconds + minutes * 60;
    const sum = (name: string) =>
      summed(endpoint, query('x', name, 'Sum'), startSeconds, endSeconds).reduce((a, b) => a + b, 0);
    const requests = sum('Invocations');
    const errors = sum('Invocation5XXErrors') + sum('Invocation4XXErrors');
    const series = (q: MetricDataQuery) => summed(endpoint, q, startSeconds, endSeconds);
    const [invocations, fiveXx, p95s, instances] = [
      series(query('i', 'Invocations', 'Sum')),
      series(query('e', 'Invocation5XXErrors', 'Sum')),
      series(query('p', 'ModelLatency', 'p95')),
      series(query('n', 'InServiceInstances', 'Maximum', LOCAL_FLEET_NAMESPACE)),
    ];
    return {
      minutes: invocations.map((requests, i) => ({
        requests,
        errors: fiveXx[i] ?? 0,
        p95Ms: (p95s[i] ?? 0) / 1000,
        instances: instances[i] ?? 0,
      })),
      activities: endpoint.activities
        .filter((a) => a.atSeconds >= startSeconds && a.atSeconds < endSeconds)
        .map((a) => ({
          minute: (a.atSeconds - startSeconds) / 60,
          fromCapacity: a.fromCapacity,
          toCapacity: a.toCapacity,
        })),
      instanceHours: fleetInstanceHours(endpoint, startSeconds, endSeconds, policySet.minCapacity),
      requests,
      errors,
      ...fleetLatency(endpoint, startSeconds, endSeconds, requests),
    };
  } finally {
    await endpoint.stop();
  }
}

function runInTwin(set: NamedPolicySet, traffic: TrafficCase, analysis: BenchmarkAnalysis): Outcome {
  const result = simulate({
    policySet: set.policySet,
    analysis,
    traffic: countsTraffic(traffic.perMinute, { stepSeconds: 60 }),
    latencySloMs,
    // The fleet's latencies are real while its clock runs timeScale times faster.
    settings: { timeScale },
  });
  const s = result.summary;
  return {
    minutes: minuteSeries(result).map((m) => ({
      requests: m.invocations,
      errors: m.invocation5xxErrors,
      p95Ms: m.modelLatencyP95Us / 1000,
      instances: m.inServiceInstances,
    })),
    activities: result.activities.map((a) => ({
      minute: a.epochSeconds / 60,
      fromCapacity: a.fromCapacity,
      toCapacity: a.toCapacity,
    })),
    instanceHours: s.instanceHours,
    requests: s.requests,
    errors: s.errorCount,
    p95Ms: s.p95LatencyMs,
    sloAttainment: s.sloAttainment,
  };
}

// ---------------------------------------------------------------------------------------------
// 5. The comparison, per run and as medians.

/** The issue's goals: activities within one period, instance-hours within 10%, p95 within 20%. */
const GOAL = { activityPeriods: 1, instanceHours: 0.1, p95: 0.2 } as const;

interface Comparison {
  caseName: string;
  setName: string;
  run: number;
  twin: Outcome;
  fleet: Outcome;
  /** Twin minus fleet, AWS periods (minutes), per scale-out and scale-in in order; null: unmatched. */
  scaleOutDeltas: (number | null)[];
  scaleInDeltas: (number | null)[];
  instanceHoursError: number;
  p95Error: number;
  /** Twin minus fleet, percentage points. */
  sloAttainmentDelta: number;
  sameVerdict: boolean;
}

function deltas(twin: Activity[], fleet: Activity[], out: boolean): (number | null)[] {
  const pick = (list: Activity[]) => list.filter((a) => a.toCapacity > a.fromCapacity === out);
  const t = pick(twin);
  const f = pick(fleet);
  return Array.from({ length: Math.max(t.length, f.length) }, (_, i) =>
    t[i] && f[i] ? t[i]!.minute - f[i]!.minute : null,
  );
}

const passes = (o: Outcome) => o.sloAttainment >= sloTarget;

function compare(caseName: string, setName: string, run: number, twin: Outcome, fleet: Outcome): Comparison {
  return {
    caseName,
    setName,
    run,
    twin,
    fleet,
    scaleOutDeltas: deltas(twin.activities, fleet.activities, true),
    scaleInDeltas: deltas(twin.activities, fleet.activities, false),
    instanceHoursError: (twin.instanceHours - fleet.instanceHours) / fleet.instanceHours,
    p95Error: (twin.p95Ms - fleet.p95Ms) / fleet.p95Ms,
    sloAttainmentDelta: (twin.sloAttainment - fleet.sloAttainment) * 100,
    sameVerdict: passes(twin) === passes(fleet),
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2
      ? sorted[mid]!
      : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const pct = (x: number) => `${signed(x * 100)}%`;
const deltaList = (ds: (number | null)[]) =>
  ds.length === 0 ? '-' : ds.map((d) => (d === null ? 'unmatched' : signed(d))).join(' ');

function printComparison(c: Comparison): void {
  const { twin: t, fleet: f } = c;
  console.log(
    `${c.caseName.slice(0, 5).padEnd(5)} ${c.setName.padEnd(22)} ${String(c.run).padStart(3)}  ` +
      `out ${deltaList(c.scaleOutDeltas).padEnd(14)} in ${deltaList(c.scaleInDeltas).padEnd(12)} ` +
      `h ${t.instanceHours.toFixed(3)}/${f.instanceHours.toFixed(3)} ${pct(c.instanceHoursError).padStart(7)}  ` +
      `err ${Math.round(t.errors)}/${Math.round(f.errors)}  ` +
      `p95 ${t.p95Ms.toFixed(1)}/${f.p95Ms.toFixed(1)} ms ${pct(c.p95Error).padStart(7)}  ` +
      `SLO ${(t.sloAttainment * 100).toFixed(2)}/${(f.sloAttainment * 100).toFixed(2)}% ${signed(c.sloAttainmentDelta, 2)} pt  ` +
      `${passes(t) ? 'pass' : 'fail'}/${passes(f) ? 'pass' : 'fail'}`,
  );
  const list = (o: Outcome) =>
    o.activities.map((a) => `${a.minute.toFixed(1)}:${a.fromCapacity}->${a.toCapacity}`).join(' ') || 'none';
  console.log(`      activities at AWS minute: twin ${list(t)}; fleet ${list(f)}`);
}

/** Medians per case and set over the runs, and whether each goal holds. */
function printMedians(all: Comparison[]): boolean {
  console.log("\nmedians over the runs (twin/fleet; the twin's error):");
  let allMet = true;
  const keys = [...new Set(all.map((c) => `${c.caseName}\u0000${c.setName}`))];
  for (const key of keys) {
    const group = all.filter((c) => `${c.caseName}\u0000${c.setName}` === key);
    const m = (f: (c: Comparison) => number) => median(group.map(f));
    const medianDeltas = (pickDeltas: (c: Comparison) => (number | null)[]) => {
      const length = Math.max(...group.map((c) => pickDeltas(c).length));
      return Array.from({ length }, (_, i) => {
        const matched = group.map((c) => pickDeltas(c)[i]).filter((d): d is number => typeof d === 'number');
        return matched.length * 2 > group.length ? median(matched) : null;
      });
    };
    const outs = medianDeltas((c) => c.scaleOutDeltas);
    const ins = medianDeltas((c) => c.scaleInDeltas);
    const timing = [...outs, ...ins].every((d) => d !== null && Math.abs(d) <= GOAL.activityPeriods);
    const hours = Math.abs(m((c) => c.instanceHoursError)) <= GOAL.instanceHours;
    const p95 = Math.abs(m((c) => c.p95Error)) <= GOAL.p95;
    const verdict = group.filter((c) => c.sameVerdict).length * 2 > group.length;
    allMet &&= timing && hours && p95 && verdict;
    const ok = (b: boolean) => (b ? 'ok' : 'MISS');
    const first = group[0]!;
    console.log(
      `${first.caseName.slice(0, 5).padEnd(5)} ${first.setName.padEnd(22)}  ` +
        `out ${deltaList(outs)} in ${deltaList(ins)} [${ok(timing)}]  ` +
        `h ${first.twin.instanceHours.toFixed(3)}/${m((c) => c.fleet.instanceHours).toFixed(3)} ${pct(m((c) => c.instanceHoursError))} [${ok(hours)}]  ` +
        `err ${Math.round(first.twin.errors)}/${Math.round(m((c) => c.fleet.errors))}  ` +
        `p95 ${first.twin.p95Ms.toFixed(1)}/${m((c) => c.fleet.p95Ms).toFixed(1)} ms ${pct(m((c) => c.p95Error))} [${ok(p95)}]  ` +
        `SLO ${(first.twin.sloAttainment * 100).toFixed(2)}/${(m((c) => c.fleet.sloAttainment) * 100).toFixed(2)}% ` +
        `${signed(
          m((c) => c.sloAttainmentDelta),
          2,
        )} pt  verdict ${ok(verdict)}`,
    );
  }
  return allMet;
}

// ---------------------------------------------------------------------------------------------

function describeSet(set: NamedPolicySet): string {
  const p = set.policySet;
  const tt = p.invocationsTargetTracking;
  const step = p.stepScaling;
  return (
    `${set.name}: Min ${p.minCapacity}, Max ${p.maxCapacity}` +
    (tt
      ? `, InvocationsPerInstance ${tt.targetValue}/min (cooldowns ${tt.scaleOutCooldownSeconds}/${tt.scaleInCooldownSeconds} s)`
      : '') +
    (step
      ? `, step alarm at ${step.alarmThresholdInvocationsPerInstance}/min on ${step.datapointsToAlarm} of ${step.evaluationPeriods}, ` +
        `steps ${step.steps.map((s) => `[${s.lower}, ${s.upper ?? 'inf'}) +${s.adjustment}`).join(' ')}, cooldown ${step.cooldownSeconds} s`
      : '')
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const instanceCores = defaultInstanceCores(maxCapacity);
  const uptime = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `# bench:fleet: twin against the local fleet, time scale ${timeScale} (one AWS minute = ${(60 / timeScale).toFixed(2)} real s), ` +
      `${runs} run(s), latency SLO ${latencySloMs} ms per request, verdict: SLO attainment >= ${sloTarget * 100}%; ` +
      `${availableParallelism()} cores, load average ${uptime()}`,
  );
  const calibration = await calibrateOneInstance(instanceCores);
  const { analysis } = calibration;
  console.log(`calibration: ${calibration.how}`);
  console.log(
    `  peak ${Math.round(analysis.peakInvocationsPerMinute)}/min per instance (scaled clock), ` +
      `${analysis.latencyCurve.length} curve points, lightest p95 ${analysis.latencyCurve[0]?.p95Ms?.toFixed(1)} ms`,
  );
  const target = Math.floor((analysis.peakInvocationsPerMinute * GOAL_PERCENT) / 100);
  const sets = derivePolicySets(calibration.series, target);
  for (const set of sets) console.log(`  ${describeSet(set)}`);
  const cases: TrafficCase[] = [];
  for (const name of caseNames) {
    const c = name === 'trace' ? traceCase(target) : syntheticCase(name, target);
    if (c) cases.push(c);
  }
  for (const c of cases)
    console.log(
      `  case ${c.name}: ${c.perMinute.length} min, ${Math.round(Math.min(...c.perMinute))}..${Math.round(Math.max(...c.perMinute))} requests/min`,
    );
  console.log(
    '\ncase  policy set             run  scale-out / scale-in: twin - fleet, periods   instance-hours twin/fleet (error)  errors twin/fleet  p95 twin/fleet (error)  SLO twin/fleet (twin - fleet)  verdict twin/fleet',
  );
  const all: Comparison[] = [];
  const twins = new Map<string, Outcome>();
  for (let run = 1; run <= runs; run++)
    for (const c of cases)
      for (const set of sets) {
        const key = `${c.name}\u0000${set.name}`;
        const twin = twins.get(key) ?? runInTwin(set, c, analysis);
        twins.set(key, twin);
        const fleet = await runOnFleet(set, c, instanceCores);
        const comparison = compare(c.name, set.name, run, twin, fleet);
        printComparison(comparison);
        all.push(comparison);
      }
  const met = printMedians(all);
  console.log(
    `\ngoal (every scaling activity within ${GOAL.activityPeriods} period, instance-hours within ${GOAL.instanceHours * 100}%, ` +
      `p95 within ${GOAL.p95 * 100}%, the same verdict): ${met ? 'met' : 'not met'}; ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s, load average ${uptime()}`,
  );
  if (values.save)
    writeFileSync(
      values.save,
      `${JSON.stringify({ calibration: { analysis, how: calibration.how }, sets, cases, comparisons: all }, null, 2)}\n`,
    );
}

try {
  await main();
} catch (error) {
  console.error(`bench:fleet: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
