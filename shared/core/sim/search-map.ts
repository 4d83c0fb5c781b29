/**
 * The policy search split for a Distributed Map (statemachines/scaleplan.asl.yml, SearchPolicies):
 * plan the candidates once, run the twin on every (candidate, window of the history) pair in
 * batches that do not know of each other, then pick with the held-out rule of holdout.ts over the
 * figures all batches returned.
 *
 * The rule is the one `searchHeldOut` applies (rolling folds over UTC days, a margin over the SLO
 * target that the largest held-out error of the earlier folds sets, `robustPick` among the
 * candidates meeting the required level on every training window), computed from a matrix of
 * figures instead of on demand: a batch cannot stop early on a miss, since the required level
 * depends on the folds, which need every batch. So each pair is simulated exactly once. What the
 * map does not do is the local refinement around the pick (`refineRounds`), which needs the
 * pick first; `scaleplan search` keeps it.
 */
import { InvalidInputError, type Reason } from '../errors';
import type { BenchmarkAnalysis, PolicySet } from '../types';
import { type HistoryWindow, robustPick, rollingFolds, type WindowFigures } from './holdout';
import { simulate } from './results';
import { type SearchGrid, searchCandidates } from './search';
import type { SimSettings } from './settings';

/**
 * Candidates one search may hold at most (the derived policy set included): the map's items
 * sit in the execution state as indexes (about 5 bytes each, 10 KB at the cap), and the twin runs
 * candidates x days times. The default grid with its concurrency candidates holds 1512.
 */
export const MAX_SEARCH_CANDIDATES = 2000;

/** Label of the candidate the derivation gave (index 0 of every search). */
export const DERIVED_CANDIDATE_LABEL = 'derived (DeriveThresholds)';

export interface SearchCandidate {
  label: string;
  policySet: PolicySet;
}

/** What every batch reads (stored once beside the run's results): the candidates and how to judge them. */
export interface SearchSpec {
  analysis: BenchmarkAnalysis;
  candidates: SearchCandidate[];
  latencySloMs: number;
  /** Share of requests within the latency that the SLO asks, 0..1. */
  sloTarget: number;
  allowedErrorRate: number;
  settings?: Partial<SimSettings>;
}

/**
 * The candidates of a search: the derived policy set first (so its figures tell whether the
 * search saved an evaluation), then the grid on its Min/Max, without a policy set already listed.
 * Refused above `maxCandidates`.
 * @example planSearchCandidates({ analysis, derived, maxCandidates: 1000 }).length; // 1513 with the default grid
 */
export function planSearchCandidates(input: {
  analysis: BenchmarkAnalysis;
  derived: PolicySet;
  grid?: Partial<SearchGrid>;
  maxCandidates?: number;
}): SearchCandidate[] {
  const max = input.maxCandidates ?? MAX_SEARCH_CANDIDATES;
  const seen = new Set<string>();
  const out: SearchCandidate[] = [];
  const grid = searchCandidates({
    analysis: input.analysis,
    base: input.derived,
    scenarios: [],
    latencySloMs: 1,
    ...(input.grid ? { grid: input.grid } : {}),
  });
  for (const candidate of [{ label: DERIVED_CANDIDATE_LABEL, policySet: input.derived }, ...grid]) {
    const key = JSON.stringify(candidate.policySet);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(candidate);
  }
  if (out.length > max)
    throw new InvalidInputError(
      `policy search: ${out.length} candidates, above the cap of ${max}: use a coarser grid`,
    );
  return out;
}

/** A candidate's figures on each window of the history, in window order. */
export interface CandidateFigures {
  index: number;
  perWindow: { instanceHours: number; costUsd: number; sloAttainment: number; errorRate: number }[];
}

/**
 * One batch of the map: every candidate of `indexes` on every window.
 * @example evaluateCandidateBatch(spec, windows, [0, 1, 2]).simulations; // 3 x windows.length
 */
export function evaluateCandidateBatch(
  spec: SearchSpec,
  windows: HistoryWindow[],
  indexes: number[],
): { figures: CandidateFigures[]; simulations: number } {
  let simulations = 0;
  const figures = indexes.map((index) => {
    const candidate = spec.candidates[index];
    if (!candidate)
      throw new InvalidInputError(
        `policy search: candidate ${index} is not among the ${spec.candidates.length}`,
      );
    return {
      index,
      perWindow: windows.map((window) => {
        simulations++;
        const s = simulate({
          policySet: candidate.policySet,
          analysis: spec.analysis,
          traffic: window.traffic,
          latencySloMs: spec.latencySloMs,
          computePercentiles: false,
          ...(spec.settings ? { settings: spec.settings } : {}),
        }).summary;
        return {
          instanceHours: s.instanceHours,
          costUsd: s.costUsd,
          sloAttainment: s.sloAttainment,
          errorRate: s.errorRate,
        };
      }),
    };
  });
  return { figures, simulations };
}

export interface PickInput {
  spec: SearchSpec;
  windowNames: string[];
  /** Every batch's figures; a candidate no batch returned (a tolerated failure) cannot be picked. */
  figures: CandidateFigures[];
  /** Margin before any held-out error is known (searchHeldOut's default: 0.0002). */
  initialMarginShare?: number;
  minTrainingWindows?: number;
  maxTrainingWindows?: number;
}

export interface PickedCandidate {
  index: number;
  label: string;
  policySet: PolicySet;
  /** On the final training windows. */
  inSample: WindowFigures;
}

export interface PickResult {
  /** The robust pick on the last training windows; null when no candidate meets the required level. */
  picked: PickedCandidate | null;
  /** Whether the derived policy set meets the required level on the final training windows. */
  derivedMeetsRequired: boolean;
  derived: WindowFigures | null;
  marginShare: number;
  requiredSloAttainment: number;
  folds: { training: string[]; test: string; pick: string | null; heldOutSloAttainment: number | null }[];
  feasibleCount: number;
  evaluatedCount: number;
  reasons: Reason[];
}

/**
 * The held-out rule over the figures of every batch (see the file comment).
 * @example pickRobustCandidate({ spec, windowNames: ['06-28', '06-29', '06-30'], figures }).picked?.label
 */
export function pickRobustCandidate(input: PickInput): PickResult {
  const { spec, windowNames } = input;
  const minTrain = input.minTrainingWindows ?? 1;
  const maxTrain = input.maxTrainingWindows ?? 7;
  if (windowNames.length < minTrain + 1)
    throw new InvalidInputError(
      `policy search: ${windowNames.length} day(s) of history; at least ${minTrain + 1} are needed (training, then a test day)`,
    );
  const byIndex = new Map(input.figures.map((f) => [f.index, f]));
  const figuresOn = (index: number, windows: number[]): WindowFigures => {
    const rows = windows.map((w) => ({ name: windowNames[w]!, ...byIndex.get(index)!.perWindow[w]! }));
    return {
      instanceHours: rows.reduce((a, r) => a + r.instanceHours, 0),
      costUsd: rows.reduce((a, r) => a + r.costUsd, 0),
      sloAttainment: Math.min(...rows.map((r) => r.sloAttainment)),
      errorRate: Math.max(...rows.map((r) => r.errorRate)),
      perWindow: rows.map(({ costUsd: _, ...r }) => r),
    };
  };
  const meets = (index: number, windows: number[], required: number) =>
    windows.every((w) => {
      const f = byIndex.get(index)!.perWindow[w]!;
      return f.sloAttainment >= required && f.errorRate <= spec.allowedErrorRate;
    });
  const feasibleOn = (windows: number[], required: number) =>
    [...byIndex.keys()]
      .filter((index) => meets(index, windows, required))
      .map((index) => ({ index, ...spec.candidates[index]!, inSample: figuresOn(index, windows) }));
  const pickOn = (windows: number[], required: number) => {
    const feasible = feasibleOn(windows, required);
    const pick = robustPick(feasible);
    return { feasible, pick: pick && feasible.find((f) => f.label === pick.label)! };
  };
  let margin = input.initialMarginShare ?? 0.0002;
  const folds: PickResult['folds'] = [];
  for (const fold of rollingFolds(windowNames.length, minTrain, maxTrain)) {
    const { pick } = pickOn(fold.training, Math.min(1, spec.sloTarget + margin));
    const heldOut = pick ? figuresOn(pick.index, [fold.test]).sloAttainment : null;
    folds.push({
      training: fold.training.map((w) => windowNames[w]!),
      test: windowNames[fold.test]!,
      pick: pick?.label ?? null,
      heldOutSloAttainment: heldOut,
    });
    if (pick && heldOut !== null) margin = Math.max(margin, pick.inSample.sloAttainment - heldOut);
  }
  const n = windowNames.length;
  const last = Math.min(maxTrain, n);
  const training = Array.from({ length: last }, (_, i) => n - last + i);
  const required = Math.min(1, spec.sloTarget + margin);
  const { feasible, pick } = pickOn(training, required);
  const derived = byIndex.has(0) ? figuresOn(0, training) : null;
  const derivedMeetsRequired = byIndex.has(0) && meets(0, training, required);
  const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
  const reasons: Reason[] = [
    {
      code: 'HeldOutMargin',
      message: `margin ${(margin * 100).toFixed(3)} points over the ${pct(spec.sloTarget)} target: the largest held-out error of ${folds.length} rolling fold(s) over ${n} days of history`,
    },
    pick
      ? {
          code: 'RobustPick',
          message: `${pick.label}: meets ${pct(required)} on each of ${training.length} training days (worst ${pct(pick.inSample.sloAttainment)}, ${pick.inSample.instanceHours.toFixed(2)} instance-hours); the cheapest of ${feasible.length} such candidates of ${byIndex.size}, or within 2% of it with more headroom`,
        }
      : {
          code: 'NoCandidateMeetsSlo',
          message: `no candidate of ${byIndex.size} meets ${pct(required)} on every training day: the derived policy set is kept`,
        },
  ];
  if (derived)
    reasons.push({
      code: derivedMeetsRequired ? 'DerivedMeetsHistory' : 'DerivedMissesHistory',
      message: derivedMeetsRequired
        ? `the derived policy set meets the required ${pct(required)} on every training day: its worst day serves ${pct(derived.sloAttainment)} within the SLO, ${derived.instanceHours.toFixed(2)} instance-hours in all`
        : derived.sloAttainment >= required
          ? `the derived policy set misses the error budget on a training day: its worst error rate is ${pct(derived.errorRate)}, ${pct(spec.allowedErrorRate)} allowed (${pct(derived.sloAttainment)} within the SLO, ${derived.instanceHours.toFixed(2)} instance-hours in all)`
          : `the derived policy set misses the required ${pct(required)} on a training day: its worst day serves ${pct(derived.sloAttainment)} within the SLO, ${derived.instanceHours.toFixed(2)} instance-hours in all`,
    });
  if (byIndex.size < spec.candidates.length)
    reasons.push({
      code: 'CandidatesNotEvaluated',
      message: `${spec.candidates.length - byIndex.size} of ${spec.candidates.length} candidates were not evaluated (failed batches within the map's tolerated failures)`,
    });
  return {
    picked: pick
      ? { index: pick.index, label: pick.label, policySet: pick.policySet, inSample: pick.inSample }
      : null,
    derivedMeetsRequired,
    derived,
    marginShare: margin,
    requiredSloAttainment: required,
    folds,
    feasibleCount: feasible.length,
    evaluatedCount: byIndex.size,
    reasons,
  };
}

/**
 * Lambda's price per GB-second on arm64 (the functions' architecture), USD: the us-east-1 list
 * price of the first pricing tier [list price, 2026; other Regions and tiers differ].
 */
export const LAMBDA_ARM64_USD_PER_GB_SECOND = 0.0000133334;
/** Step Functions Standard workflows, USD per state transition ($0.025 per 1,000) [list price, us-east-1]. */
export const STEP_FUNCTIONS_USD_PER_TRANSITION = 0.000025;

/** One Lambda invocation the search paid for: its duration and memory. */
export interface LambdaUse {
  durationMs: number;
  memoryMb: number;
}

/** What the search cost, next to the paid evaluation it saved. */
export interface SearchCost {
  lambdaGbSeconds: number;
  /** The search's states (PlanSearch, SearchPolicies, PickRobustPolicySet) and one per child execution of the map; retries not counted. */
  stateTransitions: number;
  twinRuns: number;
  usd: number;
  /** Paid evaluations the search made unnecessary: 1 when the derived policy set misses the history and the pick meets it. */
  evaluationsSaved: number;
  /** Hours of the Advanced job saved (jobDurationSeconds per evaluation). */
  evaluationHoursSaved: number;
  /** At most this many instance-hours (the evaluation endpoint at MaxCapacity for the job's duration). */
  evaluationInstanceHoursSavedAtMost: number;
  evaluationUsdSavedAtMost: number | null;
}

/**
 * The search's cost: Lambda GB-seconds (each invocation's duration, rounded up to the
 * millisecond as Lambda bills, times its memory) and state transitions, priced at the list
 * prices above, next to the evaluation it saved.
 * @example searchCost({ invocations: [{ durationMs: 12000, memoryMb: 1769 }], childExecutions: 1, twinRuns: 700, evaluationsSaved: 1, jobDurationSeconds: 7200, maxCapacity: 8, pricePerInstanceHourUsd: 0.102 }).lambdaGbSeconds; // 20.73
 */
export function searchCost(input: {
  invocations: LambdaUse[];
  childExecutions: number;
  twinRuns: number;
  evaluationsSaved: number;
  jobDurationSeconds: number;
  maxCapacity: number;
  pricePerInstanceHourUsd: number | null;
}): SearchCost {
  const gbSeconds = input.invocations.reduce(
    (acc, use) => acc + (Math.ceil(use.durationMs) / 1000) * (use.memoryMb / 1024),
    0,
  );
  const transitions = 3 + input.childExecutions;
  const hours = (input.evaluationsSaved * input.jobDurationSeconds) / 3600;
  const instanceHours = hours * input.maxCapacity;
  const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    lambdaGbSeconds: round(gbSeconds, 2),
    stateTransitions: transitions,
    twinRuns: input.twinRuns,
    usd: round(
      gbSeconds * LAMBDA_ARM64_USD_PER_GB_SECOND + transitions * STEP_FUNCTIONS_USD_PER_TRANSITION,
      6,
    ),
    evaluationsSaved: input.evaluationsSaved,
    evaluationHoursSaved: round(hours, 2),
    evaluationInstanceHoursSavedAtMost: round(instanceHours, 2),
    evaluationUsdSavedAtMost:
      input.pricePerInstanceHourUsd === null ? null : round(instanceHours * input.pricePerInstanceHourUsd, 2),
  };
}

/** The cost line of the output. */
export function describeSearchCost(cost: SearchCost): Reason {
  const saved =
    cost.evaluationsSaved > 0
      ? `it saved ${cost.evaluationsSaved} paid evaluation(s) of the derived policy set, which misses the history: ${cost.evaluationHoursSaved} h of Advanced job, up to ${cost.evaluationInstanceHoursSavedAtMost} instance-hours${cost.evaluationUsdSavedAtMost === null ? '' : ` ($${cost.evaluationUsdSavedAtMost.toFixed(2)})`}`
      : 'it saved no paid evaluation (the derived policy set also meets the history; the pick is cheaper on it)';
  return {
    code: 'SearchCost',
    message: `the search took ${cost.twinRuns} twin runs, ${cost.lambdaGbSeconds} Lambda GB-seconds and ${cost.stateTransitions} state transitions ($${cost.usd.toFixed(4)} at list prices); ${saved}`,
  };
}

/** What the plan keeps of the search (small: no figures). */
export interface SearchSummary {
  picked: { label: string; inSample: { instanceHours: number; sloAttainment: number } } | null;
  /** The policy set DeriveThresholds gave, which the pick replaced. */
  derivedPolicySet: PolicySet;
  derivedMeetsHistory: boolean;
  marginShare: number;
  requiredSloAttainment: number;
  candidates: number;
  evaluated: number;
  batches: number;
  failedBatches: number;
  folds: { training: string[]; test: string; pick: string | null; heldOutSloAttainment: number | null }[];
  cost: SearchCost;
  reasons: Reason[];
}
