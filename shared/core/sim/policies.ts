/**
 * The scaling decisions of Application Auto Scaling, as the twin models them: the alarms of each
 * policy on the per-minute datapoints, the capacity each policy asks for, cooldowns, and how
 * several policies combine.
 *
 * - Target tracking: the high alarm fires when the last 3 of 3 datapoints are above the target,
 *   the low alarm when the last 15 of 15 are below 0.9 x target (both observed in the console;
 *   settings). The capacity asked for is ceil(base x metric / target), the commonly assumed
 *   proportional rule; AWS documents only "proportional, rounded conservatively", so this is an
 *   unconfirmed approximation. The base of a scale-out is a setting (scaleOutCapacityBase): by
 *   default, during a scale-out cooldown, the instances the datapoint was measured on, so the
 *   capacity the initiating scale-out added counts and only a larger scale-out passes.
 * - Step scaling: its own alarm (metric >= threshold for datapointsToAlarm of evaluationPeriods);
 *   the step whose [lower, upper) holds metric - threshold gives the instances to add.
 * - Cooldowns (AAS user guide): during a scale-out cooldown a policy scales out again only to a
 *   larger capacity than the initiating scale-out set (for step scaling, the earlier increase
 *   counts toward the new one); a scale-in cooldown blocks only scale-in, and any scale-out
 *   cancels it; scheduled actions ignore cooldowns. Cooldowns start at the decision or when the
 *   update completes (settings.cooldownStartsAt; the caller records the start time).
 * - Several policies: any may scale out, scale-in needs every target tracking policy with scale-in
 *   enabled to agree, and the largest capacity wins.
 * - Target tracking on the high-resolution SageMakerVariantConcurrentRequestsPerModelHighResolution
 *   is the same rule on 10-second datapoints of concurrent requests per instance, with the alarms
 *   of highResolutionAlarmSettings, evaluated at every datapoint.
 */
import type { StepScalingSpec, TargetTrackingSpec } from '../types';
import type { SimSettings } from './settings';

/**
 * Relative tolerance of alarm comparisons: the twin's datapoints are sums of fractions of steps,
 * so 3500 may arrive as 3499.9999999; CloudWatch compares exact sums.
 */
const EPSILON = 1e-9;

export type PolicyName =
  | 'invocationsTargetTracking'
  | 'cpuTargetTracking'
  | 'concurrencyTargetTracking'
  | 'stepScaling';

/** The scalable target's cooldown bookkeeping (epoch seconds; null = none running). */
export interface CooldownState {
  /** When the last scale-out's cooldown started (its decision or its completion, per settings). */
  lastScaleOutAtSeconds: number | null;
  /** Capacity before and after the last scale-out. */
  lastScaleOutFromCapacity: number;
  lastScaleOutToCapacity: number;
  lastScaleInAtSeconds: number | null;
}

export interface Proposal {
  policy: PolicyName;
  direction: 'out' | 'in';
  desiredCapacity: number;
  reason: string;
}

/** Why a policy whose alarm was in ALARM did not scale (counted in the results). */
export type NotScaledCode =
  | 'updateInProgress'
  | 'scaleOutCooldown'
  | 'scaleInCooldown'
  | 'scaleInDuringScaleOutCooldown'
  | 'alreadyAtMax'
  | 'alreadyAtMin'
  | 'noChange'
  | 'notAllPoliciesAgree';

/** How an alarm compares its datapoints with its threshold. */
export type AlarmComparison = 'greaterThan' | 'lessThan' | 'greaterThanOrEqual';

/**
 * True when at least `datapoints` of the `periods` datapoints ending at `lastIndex` compare with
 * `threshold` as `comparison` says (missing datapoints before the first minute do not breach).
 * The comparison tolerates a relative EPSILON (no closures here: this runs every minute of every run).
 *
 * @example
 * alarmBreached(new Float64Array([5, 12, 13, 14]), 3, 3, 3, 10, 'greaterThan'); // true
 */
export function alarmBreached(
  values: Float64Array,
  lastIndex: number,
  datapoints: number,
  periods: number,
  threshold: number,
  comparison: AlarmComparison,
): boolean {
  if (lastIndex < 0) return false;
  const above = threshold * (1 + EPSILON);
  const below = threshold * (1 - EPSILON);
  let count = 0;
  for (let k = Math.max(0, lastIndex - periods + 1); k <= lastIndex; k++) {
    const v = values[k]!;
    if (comparison === 'greaterThan' ? v > above : comparison === 'lessThan' ? v < below : v >= below)
      count++;
  }
  return count >= datapoints;
}

/** Alarm memory of one policy, for settings where an alarm acts only on its transition. */
export interface AlarmMemory {
  high: boolean;
  low: boolean;
}

/**
 * The settings target tracking reads for the high-resolution concurrency policy: its alarms
 * (3 of 3 ten-second datapoints above the target, 90 of 90 below 0.9 x target, as the AWS sample
 * shows them) in place of the one-minute alarms. Everything else is shared.
 *
 * @example highResolutionAlarmSettings(DEFAULT_SIM_SETTINGS).lowAlarmEvaluationPeriods // 90
 */
export function highResolutionAlarmSettings(settings: SimSettings): SimSettings {
  return {
    ...settings,
    highAlarmDatapoints: settings.highResolutionHighAlarmDatapoints,
    highAlarmEvaluationPeriods: settings.highResolutionHighAlarmEvaluationPeriods,
    lowAlarmDatapoints: settings.highResolutionLowAlarmDatapoints,
    lowAlarmEvaluationPeriods: settings.highResolutionLowAlarmEvaluationPeriods,
  };
}

function isActing(inAlarm: boolean, was: boolean, settings: SimSettings): boolean {
  return inAlarm && (settings.alarmRepeatsWhileInAlarm || !was);
}

/**
 * A datapoint as a proposal's reason shows it; concurrent requests per instance are small numbers
 * (1.54 against a target of 1.5). Formatted only when a proposal is made: a toFixed at every
 * evaluation was the twin's costliest line.
 */
function shownMetric(policy: PolicyName, metric: number): string {
  return metric.toFixed(policy === 'concurrencyTargetTracking' ? 2 : 1);
}

/**
 * What one target tracking policy asks for at an alarm evaluation, or null (or a not-scaled code)
 * when it asks nothing. `values` are the metric's per-minute datapoints; `lastIndex` is the last
 * one published.
 *
 * @example
 * // target 1000/min, last three minutes 1500, 4 instances: ceil(4 x 1500 / 1000) = 6 -> scale out to 6
 */
export function targetTrackingProposal(input: {
  policy: PolicyName;
  spec: TargetTrackingSpec;
  values: Float64Array;
  lastIndex: number;
  currentCapacity: number;
  /** Instances the datapoint at lastIndex was measured on (the InService fleet of that minute). */
  datapointInstances: number;
  nowSeconds: number;
  cooldown: CooldownState;
  memory: AlarmMemory;
  settings: SimSettings;
}): Proposal | NotScaledCode | null {
  const { spec, values, lastIndex, settings, currentCapacity: current, cooldown, nowSeconds: now } = input;
  const target = spec.targetValue;
  const high = alarmBreached(
    values,
    lastIndex,
    settings.highAlarmDatapoints,
    settings.highAlarmEvaluationPeriods,
    target,
    'greaterThan',
  );
  const low =
    !spec.disableScaleIn &&
    lastIndex + 1 >= settings.lowAlarmEvaluationPeriods &&
    alarmBreached(
      values,
      lastIndex,
      settings.lowAlarmDatapoints,
      settings.lowAlarmEvaluationPeriods,
      settings.lowAlarmFactor * target,
      'lessThan',
    );
  const actHigh = isActing(high, input.memory.high, settings);
  const actLow = isActing(low, input.memory.low, settings);
  input.memory.high = high;
  input.memory.low = low;
  const metric = values[lastIndex] ?? 0;
  const desired = Math.ceil((current * metric) / target - 1e-9);
  if (actHigh) {
    const inCooldown =
      cooldown.lastScaleOutAtSeconds !== null &&
      now < cooldown.lastScaleOutAtSeconds + spec.scaleOutCooldownSeconds;
    const base =
      settings.scaleOutCapacityBase === 'datapointAlways' ||
      (settings.scaleOutCapacityBase === 'datapointDuringCooldown' && inCooldown)
        ? input.datapointInstances
        : current;
    const desiredOut = Math.ceil((base * metric) / target - 1e-9);
    if (inCooldown && desiredOut <= cooldown.lastScaleOutToCapacity) return 'scaleOutCooldown';
    if (desiredOut <= current) return 'noChange';
    const baseText = Number.isInteger(base) ? String(base) : base.toFixed(2);
    return {
      policy: input.policy,
      direction: 'out',
      desiredCapacity: desiredOut,
      reason: `${input.policy}: ${shownMetric(input.policy, metric)} > target ${target} for ${settings.highAlarmDatapoints} of ${settings.highAlarmEvaluationPeriods} datapoints; ceil(${baseText} x ${shownMetric(input.policy, metric)} / ${target}) = ${desiredOut}${base === current ? '' : ` (${baseText}: the instances the datapoint was measured on, in the scale-out cooldown)`}`,
    };
  }
  if (actLow) {
    if (desired >= current) return 'noChange';
    if (
      cooldown.lastScaleInAtSeconds !== null &&
      now < cooldown.lastScaleInAtSeconds + spec.scaleInCooldownSeconds
    )
      return 'scaleInCooldown';
    if (
      settings.scaleInBlockedDuringScaleOutCooldown &&
      cooldown.lastScaleOutAtSeconds !== null &&
      now < cooldown.lastScaleOutAtSeconds + spec.scaleOutCooldownSeconds
    )
      return 'scaleInDuringScaleOutCooldown';
    return {
      policy: input.policy,
      direction: 'in',
      desiredCapacity: desired,
      reason: `${input.policy}: ${shownMetric(input.policy, metric)} < ${settings.lowAlarmFactor} x target ${target} for ${settings.lowAlarmDatapoints} of ${settings.lowAlarmEvaluationPeriods} datapoints; ceil(${current} x ${shownMetric(input.policy, metric)} / ${target}) = ${desired}`,
    };
  }
  return null;
}

/**
 * The instances a step policy adds for `metric`, from the step holding metric - threshold
 * (lower inclusive, upper exclusive), or 0 when no step holds it.
 *
 * @example
 * // the blog's steps [0,5) +1, [5,80) +3, [80,inf) +4 on threshold 4987: metric 5000 -> diff 13 -> +3
 */
export function stepAdjustment(spec: StepScalingSpec, metric: number): number {
  const raw = metric - spec.alarmThresholdInvocationsPerInstance;
  const diff = Math.abs(raw) <= EPSILON * spec.alarmThresholdInvocationsPerInstance ? 0 : raw;
  for (const step of spec.steps) {
    if (diff >= step.lower && (step.upper === null || diff < step.upper)) return step.adjustment;
  }
  return 0;
}

/**
 * What the step scaling policy asks for at an alarm evaluation. During its cooldown, the earlier
 * increase counts toward the new one: desired = capacity before the last scale-out + adjustment
 * (AAS user guide: +2 then an alarm at +3 during the cooldown adds only 1).
 */
export function stepScalingProposal(input: {
  spec: StepScalingSpec;
  values: Float64Array;
  lastIndex: number;
  currentCapacity: number;
  nowSeconds: number;
  cooldown: CooldownState;
  memory: AlarmMemory;
  settings: SimSettings;
}): Proposal | NotScaledCode | null {
  const { spec, values, lastIndex, currentCapacity: current, cooldown, nowSeconds: now } = input;
  const threshold = spec.alarmThresholdInvocationsPerInstance;
  const inAlarm = alarmBreached(
    values,
    lastIndex,
    spec.datapointsToAlarm,
    spec.evaluationPeriods,
    threshold,
    'greaterThanOrEqual',
  );
  const acting = isActing(inAlarm, input.memory.high, input.settings);
  input.memory.high = inAlarm;
  if (!acting) return null;
  const metric = values[lastIndex] ?? 0;
  const adjustment = stepAdjustment(spec, metric);
  if (adjustment <= 0) return 'noChange';
  const inCooldown =
    cooldown.lastScaleOutAtSeconds !== null && now < cooldown.lastScaleOutAtSeconds + spec.cooldownSeconds;
  const desired = inCooldown ? cooldown.lastScaleOutFromCapacity + adjustment : current + adjustment;
  if (desired <= current) return 'scaleOutCooldown';
  return {
    policy: 'stepScaling',
    direction: 'out',
    desiredCapacity: desired,
    reason: `stepScaling: ${metric.toFixed(1)} >= ${threshold} for ${spec.datapointsToAlarm} of ${spec.evaluationPeriods} datapoints; step +${adjustment}${inCooldown ? ` over ${cooldown.lastScaleOutFromCapacity} (in cooldown)` : ''}`,
  };
}

/** The decision of the scalable target from its policies' proposals. */
export interface CombinedDecision {
  direction: 'out' | 'in';
  desiredCapacity: number;
  policies: PolicyName[];
  reason: string;
}

/**
 * Combines proposals: the largest scale-out wins; scale-in only when every policy in
 * `scaleInVoters` proposes it (then the largest of their capacities). Clamped to [min, max].
 * `policies` lists the winning policy first.
 *
 * @example
 * // invocations asks out to 5, CPU asks in to 2, current 4 -> out to 5
 * // both ask in (3 and 2), current 4 -> in to 3
 */
export function combineProposals(
  proposals: Proposal[],
  scaleInVoters: PolicyName[],
  currentCapacity: number,
  minCapacity: number,
  maxCapacity: number,
): CombinedDecision | NotScaledCode | null {
  const outs = proposals.filter((p) => p.direction === 'out');
  if (outs.length > 0) {
    const best = outs.reduce((a, b) => (b.desiredCapacity > a.desiredCapacity ? b : a));
    const desired = Math.min(maxCapacity, best.desiredCapacity);
    if (desired <= currentCapacity) return 'alreadyAtMax';
    return { direction: 'out', desiredCapacity: desired, policies: [best.policy], reason: best.reason };
  }
  const ins = proposals.filter((p) => p.direction === 'in');
  if (ins.length === 0) return null;
  if (scaleInVoters.length === 0 || !scaleInVoters.every((v) => ins.some((p) => p.policy === v)))
    return 'notAllPoliciesAgree';
  const best = ins.reduce((a, b) => (b.desiredCapacity > a.desiredCapacity ? b : a));
  const desired = Math.max(minCapacity, best.desiredCapacity);
  if (desired >= currentCapacity) return 'alreadyAtMin';
  // The policy whose capacity won comes first: the activity is named after it.
  const ordered = [best, ...ins.filter((p) => p !== best)];
  return {
    direction: 'in',
    desiredCapacity: desired,
    policies: ordered.map((p) => p.policy),
    reason: ordered.map((p) => p.reason).join('; '),
  };
}
