/**
 * `scaleplan derive`: the derivation of the AWS procedure for a benchmark file, printed as JSON
 * for people and scripts: the benchmark analysis, both thresholds, Min/MaxCapacity, the policy
 * set and the exact AWS requests that apply it (docs/derive.md).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
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
import { PLAIN_DECIMAL, PLAIN_INTEGER } from '../numbers';

/** Endpoint name used in the printed requests when none is given. */
export const DEFAULT_ENDPOINT_NAME = 'scaleplan-endpoint';

export interface DeriveCliOptions {
  benchmark?: string;
  goal: string;
  minRps?: string;
  maxRps?: string;
  growth: string;
  latencySloMs?: string;
  percentile: string;
  endpointName: string;
  variantName: string;
  maxInstances: string;
  pattern: string;
  method: string;
  stepBounds: string;
  compact?: boolean;
}

/**
 * What `derive` prints: the recommendation's configuration fields (instanceType, benchmark,
 * thresholds, capacity, policySet, requests, cost), built by the same core function, and the
 * reasons of the plan and of its price.
 */
export type DeriveOutput = Configuration & { reasons: Reason[] };

function numberOption(flag: string, text: string | undefined, rule: 'positive' | 'integer'): number {
  if (text === undefined) throw new InvalidInputError(`${flag} is required`);
  if (rule === 'integer') {
    const value = PLAIN_INTEGER.test(text) ? Number(text) : Number.NaN;
    if (!(Number.isSafeInteger(value) && value >= 1))
      throw new InvalidInputError(
        `${flag}: expected an integer >= 1 in plain digits (e.g. 20), got '${text}'`,
      );
    return value;
  }
  const value = PLAIN_DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!(Number.isFinite(value) && value > 0))
    throw new InvalidInputError(
      `${flag}: expected a positive plain decimal number (e.g. 500 or 12.5), got '${text}'`,
    );
  return value;
}

function parseGoal(text: string): Goal {
  if (text === 'availability' || text === 'balanced' || text === 'cost') return text;
  const digits = text.endsWith('%') ? text.slice(0, -1) : text;
  const percent = PLAIN_DECIMAL.test(digits) ? Number(digits) : Number.NaN;
  if (percent > 0 && percent < 100) return percent;
  throw new InvalidInputError(
    `--goal: expected availability, balanced, cost or a percent between 0 and 100 in plain decimal (e.g. 55 or 55.5), got '${text}'`,
  );
}

function oneOf<T extends string>(flag: string, text: string, values: readonly T[]): T {
  const found = values.find((v) => v.toLowerCase() === text.toLowerCase());
  if (!found) throw new InvalidInputError(`${flag}: expected ${values.join(' or ')}, got '${text}'`);
  return found;
}

/** Reads a benchmark file: one clear line when it is missing, not JSON, or not the format. */
export function readBenchmarkFile(path: string): ReturnType<typeof parseBenchmarkSeries> {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InvalidInputError(
      `cannot read benchmark file '${path}': ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`benchmark file '${path}' is not valid JSON: ${(error as Error).message}`);
  }
  return parseBenchmarkSeries(json, `benchmark file '${path}'`);
}

/**
 * The derivation for CLI options (strings as typed). Pure apart from reading the file.
 * @throws InvalidInputError, InsufficientBenchmarkDataError, InfeasibleCapacityPlanError
 */
export function deriveFromOptions(options: DeriveCliOptions): DeriveOutput {
  if (!options.benchmark) throw new InvalidInputError('--benchmark <file> is required');
  const goal = parseGoal(options.goal);
  const minRps = numberOption('--min-rps', options.minRps, 'positive');
  const maxRps = numberOption('--max-rps', options.maxRps, 'positive');
  const growthFactor = numberOption('--growth', options.growth, 'positive');
  if (!(growthFactor > 1))
    throw new InvalidInputError(`--growth: expected a factor > 1 (e.g. 1.2), got '${options.growth}'`);
  if (minRps > maxRps) throw new InvalidInputError(`--min-rps ${minRps} must not exceed --max-rps ${maxRps}`);
  const maxInstancesLimit = numberOption('--max-instances', options.maxInstances, 'integer');
  const percentile = oneOf('--percentile', options.percentile, ['P95', 'P99'] as const);
  const pattern = oneOf('--pattern', options.pattern, ['spiky', 'smooth'] as const);
  const method = oneOf<ThresholdMethod>('--method', options.method, [
    'conservative',
    'peakShare',
    'cpuOverlay',
  ]);
  const stepBounds = oneOf<StepBounds>('--step-bounds', options.stepBounds, ['sample', 'scaled']);
  const latencySlo =
    options.latencySloMs === undefined
      ? undefined
      : { percentile, ms: numberOption('--latency-slo-ms', options.latencySloMs, 'positive') };

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
    .option('--benchmark <file>', 'benchmark file (format: docs/benchmark-file.md)')
    .option('--goal <goal>', 'availability (40 %), balanced (50 %), cost (70 %) or a percent', 'balanced')
    .option('--min-rps <n>', 'lowest expected load, requests per second')
    .option('--max-rps <n>', 'highest expected load, requests per second')
    .option('--growth <f>', 'headroom factor on MaxCapacity, > 1', '1.2')
    .option(
      '--latency-slo-ms <n>',
      'latency SLO, milliseconds at --percentile (periods above it cannot set the peak)',
    )
    .option('--percentile <P95|P99>', 'percentile of the latency SLO', 'P95')
    .option('--endpoint-name <name>', 'endpoint name used in the printed requests', DEFAULT_ENDPOINT_NAME)
    .option('--variant-name <name>', 'variant name used in the printed requests', 'AllTraffic')
    .option('--max-instances <n>', 'account limit on instances; a larger MaxCapacity is refused', '20')
    .option(
      '--pattern <spiky|smooth>',
      'spiky: cooldowns 10/100 s and step scaling; smooth: 300/300 s',
      'spiky',
    )
    .option('--method <m>', 'conservative (lower of both), peakShare or cpuOverlay', 'conservative')
    .option(
      '--step-bounds <sample|scaled>',
      "step bounds above the alarm threshold: the AWS sample's 0/5/80 invocations per minute, or 0/5/80 % of the threshold",
      DEFAULT_STEP_BOUNDS,
    )
    .option('--compact', 'print the JSON on one line')
    .showHelpAfterError(false)
    .action((options: DeriveCliOptions) => {
      const output = deriveFromOptions(options);
      process.stdout.write(`${JSON.stringify(output, null, options.compact ? 0 : 2)}\n`);
    });
}
