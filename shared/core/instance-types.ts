/**
 * A table of common SageMaker real-time inference instance types: vCPUs (the denominator of the
 * CPUUtilization metric, which is summed over vCPUs), memory and GPUs, and an APPROXIMATE
 * on-demand price. The price is a planning aid only: it is the us-east-1 list price seen in
 * public price tables and code constants (ml.c5.large is quoted between $0.102 and $0.119 per
 * hour), it differs by Region and changes over time. On AWS, prefer the CostPerHour that the
 * Inference Recommender job reports for the benchmarked instance.
 */

export interface InstanceTypeInfo {
  vcpus: number;
  memoryGiB: number;
  /** GPUs on the instance (GPUUtilization is summed over them, like CPU over vCPUs). */
  gpus: number;
  /** Approximate on-demand price, USD per hour, us-east-1 real-time inference; undefined when not known. */
  approximatePricePerHourUsd?: number;
}

/** vCPUs, memory GiB, GPUs, approximate USD per hour (us-east-1). */
const TABLE: Record<string, [number, number, number, number?]> = {
  'ml.t2.medium': [2, 4, 0, 0.056],
  'ml.t2.large': [2, 8, 0, 0.111],
  'ml.t2.xlarge': [4, 16, 0, 0.223],
  'ml.t2.2xlarge': [8, 32, 0, 0.445],
  'ml.m5.large': [2, 8, 0, 0.115],
  'ml.m5.xlarge': [4, 16, 0, 0.23],
  'ml.m5.2xlarge': [8, 32, 0, 0.461],
  'ml.m5.4xlarge': [16, 64, 0, 0.922],
  'ml.m5.12xlarge': [48, 192, 0, 2.765],
  'ml.m5.24xlarge': [96, 384, 0, 5.53],
  'ml.m6i.large': [2, 8, 0],
  'ml.m6i.xlarge': [4, 16, 0],
  'ml.m6i.2xlarge': [8, 32, 0],
  'ml.m6i.4xlarge': [16, 64, 0],
  'ml.m6i.8xlarge': [32, 128, 0],
  'ml.c5.large': [2, 4, 0, 0.102],
  'ml.c5.xlarge': [4, 8, 0, 0.204],
  'ml.c5.2xlarge': [8, 16, 0, 0.408],
  'ml.c5.4xlarge': [16, 32, 0, 0.816],
  'ml.c5.9xlarge': [36, 72, 0, 1.836],
  'ml.c5.18xlarge': [72, 144, 0, 3.672],
  'ml.c6i.large': [2, 4, 0],
  'ml.c6i.xlarge': [4, 8, 0],
  'ml.c6i.2xlarge': [8, 16, 0],
  'ml.c6i.4xlarge': [16, 32, 0],
  'ml.c6i.8xlarge': [32, 64, 0],
  'ml.c7g.large': [2, 4, 0],
  'ml.c7g.xlarge': [4, 8, 0],
  'ml.c7g.2xlarge': [8, 16, 0],
  'ml.c7g.4xlarge': [16, 32, 0],
  'ml.r5.large': [2, 16, 0, 0.151],
  'ml.r5.xlarge': [4, 32, 0, 0.302],
  'ml.r5.2xlarge': [8, 64, 0, 0.605],
  'ml.r5.4xlarge': [16, 128, 0, 1.21],
  'ml.g4dn.xlarge': [4, 16, 1, 0.736],
  'ml.g4dn.2xlarge': [8, 32, 1, 0.94],
  'ml.g4dn.4xlarge': [16, 64, 1, 1.505],
  'ml.g4dn.12xlarge': [48, 192, 4, 4.89],
  'ml.g5.xlarge': [4, 16, 1, 1.408],
  'ml.g5.2xlarge': [8, 32, 1, 1.515],
  'ml.g5.4xlarge': [16, 64, 1, 2.03],
  'ml.g5.12xlarge': [48, 192, 4, 7.09],
  'ml.p3.2xlarge': [8, 61, 1, 3.825],
  'ml.inf1.xlarge': [4, 8, 0, 0.297],
  'ml.inf2.xlarge': [4, 16, 0],
};

/**
 * What the table knows about an instance type, or undefined for a type not in it.
 * @example instanceTypeInfo('ml.c5.large') // { vcpus: 2, memoryGiB: 4, gpus: 0, approximatePricePerHourUsd: 0.102 }
 */
export function instanceTypeInfo(instanceType: string): InstanceTypeInfo | undefined {
  const row = TABLE[instanceType];
  if (!row) return undefined;
  const [vcpus, memoryGiB, gpus, price] = row;
  return price === undefined
    ? { vcpus, memoryGiB, gpus }
    : { vcpus, memoryGiB, gpus, approximatePricePerHourUsd: price };
}

/**
 * vCPUs of an ml.* instance type, or undefined when the type is not in the table (pass `vcpus`
 * in the request then). CPUUtilization of a 2-vCPU ml.c5.large ranges 0..200 %.
 * @example vcpusForInstanceType('ml.c5.large') // 2
 */
export function vcpusForInstanceType(instanceType: string): number | undefined {
  return TABLE[instanceType]?.[0];
}

/**
 * Approximate on-demand USD per hour (us-east-1), or undefined when not known. Approximate:
 * use it to compare options, not to budget.
 * @example approximatePricePerHourUsd('ml.c5.large') // 0.102
 */
export function approximatePricePerHourUsd(instanceType: string): number | undefined {
  return TABLE[instanceType]?.[3];
}

/** Price of one instance, USD per hour, and where it came from. */
export interface InstancePricing {
  pricePerInstanceHourUsd: number | null;
  /**
   * `recommenderJob`: the CostPerHour of the Default Inference Recommender job; `approximateTable`:
   * the built-in list price of the instance type; `option`: given on the command line
   * (`simulate`, `search --price-per-hour`); `unknown`: none of them.
   */
  source: 'recommenderJob' | 'approximateTable' | 'option' | 'unknown';
}

/**
 * The price of one instance: the CostPerHour Inference Recommender reported, else the approximate
 * us-east-1 list price of the table, else unknown. The one place a price is chosen: the workflow,
 * `derive`, `simulate` and `search` all call it.
 * @example resolveInstancePricing('ml.c5.large') // { pricePerInstanceHourUsd: 0.102, source: 'approximateTable' }
 * @example resolveInstancePricing('ml.c5.large', 0.119) // { pricePerInstanceHourUsd: 0.119, source: 'recommenderJob' }
 */
export function resolveInstancePricing(
  instanceType: string,
  reportedCostPerHourUsd?: number,
): InstancePricing {
  if (
    reportedCostPerHourUsd !== undefined &&
    Number.isFinite(reportedCostPerHourUsd) &&
    reportedCostPerHourUsd > 0
  )
    return { pricePerInstanceHourUsd: reportedCostPerHourUsd, source: 'recommenderJob' };
  const table = approximatePricePerHourUsd(instanceType);
  if (table !== undefined) return { pricePerInstanceHourUsd: table, source: 'approximateTable' };
  return { pricePerInstanceHourUsd: null, source: 'unknown' };
}

/** Every instance type in the table, sorted. */
export function knownInstanceTypes(): string[] {
  return Object.keys(TABLE).sort();
}
