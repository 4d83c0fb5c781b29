/**
 * `npm run bench:sim`: how fast and how good the digital twin is.
 * 1. one policy on 7 days of per-second traffic (goal: under 1 s);
 * 2. a search of the default grid (DEFAULT_SEARCH_GRID, its size printed) on one day of per-minute WorldCup98 traffic
 *    (goal: under 10 s);
 * 3. the search's best against the three baselines and the oracle on that day.
 * Medians over a few repetitions. The traffic is the WorldCup98 trace (Arlitt and Jin, Internet
 * Traffic Archive; per-minute counts from github.com/nimamahmoudi/worldcup98-dataset, MIT), read
 * from ../shared/traces next to the repository and never copied into it.
 * The instance is the AWS sample's ml.c5.large (peak 9068 invocations per minute) with a hand-made
 * latency curve; the fleet is the sample's plan (Min 1, Max 8, maxRps 500).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readTraceFile, sharedTracePath } from '../shared/adapters/local/traces';
import { simulate } from '../shared/core/sim/results';
import { type CandidateOutcome, searchPolicies } from '../shared/core/sim/search';
import { type OpenTraffic, resampleTraffic, rescaleTraffic, windowTraffic } from '../shared/core/sim/traffic';
import type { PolicySet } from '../shared/core/types';
import { AWS_SAMPLE_ANALYSIS as ANALYSIS, awsSamplePolicySet } from '../test/fixtures/aws-sample';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PEAK_RPS = 500;
const LATENCY_SLO_MS = 100;
const SLO_TARGET = 0.999;
const DAY = '1998-07-07T00:00:00Z';
const WEEK = '1998-06-24T00:00:00Z';

/** The AWS sample's plan, its invocations target tracking alone (the search's baseline). */
const BASE: PolicySet = awsSamplePolicySet({ cpuTargetTracking: undefined, stepScaling: undefined });

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timed<T>(repetitions: number, run: () => T): { medianMs: number; allMs: number[]; last: T } {
  const allMs: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    last = run();
    allMs.push(performance.now() - t0);
  }
  return { medianMs: median(allMs), allMs, last: last as T };
}

/** Per-second counts from per-minute ones: the minute's requests spread with a deterministic jitter. */
function perSecond(minutes: OpenTraffic): OpenTraffic {
  const flat = resampleTraffic(minutes, 1);
  let seed = 12345;
  const requests = flat.requests.map((r) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.max(0, r * (0.7 + (0.6 * seed) / 2147483648));
  });
  return { ...flat, requests };
}

function main(): void {
  const path = sharedTracePath(REPO_ROOT, 'worldcup98-per-minute.csv');
  const trace = readTraceFile(path);
  const at = (iso: string) => Date.parse(iso) / 1000;

  // 1. one policy, 7 days per second
  const week = perSecond(
    rescaleTraffic(
      windowTraffic(trace, { startEpochSeconds: at(WEEK), durationSeconds: 7 * 86400 }),
      PEAK_RPS,
    ),
  );
  const one = timed(5, () =>
    simulate({ policySet: BASE, analysis: ANALYSIS, traffic: week, latencySloMs: LATENCY_SLO_MS }),
  );
  const s = one.last.summary;
  // The same week with the twin stepping every second (its default step is 10 s).
  const perSecondSteps = timed(3, () =>
    simulate({
      policySet: BASE,
      analysis: ANALYSIS,
      traffic: week,
      latencySloMs: LATENCY_SLO_MS,
      settings: { stepSeconds: 1 },
    }),
  );
  console.log(
    `# bench:sim (WorldCup98 rescaled to a peak of ${PEAK_RPS} rps; latency SLO ${LATENCY_SLO_MS} ms per request)`,
  );
  console.log(
    `one policy, 7 days of per-second traffic (${week.requests.length} seconds, from ${WEEK}), 10 s steps: median ${one.medianMs.toFixed(0)} ms over ${one.allMs.length} runs [${one.allMs.map((x) => x.toFixed(0)).join(', ')}] (goal < 1000 ms) ${one.medianMs < 1000 ? 'OK' : 'SLOW'}`,
  );
  console.log(
    `  AWS sample policy on the week: ${s.instanceHours.toFixed(1)} instance-hours (oracle ${s.oracleInstanceHours.toFixed(1)}), SLO attainment ${(s.sloAttainment * 100).toFixed(3)}%, ${s.scalingActivities} scaling activities, p95 ${s.p95LatencyMs.toFixed(1)} ms`,
  );
  console.log(
    `  the same at 1 s steps: median ${perSecondSteps.medianMs.toFixed(0)} ms over ${perSecondSteps.allMs.length} runs [${perSecondSteps.allMs.map((x) => x.toFixed(0)).join(', ')}] (goal < 1000 ms) ${perSecondSteps.medianMs < 1000 ? 'OK' : 'SLOW'}; ${perSecondSteps.last.summary.instanceHours.toFixed(1)} instance-hours, SLO attainment ${(perSecondSteps.last.summary.sloAttainment * 100).toFixed(3)}%`,
  );

  // 2. search on one day per minute
  const day = rescaleTraffic(
    windowTraffic(trace, { startEpochSeconds: at(DAY), durationSeconds: 86400 }),
    PEAK_RPS,
  );
  const search = timed(3, () =>
    searchPolicies({
      analysis: ANALYSIS,
      base: BASE,
      scenarios: [{ name: `worldcup98 ${DAY.slice(0, 10)}`, traffic: day }],
      latencySloMs: LATENCY_SLO_MS,
      sloTarget: SLO_TARGET,
      allowedErrorRate: 0,
    }),
  );
  const r = search.last;
  console.log(
    `search of ${r.candidatesEvaluated} candidates on ${DAY.slice(0, 10)} (1440 minutes): median ${(search.medianMs / 1000).toFixed(2)} s over ${search.allMs.length} runs [${search.allMs.map((x) => (x / 1000).toFixed(2)).join(', ')}] (goal < 10 s) ${search.medianMs < 10000 ? 'OK' : 'SLOW'}`,
  );

  // 3. best vs baselines and oracle
  console.log(
    `\nresult on ${DAY.slice(0, 10)} (SLO: ${SLO_TARGET * 100}% of requests within ${LATENCY_SLO_MS} ms, no 5XX):`,
  );
  const row = (kind: string, label: string, hours: number, slo: string) =>
    console.log(
      `${kind.padEnd(9)} ${label.padEnd(52)} ${hours.toFixed(2).padStart(8)} h  ${slo.padStart(9)}`,
    );
  const pct = (o: CandidateOutcome) => `${(o.sloAttainment * 100).toFixed(3)}%`;
  if (r.best) row('best', r.best.label, r.best.instanceHours, pct(r.best));
  else console.log('best      (no candidate meets the SLO)');
  for (const b of r.baselines) row('baseline', b.label, b.instanceHours, pct(b));
  row(
    'oracle',
    `clairvoyant at ${r.oracle.targetInvocationsPerInstance}/min per instance`,
    r.oracle.instanceHours,
    '-',
  );
  row(
    'oracle',
    `clairvoyant at the peak ${r.oracleAtPeak.targetInvocationsPerInstance}/min`,
    r.oracleAtPeak.instanceHours,
    '-',
  );
  console.log(`(${r.reasons.map((x) => x.message).join('; ')}; front of ${r.front.length})`);
}

try {
  main();
} catch (error) {
  console.error(`bench:sim: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
