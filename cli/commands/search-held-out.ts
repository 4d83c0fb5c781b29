/**
 * The held-out part of `scaleplan search`: the traces cut into windows (UTC days by default), the
 * rolling held-out search with forecast schedules among the candidates, and its table.
 */
import { searchHeldOutInParallel } from '../../shared/adapters/local/held-out-workers';
import { forecastCandidates } from '../../shared/core/sim/forecast';
import {
  type HeldOutInput,
  type HeldOutResult,
  type HistoryWindow,
  type JudgedCandidate,
  splitIntoWindows,
} from '../../shared/core/sim/holdout';
import type { SearchInput } from '../../shared/core/sim/search';

/** Windows of every open-traffic scenario, oldest first (closed traffic, IR phases, has none). */
export function historyWindows(scenarios: SearchInput['scenarios'], windowSeconds: number): HistoryWindow[] {
  return scenarios
    .flatMap((s) => (s.traffic.kind === 'open' ? splitIntoWindows(s.traffic, windowSeconds) : []))
    .sort((a, b) => a.traffic.startEpochSeconds - b.traffic.startEpochSeconds);
}

/**
 * Runs the rolling held-out search on `windows` with forecast schedules among the candidates, the
 * grid simulated on `workers` worker threads (default: the machine's cores).
 */
export async function runHeldOut(
  input: Omit<SearchInput, 'scenarios'>,
  windows: HistoryWindow[],
  trainingWindows: number,
  workers?: number,
): Promise<HeldOutResult> {
  const heldOutInput: HeldOutInput = {
    ...input,
    windows,
    // Every window after the first is a test window, trained on up to trainingWindows before it.
    minTrainingWindows: 1,
    maxTrainingWindows: trainingWindows,
    trainingCandidates: (training) =>
      forecastCandidates(training, input.base, input.analysis.peakInvocationsPerMinute),
  };
  const {
    workers: _,
    workerSimulations,
    ...result
  } = await searchHeldOutInParallel(heldOutInput, workers === undefined ? {} : { workers });
  // The simulations of the whole search, the workers' included.
  return { ...result, simulations: result.simulations + workerSimulations };
}

const pct = (x: number) => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(3)}%`);

/** The held-out result as a fixed-width table: per test window, in-sample and held-out. */
export function heldOutTable(result: HeldOutResult): string {
  const rows: string[][] = [
    ['test window', 'row', 'policy', 'in-sample h', 'in-sample SLO', 'held-out h', 'held-out SLO'],
  ];
  const add = (test: string, kind: string, c: JudgedCandidate) =>
    rows.push([
      test,
      kind,
      c.label,
      c.inSample.instanceHours.toFixed(2),
      pct(c.inSample.sloAttainment),
      c.heldOut.instanceHours.toFixed(2),
      pct(c.heldOut.sloAttainment),
    ]);
  for (const fold of result.folds) {
    if (fold.recommended) add(fold.test, 'recommended', fold.recommended);
    else rows.push([fold.test, 'recommended', '(no candidate meets the SLO in-sample)', '-', '-', '-', '-']);
    for (const b of fold.baselines) add(fold.test, 'baseline', b);
    rows.push([
      fold.test,
      'oracle',
      'clairvoyant at the peak',
      fold.oracleAtPeak.inSampleInstanceHours.toFixed(2),
      '-',
      fold.oracleAtPeak.heldOutInstanceHours.toFixed(2),
      '-',
    ]);
    for (const f of fold.front) add(fold.test, 'front', f);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const fin = result.final;
  const final = fin.recommended
    ? `recommended for the traffic to come (trained on ${fin.training[0]}..${fin.training.at(-1)}): ${fin.recommended.label}; ${fin.recommended.inSample.instanceHours.toFixed(2)} instance-hours in-sample, worst window ${pct(fin.recommended.inSample.sloAttainment)}; ${fin.monthlyCostUsd?.toFixed(2)} USD per month`
    : 'no recommendation: no candidate meets the SLO plus the margin on every training window';
  return `${rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n')}\n${final}\n${result.reasons.map((r) => `${r.code}: ${r.message}`).join('\n')}\n`;
}
