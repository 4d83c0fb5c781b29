/**
 * The held-out search on worker threads gives the search's result alone: the same folds, picks,
 * figures and final recommendation, with the grid's simulations run by the workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchHeldOutInParallel } from '../../shared/adapters/local/held-out-workers';
import { forecastCandidates } from '../../shared/core/sim/forecast';
import {
  gridSimulations,
  type HeldOutInput,
  searchHeldOut,
  splitIntoWindows,
} from '../../shared/core/sim/holdout';
import { countsTraffic } from '../../shared/core/sim/traffic';
import { ANALYSIS, policies } from '../sim/fixtures';

/** Per-minute counts over 4 days: a daily cosine, and a spike on day 1 that some candidates miss. */
function history() {
  const counts: number[] = [];
  for (let d = 0; d < 4; d++)
    for (let m = 0; m < 1440; m++)
      counts.push(
        3000 +
          9000 * (0.5 - 0.5 * Math.cos((2 * Math.PI * m) / 1440)) +
          (d === 1 && m >= 600 && m < 640 ? 8000 : 0),
      );
  return countsTraffic(counts, { stepSeconds: 60 });
}

const base = policies({ maxCapacity: 8 });
const input: HeldOutInput = {
  analysis: ANALYSIS,
  base,
  windows: splitIntoWindows(history()),
  latencySloMs: 100,
  sloTarget: 0.999,
  grid: {
    targetSharesOfPeak: [0.5, 0.7, 0.9],
    scaleOutCooldownSeconds: [60, 300],
    scaleInCooldownSeconds: [300],
    stepThresholdsOverTarget: [null, 1],
    minCapacityOffsets: [0, 1],
    maxCapacityOffsets: [0],
    concurrencySharesOfPeak: [null, 0.8],
  },
  trainingCandidates: (training) => forecastCandidates(training, base, ANALYSIS.peakInvocationsPerMinute),
};

describe('held-out search on worker threads', () => {
  it('gives the same folds and final pick as the search alone, with the grid simulated by the workers', async () => {
    const alone = searchHeldOut(input);
    const parallel = await searchHeldOutInParallel(input, { workers: 2 });
    assert.equal(parallel.workers, 2);
    // Each fold's `simulations` counts what the main thread ran, the rest is the same.
    const figures = (folds: typeof alone.folds) => folds.map(({ simulations: _, ...f }) => f);
    assert.deepEqual(figures(parallel.folds), figures(alone.folds));
    assert.deepEqual(parallel.final, alone.final);
    assert.deepEqual(parallel.reasons, alone.reasons);
    // The workers ran the grid; the main thread ran only what they could not (forecasts, refinement).
    assert.ok(parallel.workerSimulations > 0);
    assert.ok(parallel.simulations < alone.simulations, `${parallel.simulations} < ${alone.simulations}`);
    // Some recommendation differs from the grid's first candidate: the comparison is not vacuous.
    assert.ok(alone.folds.some((f) => f.recommended !== null));
  });

  it('splits the grid into disjoint shards, and refuses a shard outside 0..count-1', () => {
    const a = gridSimulations(input, { index: 0, count: 2 });
    const b = gridSimulations(input, { index: 1, count: 2 });
    // Every simulation a shard returns is one it ran: the shards share no (policy set, window).
    assert.ok(a.count > 0 && b.count > 0);
    assert.equal(a.simulations.length, a.count);
    assert.equal(b.simulations.length, b.count);
    const keysA = new Set(a.simulations.map(([k]) => k));
    assert.equal(b.simulations.filter(([k]) => keysA.has(k)).length, 0);
    assert.throws(() => gridSimulations(input, { index: 2, count: 2 }), /0 <= index < count/);
  });

  it('runs on this thread alone with one worker', async () => {
    const r = await searchHeldOutInParallel(input, { workers: 1 });
    assert.equal(r.workers, 1);
    assert.equal(r.workerSimulations, 0);
  });
});
