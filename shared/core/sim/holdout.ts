/**
 * Held-out validation of the policy search: the history is cut into windows (UTC days by
 * default); each fold trains on the windows before a test window and reports the candidate it
 * picks on the test window it never saw (rolling split: train on the days before, test on the
 * next).
 *
 * The pick is robust, not the in-sample cheapest: a candidate must meet the SLO target plus a
 * safety margin on every training window. The margin is the held-out error itself: the largest
 * drop, over the earlier folds, from the worst training-window attainment of the picked candidate
 * to its attainment on the test window (never below `initialMarginShare`). A fold therefore asks
 * for at least as much headroom as earlier days showed was needed, and the final recommendation
 * (trained on the last windows of the history) uses the largest error of all folds.
 *
 * Every (candidate, window) pair is simulated at most once and shared by all folds; a candidate
 * that misses the required level on one training window is not simulated on the others (early
 * stop).
 */
import { InvalidInputError, type Reason } from '../errors';
import type { PolicySet } from '../types';
import { type SimulationSummary, simulate } from './results';
import { baselinePolicySets, candidateStepScaling, type SearchInput, searchCandidates } from './search';
import { type OpenTraffic, type Traffic, windowTraffic } from './traffic';

/** One window of the history (a UTC day by default). */
export interface HistoryWindow {
  name: string;
  traffic: Traffic;
}

/** One rolling fold: indexes into the windows. */
export interface RollingFold {
  training: number[];
  test: number;
}

/**
 * Cuts open traffic into windows aligned on multiples of `windowSeconds` since the epoch (UTC
 * days for 86,400 s). A window holding less than half its length (the ragged ends of a trace) is
 * dropped, as a partial day is not comparable with whole ones.
 *
 * @example
 * // 3 days of per-minute counts from 1998-06-29T00:00Z -> windows 1998-06-29, 1998-06-30, 1998-07-01
 * splitIntoWindows(trace, 86400).map((w) => w.name);
 */
export function splitIntoWindows(traffic: OpenTraffic, windowSeconds = 86400): HistoryWindow[] {
  if (!(windowSeconds >= 60) || windowSeconds % 60 !== 0)
    throw new InvalidInputError(
      `held-out split: the window must be a multiple of 60 s, got ${windowSeconds}`,
    );
  const start = traffic.startEpochSeconds;
  const end = start + traffic.requests.length * traffic.stepSeconds;
  const out: HistoryWindow[] = [];
  for (let t = Math.floor(start / windowSeconds) * windowSeconds; t < end; t += windowSeconds) {
    const from = Math.max(t, start);
    const to = Math.min(t + windowSeconds, end);
    if (to - from < windowSeconds / 2) continue;
    const name =
      windowSeconds === 86400
        ? new Date(t * 1000).toISOString().slice(0, 10)
        : new Date(t * 1000).toISOString().slice(0, 16);
    out.push({
      name,
      traffic: windowTraffic(traffic, { startEpochSeconds: from, durationSeconds: to - from }),
    });
  }
  return out;
}

/**
 * The rolling folds over `windowCount` windows: test window k trains on the up to
 * `maxTrainingWindows` windows just before it, for every k with at least `minTrainingWindows`
 * before it.
 *
 * @example rollingFolds(4, 1, 2); // [{ training: [0], test: 1 }, { training: [0, 1], test: 2 }, { training: [1, 2], test: 3 }]
 */
export function rollingFolds(
  windowCount: number,
  minTrainingWindows = 1,
  maxTrainingWindows = 7,
): RollingFold[] {
  if (!(minTrainingWindows >= 1) || maxTrainingWindows < minTrainingWindows)
    throw new InvalidInputError(
      `held-out split: need 1 <= minTrainingWindows (${minTrainingWindows}) <= maxTrainingWindows (${maxTrainingWindows})`,
    );
  const folds: RollingFold[] = [];
  for (let k = minTrainingWindows; k < windowCount; k++) {
    const first = Math.max(0, k - maxTrainingWindows);
    folds.push({ training: Array.from({ length: k - first }, (_, i) => first + i), test: k });
  }
  return folds;
}

export interface HeldOutInput extends Omit<SearchInput, 'scenarios'> {
  /** The history, cut into windows (see splitIntoWindows), oldest first. */
  windows: HistoryWindow[];
  /** Windows a fold trains on at least (default 1) and at most (default 7). */
  minTrainingWindows?: number;
  maxTrainingWindows?: number;
  /**
   * Safety margin (share of requests, added to the SLO target) before any held-out error is
   * known. Default 0.0002: a fifth of the miss budget of a 99.9% target.
   */
  initialMarginShare?: number;
  /** Rounds of local refinement around each fold's grid pick (default 4; 0 = grid only). */
  refineRounds?: number;
  /** Extra candidates searched with the grid; labels must be unique. */
  extraCandidates?: { label: string; policySet: PolicySet }[];
  /**
   * Candidates built from a fold's training windows only (e.g. forecast schedules), searched with
   * the others; their labels must differ between different training sets.
   */
  trainingCandidates?: (training: HistoryWindow[]) => { label: string; policySet: PolicySet }[];
}

/**
 * The input's settings with their defaults, read once for searchHeldOut and for what must run as it
 * does (gridSimulations, heldOutFolds): a default that differed would break their equality.
 */
function heldOutSettings(input: HeldOutInput) {
  return {
    minTrain: input.minTrainingWindows ?? 1,
    maxTrain: input.maxTrainingWindows ?? 7,
    target: input.sloTarget ?? 0.999,
    initialMargin: input.initialMarginShare ?? 0.0002,
  };
}

/** A candidate's figures over a set of windows. */
export interface WindowFigures {
  instanceHours: number;
  costUsd: number;
  /** Worst window. */
  sloAttainment: number;
  errorRate: number;
  perWindow: { name: string; instanceHours: number; sloAttainment: number; errorRate: number }[];
}

export interface JudgedCandidate {
  label: string;
  policySet: PolicySet;
  inSample: WindowFigures;
  heldOut: WindowFigures;
}

export interface FoldResult {
  training: string[];
  test: string;
  /** Margin this fold required over the SLO target (share of requests). */
  marginShare: number;
  requiredSloAttainment: number;
  /** Candidates that met the required level on every training window / all candidates. */
  feasibleCount: number;
  candidateCount: number;
  /** The robust pick, null when no candidate meets the required level in-sample. */
  recommended: JudgedCandidate | null;
  /** max(0, worst training attainment - held-out attainment) of the pick. */
  heldOutErrorShare: number;
  baselines: JudgedCandidate[];
  /** The in-sample front (feasible candidates), with their held-out figures. */
  front: JudgedCandidate[];
  oracleAtPeak: { inSampleInstanceHours: number; heldOutInstanceHours: number };
  simulations: number;
}

export interface HeldOutResult {
  folds: FoldResult[];
  /** Trained on the last windows of the history, with the largest held-out error as margin. */
  final: {
    training: string[];
    marginShare: number;
    requiredSloAttainment: number;
    recommended: { label: string; policySet: PolicySet; inSample: WindowFigures } | null;
    /** The recommendation's cost per month (730 h) at its instance-hours per hour of training history. */
    monthlyCostUsd: number | null;
    feasibleCount: number;
  };
  /** Simulations this call ran (the seeded ones not counted). */
  simulations: number;
  reasons: Reason[];
}

/**
 * Memoized simulations of (policy set, window): every pair runs at most once, and candidates with
 * the same policy set under different labels (a grid point the refinement revisits, a baseline
 * equal to a grid point) share their runs: deduplication by content.
 */
function makeJudge(input: HeldOutInput, seeded?: ReadonlyMap<string, SimulationSummary>) {
  const cache = new Map<string, SimulationSummary>(seeded);
  let simulations = 0;
  const keyOf = (policySet: PolicySet, w: number) => `${JSON.stringify(policySet)}\u0000${w}`;
  const run = (policySet: PolicySet, w: number): SimulationSummary => {
    const key = keyOf(policySet, w);
    let s = cache.get(key);
    if (s === undefined) {
      simulations++;
      s = simulate({
        policySet,
        analysis: input.analysis,
        traffic: input.windows[w]!.traffic,
        latencySloMs: input.latencySloMs,
        computePercentiles: false,
        oracleTargetInvocationsPerInstance: input.analysis.peakInvocationsPerMinute,
        ...(input.settings ? { settings: input.settings } : {}),
      }).summary;
      cache.set(key, s);
    }
    return s;
  };
  const figures = (policySet: PolicySet, windows: number[]): WindowFigures => {
    const perWindow = windows.map((w) => {
      const s = run(policySet, w);
      return {
        name: input.windows[w]!.name,
        instanceHours: s.instanceHours,
        sloAttainment: s.sloAttainment,
        errorRate: s.errorRate,
        costUsd: s.costUsd,
      };
    });
    return {
      instanceHours: perWindow.reduce((a, p) => a + p.instanceHours, 0),
      costUsd: perWindow.reduce((a, p) => a + p.costUsd, 0),
      sloAttainment: Math.min(...perWindow.map((p) => p.sloAttainment)),
      errorRate: Math.max(...perWindow.map((p) => p.errorRate)),
      perWindow: perWindow.map(({ costUsd: _, ...p }) => p),
    };
  };
  /** True when the candidate meets `required` on every window; stops at the first miss. */
  const meetsEvery = (policySet: PolicySet, windows: number[], required: number): boolean => {
    const allowed = input.allowedErrorRate ?? 0;
    // Windows already simulated first: a known miss costs nothing.
    const ordered = [...windows].sort(
      (a, b) => Number(cache.has(keyOf(policySet, b))) - Number(cache.has(keyOf(policySet, a))),
    );
    for (const w of ordered) {
      const s = run(policySet, w);
      if (s.sloAttainment < required || s.errorRate > allowed) return false;
    }
    return true;
  };
  const oracle = (w: number) => run(input.base, w).oracleInstanceHours;
  return { run, figures, meetsEvery, oracle, count: () => simulations, entries: () => [...cache] };
}

/** One simulation of the held-out search, keyed by (policy set, window) as its cache keys it. */
export type HeldOutSimulation = [key: string, summary: SimulationSummary];

/** The grid and the extra candidates: the candidates every fold shares (forecasts are per fold). */
function sharedCandidates(input: HeldOutInput): { label: string; policySet: PolicySet }[] {
  return [...searchCandidates({ ...input, scenarios: [] }), ...(input.extraCandidates ?? [])];
}

/**
 * The grid's part of the held-out search for one shard of its candidates (every `count`-th, from
 * `index`): each fold's training windows with early stop, as searchHeldOut runs them, at the
 * initial margin (the lowest level a fold can require, so the simulations are a superset of what
 * the shard's candidates need at any margin). Pure and deterministic: shards run in parallel
 * (worker threads) and their simulations seed searchHeldOut, which then finds the grid already
 * simulated and gives the same result as alone. `trainingCandidates` is not used.
 *
 * @example
 * // two workers: gridSimulations(input, { index: 0, count: 2 }) and { index: 1, count: 2 }
 */
export function gridSimulations(
  input: HeldOutInput,
  shard: { index: number; count: number },
  /**
   * Per fold of heldOutFolds(input), the candidates trainingCandidates gives it (a function cannot
   * cross to a worker thread; its policy sets can): each shard simulates its share of them too.
   */
  foldCandidates: { label: string; policySet: PolicySet }[][] = [],
): { simulations: HeldOutSimulation[]; count: number } {
  if (!(Number.isInteger(shard.count) && shard.count >= 1 && shard.index >= 0 && shard.index < shard.count))
    throw new InvalidInputError(`held-out shard ${shard.index} of ${shard.count}: need 0 <= index < count`);
  const judge = makeJudge(input);
  const { target, initialMargin } = heldOutSettings(input);
  const required = Math.min(1, target + initialMargin);
  const isMine = (_: unknown, i: number) => i % shard.count === shard.index;
  const mine = sharedCandidates(input).filter(isMine);
  heldOutFolds(input).forEach(({ training }, k) => {
    for (const c of [...mine, ...(foldCandidates[k] ?? []).filter(isMine)])
      if (judge.meetsEvery(c.policySet, training, required)) judge.figures(c.policySet, training);
  });
  return { simulations: judge.entries(), count: judge.count() };
}

/**
 * The training windows of every rolling fold, then of the final recommendation (the last
 * maxTrainingWindows windows): the sets searchHeldOut searches on, in its order.
 */
export function heldOutFolds(input: HeldOutInput): { training: number[] }[] {
  const n = input.windows.length;
  const { minTrain, maxTrain } = heldOutSettings(input);
  const last = Math.min(maxTrain, n);
  return [
    ...rollingFolds(n, minTrain, maxTrain),
    { training: Array.from({ length: last }, (_, i) => n - last + i) },
  ];
}

type Judge = ReturnType<typeof makeJudge>;

/**
 * The robust pick among candidates that meet the required level on every training window: the
 * fewest training instance-hours, except that a candidate within 2% of that cost with a better
 * worst-window attainment is preferred (headroom that costs almost nothing).
 */
export function robustPick(
  feasible: { label: string; policySet: PolicySet; inSample: WindowFigures }[],
): { label: string; policySet: PolicySet; inSample: WindowFigures } | null {
  if (feasible.length === 0) return null;
  const cheapest = Math.min(...feasible.map((f) => f.inSample.instanceHours));
  const near = feasible.filter((f) => f.inSample.instanceHours <= cheapest * 1.02);
  return near.reduce((a, b) =>
    b.inSample.sloAttainment > a.inSample.sloAttainment ||
    (b.inSample.sloAttainment === a.inSample.sloAttainment &&
      b.inSample.instanceHours < a.inSample.instanceHours)
      ? b
      : a,
  );
}

function feasibleOn(
  judge: Judge,
  candidates: { label: string; policySet: PolicySet }[],
  training: number[],
  required: number,
) {
  return candidates
    .filter((c) => judge.meetsEvery(c.policySet, training, required))
    .map((c) => ({ ...c, inSample: judge.figures(c.policySet, training) }));
}

const SCALE_OUT_COOLDOWNS_SECONDS = [0, 10, 30, 60, 120, 180, 300, 450, 600, 900];

/**
 * The neighbours of a policy set along its continuous parameters: the InvocationsPerInstance
 * target +-2% and +-5% of the peak, the next shorter and longer scale-out cooldown, the scale-in
 * cooldown halved and doubled, the step threshold +-5%, the concurrency target +-5% and +-10% and
 * its next shorter and longer scale-out cooldown, and each scheduled level +-1 instance.
 */
export function neighbours(policySet: PolicySet, peakInvocationsPerMinute: number): PolicySet[] {
  const out: PolicySet[] = [];
  const tt = policySet.invocationsTargetTracking;
  if (tt) {
    for (const delta of [-0.05, -0.02, 0.02, 0.05]) {
      const targetValue = Math.floor(tt.targetValue + delta * peakInvocationsPerMinute);
      if (targetValue > 0 && targetValue <= peakInvocationsPerMinute)
        out.push({ ...policySet, invocationsTargetTracking: { ...tt, targetValue } });
    }
    const k = SCALE_OUT_COOLDOWNS_SECONDS.findIndex((c) => c >= tt.scaleOutCooldownSeconds);
    for (const j of [k - 1, k + 1]) {
      const scaleOutCooldownSeconds = SCALE_OUT_COOLDOWNS_SECONDS[j];
      if (scaleOutCooldownSeconds !== undefined)
        out.push({ ...policySet, invocationsTargetTracking: { ...tt, scaleOutCooldownSeconds } });
    }
    for (const f of [0.5, 2]) {
      const scaleInCooldownSeconds = Math.round(tt.scaleInCooldownSeconds * f);
      if (scaleInCooldownSeconds >= 60 && scaleInCooldownSeconds <= 3600)
        out.push({ ...policySet, invocationsTargetTracking: { ...tt, scaleInCooldownSeconds } });
    }
  }
  const conc = policySet.concurrencyTargetTracking;
  if (conc) {
    for (const f of [0.9, 0.95, 1.05, 1.1]) {
      // + 1e-9: 1.5 x 0.95 is 1.4249999... in binary and rounds to 1.43, as written
      const targetValue = Math.round(conc.targetValue * f * 100 + 1e-9) / 100;
      if (targetValue > 0 && targetValue !== conc.targetValue)
        out.push({ ...policySet, concurrencyTargetTracking: { ...conc, targetValue } });
    }
    const k = SCALE_OUT_COOLDOWNS_SECONDS.findIndex((c) => c >= conc.scaleOutCooldownSeconds);
    for (const j of [k - 1, k + 1]) {
      const scaleOutCooldownSeconds = SCALE_OUT_COOLDOWNS_SECONDS[j];
      if (scaleOutCooldownSeconds !== undefined)
        out.push({ ...policySet, concurrencyTargetTracking: { ...conc, scaleOutCooldownSeconds } });
    }
  }
  const step = policySet.stepScaling;
  if (step)
    for (const f of [0.95, 1.05]) {
      const threshold = Math.min(
        0.95 * peakInvocationsPerMinute,
        step.alarmThresholdInvocationsPerInstance * f,
      );
      out.push({ ...policySet, stepScaling: candidateStepScaling(threshold, step.cooldownSeconds) });
    }
  policySet.scheduledActions.forEach((action, k) => {
    if (action.minCapacity === undefined) return;
    for (const d of [-1, 1]) {
      const minCapacity = action.minCapacity + d;
      if (minCapacity < 1 || minCapacity > (action.maxCapacity ?? policySet.maxCapacity)) continue;
      const scheduledActions = policySet.scheduledActions.map((a, j) =>
        j === k ? { ...a, minCapacity } : a,
      );
      out.push({ ...policySet, scheduledActions });
    }
  });
  return out;
}

/**
 * Hill climbing from the grid's pick: each round moves to the cheapest neighbour (training
 * instance-hours) that still meets the required level on every training window, until no
 * neighbour is cheaper or the rounds run out. Early stop and the shared cache keep it cheap.
 */
function refine(
  judge: Judge,
  start: { label: string; policySet: PolicySet; inSample: WindowFigures },
  training: number[],
  required: number,
  peak: number,
  rounds: number,
): { label: string; policySet: PolicySet; inSample: WindowFigures } {
  let current = start;
  for (let r = 0; r < rounds; r++) {
    const better = neighbours(current.policySet, peak)
      .filter((p) => judge.meetsEvery(p, training, required))
      .map((p) => ({ policySet: p, inSample: judge.figures(p, training) }))
      .filter((c) => c.inSample.instanceHours < current.inSample.instanceHours - 1e-9)
      .sort((a, b) => a.inSample.instanceHours - b.inSample.instanceHours)[0];
    if (!better) break;
    current = { label: `${start.label} (refined)`, ...better };
  }
  return current.policySet === start.policySet
    ? start
    : { ...current, label: describePolicySet(current.policySet, start.label) };
}

/** The family of a policy set: which kinds of policy it holds (the refinement never adds or drops one). */
function familyOf(p: PolicySet): string {
  return [
    p.invocationsTargetTracking ? 'inv' : '',
    p.cpuTargetTracking ? 'cpu' : '',
    p.concurrencyTargetTracking ? 'conc' : '',
    p.stepScaling ? 'step' : '',
    p.scheduledActions.length > 0 ? 'schedule' : '',
  ].join('+');
}

/**
 * The robust pick of each family of feasible candidates (InvocationsPerInstance alone, with step
 * scaling, with a concurrency policy, with a forecast schedule...), each refined, then the robust
 * pick among the refined ones. A neighbour never adds or drops a policy, so a climb from the
 * grid's single pick stays in its family: on WorldCup98 1998-07-07 the grid's cheapest was
 * InvocationsPerInstance alone, and the concurrency family, cheaper once refined, was never reached.
 */
function refineFromFamilies(
  judge: Judge,
  feasible: { label: string; policySet: PolicySet; inSample: WindowFigures }[],
  training: number[],
  required: number,
  peak: number,
  rounds: number,
): { label: string; policySet: PolicySet; inSample: WindowFigures } | null {
  const families = new Map<string, typeof feasible>();
  for (const f of feasible) {
    const key = familyOf(f.policySet);
    families.set(key, [...(families.get(key) ?? []), f]);
  }
  const refined = [...families.values()].map((members) =>
    refine(judge, robustPick(members)!, training, required, peak, rounds),
  );
  return robustPick(refined);
}

/** A label for a refined policy set: its target tracking, step and schedule in numbers. */
function describePolicySet(p: PolicySet, from: string): string {
  const tt = p.invocationsTargetTracking;
  const parts = [
    tt
      ? `inv ${tt.targetValue}/min out ${tt.scaleOutCooldownSeconds}s in ${tt.scaleInCooldownSeconds}s`
      : 'no target tracking',
    p.stepScaling ? `step at ${p.stepScaling.alarmThresholdInvocationsPerInstance}/min` : 'step off',
    p.concurrencyTargetTracking
      ? `conc ${p.concurrencyTargetTracking.targetValue} out ${p.concurrencyTargetTracking.scaleOutCooldownSeconds}s`
      : '',
    p.scheduledActions.length > 0
      ? `schedule ${p.scheduledActions.map((a) => `${a.schedule.replace(/^cron\((\d+) (\d+).*$/, '$2:$1')}->${a.minCapacity}`).join(' ')}`
      : '',
    `min ${p.minCapacity} max ${p.maxCapacity}`,
  ];
  return `${parts.filter(Boolean).join(' ')} (refined from ${from})`;
}

/** Non-dominated by (training instance-hours, worst training attainment), ascending in cost. */
function inSampleFront<T extends { inSample: WindowFigures }>(items: T[]): T[] {
  const sorted = [...items].sort(
    (a, b) =>
      a.inSample.instanceHours - b.inSample.instanceHours ||
      b.inSample.sloAttainment - a.inSample.sloAttainment,
  );
  const out: T[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const o of sorted)
    if (o.inSample.sloAttainment > best) {
      out.push(o);
      best = o.inSample.sloAttainment;
    }
  return out;
}

/**
 * Runs the rolling held-out search (see the file comment). Throws InvalidInputError with fewer
 * than minTrainingWindows + 1 windows.
 *
 * @example
 * const r = searchHeldOut({ analysis, base, windows: splitIntoWindows(trace), latencySloMs: 100 });
 * r.folds[0].recommended?.heldOut.sloAttainment; // the pick of day 1 on day 2
 */
export function searchHeldOut(
  input: HeldOutInput,
  /** Simulations already run (gridSimulations of each shard): not run again, not counted. */
  seeded?: ReadonlyMap<string, SimulationSummary>,
): HeldOutResult {
  const { minTrain, maxTrain, target, initialMargin } = heldOutSettings(input);
  if (input.windows.length < minTrain + 1)
    throw new InvalidInputError(
      `held-out search: ${input.windows.length} window(s) of history; at least ${minTrain + 1} are needed (training, then a test window)`,
    );
  const rounds = input.refineRounds ?? 4;
  const candidates = sharedCandidates(input);
  const baselines = baselinePolicySets(input.analysis, input.base);
  const judge = makeJudge(input, seeded);
  const judged = (
    c: { label: string; policySet: PolicySet },
    training: number[],
    test: number[],
  ): JudgedCandidate => ({
    label: c.label,
    policySet: c.policySet,
    inSample: judge.figures(c.policySet, training),
    heldOut: judge.figures(c.policySet, test),
  });
  const withTrained = (training: number[]) =>
    input.trainingCandidates
      ? [...candidates, ...input.trainingCandidates(training.map((w) => input.windows[w]!))]
      : candidates;
  const folds: FoldResult[] = [];
  let margin = initialMargin;
  for (const fold of rollingFolds(input.windows.length, minTrain, maxTrain)) {
    const before = judge.count();
    const required = Math.min(1, target + margin);
    const feasible = feasibleOn(judge, withTrained(fold.training), fold.training, required);
    const pick = refineFromFamilies(
      judge,
      feasible,
      fold.training,
      required,
      input.analysis.peakInvocationsPerMinute,
      rounds,
    );
    const recommended = pick && judged(pick, fold.training, [fold.test]);
    const error = recommended
      ? Math.max(0, recommended.inSample.sloAttainment - recommended.heldOut.sloAttainment)
      : 0;
    folds.push({
      training: fold.training.map((w) => input.windows[w]!.name),
      test: input.windows[fold.test]!.name,
      marginShare: margin,
      requiredSloAttainment: required,
      feasibleCount: feasible.length,
      candidateCount: withTrained(fold.training).length,
      recommended,
      heldOutErrorShare: error,
      baselines: baselines.map((b) => judged(b, fold.training, [fold.test])),
      front: inSampleFront(feasible).map((c) => judged(c, fold.training, [fold.test])),
      oracleAtPeak: {
        inSampleInstanceHours: fold.training.reduce((a, w) => a + judge.oracle(w), 0),
        heldOutInstanceHours: judge.oracle(fold.test),
      },
      simulations: judge.count() - before,
    });
    margin = Math.max(margin, error);
  }
  const finalTraining = heldOutFolds(input).at(-1)!.training;
  const finalRequired = Math.min(1, target + margin);
  const finalFeasible = feasibleOn(judge, withTrained(finalTraining), finalTraining, finalRequired);
  const finalPick = refineFromFamilies(
    judge,
    finalFeasible,
    finalTraining,
    finalRequired,
    input.analysis.peakInvocationsPerMinute,
    rounds,
  );
  const reasons: Reason[] = [
    {
      code: 'HeldOutMargin',
      message: `margin ${(margin * 100).toFixed(3)} points over the ${(target * 100).toFixed(2)}% target: the largest held-out error of ${folds.length} rolling folds (at least ${(initialMargin * 100).toFixed(3)})`,
    },
    finalPick
      ? {
          code: 'RobustPick',
          message: `${finalPick.label}: meets ${(finalRequired * 100).toFixed(3)}% on each of ${finalTraining.length} training windows (worst ${(finalPick.inSample.sloAttainment * 100).toFixed(3)}%); the cheapest of ${finalFeasible.length} such candidates, or within 2% of it with more headroom`,
        }
      : {
          code: 'NoCandidateMeetsSlo',
          message: `no candidate of ${candidates.length} meets ${(finalRequired * 100).toFixed(3)}% on every training window`,
        },
  ];
  return {
    folds,
    final: {
      training: finalTraining.map((w) => input.windows[w]!.name),
      marginShare: margin,
      requiredSloAttainment: finalRequired,
      recommended: finalPick,
      monthlyCostUsd:
        finalPick && (finalPick.inSample.costUsd / historySeconds(input.windows, finalTraining)) * 3600 * 730,
      feasibleCount: finalFeasible.length,
    },
    simulations: judge.count(),
    reasons,
  };
}

function historySeconds(windows: HistoryWindow[], indexes: number[]): number {
  return indexes.reduce((acc, w) => {
    const t = windows[w]!.traffic;
    return acc + (t.kind === 'open' ? t.requests.length : t.users.length) * t.stepSeconds;
  }, 0);
}
