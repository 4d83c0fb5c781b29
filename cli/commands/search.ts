/**
 * `scaleplan search`: searches policy sets in the digital twin on one or more traces (or IR
 * phases), with the three baselines and the oracle on the same traffic. Prints a table (to stderr,
 * or to stdout with --format table) and the JSON result (stdout, unless --format table).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { InvalidInputError } from '../../shared/core/errors';
import {
  type CandidateOutcome,
  DEFAULT_SEARCH_GRID,
  type SearchGrid,
  type SearchResult,
  searchPolicies,
} from '../../shared/core/sim/search';
import {
  asNumeric,
  choiceOption,
  decimal,
  integer,
  listOf,
  nonBlankText,
  orWord,
  repeatable,
} from '../options';
import { heldOutTable, historyWindows, runHeldOut } from './search-held-out';
import {
  addCommonOptions,
  type CommonOptions,
  latencySloMsOf,
  loadRecommendation,
  phasesScenario,
  pricingOf,
  simSettingsOf,
  traceScenario,
} from './simulate';

const pct = (x: number) => `${(x * 100).toFixed(3)}%`;

/** The search result as a fixed-width table: best, front, baselines, oracle. */
export function searchTable(result: SearchResult): string {
  const rows: string[][] = [
    ['row', 'policy', 'instance-hours', 'SLO attainment', '5XX', 'p95 ms', 'activities'],
  ];
  const add = (kind: string, o: CandidateOutcome) =>
    rows.push([
      kind,
      o.label,
      o.instanceHours.toFixed(2),
      pct(o.sloAttainment),
      o.errorCount.toFixed(0),
      Number.isNaN(o.p95LatencyMs) ? '-' : o.p95LatencyMs.toFixed(1),
      String(o.scalingActivities),
    ]);
  if (result.best) add('best', result.best);
  else rows.push(['best', '(no candidate meets the SLO)', '-', '-', '-', '-', '-']);
  for (const b of result.baselines) add('baseline', b);
  rows.push([
    'oracle',
    `clairvoyant at ${result.oracle.targetInvocationsPerInstance}/min per instance`,
    result.oracle.instanceHours.toFixed(2),
    '-',
    '-',
    '-',
    '-',
  ]);
  rows.push([
    'oracle',
    `clairvoyant at the peak ${result.oracleAtPeak.targetInvocationsPerInstance}/min`,
    result.oracleAtPeak.instanceHours.toFixed(2),
    '-',
    '-',
    '-',
    '-',
  ]);
  for (const f of result.front) add('front', f);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return `${rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n')}\n${result.candidatesEvaluated} candidates; ${result.reasons.map((r) => r.message).join('; ')}\n`;
}

/** `--window-hours`: hours in whole minutes, the step of a trace. */
const parseWindowHours = asNumeric((text: string) => {
  const hours = decimal({ above: 0 }, '24')(text);
  if (!Number.isInteger(hours * 60))
    throw new InvalidArgumentError('expected hours in whole minutes (e.g. 24 or 0.5)');
  return hours;
}, 'decimal');

/** The options of `search`, as commander parsed them. */
interface SearchOptions extends CommonOptions {
  trace?: string[];
  sloTarget?: number;
  allowedErrorRate?: number;
  targets?: number[];
  scaleOutCooldowns?: number[];
  scaleInCooldowns?: number[];
  stepThresholds?: (number | 'off')[];
  concurrencyShares?: (number | 'off')[];
  minCapacityOffsets?: number[];
  maxCapacityOffsets?: number[];
  keepCpu?: boolean;
  heldOut?: boolean;
  windowHours?: number;
  trainingWindows?: number;
  workers?: number;
  format: 'json' | 'table';
}

export function registerSearch(program: Command): void {
  addCommonOptions(
    program
      .command('search')
      .description('search policy sets in the digital twin against the AWS baselines and the oracle'),
  )
    .addOption(
      new Option('--trace <file>', 'trace file (repeat for several scenarios)')
        .argParser(repeatable(nonBlankText))
        .conflicts('phases'),
    )
    .option(
      '--slo-target <share>',
      'share of requests within the latency SLO, 0..1 (default 0.999)',
      decimal({ above: 0, atMost: 1 }, '0.999'),
    )
    .option(
      '--allowed-error-rate <share>',
      "share of 5XX allowed, 0..1 (default: the request's, else 0)",
      decimal({ atLeast: 0, atMost: 1 }, '0.001'),
    )
    .option(
      '--targets <list>',
      `target shares of the peak (default ${DEFAULT_SEARCH_GRID.targetSharesOfPeak.join(',')})`,
      listOf(decimal({ above: 0, atMost: 1 }, '0.5')),
    )
    .option(
      '--scale-out-cooldowns <list>',
      `seconds (default ${DEFAULT_SEARCH_GRID.scaleOutCooldownSeconds.join(',')})`,
      listOf(decimal({ atLeast: 0 }, '60')),
    )
    .option(
      '--scale-in-cooldowns <list>',
      `seconds (default ${DEFAULT_SEARCH_GRID.scaleInCooldownSeconds.join(',')})`,
      listOf(decimal({ atLeast: 0 }, '300')),
    )
    .option(
      '--step-thresholds <list>',
      `step scaling per candidate: off, or its alarm threshold as a multiple of the target (default ${DEFAULT_SEARCH_GRID.stepThresholdsOverTarget.map((v) => v ?? 'off').join(',')})`,
      listOf(orWord('off', decimal({ above: 0 }, '1.3'))),
    )
    .option(
      '--concurrency-shares <list>',
      `high-resolution concurrency policies beside InvocationsPerInstance (step scaling off): each share of the peak, 0..1, at which one instance's concurrent requests set its target; off alone = none (the candidates without one come from --step-thresholds) (default ${DEFAULT_SEARCH_GRID.concurrencySharesOfPeak.map((v) => v ?? 'off').join(',')})`,
      listOf(orWord('off', decimal({ above: 0, atMost: 1 }, '0.8'))),
    )
    .option(
      '--min-capacity-offsets <list>',
      `integers added to the recommendation's MinCapacity (default ${DEFAULT_SEARCH_GRID.minCapacityOffsets.join(',')})`,
      listOf(integer({}, '-1')),
    )
    .option(
      '--max-capacity-offsets <list>',
      `integers added to the recommendation's MaxCapacity (default ${DEFAULT_SEARCH_GRID.maxCapacityOffsets.join(',')})`,
      listOf(integer({}, '2')),
    )
    .option('--keep-cpu', "keep the recommendation's CPU target tracking policy in every candidate")
    .option('--no-held-out', "in-sample only: no rolling held-out validation over the traces' windows")
    .option('--window-hours <hours>', 'held-out windows, hours (default 24: UTC days)', parseWindowHours)
    .option(
      '--training-windows <n>',
      'windows each held-out fold trains on, the ones just before it (default 7)',
      integer({ atLeast: 1 }, '7'),
    )
    .option(
      '--workers <n>',
      "worker threads the held-out search simulates the grid on (default: the machine's cores; 1 = this thread only)",
      integer({ atLeast: 1 }, '2'),
    )
    .addOption(
      choiceOption('--format <format>', 'json (table on stderr) or table', ['json', 'table']).default('json'),
    )
    .action(runSearch);
}

/** The grid of the options: only what the user set overrides the default grid. */
function gridOf(options: SearchOptions, base: { maxCapacity: number }): Partial<SearchGrid> {
  const grid: Partial<SearchGrid> = {};
  if (options.targets) grid.targetSharesOfPeak = options.targets;
  if (options.scaleOutCooldowns) grid.scaleOutCooldownSeconds = options.scaleOutCooldowns;
  if (options.scaleInCooldowns) grid.scaleInCooldownSeconds = options.scaleInCooldowns;
  if (options.stepThresholds)
    grid.stepThresholdsOverTarget = options.stepThresholds.map((v) => (v === 'off' ? null : v));
  if (options.concurrencyShares)
    grid.concurrencySharesOfPeak = options.concurrencyShares.map((v) => (v === 'off' ? null : v));
  if (options.minCapacityOffsets) grid.minCapacityOffsets = options.minCapacityOffsets;
  const maxOffsets = options.maxCapacityOffsets;
  if (maxOffsets) {
    const lowest = base.maxCapacity + Math.min(...maxOffsets);
    if (lowest < 1)
      throw new InvalidInputError(
        `--max-capacity-offsets: MaxCapacity ${base.maxCapacity} + ${Math.min(...maxOffsets)} is below 1`,
      );
    grid.maxCapacityOffsets = maxOffsets;
  }
  return grid;
}

/** The action of `scaleplan search`: the in-sample search, then the held-out folds by default. */
async function runSearch(options: SearchOptions): Promise<void> {
  const traces = options.trace ?? [];
  if ((traces.length === 0) === (options.phases === undefined))
    throw new InvalidInputError('pass --trace FILE (one or more) or --phases JSON');
  const loaded = loadRecommendation(options.recommendation);
  const scenarios =
    traces.length > 0
      ? traces.map((path) => ({ name: path, traffic: traceScenario(path, options) }))
      : [{ name: 'phases', traffic: phasesScenario(options.phases!) }];
  const pricing = pricingOf(options.pricePerHour, loaded);
  const searchInput = {
    analysis: loaded.analysis,
    base: loaded.policySet,
    scenarios,
    latencySloMs: latencySloMsOf(options.latencySloMs, loaded),
    sloTarget: options.sloTarget ?? 0.999,
    allowedErrorRate: options.allowedErrorRate ?? loaded.allowedErrorRate ?? 0,
    grid: gridOf(options, loaded.policySet),
    keepCpuTargetTracking: options.keepCpu === true,
    settings: simSettingsOf(options, pricing),
  };
  const result = searchPolicies(searchInput);
  // Held out by default: rolling folds over the traces' windows (needs two windows or more).
  const windowHours = options.windowHours ?? 24;
  const trainingWindows = options.trainingWindows ?? 7;
  const windows = options.heldOut === false ? [] : historyWindows(scenarios, windowHours * 3600);
  const heldOut =
    windows.length >= 2 ? await runHeldOut(searchInput, windows, trainingWindows, options.workers) : null;
  const heldOutNote =
    options.heldOut === false || windows.length >= 2
      ? ''
      : `held-out validation skipped: ${windows.length} window(s) of ${windowHours} h in the traffic, at least 2 are needed; the figures above are in-sample\n`;
  const table = `${searchTable(result)}${heldOut ? heldOutTable(heldOut) : heldOutNote}`;
  if (options.format === 'table') {
    process.stdout.write(table);
    return;
  }
  process.stderr.write(table);
  const strip = (o: CandidateOutcome | null) =>
    o && { ...o, scenarios: o.scenarios.map((s) => ({ name: s.name, summary: s.summary })) };
  process.stdout.write(
    `${JSON.stringify({ ...result, best: strip(result.best), front: result.front.map(strip), baselines: result.baselines.map(strip), heldOut, pricing }, null, 2)}\n`,
  );
}
