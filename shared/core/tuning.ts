/**
 * What to change after a failed evaluation. Four levers, in the documented order of the AWS
 * procedure ("adjust, cooldowns first"):
 *
 * 1. shortenScaleOutCooldown: the next value below the current one on the ladder 300 -> 60 -> 10 s
 *    (target tracking scale-out cooldowns and the step policy's cooldown);
 * 2. lowerTargetValue: every target value (and the step alarm threshold) x 0.85, never below 70 %
 *    of the highest value tried;
 * 3. strengthenStepScaling: add step scaling (the sample's +1/+3/+4 steps, alarm at the
 *    invocations target) when absent, else double every adjustment (capped at MaxCapacity) and alarm on one
 *    datapoint;
 * 4. raiseMaxCapacity: x 1.5 (at least +1), up to the account's instance limit.
 *
 * Iteration i (the i-th policy set tried, predicted or evaluated) starts at lever ((i - 1) mod 4)
 * of that order and takes the first lever that still changes the set and gives a set not in
 * `tried`, so successive iterations pull different levers (cooldown, then target, then steps,
 * then capacity) instead of exhausting the first: with the default budget of 3 sets, exhausting
 * the cooldown ladder first would spend the whole budget on one cause of failure. Tuning stops
 * (next = null, with the reason) when the verdict passed, when `iteration` reached
 * `maxIterations`, or when no lever gives a new set.
 */
import type { Reason } from './errors';
import { InvalidInputError } from './errors';
import { DEFAULT_STEP_BOUNDS, defaultSteps, SPIKY_COOLDOWNS_SECONDS } from './plan';
import type { PolicySet, TuningDecision, TuningStep, Verdict } from './types';

/** The levers in their documented order. */
export const TUNING_ORDER: readonly TuningStep[] = [
  'shortenScaleOutCooldown',
  'lowerTargetValue',
  'strengthenStepScaling',
  'raiseMaxCapacity',
];
/** Scale-out cooldowns tried, seconds, from AAS's default down to the AWS sample's spiky value. */
export const SCALE_OUT_COOLDOWN_LADDER_SECONDS = [300, 60, 10] as const;
/** Each lowering multiplies target values by this factor. */
export const LOWER_TARGET_FACTOR = 0.85;
/** Target values never go below this share of the highest value tried. */
export const MIN_TARGET_SHARE = 0.7;
/** MaxCapacity grows by this factor (at least +1 instance) up to the instance limit. */
export const RAISE_MAX_CAPACITY_FACTOR = 1.5;

export interface TuningOptions {
  /**
   * 1-based number of the policy set that produced `verdict`. The workflow counts every set it
   * tried, whether the twin predicted its failure before paying or a paid evaluation judged it.
   */
  iteration: number;
  /**
   * Policy sets allowed (ScalingRequest.evaluation.maxIterations), predicted or evaluated. It is
   * not a count of paid evaluations: a failure predicted before paying uses an iteration too, so
   * this bounds the paid evaluations without being their number.
   */
  maxIterations: number;
  /** Account quota on instances; MaxCapacity never goes above it. */
  maxInstancesLimit: number;
}

type LeverResult = { next: PolicySet; message: string } | { next: null; message: string };

/**
 * Chooses the next policy set after a verdict.
 * @param verdict the judged evaluation of `current`
 * @param current the policy set that was evaluated
 * @param tried every policy set evaluated so far (current included or not): never proposed again
 * @example
 * // Smooth traffic (300 s cooldowns) failed its first evaluation:
 * tunePolicies(failed, current, [current], { iteration: 1, maxIterations: 3, maxInstancesLimit: 20 })
 * // { step: 'shortenScaleOutCooldown', next: { ...current, scale-out cooldowns 60 s }, reasons }
 */
export function tunePolicies(
  verdict: Verdict,
  current: PolicySet,
  tried: PolicySet[],
  options: TuningOptions,
): TuningDecision {
  const { iteration, maxIterations, maxInstancesLimit } = options;
  if (!(Number.isInteger(iteration) && iteration >= 1))
    throw new InvalidInputError(`iteration must be an integer >= 1, got ${iteration}`);
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1))
    throw new InvalidInputError(`maxIterations must be an integer >= 1, got ${maxIterations}`);
  if (!(Number.isInteger(maxInstancesLimit) && maxInstancesLimit >= 1))
    throw new InvalidInputError(`maxInstancesLimit must be an integer >= 1, got ${maxInstancesLimit}`);

  if (verdict.passed) return stop([{ code: 'passed', message: 'the evaluation passed: nothing to tune' }]);
  const reasons: Reason[] = [
    {
      code: 'failedCriteria',
      message: `evaluation ${iteration} failed: ${verdict.failures.map((f) => `${f.code} (observed ${round(f.observed)}, limit ${round(f.limit)})`).join('; ')}`,
    },
  ];
  if (iteration >= maxIterations) {
    reasons.push({
      code: 'maxIterationsReached',
      message: `${iteration} of ${maxIterations} evaluations used: tuning stops`,
    });
    return stop(reasons);
  }

  const triedKeys = new Set([...tried, current].map(canonicalKey));
  const history = [...tried, current];
  for (let k = 0; k < TUNING_ORDER.length; k++) {
    const step = TUNING_ORDER[(iteration - 1 + k) % TUNING_ORDER.length]!;
    const result = applyLever(step, current, history, maxInstancesLimit);
    if (result.next === null) {
      reasons.push({ code: `${step}Unavailable`, message: result.message });
      continue;
    }
    if (triedKeys.has(canonicalKey(result.next))) {
      reasons.push({ code: `${step}AlreadyTried`, message: `${result.message}: that set was already tried` });
      continue;
    }
    reasons.push({ code: step, message: result.message });
    return { next: result.next, step, reasons };
  }
  reasons.push({ code: 'nothingLeft', message: 'no lever gives a policy set not yet tried: tuning stops' });
  return stop(reasons);
}

function stop(reasons: Reason[]): TuningDecision {
  return { next: null, step: null, reasons };
}

function applyLever(step: TuningStep, current: PolicySet, history: PolicySet[], limit: number): LeverResult {
  switch (step) {
    case 'shortenScaleOutCooldown':
      return shortenScaleOutCooldown(current);
    case 'lowerTargetValue':
      return lowerTargetValue(current, history);
    case 'strengthenStepScaling':
      return strengthenStepScaling(current);
    case 'raiseMaxCapacity':
      return raiseMaxCapacity(current, limit);
  }
}

function shortenScaleOutCooldown(current: PolicySet): LeverResult {
  const cooldowns = [
    current.invocationsTargetTracking?.scaleOutCooldownSeconds,
    current.cpuTargetTracking?.scaleOutCooldownSeconds,
    current.stepScaling?.cooldownSeconds,
  ].filter((s): s is number => s !== undefined);
  if (cooldowns.length === 0) return { next: null, message: 'no dynamic policy has a scale-out cooldown' };
  const longest = Math.max(...cooldowns);
  const shorter = SCALE_OUT_COOLDOWN_LADDER_SECONDS.find((s) => s < longest);
  if (shorter === undefined)
    return {
      next: null,
      message: `scale-out cooldowns are already at ${longest} s or less (ladder ends at 10 s)`,
    };
  const next = structuredClone(current);
  if (next.invocationsTargetTracking)
    next.invocationsTargetTracking.scaleOutCooldownSeconds = Math.min(
      next.invocationsTargetTracking.scaleOutCooldownSeconds,
      shorter,
    );
  if (next.cpuTargetTracking)
    next.cpuTargetTracking.scaleOutCooldownSeconds = Math.min(
      next.cpuTargetTracking.scaleOutCooldownSeconds,
      shorter,
    );
  if (next.stepScaling)
    next.stepScaling.cooldownSeconds = Math.min(next.stepScaling.cooldownSeconds, shorter);
  return { next, message: `scale-out cooldowns shortened from ${longest} s to ${shorter} s` };
}

/** The lowered value, or null when it cannot go lower than MIN_TARGET_SHARE of the highest tried. */
function lowerValue(value: number, highestTried: number, integer: boolean): number | null {
  const floorValue = Math.max(1, highestTried * MIN_TARGET_SHARE);
  const raw = Math.max(value * LOWER_TARGET_FACTOR, floorValue);
  const lowered = integer ? Math.ceil(raw - 1e-9) : Math.ceil(raw * 10 - 1e-9) / 10;
  return lowered < value ? lowered : null;
}

function lowerTargetValue(current: PolicySet, history: PolicySet[]): LeverResult {
  const next = structuredClone(current);
  const changes: string[] = [];
  const invocations = current.invocationsTargetTracking;
  if (invocations && next.invocationsTargetTracking) {
    const highest = Math.max(...history.map((s) => s.invocationsTargetTracking?.targetValue ?? 0));
    const lowered = lowerValue(invocations.targetValue, highest, true);
    if (lowered !== null) {
      next.invocationsTargetTracking.targetValue = lowered;
      changes.push(`InvocationsPerInstance target ${invocations.targetValue} -> ${lowered}`);
    }
  }
  const cpu = current.cpuTargetTracking;
  if (cpu && next.cpuTargetTracking) {
    const highest = Math.max(...history.map((s) => s.cpuTargetTracking?.targetValue ?? 0));
    const lowered = lowerValue(cpu.targetValue, highest, false);
    if (lowered !== null) {
      next.cpuTargetTracking.targetValue = lowered;
      changes.push(`CPU target ${cpu.targetValue} -> ${lowered} %`);
    }
  }
  const step = current.stepScaling;
  if (step && next.stepScaling) {
    const highest = Math.max(...history.map((s) => s.stepScaling?.alarmThresholdInvocationsPerInstance ?? 0));
    const lowered = lowerValue(step.alarmThresholdInvocationsPerInstance, highest, true);
    if (lowered !== null) {
      next.stepScaling.alarmThresholdInvocationsPerInstance = lowered;
      changes.push(`step alarm threshold ${step.alarmThresholdInvocationsPerInstance} -> ${lowered}/min`);
    }
  }
  if (changes.length === 0)
    return {
      next: null,
      message: `target values are already at ${MIN_TARGET_SHARE * 100} % of the highest tried (or there is no target)`,
    };
  return { next, message: `targets lowered x ${LOWER_TARGET_FACTOR}: ${changes.join(', ')}` };
}

function strengthenStepScaling(current: PolicySet): LeverResult {
  const step = current.stepScaling;
  if (!step) {
    const threshold = current.invocationsTargetTracking?.targetValue;
    if (threshold === undefined)
      return { next: null, message: 'no InvocationsPerInstance target to set a step alarm threshold from' };
    const cooldownSeconds =
      current.invocationsTargetTracking?.scaleOutCooldownSeconds ?? SPIKY_COOLDOWNS_SECONDS.scaleOut;
    const next: PolicySet = {
      ...structuredClone(current),
      stepScaling: {
        alarmThresholdInvocationsPerInstance: threshold,
        steps: defaultSteps(DEFAULT_STEP_BOUNDS, threshold),
        cooldownSeconds,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      },
    };
    return { next, message: `step scaling added: alarm at ${threshold}/min per instance, steps +1/+3/+4` };
  }
  const next = structuredClone(current);
  const stepsNext = next.stepScaling!;
  stepsNext.steps = step.steps.map((s) => ({
    ...s,
    adjustment: Math.max(s.adjustment, Math.min(s.adjustment * 2, current.maxCapacity)),
  }));
  stepsNext.evaluationPeriods = 1;
  stepsNext.datapointsToAlarm = 1;
  if (canonicalKey(next) === canonicalKey(current))
    return { next: null, message: `step adjustments already reach MaxCapacity ${current.maxCapacity}` };
  return {
    next,
    message: `step scaling strengthened: adjustments ${step.steps.map((s) => `+${s.adjustment}`).join('/')} -> ${stepsNext.steps.map((s) => `+${s.adjustment}`).join('/')}, alarm on 1 datapoint`,
  };
}

function raiseMaxCapacity(current: PolicySet, limit: number): LeverResult {
  if (current.maxCapacity >= limit)
    return {
      next: null,
      message: `MaxCapacity ${current.maxCapacity} is already at the instance limit ${limit}`,
    };
  const raised = Math.min(
    limit,
    Math.max(current.maxCapacity + 1, Math.ceil(current.maxCapacity * RAISE_MAX_CAPACITY_FACTOR)),
  );
  return {
    next: { ...structuredClone(current), maxCapacity: raised },
    message: `MaxCapacity raised from ${current.maxCapacity} to ${raised} (limit ${limit})`,
  };
}

/** A key equal for equal policy sets whatever the key order. */
export function canonicalKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function round(value: number): string {
  return String(Number(value.toFixed(4)));
}
