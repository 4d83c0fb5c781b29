/**
 * `scaleplan search`: searches policy sets in the digital twin on one or more traces (or IR
 * phases), with the three baselines and the oracle on the same traffic. Prints a table (to stderr,
 * or to stdout with --format table) and the JSON result (stdout, unless --format table).
 */
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/core/errors';
import {
  type CandidateOutcome,
  DEFAULT_SEARCH_GRID,
  type SearchGrid,
  type SearchResult,
  searchPolicies,
} from '../../shared/core/sim/search';
import {
  addCommonOptions,
  latencySloMsOf,
  loadRecommendation,
  numberOption,
  phasesScenario,
  pricingOf,
  simSettingsOf,
  type TrafficOptions,
  traceScenario,
} from './simulate';

function listOption(
  name: string,
  value: string | undefined,
  check: (n: number) => boolean,
): number[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((v) => numberOption(name, v.trim(), check)!);
  if (list.length === 0) throw new InvalidInputError(`--${name}: a comma-separated list of numbers`);
  return list;
}

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

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerSearch(program: Command): void {
  addCommonOptions(
    program
      .command('search')
      .description('search policy sets in the digital twin against the AWS baselines and the oracle'),
  )
    .option('--trace <file>', 'trace file (repeat for several scenarios)', collect)
    .option('--slo-target <share>', 'share of requests within the latency SLO, 0..1 (default 0.999)')
    .option('--allowed-error-rate <share>', "share of 5XX allowed, 0..1 (default: the request's, else 0)")
    .option(
      '--targets <list>',
      `target shares of the peak (default ${DEFAULT_SEARCH_GRID.targetSharesOfPeak.join(',')})`,
    )
    .option(
      '--scale-out-cooldowns <list>',
      `seconds (default ${DEFAULT_SEARCH_GRID.scaleOutCooldownSeconds.join(',')})`,
    )
    .option(
      '--scale-in-cooldowns <list>',
      `seconds (default ${DEFAULT_SEARCH_GRID.scaleInCooldownSeconds.join(',')})`,
    )
    .option(
      '--step-thresholds <list>',
      `step scaling per candidate: off, or its alarm threshold as a multiple of the target (default ${DEFAULT_SEARCH_GRID.stepThresholdsOverTarget.map((v) => v ?? 'off').join(',')})`,
    )
    .option(
      '--min-capacity-offsets <list>',
      `integers added to the recommendation's MinCapacity (default ${DEFAULT_SEARCH_GRID.minCapacityOffsets.join(',')})`,
    )
    .option(
      '--max-capacity-offsets <list>',
      `integers added to the recommendation's MaxCapacity (default ${DEFAULT_SEARCH_GRID.maxCapacityOffsets.join(',')})`,
    )
    .option('--keep-cpu', "keep the recommendation's CPU target tracking policy in every candidate")
    .option('--format <format>', 'json (table on stderr) | table', 'json')
    .action(
      (
        options: TrafficOptions &
          Record<string, string | undefined> & { trace?: string[]; keepCpu?: boolean },
      ) => {
        if (options.format !== 'json' && options.format !== 'table')
          throw new InvalidInputError(`--format: json or table, not '${options.format}'`);
        const traces = options.trace ?? [];
        if ((traces.length === 0) === (options.phases === undefined))
          throw new InvalidInputError('pass --trace FILE (one or more) or --phases JSON');
        const loaded = loadRecommendation(options.recommendation!);
        const scenarios =
          traces.length > 0
            ? traces.map((path) => ({ name: path, traffic: traceScenario(path, options) }))
            : [{ name: 'phases', traffic: phasesScenario(options.phases!) }];
        const grid: Partial<SearchGrid> = {};
        const targets = listOption('targets', options.targets, (n) => n > 0 && n <= 1);
        if (targets) grid.targetSharesOfPeak = targets;
        const outs = listOption('scale-out-cooldowns', options.scaleOutCooldowns, (n) => n >= 0);
        if (outs) grid.scaleOutCooldownSeconds = outs;
        const ins = listOption('scale-in-cooldowns', options.scaleInCooldowns, (n) => n >= 0);
        if (ins) grid.scaleInCooldownSeconds = ins;
        if (options.stepThresholds !== undefined)
          grid.stepThresholdsOverTarget = options.stepThresholds
            .split(',')
            .map((v) =>
              v.trim() === 'off' ? null : numberOption('step-thresholds', v.trim(), (n) => n > 0)!,
            );
        const minOffsets = listOption('min-capacity-offsets', options.minCapacityOffsets, Number.isInteger);
        if (minOffsets) grid.minCapacityOffsets = minOffsets;
        const maxOffsets = listOption('max-capacity-offsets', options.maxCapacityOffsets, Number.isInteger);
        if (maxOffsets) {
          const lowest = loaded.policySet.maxCapacity + Math.min(...maxOffsets);
          if (lowest < 1)
            throw new InvalidInputError(
              `--max-capacity-offsets: MaxCapacity ${loaded.policySet.maxCapacity} + ${Math.min(...maxOffsets)} is below 1`,
            );
          grid.maxCapacityOffsets = maxOffsets;
        }
        const pricing = pricingOf(
          numberOption('price-per-hour', options.pricePerHour, (n) => n >= 0),
          loaded,
        );
        const result = searchPolicies({
          analysis: loaded.analysis,
          base: loaded.policySet,
          scenarios,
          latencySloMs: latencySloMsOf(options.latencySloMs, loaded),
          sloTarget: numberOption('slo-target', options.sloTarget, (n) => n > 0 && n <= 1) ?? 0.999,
          allowedErrorRate:
            numberOption('allowed-error-rate', options.allowedErrorRate, (n) => n >= 0 && n <= 1) ??
            loaded.allowedErrorRate ??
            0,
          grid,
          keepCpuTargetTracking: options.keepCpu === true,
          settings: simSettingsOf(options, pricing),
        });
        const table = searchTable(result);
        if (options.format === 'table') {
          process.stdout.write(table);
          return;
        }
        process.stderr.write(table);
        const strip = (o: CandidateOutcome | null) =>
          o && { ...o, scenarios: o.scenarios.map((s) => ({ name: s.name, summary: s.summary })) };
        process.stdout.write(
          `${JSON.stringify({ ...result, best: strip(result.best), front: result.front.map(strip), baselines: result.baselines.map(strip), pricing }, null, 2)}\n`,
        );
      },
    );
}
