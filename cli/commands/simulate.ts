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
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
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
import { parsePlainNumber } from '../numbers';
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
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`recommendation ${path}: ${(error as Error).message}`);
  }
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
  if (data.request !== undefined) {
    const parsed = ScalingRequestSchema.safeParse(data.request);
    if (!parsed.success)
      throw new InvalidInputError(
        `recommendation ${path}: request: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
      );
    out.request = parsed.data;
  }
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

/** Parses a number option; throws InvalidInputError with the option's name. */
export function numberOption(
  name: string,
  value: string | undefined,
  check: (n: number) => boolean = () => true,
): number | undefined {
  if (value === undefined) return undefined;
  const n = parsePlainNumber(value);
  if (!Number.isFinite(n) || !check(n))
    throw new InvalidInputError(
      `--${name}: bad value '${value}' (expected a plain decimal number in range, e.g. 500 or 0.5)`,
    );
  return n;
}

export interface TrafficOptions {
  trace?: string[] | string;
  traceFormat?: string;
  peakRps?: string;
  start?: string;
  minutes?: string;
  /** Parsed by commander ({@link parsePhases}). */
  phases?: TrafficPhase[];
}

/** Reads one trace and applies --start, --minutes and --peak-rps. */
export function traceScenario(path: string, options: TrafficOptions): OpenTraffic {
  const format = options.traceFormat as TraceFormat | undefined;
  if (format !== undefined && !['counts', 'requests', 'cloudwatch'].includes(format))
    throw new InvalidInputError(`--trace-format: counts, requests or cloudwatch, not '${format}'`);
  let traffic: OpenTraffic = readTraceFile(path, format ? { format } : {});
  const minutes = numberOption('minutes', options.minutes, (n) => n > 0);
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
  const peak = numberOption('peak-rps', options.peakRps, (n) => n > 0);
  return peak === undefined ? traffic : rescaleTraffic(traffic, peak);
}

/** The closed-loop traffic of --phases for the twin, in its 10 s steps. */
export function phasesScenario(phases: TrafficPhase[]): Traffic {
  return phasesTraffic({ phases, stepSeconds: 10 });
}

/** The twin settings from the common options. */
export function settingsFromOptions(options: Record<string, string | undefined>): Partial<SimSettings> {
  const out: Partial<SimSettings> = {};
  const set = (key: keyof SimSettings, optionKey: string, name: string, check: (n: number) => boolean) => {
    const v = numberOption(name, options[optionKey], check);
    if (v !== undefined) (out as Record<string, number>)[key] = v;
  };
  set('startupSeconds', 'startupSeconds', 'startup-seconds', (n) => n >= 0);
  set('metricDelaySeconds', 'metricDelaySeconds', 'metric-delay-seconds', (n) => n >= 0);
  set('stepSeconds', 'stepSeconds', 'step-seconds', (n) => n > 0 && 60 % n === 0);
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
export function simSettingsOf(
  options: Record<string, string | undefined>,
  pricing: InstancePricing,
): Partial<SimSettings> {
  return { ...settingsFromOptions(options), pricePerInstanceHourUsd: pricing.pricePerInstanceHourUsd };
}

/** The latency SLO: --latency-slo-ms, else the file's; InvalidInputError when neither. */
export function latencySloMsOf(
  option: string | undefined,
  loaded: Pick<LoadedRecommendation, 'latencySloMs'>,
): number {
  const ms = numberOption('latency-slo-ms', option, (n) => n > 0) ?? loaded.latencySloMs;
  if (ms === undefined)
    throw new InvalidInputError(
      'no latency SLO: pass --latency-slo-ms, or use a file with expectations.latencySlo or a request with latencySlo',
    );
  return ms;
}

export function addCommonOptions(command: Command): Command {
  return command
    .requiredOption(
      '--recommendation <file>',
      'recommendation JSON (benchmark analysis, policySet, optional request)',
    )
    .option('--trace-format <format>', 'counts | requests | cloudwatch (guessed from the file otherwise)')
    .option('--peak-rps <n>', 'rescale the trace so that its peak is n requests per second')
    .option('--start <iso>', 'start of the window of the trace (UTC when no zone)')
    .option('--minutes <n>', 'length of the window, minutes')
    .option('--phases <json>', `${PHASES_HELP}, instead of a trace`, parsePhases)
    .option('--latency-slo-ms <ms>', "latency SLO per request, ms (default: the request's)")
    .option('--startup-seconds <s>', 'instance start-up time (default 240)')
    .option('--metric-delay-seconds <s>', 'CloudWatch publication delay (default 60)')
    .option('--step-seconds <s>', 'simulation step, divides 60 (default 10)')
    .option(
      '--price-per-hour <usd>',
      "price of one instance-hour (default: the recommendation's CostPerHour from Inference Recommender, else the instance type's list price)",
    );
}

export function registerSimulate(program: Command): void {
  addCommonOptions(
    program
      .command('simulate')
      .description('run a policy set in the digital twin on a trace or IR phases; prints JSON results'),
  )
    .option('--trace <file>', 'trace file: per-minute counts CSV, per-request CSV or CloudWatch JSON')
    .option('--no-series', 'leave the per-minute series out of the output')
    .option(
      '--format <format>',
      'json (summary, activities and series) | csv (the per-minute series only)',
      'json',
    )
    .action((options: TrafficOptions & Record<string, string | undefined> & { series: boolean }) => {
      const trace = Array.isArray(options.trace) ? options.trace[0] : options.trace;
      if (options.format !== 'json' && options.format !== 'csv')
        throw new InvalidInputError(`--format: json or csv, not '${options.format}'`);
      if ((trace === undefined) === (options.phases === undefined))
        throw new InvalidInputError('pass exactly one of --trace FILE or --phases JSON');
      const loaded = loadRecommendation(options.recommendation!);
      const traffic = trace !== undefined ? traceScenario(trace, options) : phasesScenario(options.phases!);
      const latencySloMs = latencySloMsOf(options.latencySloMs, loaded);
      const stop = traffic.kind === 'closed' && loaded.maxRps !== undefined ? loaded.maxRps * 60 : undefined;
      const pricing = pricingOf(
        numberOption('price-per-hour', options.pricePerHour, (n) => n >= 0),
        loaded,
      );
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
