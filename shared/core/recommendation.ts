/**
 * The recommendation: what an execution outputs and stores. Everything a person needs to apply
 * and trust the configuration: the benchmark summary, both threshold methods with the one chosen,
 * the capacities, the policies as the exact AWS requests, every iteration with its prediction
 * and verdict, and the cost per hour at Min and Max capacity.
 */

import type { ScalingRequests } from './aws-requests';
import type { Reason } from './errors';
import type { InstancePricing } from './instance-types';
import { buildScalingRequests } from './policies';
import type { ScalingRequest } from './request';
import type { SimulationSummary } from './sim/results';
import type { SearchSummary } from './sim/search-map';
import type { BenchmarkAnalysis, CapacityPlan, PolicySet, Thresholds, TuningStep, Verdict } from './types';

export const RECOMMENDATION_FORMAT_VERSION = 1;

/** The twin's prediction of an evaluation (core `predictEvaluation`). */
export interface Prediction {
  verdict: Verdict;
  simulation: SimulationSummary;
}

/** One policy set tried by the execution. */
export interface IterationRecord {
  /** 1-based; every policy set counts, whether it was evaluated or only predicted. */
  iteration: number;
  policySet: PolicySet;
  prediction?: Prediction;
  /** The paid evaluation's verdict; absent when the prediction failed and tuning ran first. */
  verdict?: Verdict;
  outcome: 'predictedFailure' | 'evaluationFailed' | 'passed';
  /** What tuning changed to get the next policy set. */
  tuning?: { step: TuningStep | null; reasons: Reason[] };
}

export interface CostEstimate extends InstancePricing {
  instanceType: string;
  /** MinCapacity x price, USD per hour (to 1/100 cent): the floor the endpoint costs when idle. */
  atMinCapacityPerHourUsd: number | null;
  /** MaxCapacity x price, USD per hour (to 1/100 cent): the ceiling at full scale-out. */
  atMaxCapacityPerHourUsd: number | null;
}

export interface Recommendation {
  formatVersion: typeof RECOMMENDATION_FORMAT_VERSION;
  runId: string;
  name: string;
  instanceType: string;
  /** The endpoint variant the policies were evaluated on (the requests below name it). */
  evaluatedOn: { endpointName: string; variantName: string };
  expectations: {
    minRps: number;
    maxRps: number;
    growthFactor: number;
    pattern: 'spiky' | 'smooth';
    latencySlo: ScalingRequest['latencySlo'];
    goal: ScalingRequest['goal'];
    /** The error budget the evaluations were judged with (share of 4XX+5XX, 0..1). */
    allowedErrorRate: number;
  };
  /**
   * The benchmark analysis of one instance, whole: peak invocations per minute, latency at the
   * peak, CPU fit, bottleneck, and the latency curve the digital twin serves requests with, so
   * `scaleplan simulate` and `search` can read this file as it is.
   */
  benchmark: BenchmarkAnalysis;
  /** Both methods, the one chosen and why (formulas with the numbers). */
  thresholds: Thresholds;
  capacity: CapacityPlan;
  /** The policy set that passed. */
  policySet: PolicySet;
  /**
   * The exact AWS requests for the evaluated variant. The step alarm's AlarmActions is the ARN
   * that PutScalingPolicy returns for `stepPolicyName`; to apply to another endpoint, rebuild
   * them with `scaleplan derive` or replace the names.
   */
  requests: ScalingRequests;
  cost: CostEstimate;
  /** The verdict of the passing evaluation. */
  verdict: Verdict;
  iterations: IterationRecord[];
  reasons: Reason[];
  /** The policy search on the endpoint's history (traffic.history), with what it cost and saved. */
  search?: SearchSummary;
  /** Where the artifact store put it (s3://... or a file path), once stored. */
  storedAt?: string;
}

export interface AssembleRecommendationInput {
  runId: string;
  request: ScalingRequest;
  target: { endpointName: string; variantName: string };
  benchmark: BenchmarkAnalysis;
  thresholds: Thresholds;
  capacity: CapacityPlan;
  /** Earlier iterations (failed predictions and evaluations), oldest first. */
  history: IterationRecord[];
  /** The passing iteration. */
  final: { iteration: number; policySet: PolicySet; prediction?: Prediction; verdict: Verdict };
  pricing: InstancePricing;
  /** The search on the history, when the run had one. */
  search?: SearchSummary;
}

/**
 * The configuration to apply, as the recommendation holds it and `scaleplan derive` prints it:
 * the benchmark analysis, thresholds, capacity plan, policy set, the exact AWS requests for the
 * target, and the cost per hour at Min and Max capacity.
 */
export type Configuration = Pick<
  Recommendation,
  'instanceType' | 'benchmark' | 'thresholds' | 'capacity' | 'policySet' | 'requests' | 'cost'
>;

export interface BuildConfigurationInput {
  instanceType: string;
  /** The endpoint variant the requests name. */
  target: { endpointName: string; variantName: string };
  benchmark: BenchmarkAnalysis;
  thresholds: Thresholds;
  capacity: CapacityPlan;
  /** The policy set to apply; its Min/MaxCapacity price the cost (tuning may have changed them). */
  policySet: PolicySet;
  pricing: InstancePricing;
}

/**
 * USD kept to 1/100 of a cent: renderers round for display, while a stored value in cents would
 * be 7 % off for one ml.t2.medium (0.056 -> 0.06).
 */
function roundUsd(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/**
 * The cost per hour at Min and Max capacity, USD: price x capacity, null when no price is known.
 * @example estimateCost('ml.c5.large', { pricePerInstanceHourUsd: 0.102, source: 'approximateTable' }, { minCapacity: 1, maxCapacity: 8 })
 * // { instanceType: 'ml.c5.large', pricePerInstanceHourUsd: 0.102, source: 'approximateTable', atMinCapacityPerHourUsd: 0.102, atMaxCapacityPerHourUsd: 0.816 }
 */
export function estimateCost(
  instanceType: string,
  pricing: InstancePricing,
  capacity: Pick<PolicySet, 'minCapacity' | 'maxCapacity'>,
): CostEstimate {
  const price = pricing.pricePerInstanceHourUsd;
  return {
    instanceType,
    ...pricing,
    atMinCapacityPerHourUsd: price === null ? null : roundUsd(price * capacity.minCapacity),
    atMaxCapacityPerHourUsd: price === null ? null : roundUsd(price * capacity.maxCapacity),
  };
}

/** Why the cost is approximate or empty; nothing when Inference Recommender reported the price. */
export function pricingReasons(instanceType: string, pricing: InstancePricing): Reason[] {
  const price = pricing.pricePerInstanceHourUsd;
  if (price === null)
    return [
      {
        code: 'priceUnknown',
        message: `no price is known for ${instanceType}: the cost per hour is left empty`,
      },
    ];
  if (pricing.source === 'approximateTable')
    return [
      {
        code: 'priceApproximate',
        message: `cost uses the approximate us-east-1 list price of ${instanceType} ($${price}/h); it differs by Region`,
      },
    ];
  return [];
}

/**
 * The configuration with its requests and cost, and the reasons about its price: the one builder
 * of these fields, called by the workflow's recommendation and by `scaleplan derive`.
 * @example
 * // ml.c5.large at $0.102/h, Min 1, Max 8 -> cost { atMinCapacityPerHourUsd: 0.102, atMaxCapacityPerHourUsd: 0.816 }
 * buildConfiguration({ ...plan, instanceType: 'ml.c5.large', target, pricing }).configuration.cost
 */
export function buildConfiguration(input: BuildConfigurationInput): {
  configuration: Configuration;
  reasons: Reason[];
} {
  return {
    configuration: {
      instanceType: input.instanceType,
      benchmark: input.benchmark,
      thresholds: input.thresholds,
      capacity: input.capacity,
      policySet: input.policySet,
      requests: buildScalingRequests(input.target, input.policySet),
      cost: estimateCost(input.instanceType, input.pricing, input.policySet),
    },
    reasons: pricingReasons(input.instanceType, input.pricing),
  };
}

/**
 * Assembles the recommendation of a passed execution.
 * @example
 * // ml.c5.large at $0.102/h, Min 1, Max 8 -> cost { atMinCapacityPerHourUsd: 0.102, atMaxCapacityPerHourUsd: 0.816 }
 * assembleRecommendation({ ...input, capacity: { minCapacity: 1, maxCapacity: 8, ... } }).cost
 */
export function assembleRecommendation(input: AssembleRecommendationInput): Recommendation {
  const { request, final } = input;
  const { configuration, reasons: priceReasons } = buildConfiguration({
    instanceType: request.instanceType,
    target: input.target,
    benchmark: input.benchmark,
    thresholds: input.thresholds,
    capacity: input.capacity,
    policySet: final.policySet,
    pricing: input.pricing,
  });
  const finalRecord: IterationRecord = {
    iteration: final.iteration,
    policySet: final.policySet,
    ...(final.prediction ? { prediction: final.prediction } : {}),
    verdict: final.verdict,
    outcome: 'passed',
  };
  const iterations = [...input.history, finalRecord];
  const evaluations = iterations.filter((record) => record.verdict !== undefined).length;
  const reasons: Reason[] = [
    {
      code: 'passed',
      message: `iteration ${final.iteration} passed: ${final.verdict.maxInvocationsPerMinute} invocations per minute reached against ${final.verdict.targetInvocationsPerMinute} expected, after ${evaluations} paid evaluation(s) and ${iterations.length - evaluations} policy set(s) rejected by the prediction`,
    },
    ...priceReasons,
  ];
  return {
    formatVersion: RECOMMENDATION_FORMAT_VERSION,
    runId: input.runId,
    name: request.name,
    instanceType: configuration.instanceType,
    evaluatedOn: input.target,
    expectations: {
      minRps: request.traffic.minRps,
      maxRps: request.traffic.maxRps,
      growthFactor: request.traffic.growthFactor,
      pattern: request.traffic.pattern,
      latencySlo: request.latencySlo,
      goal: request.goal,
      allowedErrorRate: request.evaluation.allowedErrorRate,
    },
    benchmark: configuration.benchmark,
    thresholds: configuration.thresholds,
    capacity: configuration.capacity,
    policySet: configuration.policySet,
    requests: configuration.requests,
    cost: configuration.cost,
    verdict: final.verdict,
    iterations,
    reasons: input.search ? [...input.search.reasons, ...reasons] : reasons,
    ...(input.search ? { search: input.search } : {}),
  };
}
