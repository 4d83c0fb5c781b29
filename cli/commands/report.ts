/**
 * `scaleplan report --recommendation FILE [--simulation FILE] [--search FILE] [--benchmark FILE]
 * [--request FILE] [--out FILE]`: regenerates the self-contained HTML report of a run
 * (shared/outputs/report.ts renders it; see docs/outputs.md).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { type BenchmarkSeries, parseBenchmarkSeries } from '../../shared/core/benchmark-file';
import { InvalidInputError } from '../../shared/core/errors';
import type { Recommendation } from '../../shared/core/recommendation';
import { type ScalingRequest, ScalingRequestSchema } from '../../shared/core/request';
import type { ScalingActivity } from '../../shared/core/sim/model';
import type { SimulatedMinute } from '../../shared/core/sim/results';
import type { SearchSummary } from '../../shared/outputs/report';
import type { Timeline } from '../../shared/outputs/timelines';
import { buildReportHtml } from '../../shared/workflow/report-file';
import { parseWith, readJsonFile } from '../options';
import { readRecommendationFile, writeOutput } from './export';

function readJsonObject(kind: string, path: string): Record<string, unknown> {
  const data = readJsonFile(path, `${kind} file`);
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new InvalidInputError(`${kind} ${path}: a JSON object is expected`);
  return data as Record<string, unknown>;
}

/** A `scaleplan simulate` output (with its series) as a timeline shown beside the iterations. */
export function simulationTimeline(path: string, recommendation: Recommendation): Timeline {
  const data = readJsonObject('simulation', path);
  if (!Array.isArray(data.series))
    throw new InvalidInputError(
      `simulation ${path}: no series (write it with "scaleplan simulate" without --no-series)`,
    );
  return {
    iteration: 0,
    kind: 'predicted',
    label: `simulate ${path}`,
    minutes: data.series as SimulatedMinute[],
    activities: (Array.isArray(data.scalingActivities) ? data.scalingActivities : []) as ScalingActivity[],
    targetInvocationsPerInstance: recommendation.policySet.invocationsTargetTracking?.targetValue ?? null,
    notes: [`the policy set of the recommendation in the digital twin on the traffic of ${path}`],
  };
}

/** A `scaleplan search` JSON output. */
export function readSearchFile(path: string): SearchSummary {
  const data = readJsonObject('search result', path);
  if (!Array.isArray(data.front) || !Array.isArray(data.baselines) || typeof data.oracle !== 'object')
    throw new InvalidInputError(
      `search result ${path}: front, baselines and oracle expected (the JSON of "scaleplan search")`,
    );
  return data as unknown as SearchSummary;
}

export interface ReportOptions {
  recommendation: string;
  simulation?: string;
  search?: string;
  benchmark?: string;
  request?: string;
}

/** Reads every file the options name and renders the report. */
export function buildReport(options: ReportOptions): string {
  const recommendation = readRecommendationFile(options.recommendation);
  const sibling = join(dirname(options.recommendation), 'benchmark.json');
  const benchmarkPath = options.benchmark ?? (existsSync(sibling) ? sibling : undefined);
  let benchmark: BenchmarkSeries | undefined;
  if (benchmarkPath)
    benchmark = parseBenchmarkSeries(
      readJsonFile(benchmarkPath, 'benchmark file'),
      `benchmark file '${benchmarkPath}'`,
    );
  let request: ScalingRequest | undefined;
  if (options.request)
    request = parseWith(ScalingRequestSchema, readJsonFile(options.request, 'request file'), options.request);
  return buildReportHtml({
    recommendation,
    ...(request ? { request } : {}),
    ...(benchmark ? { benchmark } : {}),
    extraTimelines: options.simulation ? [simulationTimeline(options.simulation, recommendation)] : [],
    ...(options.search ? { search: readSearchFile(options.search) } : {}),
  });
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'write the self-contained HTML report of a recommendation (charts, capacity plan, timelines, reasons)',
    )
    .requiredOption('--recommendation <file>', 'recommendation.json of a run')
    .option('--simulation <file>', 'output of "scaleplan simulate" to chart beside the iterations')
    .option('--search <file>', 'JSON output of "scaleplan search": the cost against SLO front')
    .option('--benchmark <file>', 'benchmark.json of the run (default: the one beside the recommendation)')
    .option(
      '--request <file>',
      "the run's ScalingRequest, for its evaluation phases (default: the request defaults)",
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .action((options: ReportOptions & { out?: string }) => {
      writeOutput(buildReport(options), options.out);
    });
}
