/**
 * Turns a goal (availability 40 %, balanced 50 %, cost 70 %, or an explicit percent) into the
 * InvocationsPerInstance target value, by the two methods of the AWS procedure kept side by side:
 *
 * - peakShare (the AWS sample notebook): floor(peak invocations per minute x percent);
 *   peak 9068/min at 55 % -> floor(4987.4) = 4987.
 * - cpuOverlay (the blog): the invocations per minute at which the fitted CPUUtilization reaches
 *   percent x vCPUs (CPUUtilization is summed over vCPUs: 100 on a 2-vCPU ml.c5.large at 50 %).
 *
 * The more conservative (lower) one is used unless the request names a method.
 */
import { InvalidInputError, type Reason } from './errors';
import { fmt } from './format';
import { GOAL_PERCENT, type Goal } from './request';
import type { BenchmarkAnalysis, Thresholds } from './types';

export type ThresholdMethod = 'conservative' | 'peakShare' | 'cpuOverlay';

/** Below this r² the CPU fit does not explain CPU well enough to read a threshold from it. */
export const MIN_CPU_FIT_R_SQUARED = 0.5;
/** Guards floor() against binary rounding (0.55 x 100 = 55.00000000000001). */
const EPSILON = 1e-9;

/**
 * The utilization percent of a goal.
 * @example goalPercent('balanced') // 50
 * @example goalPercent(55) // 55
 */
export function goalPercent(goal: Goal): number {
  const percent = typeof goal === 'number' ? goal : GOAL_PERCENT[goal];
  if (!(percent > 0 && percent < 100))
    throw new InvalidInputError(
      `goal must be availability, balanced, cost or a percent in (0, 100), got ${goal}`,
    );
  return percent;
}

/**
 * Computes both thresholds for a goal and picks one.
 *
 * @param analysis the benchmark analysis of one instance (peak per minute, CPU fit, vCPUs)
 * @param goal availability | balanced | cost | explicit percent of the peak
 * @param method conservative (default: the lower InvocationsPerInstance), peakShare or cpuOverlay
 * @returns InvocationsPerInstance (per instance per minute) and the CPU target (percent summed
 * over vCPUs), with both methods' numbers and formulas and the reasons of the choice.
 * @example
 * // The AWS sample: peak 9068/min, 55 %, ml.c5.large (2 vCPUs)
 * deriveThresholds(analysis, 55, 'peakShare').invocationsPerInstance; // 4987
 * deriveThresholds(analysis, 'balanced').cpuTargetPercent; // 100
 */
export function deriveThresholds(
  analysis: BenchmarkAnalysis,
  goal: Goal,
  method: ThresholdMethod = 'conservative',
): Thresholds {
  const targetPercent = goalPercent(goal);
  const reasons: Reason[] = [];
  const peak = analysis.peakInvocationsPerMinute;
  if (!(peak > 0)) throw new InvalidInputError(`peakInvocationsPerMinute must be > 0, got ${peak}`);

  const peakShareRaw = (peak * targetPercent) / 100;
  let peakShareValue = Math.floor(peakShareRaw + EPSILON);
  let peakShareFormula = `floor(${fmt(peak)} x ${fmt(targetPercent)} %) = floor(${fmt(peakShareRaw, 3)}) = ${peakShareValue}`;
  if (peakShareValue < 1) {
    // TargetValue must be > 0: a tiny peak still gets a usable target, said in the reasons.
    peakShareValue = 1;
    peakShareFormula += ', raised to 1 (the smallest usable target)';
    reasons.push({
      code: 'clampedToOne',
      message: `peak ${fmt(peak)}/min x ${fmt(targetPercent)} % is below 1 invocation per minute; InvocationsPerInstance raised to 1`,
    });
  }

  const cpuTargetPercent = roundTo((targetPercent / 100) * analysis.vcpus * 100, 6);
  const overlay = cpuOverlayInvocations(analysis, cpuTargetPercent, reasons);

  const chosen = chooseMethod(method, peakShareValue, overlay.value, reasons);
  const invocationsPerInstance = chosen === 'peakShare' ? peakShareValue : (overlay.value ?? peakShareValue);
  reasons.unshift({
    code: 'threshold',
    message: `InvocationsPerInstance ${invocationsPerInstance} per instance per minute by ${chosen} (${fmt(targetPercent)} % goal); CPU target ${fmt(cpuTargetPercent)} % = ${fmt(targetPercent)} % x ${analysis.vcpus} vCPUs x 100`,
  });

  return {
    goal,
    targetPercent,
    peakShare: { invocationsPerInstance: peakShareValue, formula: peakShareFormula },
    cpuOverlay: { invocationsPerInstance: overlay.value, cpuTargetPercent, formula: overlay.formula },
    chosen,
    invocationsPerInstance,
    cpuTargetPercent,
    reasons,
  };
}

/** Solves slope x + intercept = cpuTarget for x, or null when the fit cannot say. */
function cpuOverlayInvocations(
  analysis: BenchmarkAnalysis,
  cpuTargetPercent: number,
  reasons: Reason[],
): { value: number | null; formula: string } {
  const {
    slopePercentPerInvocationPerMinute: slope,
    interceptPercent: intercept,
    rSquared,
  } = analysis.cpuFit;
  const equation = `(${fmt(cpuTargetPercent)} - ${fmt(intercept)}) / ${fmt(slope, 6)}`;
  if (!(slope > 0)) {
    reasons.push({
      code: 'cpuOverlayUnavailable',
      message: 'CPU does not rise with invocations in the benchmark (slope <= 0): no CPU overlay threshold',
    });
    return { value: null, formula: `CPU fit slope ${fmt(slope, 6)} <= 0: no solution` };
  }
  if (rSquared < MIN_CPU_FIT_R_SQUARED) {
    reasons.push({
      code: 'cpuOverlayUnavailable',
      message: `the CPU fit is too poor to read a threshold (r² ${fmt(rSquared, 3)} < ${MIN_CPU_FIT_R_SQUARED})`,
    });
    return {
      value: null,
      formula: `${equation}: not used, r² ${fmt(rSquared, 3)} < ${MIN_CPU_FIT_R_SQUARED}`,
    };
  }
  const raw = (cpuTargetPercent - intercept) / slope;
  if (!(raw >= 1)) {
    reasons.push({
      code: 'cpuOverlayUnavailable',
      message: `the fitted CPU is already above ${fmt(cpuTargetPercent)} % at 1 invocation per minute (intercept ${fmt(intercept)} %): no CPU overlay threshold`,
    });
    return { value: null, formula: `${equation} = ${fmt(raw, 3)} < 1: no solution` };
  }
  const value = Math.floor(raw + EPSILON);
  if (value > analysis.peakInvocationsPerMinute) {
    reasons.push({
      code: 'cpuOverlayExtrapolated',
      message: `the CPU overlay threshold ${value}/min lies above the measured peak ${fmt(analysis.peakInvocationsPerMinute)}/min (extrapolated: CPU never reached ${fmt(cpuTargetPercent)} % in the benchmark)`,
    });
  }
  return { value, formula: `floor(${equation}) = floor(${fmt(raw, 3)}) = ${value}` };
}

function chooseMethod(
  method: ThresholdMethod,
  peakShare: number,
  overlay: number | null,
  reasons: Reason[],
): 'peakShare' | 'cpuOverlay' {
  if (method === 'peakShare') {
    reasons.push({ code: 'methodRequested', message: 'peakShare requested by the request' });
    return 'peakShare';
  }
  if (method === 'cpuOverlay') {
    if (overlay !== null) {
      reasons.push({ code: 'methodRequested', message: 'cpuOverlay requested by the request' });
      return 'cpuOverlay';
    }
    reasons.push({
      code: 'methodFallback',
      message: 'cpuOverlay requested but unavailable: peakShare used instead',
    });
    return 'peakShare';
  }
  if (overlay !== null && overlay < peakShare) {
    reasons.push({
      code: 'conservative',
      message: `cpuOverlay ${overlay} < peakShare ${peakShare}: the lower (more conservative) target is used`,
    });
    return 'cpuOverlay';
  }
  reasons.push({
    code: 'conservative',
    message:
      overlay === null
        ? `peakShare ${peakShare} used: the CPU overlay is unavailable`
        : `peakShare ${peakShare} <= cpuOverlay ${overlay}: the lower (more conservative) target is used`,
  });
  return 'peakShare';
}

function roundTo(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
