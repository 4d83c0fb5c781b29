/**
 * The cost per month of the recommended fleet at minimum, typical and maximum traffic: the
 * instances the target needs at that traffic (ceil(rps / rps per instance), kept within Min and
 * Max capacity) x the instance price x 730 hours (AWS's hours per month).
 *
 * "Typical" is the midpoint of the expected minRps and maxRps: the recommendation keeps no traffic
 * distribution, and a steady fleet at the midpoint is the plain reading of "between min and max".
 *
 *   demo: 214.8 rps per instance, Min 1, Max 17, $0.102/h: 200 rps -> 1 instance ($74.46),
 *   1600 rps -> 8 ($595.68), 3000 rps -> 14 ($1042.44)
 */
import type { Reason } from '../core/errors';
import type { Recommendation } from '../core/recommendation';

/** Hours per month in AWS's price lists (365 x 24 / 12). */
export const HOURS_PER_MONTH = 730;

export interface MonthlyCostRow {
  traffic: 'minimum' | 'typical' | 'maximum';
  requestsPerSecond: number;
  instances: number;
  /** USD per month, null when no price is known. */
  usdPerMonth: number | null;
}

/**
 * @example monthlyCosts(recommendation).rows.map((r) => r.instances) // [1, 8, 14]
 */
export function monthlyCosts(recommendation: Recommendation): { rows: MonthlyCostRow[]; reasons: Reason[] } {
  const { expectations, capacity, policySet, cost } = recommendation;
  const price = cost.pricePerInstanceHourUsd;
  const perInstance = capacity.rpsPerInstance;
  const row = (traffic: MonthlyCostRow['traffic'], rps: number): MonthlyCostRow => {
    const needed = perInstance > 0 ? Math.ceil(rps / perInstance - 1e-9) : policySet.maxCapacity;
    const instances = Math.min(policySet.maxCapacity, Math.max(policySet.minCapacity, needed));
    return {
      traffic,
      requestsPerSecond: rps,
      instances,
      usdPerMonth: price === null ? null : Math.round(instances * price * HOURS_PER_MONTH * 100) / 100,
    };
  };
  const typical = (expectations.minRps + expectations.maxRps) / 2;
  const rows = [
    row('minimum', expectations.minRps),
    row('typical', typical),
    row('maximum', expectations.maxRps),
  ];
  const reasons: Reason[] = [
    {
      code: 'monthlyCost',
      message: `instances = ceil(rps / ${Math.round(perInstance * 10) / 10} rps per instance) within [${policySet.minCapacity}, ${policySet.maxCapacity}], x ${price === null ? 'an unknown price' : `$${price}/h (${cost.source})`} x ${HOURS_PER_MONTH} h; typical = (${expectations.minRps} + ${expectations.maxRps}) / 2 = ${typical} rps`,
    },
  ];
  return { rows, reasons };
}
