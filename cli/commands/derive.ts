/**
 * `scaleplan derive`: the derivation of the AWS procedure for a benchmark file, printed as JSON
 * for people and scripts: the benchmark analysis, both thresholds, Min/MaxCapacity, the policy
 * set and the exact AWS requests that apply it (docs/derive.md).
 */
import { type Command, InvalidArgumentError } from 'commander';
import { parseBenchmarkSeries } from '../../shared/core/benchmark-file';
import { InvalidInputError, type Reason } from '../../shared/core/errors';
import { resolveInstancePricing } from '../../shared/core/instance-types';
import {
  DEFAULT_STEP_BOUNDS,
  type DerivePlanRequest,
  derivePlan,
  type StepBounds,
} from '../../shared/core/plan';
import { buildConfiguration, type Configuration } from '../../shared/core/recommendation';
import { type Goal, PolicyChoiceSchema } from '../../shared/core/request';
import type { ThresholdMethod } from '../../shared/core/thresholds';
import { asNumeric, choiceOption, decimal, integer, nonBlankText, readJsonFile } from '../options';

/** Endpoint name used in the printed requests when none is given. */
export const DEFAULT_ENDPOINT_NAME = 'scaleplan-endpoint';

/** The options of `derive`, as commander parsed them (see registerDerive). */
export interface DeriveCliOptions {
  benchmark: string;
  goal: Goal;
  minRps: number;
  maxRps: number;
  growth: number;
  latencySloMs?: number;
  percentile: 'P95' | 'P99';
  endpointName: string;
  variantName: string;
  maxInstances: number;
  pattern: 'spiky' | 'smooth';
  method: ThresholdMethod;
  stepBounds: StepBounds;
  compact?: boolean;
}

/**
 * What `derive` prints: the recommendation's configuration fields (instanceType, benchmark,
 * thresholds, capacity, policySet, requests, cost), built by the same core function, and the
 * reasons of the plan and of its price.
 */
export type DeriveOutput = Configuration & { reasons: Reason[] };

const parsePercent = decimal({ above: 0, below: 100 }, '55 or 55.5');

/** `--goal`: a named goal, or a percent between 0 and 100 in plain decimal, `%` allowed. */
const parseGoal = asNumeric((text: string): Goal => {
  if (text === 'availability' || text === 'balanced' || text === 'cost') return text;
  try {
    return parsePercent(text.endsWith('%') ? text.slice(0, -1) : text);
  } catch {
    throw new InvalidArgumentError(
      'expected availability, balanced, cost or a percent between 0 and 100 in plain decimal (e.g. 55 or 55.5)',
    );
  }
}, 'percent');

/** Reads a benchmark file: one clear line when it is missing, not JSON, or not the format. */
export function readBenchmarkFile(path: string): ReturnType<typeof parseBenchmarkSeries> {
  return parseBenchmarkSeries(readJsonFile(path, 'benchmark file'), `benchmark file '${path}'`);
}

/**
 * The derivation for the parsed CLI options. Pure apart from reading the file.
 * @throws InvalidInputError, InsufficientBenchmarkDataError, InfeasibleCapacityPlanError
 */
export function deriveFromOptions(options: DeriveCliOptions): DeriveOutput {
  const { goal, minRps, maxRps, percentile, pattern, method, stepBounds } = options;
  const growthFactor = options.growth;
  if (minRps > maxRps) throw new InvalidInputError(`--min-rps ${minRps} must not exceed --max-rps ${maxRps}`);
  const maxInstancesLimit = options.maxInstances;
  const latencySlo =
    options.latencySloMs === undefined ? undefined : { percentile, ms: options.latencySloMs };

  const series = readBenchmarkFile(options.benchmark);
  const request: DerivePlanRequest = {
    instanceType: series.instanceType,
    traffic: { minRps, maxRps, growthFactor, pattern },
    goal,
    thresholdMethod: method,
    policies: PolicyChoiceSchema.parse({}),
    maxInstancesLimit,
    stepBounds,
    ...(latencySlo ? { latencySlo } : {}),
  };
  const plan = derivePlan(series, request);
  const target = { endpointName: options.endpointName, variantName: options.variantName };
  // A benchmark file carries no Inference Recommender CostPerHour: the table's list price.
  const { configuration, reasons: priceReasons } = buildConfiguration({
    ...plan,
    instanceType: series.instanceType,
    target,
    pricing: resolveInstancePricing(series.instanceType),
  });
  const reasons = [...plan.reasons, ...priceReasons];
  if (!latencySlo)
    reasons.push({ code: 'noLatencySlo', message: 'no --latency-slo-ms: the peak ignores latency' });
  return { ...configuration, reasons };
}

export function registerDerive(program: Command): void {
  program
    .command('derive')
    .description('derive thresholds, capacities and scaling policies from a benchmark file; prints JSON')
    .requiredOption('--benchmark <file>', 'benchmark file (format: docs/benchmark-file.md)', nonBlankText)
    .option(
      '--goal <goal>',
      'availability (40 %), balanced (50 %), cost (70 %) or a percent',
      parseGoal,
      'balanced',
    )
    .requiredOption('--min-rps <n>', 'lowest expected load, requests per second', decimal({ above: 0 }))
    .requiredOption('--max-rps <n>', 'highest expected load, requests per second', decimal({ above: 0 }))
    .option('--growth <f>', 'headroom factor on MaxCapacity, > 1', decimal({ above: 1 }, '1.2'), 1.2)
    .option(
      '--latency-slo-ms <n>',
      'latency SLO, milliseconds at --percentile (periods above it cannot set the peak)',
      decimal({ above: 0 }),
    )
    .addOption(
      choiceOption('--percentile <P95|P99>', 'percentile of the latency SLO', ['P95', 'P99']).default('P95'),
    )
    .option(
      '--endpoint-name <name>',
      'endpoint name used in the printed requests',
      nonBlankText,
      DEFAULT_ENDPOINT_NAME,
    )
    .option('--variant-name <name>', 'variant name used in the printed requests', nonBlankText, 'AllTraffic')
    .option(
      '--max-instances <n>',
      'account limit on instances; a larger MaxCapacity is refused',
      integer({ atLeast: 1 }),
      20,
    )
    .addOption(
      choiceOption(
        '--pattern <spiky|smooth>',
        'spiky: cooldowns 10/100 s and step scaling; smooth: 300/300 s',
        ['spiky', 'smooth'],
      ).default('spiky'),
    )
    .addOption(
      choiceOption('--method <m>', 'conservative (lower of both), peakShare or cpuOverlay', [
        'conservative',
        'peakShare',
        'cpuOverlay',
      ]).default('conservative'),
    )
    .addOption(
      choiceOption(
        '--step-bounds <sample|scaled>',
        "step bounds above the alarm threshold: the AWS sample's 0/5/80 invocations per minute, or 0/5/80 % of the threshold",
        ['sample', 'scaled'],
      ).default(DEFAULT_STEP_BOUNDS),
    )
    .option('--compact', 'print the JSON on one line')
    .action((options: DeriveCliOptions) => {
      const output = deriveFromOptions(options);
      process.stdout.write(`${JSON.stringify(output, null, options.compact ? 0 : 2)}\n`);
    });
}
