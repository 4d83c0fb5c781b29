/**
 * Scaling expectations: Min/MaxCapacity from the expected traffic and what one instance serves at
 * the target, with the AWS sample's formulas (the growth factor applies inside the ceiling):
 *
 *   rpsPerInstance = InvocationsPerInstance / 60
 *   MinCapacity = ceil(minRps / rpsPerInstance)
 *   MaxCapacity = ceil(maxRps / rpsPerInstance x growthFactor)
 *
 * Sample: 4987/min -> 83.117 rps per instance; min 70 rps -> ceil(0.842) = 1;
 * max 500 rps x 1.2 -> ceil(7.219) = 8.
 */
import { InfeasibleCapacityPlanError, InvalidInputError } from './errors';
import { fmt } from './format';
import type { CapacityPlan } from './types';

/** Guards ceil() against binary rounding: 100 rps / (6000/60) must be exactly 1 instance, not 2. */
const EPSILON = 1e-9;

export interface TrafficForCapacity {
  /** Lowest expected load, requests per second (> 0). */
  minRps: number;
  /** Highest expected load, requests per second (>= minRps). */
  maxRps: number;
  /** Headroom multiplier on MaxCapacity (> 1; 1.2 in the AWS sample). */
  growthFactor: number;
}

/**
 * Plans Min/MaxCapacity.
 *
 * @param traffic min/max requests per second and the growth factor
 * @param invocationsPerInstance target invocations per instance per minute (> 0)
 * @param limits the account's instance quota for the type; MaxCapacity above it is infeasible
 * @throws InvalidInputError for growthFactor <= 1, minRps > maxRps, a non-positive rate or target
 * @throws InfeasibleCapacityPlanError when MaxCapacity exceeds `limits.maxInstancesLimit`
 * @example
 * planCapacity({ minRps: 70, maxRps: 500, growthFactor: 1.2 }, 4987, { maxInstancesLimit: 20 });
 * // { minCapacity: 1, maxCapacity: 8, rpsPerInstance: 83.11666..., reasons }
 */
export function planCapacity(
  traffic: TrafficForCapacity,
  invocationsPerInstance: number,
  limits: { maxInstancesLimit: number },
): CapacityPlan {
  const { minRps, maxRps, growthFactor } = traffic;
  requirePositive('minRps', minRps, 'requests per second');
  requirePositive('maxRps', maxRps, 'requests per second');
  requirePositive('invocationsPerInstance', invocationsPerInstance, 'invocations per instance per minute');
  if (!(Number.isFinite(growthFactor) && growthFactor > 1))
    throw new InvalidInputError(
      `growthFactor must be > 1 (headroom above maxRps, e.g. 1.2), got ${growthFactor}`,
    );
  if (minRps > maxRps)
    throw new InvalidInputError(
      `minRps ${fmt(minRps)} must not exceed maxRps ${fmt(maxRps)} (requests per second)`,
    );
  if (!(Number.isInteger(limits.maxInstancesLimit) && limits.maxInstancesLimit >= 1))
    throw new InvalidInputError(`maxInstancesLimit must be an integer >= 1, got ${limits.maxInstancesLimit}`);

  const rpsPerInstance = invocationsPerInstance / 60;
  const minRaw = (minRps * 60) / invocationsPerInstance;
  const maxRaw = ((maxRps * 60) / invocationsPerInstance) * growthFactor;
  // An endpoint keeps at least one instance. MaxCapacity gets the same floor on its own (a rate
  // under EPSILON instances rounds to 0), not a clamp to MinCapacity: maxRaw > minRaw whenever
  // maxRps >= minRps and growthFactor > 1, so Min <= Max follows from the formulas themselves.
  const minCapacity = Math.max(1, Math.ceil(minRaw - EPSILON));
  const maxCapacity = Math.max(1, Math.ceil(maxRaw - EPSILON));
  const perInstance = `${fmt(rpsPerInstance, 3)} rps per instance (${fmt(invocationsPerInstance)}/min / 60)`;
  const maxFormula = `ceil(${fmt(maxRps)} rps / ${fmt(rpsPerInstance, 3)} x ${fmt(growthFactor)}) = ceil(${fmt(maxRaw, 3)}) = ${maxCapacity}`;

  if (maxCapacity > limits.maxInstancesLimit) {
    throw new InfeasibleCapacityPlanError(
      `MaxCapacity ${maxFormula} exceeds the limit of ${limits.maxInstancesLimit} instances at ${perInstance}; ` +
        'raise the account limit, lower maxRps or growthFactor, or benchmark a larger instance type',
    );
  }
  return {
    minCapacity,
    maxCapacity,
    rpsPerInstance,
    reasons: [
      { code: 'rpsPerInstance', message: perInstance },
      {
        code: 'minCapacity',
        message: `MinCapacity ceil(${fmt(minRps)} rps / ${fmt(rpsPerInstance, 3)}) = ceil(${fmt(minRaw, 3)}) = ${minCapacity}`,
      },
      { code: 'maxCapacity', message: `MaxCapacity ${maxFormula} (limit ${limits.maxInstancesLimit})` },
    ],
  };
}

function requirePositive(name: string, value: number, unit: string): void {
  if (!(Number.isFinite(value) && value > 0))
    throw new InvalidInputError(`${name} must be a positive number of ${unit}, got ${value}`);
}
