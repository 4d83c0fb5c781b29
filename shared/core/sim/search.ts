/**
 * Policy search on the twin: every candidate of a grid (target value, cooldowns, step scaling on
 * or off and its threshold, a high-resolution concurrency policy beside it, Min/Max) runs on every scenario; the objective is the fewest
 * instance-hours among the candidates that meet the SLO (share of requests answered within the
 * latency, e.g. 99.9%, and the error budget) on every scenario. The output is the best candidate,
 * the front of cost against SLO attainment, and, on the same traffic, three baselines: the AWS
 * sample's recipe, AWS's documented starting point and a static fleet at MaxCapacity.
 */
import { InvalidInputError, type Reason } from '../errors';
import { scaledSteps } from '../plan';
import type { BenchmarkAnalysis, PolicySet, StepScalingSpec } from '../types';
import { compileLatencyCurve, knotsMeanMs, latencyKnots, shareAtOrBelow } from './latency';
import { closedLoopKnots, closedLoopMva, deriveServiceModel } from './queueing';
import { oracleInstanceHours, type SimulationSummary, simulate } from './results';
import { resolveSimSettings, type SimSettings } from './settings';
import type { ClosedTraffic, Traffic } from './traffic';

export interface SearchGrid {
  /** InvocationsPerInstance target as a share of the benchmark's peak per minute. */
  targetSharesOfPeak: number[];
  scaleOutCooldownSeconds: number[];
  scaleInCooldownSeconds: number[];
  /** Step scaling: null = off, else its alarm threshold as a multiple of the target (capped at 95% of peak). */
  stepThresholdsOverTarget: (number | null)[];
  /** Offsets added to the base policy set's MinCapacity (the result is kept within 1..MaxCapacity). */
  minCapacityOffsets: number[];
  /** Offsets added to the base policy set's MaxCapacity. */
  maxCapacityOffsets: number[];
  /**
   * A scale-out-only target tracking policy on SageMakerVariantConcurrentRequestsPerModelHighResolution
   * beside the InvocationsPerInstance one: null = none, else its target as the concurrent requests
   * one instance holds at this share of its peak (concurrencyAtShareOfPeak). Combined with step
   * scaling off only: both are there to catch a ramp early.
   */
  concurrencySharesOfPeak: (number | null)[];
}

/**
 * 7 targets x 3 x 3 cooldowns x (3 step choices + 3 concurrency policies) x 2 MinCapacity x 2
 * MaxCapacity = 1512 candidates. MaxCapacity +2 shows whether the plan's MaxCapacity (maxRps x
 * growth) limits the SLO on the traffic. The concurrency policy at 80% and 90% of the peak, just
 * under the InvocationsPerInstance targets it pairs best with (85-90%), so it fires at the start
 * of a ramp: at 85% and 95% the grid's cheapest pair was InvocationsPerInstance at 70% with a
 * concurrency policy that never fired, and the refinement, which moves one parameter at a time,
 * could not climb out of it (WorldCup98, 1998-07-07: 191.8 training instance-hours against 188.8).
 * And at 70% (0.96 on the AWS sample's ml.c5.large): the only concurrency policy early enough for
 * the 1 -> 2 instance ramp of the 1998-06-25 flash crowd at an InvocationsPerInstance target of 80%;
 * without it the folds trained on that day fell back to InvocationsPerInstance alone at 57%
 * (bench:search, the held-out match days: 173.5 instance-hours with it absent, 165.2 with it).
 */
export const DEFAULT_SEARCH_GRID: SearchGrid = {
  targetSharesOfPeak: [0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9],
  scaleOutCooldownSeconds: [10, 60, 300],
  scaleInCooldownSeconds: [100, 300, 900],
  stepThresholdsOverTarget: [null, 1, 1.3],
  minCapacityOffsets: [0, 1],
  maxCapacityOffsets: [0, 2],
  concurrencySharesOfPeak: [null, 0.7, 0.8, 0.9],
};

export interface SearchScenario {
  name: string;
  traffic: Traffic;
}

export interface SearchInput {
  analysis: BenchmarkAnalysis;
  /** Where Min/Max (and a CPU policy, when kept) come from: usually the capacity plan's policy set. */
  base: PolicySet;
  scenarios: SearchScenario[];
  latencySloMs: number;
  /** Share of requests that must be answered within the SLO, 0..1. Default 0.999. */
  sloTarget?: number;
  /** Highest share of 5XX errors allowed, 0..1. Default 0. */
  allowedErrorRate?: number;
  grid?: Partial<SearchGrid>;
  /** Keep the base's CPU target tracking policy in every candidate. Default false. */
  keepCpuTargetTracking?: boolean;
  settings?: Partial<SimSettings>;
}

/** One candidate (or baseline) over all scenarios. */
export interface CandidateOutcome {
  label: string;
  policySet: PolicySet;
  /** Summed over scenarios. */
  instanceHours: number;
  costUsd: number;
  /** Worst scenario. */
  sloAttainment: number;
  errorRate: number;
  errorCount: number;
  maxInvocationsPerMinute: number;
  scalingActivities: number;
  /** Worst scenario's p95, ms (NaN for candidates off the front). */
  p95LatencyMs: number;
  meetsSlo: boolean;
  scenarios: { name: string; summary: SimulationSummary }[];
}

export interface SearchResult {
  /** Fewest instance-hours among candidates meeting the SLO; null when none does. */
  best: CandidateOutcome | null;
  /** Non-dominated candidates, ascending in instance-hours and in SLO attainment. */
  front: CandidateOutcome[];
  baselines: CandidateOutcome[];
  /** Clairvoyant fleets: at the best's (else the sample's) target, and at 100% of the peak. */
  oracle: { instanceHours: number; targetInvocationsPerInstance: number };
  oracleAtPeak: { instanceHours: number; targetInvocationsPerInstance: number };
  candidatesEvaluated: number;
  reasons: Reason[];
}

/**
 * The step policy of a candidate: the blog's +1 / +3 / +4 with its bounds read as percent above the
 * candidate's threshold (`scaledSteps`: 4987 -> [0, 249) +1, [249, 3990) +3, [3990, inf) +4), so
 * that the step a breach takes depends on how far it is above the threshold whatever the target;
 * an alarm on one datapoint (1 of 1, the head start over target tracking's 3 of 3); the candidate's
 * scale-out cooldown.
 */
export function candidateStepScaling(
  thresholdInvocationsPerInstance: number,
  cooldownSeconds: number,
): StepScalingSpec {
  const threshold = Math.floor(thresholdInvocationsPerInstance);
  return {
    alarmThresholdInvocationsPerInstance: threshold,
    steps: scaledSteps(threshold),
    cooldownSeconds,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  };
}

/**
 * The concurrent requests (in flight, Little's law) one instance holds at `share` of its peak:
 * share x peak per second x the twin's mean latency there, rounded to 0.01 (the datapoint the twin
 * records for a steady load; the curve's own average is a little lower).
 *
 * @example
 * // the AWS sample's ml.c5.large (9068/min, 12 ms average at the peak): about 1.5 at 85%
 * concurrencyAtShareOfPeak(analysis, 0.85);
 */
export function concurrencyAtShareOfPeak(analysis: BenchmarkAnalysis, share: number): number {
  const perMinute = share * analysis.peakInvocationsPerMinute;
  const meanMs = knotsMeanMs(
    latencyKnots(compileLatencyCurve(analysis.latencyCurve), perMinute, 0, new Float64Array(5)),
  );
  return Math.max(0.01, Math.round(((perMinute / 60) * meanMs) / 10) / 100);
}

/** Every candidate of the grid, with a label. */
export function searchCandidates(input: SearchInput): { label: string; policySet: PolicySet }[] {
  const grid = { ...DEFAULT_SEARCH_GRID, ...input.grid };
  const { analysis, base } = input;
  const peak = analysis.peakInvocationsPerMinute;
  const out: { label: string; policySet: PolicySet }[] = [];
  for (const share of grid.targetSharesOfPeak)
    for (const outCd of grid.scaleOutCooldownSeconds)
      for (const inCd of grid.scaleInCooldownSeconds)
        for (const [stepOver, concurrencyShare] of fastScaleOutChoices(grid))
          for (const minOff of grid.minCapacityOffsets)
            for (const maxOff of grid.maxCapacityOffsets) {
              const maxCapacity = base.maxCapacity + maxOff;
              if (!Number.isInteger(maxCapacity) || maxCapacity < 1)
                throw new InvalidInputError(
                  `search: MaxCapacity ${base.maxCapacity} + offset ${maxOff} is not an integer >= 1`,
                );
              const minCapacity = Math.min(maxCapacity, Math.max(1, base.minCapacity + minOff));
              const target = Math.floor(share * peak);
              const policySet: PolicySet = {
                minCapacity,
                maxCapacity,
                invocationsTargetTracking: {
                  targetValue: target,
                  scaleOutCooldownSeconds: outCd,
                  scaleInCooldownSeconds: inCd,
                  disableScaleIn: false,
                },
                scheduledActions: base.scheduledActions,
              };
              if (input.keepCpuTargetTracking && base.cpuTargetTracking)
                policySet.cpuTargetTracking = base.cpuTargetTracking;
              if (stepOver !== null)
                policySet.stepScaling = candidateStepScaling(Math.min(0.95 * peak, stepOver * target), outCd);
              if (concurrencyShare !== null)
                policySet.concurrencyTargetTracking = {
                  targetValue: concurrencyAtShareOfPeak(analysis, concurrencyShare),
                  scaleOutCooldownSeconds: outCd,
                  scaleInCooldownSeconds: inCd,
                  disableScaleIn: true,
                };
              const step = stepOver === null ? 'off' : `${stepOver}x`;
              const fast =
                concurrencyShare === null
                  ? `step ${step}`
                  : `conc ${policySet.concurrencyTargetTracking!.targetValue} (${Math.round(concurrencyShare * 100)}%)`;
              out.push({
                label: `inv ${Math.round(share * 100)}% out ${outCd}s in ${inCd}s ${fast} min ${minCapacity} max ${maxCapacity}`,
                policySet,
              });
            }
  return out;
}

/** The step choices (concurrency off), then the concurrency choices (step off). */
function fastScaleOutChoices(grid: SearchGrid): [number | null, number | null][] {
  return [
    ...grid.stepThresholdsOverTarget.map((s): [number | null, null] => [s, null]),
    ...grid.concurrencySharesOfPeak.filter((c) => c !== null).map((c): [null, number] => [null, c]),
  ];
}

/**
 * The three baselines on the base's Min/Max: the AWS sample (InvocationsPerInstance = floor(55% of
 * peak), cooldowns 10/100 s), AWS's documented start (peak rps x 0.5 x 60, cooldowns 300/300 s) and
 * a static fleet at MaxCapacity.
 *
 * @example
 * // peak 9068/min: sample target floor(0.55 x 9068) = 4987; documented (9068 / 60) x 0.5 x 60 = 4534
 */
export function baselinePolicySets(
  analysis: BenchmarkAnalysis,
  base: PolicySet,
): { label: string; policySet: PolicySet }[] {
  const peak = analysis.peakInvocationsPerMinute;
  const tt = (targetValue: number, out: number, inn: number) => ({
    targetValue,
    scaleOutCooldownSeconds: out,
    scaleInCooldownSeconds: inn,
    disableScaleIn: false,
  });
  return [
    {
      label: 'AWS sample (55% of peak, 10/100 s)',
      policySet: {
        ...base,
        cpuTargetTracking: undefined,
        stepScaling: undefined,
        invocationsTargetTracking: tt(Math.floor(0.55 * peak), 10, 100),
      },
    },
    {
      label: 'AWS documented (peak rps x 0.5 x 60, 300/300 s)',
      policySet: {
        ...base,
        cpuTargetTracking: undefined,
        stepScaling: undefined,
        invocationsTargetTracking: tt(Math.floor((peak / 60) * 0.5 * 60), 300, 300),
      },
    },
    {
      label: `static at MaxCapacity (${base.maxCapacity})`,
      policySet: { minCapacity: base.maxCapacity, maxCapacity: base.maxCapacity, scheduledActions: [] },
    },
  ];
}

function evaluate(
  input: SearchInput,
  candidate: { label: string; policySet: PolicySet },
  computePercentiles: boolean,
): CandidateOutcome {
  const sloTarget = input.sloTarget ?? 0.999;
  const allowed = input.allowedErrorRate ?? 0;
  const scenarios = input.scenarios.map((scenario) => ({
    name: scenario.name,
    summary: simulate({
      policySet: candidate.policySet,
      analysis: input.analysis,
      traffic: scenario.traffic,
      latencySloMs: input.latencySloMs,
      computePercentiles,
      ...(input.settings ? { settings: input.settings } : {}),
    }).summary,
  }));
  const sum = (f: (s: SimulationSummary) => number) => scenarios.reduce((acc, s) => acc + f(s.summary), 0);
  const worst = (f: (s: SimulationSummary) => number, pick: (a: number, b: number) => number) =>
    // An explicit two-argument reducer: `reduce(Math.min)` would pass the index and the array
    // too, and Math.min of an array is NaN as soon as there are two scenarios.
    scenarios.map((s) => f(s.summary)).reduce((a, b) => pick(a, b));
  const sloAttainment = worst((s) => s.sloAttainment, Math.min);
  const errorRate = worst((s) => s.errorRate, Math.max);
  return {
    label: candidate.label,
    policySet: candidate.policySet,
    instanceHours: sum((s) => s.instanceHours),
    costUsd: sum((s) => s.costUsd),
    sloAttainment,
    errorRate,
    errorCount: sum((s) => s.errorCount),
    maxInvocationsPerMinute: worst((s) => s.maxInvocationsPerMinute, Math.max),
    scalingActivities: sum((s) => s.scalingActivities),
    p95LatencyMs: computePercentiles ? worst((s) => s.p95LatencyMs, Math.max) : Number.NaN,
    meetsSlo: sloAttainment >= sloTarget && errorRate <= allowed,
    scenarios,
  };
}

/**
 * The non-dominated outcomes (fewer instance-hours or higher SLO attainment), ascending in cost.
 * @example paretoFront([{ h: 1, slo: 0.9 }, { h: 2, slo: 0.95 }, { h: 3, slo: 0.94 }]) // keeps the first two
 */
export function paretoFront(outcomes: CandidateOutcome[]): CandidateOutcome[] {
  const sorted = [...outcomes].sort(
    (a, b) => a.instanceHours - b.instanceHours || b.sloAttainment - a.sloAttainment,
  );
  const front: CandidateOutcome[] = [];
  let bestSlo = Number.NEGATIVE_INFINITY;
  for (const o of sorted) {
    if (o.sloAttainment > bestSlo) {
      front.push(o);
      bestSlo = o.sloAttainment;
    }
  }
  return front;
}

/**
 * Runs the search. Throws InvalidInputError without scenarios or candidates.
 *
 * @example
 * const r = searchPolicies({ analysis, base, scenarios: [{ name: 'day', traffic }], latencySloMs: 100 });
 * r.best?.label; // e.g. "inv 70% out 10s in 300s step 1x min 1 max 8"
 */
export function searchPolicies(input: SearchInput): SearchResult {
  if (input.scenarios.length === 0)
    throw new InvalidInputError('search: at least one traffic scenario is needed');
  const candidates = searchCandidates(input);
  if (candidates.length === 0) throw new InvalidInputError('search: the grid holds no candidate');
  const outcomes = candidates.map((c) => evaluate(input, c, false));
  const feasible = outcomes.filter((o) => o.meetsSlo);
  const bestRaw = feasible.reduce<CandidateOutcome | null>(
    (a, b) => (a === null || b.instanceHours < a.instanceHours ? b : a),
    null,
  );
  // Re-run the few reported candidates with latency percentiles.
  const withPercentiles = (o: CandidateOutcome) => evaluate(input, o, true);
  const front = paretoFront(outcomes).map(withPercentiles);
  const best = bestRaw === null ? null : withPercentiles(bestRaw);
  const baselines = baselinePolicySets(input.analysis, input.base).map((b) => evaluate(input, b, true));
  const oracleTargetValue =
    best?.policySet.invocationsTargetTracking?.targetValue ??
    baselines[0]!.policySet.invocationsTargetTracking!.targetValue;
  const oracleHours = (target: number) =>
    input.scenarios.reduce((acc, s) => acc + scenarioOracle(s, target, input), 0);
  const reasons: Reason[] = [
    {
      code: best ? 'BestFound' : 'NoCandidateMeetsSlo',
      message: best
        ? `${feasible.length} of ${outcomes.length} candidates meet the SLO; the cheapest uses ${best.instanceHours.toFixed(2)} instance-hours`
        : `none of ${outcomes.length} candidates reaches ${(input.sloTarget ?? 0.999) * 100}% within ${input.latencySloMs} ms with errors <= ${input.allowedErrorRate ?? 0}`,
    },
  ];
  return {
    best,
    front,
    baselines,
    oracle: {
      instanceHours: oracleHours(oracleTargetValue),
      targetInvocationsPerInstance: oracleTargetValue,
    },
    oracleAtPeak: {
      instanceHours: oracleHours(input.analysis.peakInvocationsPerMinute),
      targetInvocationsPerInstance: input.analysis.peakInvocationsPerMinute,
    },
    candidatesEvaluated: outcomes.length,
    reasons,
  };
}

/**
 * Oracle instance-hours of one scenario: open traffic, max(1, ceil(requests in the minute /
 * target)) instances each minute; closed-loop users, closedLoopOracleInstanceHours (the same at
 * every target).
 */
function scenarioOracle(scenario: SearchScenario, target: number, input: SearchInput): number {
  const t = scenario.traffic;
  if (t.kind === 'open') {
    const perMinute = Math.max(1, Math.round(60 / t.stepSeconds));
    const minutes = Math.ceil(t.requests.length / perMinute);
    const demand = new Float64Array(minutes);
    if (t.stepSeconds <= 60)
      for (let i = 0; i < t.requests.length; i++) demand[Math.floor(i / perMinute)]! += t.requests[i]!;
    else
      return (
        oracleInstanceHours(
          t.requests.map((r) => (r * 60) / t.stepSeconds),
          target,
        ) *
        (t.stepSeconds / 60)
      );
    return oracleInstanceHours(demand, target);
  }
  return closedLoopOracleInstanceHours(t, input);
}

/**
 * Oracle instance-hours of closed-loop users (IR PHASES/STAIRS). Users send back to back, so the
 * requests of a minute are not a demand given in advance: they grow with the fleet that answers
 * them (the earlier oracle divided the base policy's own throughput by the target, and came out
 * above a static fleet at MaxCapacity: 12.07 h against 8 h for an hour of IR's 1 + 1/min users on
 * the AWS sample's instance). The clairvoyant fleet here has, each minute, the fewest instances n
 * on which that minute's busiest step of users, spread evenly and served by the twin's closed-loop
 * queueing model (queueing.ts, no start-up, no alarm delay), gets at least `sloTarget` of its
 * requests within the latency SLO; at most one instance per user (where nothing more helps), at
 * least 1. An InvocationsPerInstance target does not enter: users that send back to back fill
 * whatever capacity they get, so no fleet holds them below a target.
 *
 * @example
 * // 5 users on the AWS sample's ml.c5.large (6.6 ms a request, no fixed delay), SLO 100 ms:
 * // one instance answers them in about 33 ms, so the oracle holds 1 instance
 */
export function closedLoopOracleInstanceHours(
  traffic: ClosedTraffic,
  input: Pick<SearchInput, 'analysis' | 'latencySloMs' | 'sloTarget' | 'settings'>,
): number {
  const service = deriveServiceModel(input.analysis, resolveSimSettings(input.settings));
  const sloTarget = input.sloTarget ?? 0.999;
  const knots = new Float64Array(5);
  const enough = (users: number, n: number): boolean => {
    const { responseMs } = closedLoopMva(service, users / n);
    return shareAtOrBelow(closedLoopKnots(service, responseMs, knots), 0, input.latencySloMs) >= sloTarget;
  };
  const perMinute = new Map<number, number>();
  traffic.users.forEach((users, i) => {
    let lo = 1;
    let hi = Math.max(1, Math.ceil(users));
    // the fewest instances that are enough (more instances never make it worse)
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (enough(users, mid)) hi = mid;
      else lo = mid + 1;
    }
    const minute = Math.floor((i * traffic.stepSeconds) / 60);
    perMinute.set(minute, Math.max(perMinute.get(minute) ?? 1, lo));
  });
  let instanceMinutes = 0;
  for (const n of perMinute.values()) instanceMinutes += n;
  return (instanceMinutes * Math.max(1, traffic.stepSeconds / 60)) / 60;
}
