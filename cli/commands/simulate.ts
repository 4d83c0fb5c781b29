/**
 * `scaleplan simulate`: runs one policy set in the digital twin on a trace or on Inference
 * Recommender phases and prints the results as JSON (summary fields at the top level).
 *
 * The recommendation file is the `recommendation.json` scaleplan writes (its `benchmark`,
 * `policySet` and `expectations`), or, leniently (documented in docs/simulator.md), any object
 * with the benchmark analysis under `benchmark` or `analysis` (or `benchmark.analysis`), the
 * policy set under `policySet` (or `plan.policySet`, or the last `iterations[].policySet`), and
 * an optional `request` (a ScalingRequest: its latency SLO, maxRps and error budget are used).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { readTraceFile, type TraceFormat } from '../../shared/adapters/local/traces';
import { InvalidInputError } from '../../shared/core/errors';
import { type InstancePricing, resolveInstancePricing } from '../../shared/core/instance-types';
import type { TrafficPhase } from '../../shared/core/load/phases';
import { type ScalingRequest, ScalingRequestSchema } from '../../shared/core/request';
import { minuteSeries, simulate } from '../../shared/core/sim/results';
import type { SimSettings } from '../../shared/core/sim/settings';
import {
  type OpenTraffic,
  phasesTraffic,
  rescaleTraffic,
  type Traffic,
  windowTraffic,
} from '../../shared/core/sim/traffic';
import type { BenchmarkAnalysis, PolicySet } from '../../shared/core/types';
import { renderSeriesCsv } from '../../shared/outputs/csv';
import { asNumeric, choiceOption, decimal, nonBlankText, parseWith, readJsonFile } from '../options';
import { PHASES_HELP, parsePhases } from '../phases';

export interface LoadedRecommendation {
  analysis: BenchmarkAnalysis;
  policySet: PolicySet;
  request?: ScalingRequest;
  /** The latency SLO, ms: the request's, else the recommendation's `expectations.latencySlo`. */
  latencySloMs?: number;
  /** The expected peak, requests per second: the request's, else `expectations.maxRps`. */
  maxRps?: number;
  /** The error budget, 0..1: the request's, else `expectations.allowedErrorRate`. */
  allowedErrorRate?: number;
  /** The Default job's CostPerHour, USD, when the recommendation was priced with it (`cost.source`). */
  reportedCostPerHourUsd?: number;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function looksLikeAnalysis(x: unknown): x is BenchmarkAnalysis {
  return isObject(x) && typeof x.peakInvocationsPerMinute === 'number' && Array.isArray(x.latencyCurve);
}

function looksLikePolicySet(x: unknown): x is PolicySet {
  return isObject(x) && typeof x.minCapacity === 'number' && typeof x.maxCapacity === 'number';
}

/** Reads the recommendation file; throws InvalidInputError naming what is missing. */
export function loadRecommendation(path: string): LoadedRecommendation {
  const data = readJsonFile(path, 'recommendation file');
  if (!isObject(data)) throw new InvalidInputError(`recommendation ${path}: a JSON object is expected`);
  const benchmark = data.benchmark;
  const analysis = [benchmark, data.analysis, isObject(benchmark) ? benchmark.analysis : undefined].find(
    looksLikeAnalysis,
  );
  if (!analysis)
    throw new InvalidInputError(
      `recommendation ${path}: no benchmark analysis (benchmark.peakInvocationsPerMinute and benchmark.latencyCurve)`,
    );
  const iterations = Array.isArray(data.iterations) ? data.iterations : [];
  const lastIteration = iterations[iterations.length - 1];
  const policySet = [
    data.policySet,
    isObject(data.plan) ? data.plan.policySet : undefined,
    isObject(lastIteration) ? lastIteration.policySet : undefined,
  ].find(looksLikePolicySet);
  if (!policySet)
    throw new InvalidInputError(`recommendation ${path}: no policySet (minCapacity, maxCapacity)`);
  const out: LoadedRecommendation = {
    analysis,
    policySet: { ...policySet, scheduledActions: policySet.scheduledActions ?? [] },
  };
  if (data.request !== undefined)
    out.request = parseWith(ScalingRequestSchema, data.request, `recommendation ${path}: request`);
  // The recommendation scaleplan writes has no request, but keeps its expectations.
  const expectations = isObject(data.expectations) ? data.expectations : undefined;
  const expectedSlo =
    expectations && isObject(expectations.latencySlo) ? expectations.latencySlo.ms : undefined;
  const latencySloMs =
    out.request?.latencySlo.ms ?? (typeof expectedSlo === 'number' ? expectedSlo : undefined);
  if (latencySloMs !== undefined) out.latencySloMs = latencySloMs;
  const expectedMaxRps = expectations?.maxRps;
  const maxRps =
    out.request?.traffic.maxRps ?? (typeof expectedMaxRps === 'number' ? expectedMaxRps : undefined);
  if (maxRps !== undefined) out.maxRps = maxRps;
  const expectedErrorRate = expectations?.allowedErrorRate;
  const allowedErrorRate =
    out.request?.evaluation.allowedErrorRate ??
    (typeof expectedErrorRate === 'number' ? expectedErrorRate : undefined);
  if (allowedErrorRate !== undefined) out.allowedErrorRate = allowedErrorRate;
  const cost = isObject(data.cost) ? data.cost : undefined;
  if (cost?.source === 'recommenderJob' && typeof cost.pricePerInstanceHourUsd === 'number')
    out.reportedCostPerHourUsd = cost.pricePerInstanceHourUsd;
  return out;
}

export interface TrafficOptions {
  trace?: string[] | string;
  traceFormat?: TraceFormat;
  peakRps?: number;
  start?: string;
  minutes?: number;
  /** Parsed by commander ({@link parsePhases}). */
  phases?: TrafficPhase[];
}

/** The options simulate and search share (addCommonOptions), as commander parsed them. */
export interface CommonOptions extends TrafficOptions {
  recommendation: string;
  latencySloMs?: number;
  startupSeconds?: number;
  metricDelaySeconds?: number;
  stepSeconds?: number;
  pricePerHour?: number;
}

/** Reads one trace and applies --start, --minutes and --peak-rps. */
export function traceScenario(path: string, options: TrafficOptions): OpenTraffic {
  const format = options.traceFormat;
  let traffic: OpenTraffic = readTraceFile(path, format ? { format } : {});
  const minutes = options.minutes;
  let startEpochSeconds: number | undefined;
  if (options.start !== undefined) {
    const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(options.start) ? options.start : `${options.start}Z`);
    if (!Number.isFinite(ms))
      throw new InvalidInputError(`--start: not an ISO 8601 time: '${options.start}'`);
    startEpochSeconds = ms / 1000;
  }
  if (startEpochSeconds !== undefined || minutes !== undefined)
    traffic = windowTraffic(traffic, {
      ...(startEpochSeconds !== undefined ? { startEpochSeconds } : {}),
      ...(minutes !== undefined ? { durationSeconds: minutes * 60 } : {}),
    });
  const peak = options.peakRps;
  return peak === undefined ? traffic : rescaleTraffic(traffic, peak);
}

/** The closed-loop traffic of --phases for the twin, in its 10 s steps. */
export function phasesScenario(phases: TrafficPhase[]): Traffic {
  return phasesTraffic({ phases, stepSeconds: 10 });
}

/** The twin settings from the common options. */
export function settingsFromOptions(options: CommonOptions): Partial<SimSettings> {
  const out: Partial<SimSettings> = {};
  if (options.startupSeconds !== undefined) out.startupSeconds = options.startupSeconds;
  if (options.metricDelaySeconds !== undefined) out.metricDelaySeconds = options.metricDelaySeconds;
  if (options.stepSeconds !== undefined) out.stepSeconds = options.stepSeconds;
  return out;
}

/**
 * The price of one instance-hour and where it came from: --price-per-hour, else the Default job's
 * CostPerHour that the recommendation was priced with, else the approximate list price of the
 * benchmarked instance type (shared/core/instance-types.ts), as the workflow prices it.
 * @example pricingOf(undefined, { analysis: { instanceType: 'ml.c5.large', ... }, ... }) // { pricePerInstanceHourUsd: 0.102, source: 'approximateTable' }
 */
export function pricingOf(option: number | undefined, loaded: LoadedRecommendation): InstancePricing {
  if (option !== undefined) return { pricePerInstanceHourUsd: option, source: 'option' };
  return resolveInstancePricing(loaded.analysis.instanceType, loaded.reportedCostPerHourUsd);
}

/** The twin settings of the common options, with the price of {@link pricingOf}. */
export function simSettingsOf(options: CommonOptions, pricing: InstancePricing): Partial<SimSettings> {
  return { ...settingsFromOptions(options), pricePerInstanceHourUsd: pricing.pricePerInstanceHourUsd };
}

/** The latency SLO: --latency-slo-ms, else the file's; InvalidInputError when neither. */
export function latencySloMsOf(
  option: number | undefined,
  loaded: Pick<LoadedRecommendation, 'latencySloMs'>,
): number {
  const ms = option ?? loaded.latencySloMs;
  if (ms === undefined)
    throw new InvalidInputError(
      'no latency SLO: pass --latency-slo-ms, or use a file with expectations.latencySlo or a request with latencySlo',
    );
  return ms;
}

/** `--step-seconds`: a step of the twin, a divisor of the 60 s CloudWatch period (10, 15, 30, 60). */
const parseStepSeconds = asNumeric((text: string) => {
  const seconds = decimal({ above: 0 }, '10')(text);
  if (60 % seconds !== 0)
    throw new InvalidArgumentError('expected a step in seconds that divides 60 (e.g. 10)');
  return seconds;
}, 'decimal');

export function addCommonOptions(command: Command): Command {
  return command
    .requiredOption(
      '--recommendation <file>',
      'recommendation JSON (benchmark analysis, policySet, optional request)',
      nonBlankText,
    )
    .addOption(
      choiceOption('--trace-format <format>', 'trace format (guessed from the file otherwise)', [
        'counts',
        'requests',
        'cloudwatch',
      ]),
    )
    .option(
      '--peak-rps <n>',
      'rescale the trace so that its peak is n requests per second',
      decimal({ above: 0 }),
    )
    .option('--start <iso>', 'start of the window of the trace (UTC when no zone)', nonBlankText)
    .option('--minutes <n>', 'length of the window, minutes', decimal({ above: 0 }))
    .option('--phases <json>', `${PHASES_HELP}, instead of a trace`, parsePhases)
    .option(
      '--latency-slo-ms <ms>',
      "latency SLO per request, ms (default: the request's)",
      decimal({ above: 0 }),
    )
    .option('--startup-seconds <s>', 'instance start-up time (default 240)', decimal({ atLeast: 0 }))
    .option(
      '--metric-delay-seconds <s>',
      'CloudWatch publication delay (default 60)',
      decimal({ atLeast: 0 }),
    )
    .option('--step-seconds <s>', 'simulation step, divides 60 (default 10)', parseStepSeconds)
    .option(
      '--price-per-hour <usd>',
      "price of one instance-hour (default: the recommendation's CostPerHour from Inference Recommender, else the instance type's list price)",
      decimal({ atLeast: 0 }),
    );
}

export function registerSimulate(program: Command): void {
  addCommonOptions(
    program
      .command('simulate')
      .description('run a policy set in the digital twin on a trace or IR phases; prints JSON results'),
  )
    .addOption(
      new Option('--trace <file>', 'trace file: per-minute counts CSV, per-request CSV or CloudWatch JSON')
        .argParser(nonBlankText)
        .conflicts('phases'),
    )
    .option('--no-series', 'leave the per-minute series out of the output')
    .addOption(
      choiceOption(
        '--format <format>',
        'json (summary, activities and series) or csv (the per-minute series only)',
        ['json', 'csv'],
      ).default('json'),
    )
    .action((options: CommonOptions & { trace?: string; series: boolean; format: 'json' | 'csv' }) => {
      const trace = options.trace;
      if ((trace === undefined) === (options.phases === undefined))
        throw new InvalidInputError('pass exactly one of --trace FILE or --phases JSON');
      const loaded = loadRecommendation(options.recommendation);
      const traffic = trace !== undefined ? traceScenario(trace, options) : phasesScenario(options.phases!);
      const latencySloMs = latencySloMsOf(options.latencySloMs, loaded);
      const stop = traffic.kind === 'closed' && loaded.maxRps !== undefined ? loaded.maxRps * 60 : undefined;
      const pricing = pricingOf(options.pricePerHour, loaded);
      const result = simulate({
        policySet: loaded.policySet,
        analysis: loaded.analysis,
        traffic,
        latencySloMs,
        settings: simSettingsOf(options, pricing),
        ...(stop !== undefined ? { stopAtInvocationsPerMinute: stop } : {}),
      });
      if (options.format === 'csv') {
        process.stdout.write(renderSeriesCsv(minuteSeries(result)));
        return;
      }
      // `scalingActivities` is the list of activities (what the users read first); the
      // summary's count is `scalingActivityCount`.
      const { scalingActivities: scalingActivityCount, ...summary } = result.summary;
      const output = {
        ...summary,
        scalingActivityCount,
        scalingActivities: result.activities,
        latencySloMs,
        notScaled: result.notScaled,
        settings: result.context.settings,
        pricing,
        reasons: result.reasons,
        ...(options.series ? { series: minuteSeries(result) } : {}),
      };
      process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    });
}
