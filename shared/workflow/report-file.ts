/**
 * Writes a run's `report.html` beside its `recommendation.json`: reads the charting library's
 * sources and the run's benchmark series, re-simulates each iteration's timeline with the run's
 * request, and renders the report (shared/outputs/report.ts). Used by the local run and by
 * `scaleplan report`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchmarkSeries, parseBenchmarkSeries } from '../core/benchmark-file';
import type { Recommendation } from '../core/recommendation';
import { type ScalingRequest, ScalingRequestSchema } from '../core/request';
import { renderReport, type SearchSummary } from '../outputs/report';
import { predictedTimelines, type Timeline } from '../outputs/timelines';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The charting library's sources (Observable Plot and d3), inlined into every report. */
export function reportLibraries(): { d3: string; plot: string } {
  const read = (...path: string[]) => readFileSync(join(REPO_ROOT, 'node_modules', ...path), 'utf8');
  return {
    d3: read('d3', 'dist', 'd3.min.js'),
    plot: read('@observablehq', 'plot', 'dist', 'plot.umd.min.js'),
  };
}

/** The version in package.json: every output names the scaleplan that wrote it. */
export function scaleplanVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export interface ReportFileInput {
  recommendation: Recommendation;
  /** The run's request: its evaluation phases make the timelines the stored predictions. */
  request?: ScalingRequest;
  benchmark?: BenchmarkSeries;
  /** Timelines beside the iterations' (a simulation, a measured evaluation). */
  extraTimelines?: Timeline[];
  search?: SearchSummary;
}

/** The report's HTML. */
export function buildReportHtml(input: ReportFileInput): string {
  return renderReport({
    recommendation: input.recommendation,
    ...(input.benchmark ? { benchmark: input.benchmark } : {}),
    timelines: [...predictedTimelines(input.recommendation, input.request), ...(input.extraTimelines ?? [])],
    ...(input.search ? { search: input.search } : {}),
    libraries: reportLibraries(),
    scaleplanVersion: scaleplanVersion(),
  });
}

/**
 * Writes `<outDir>/report.html` for a run, with the run's `benchmark.json` when it is there and
 * the evaluation phases of its request (as given: NormalizeInput validated it).
 * @returns the path written
 */
export function writeRunReport(outDir: string, recommendation: Recommendation, rawRequest?: unknown): string {
  const parsed = rawRequest === undefined ? undefined : ScalingRequestSchema.safeParse(rawRequest);
  const request = parsed?.success ? parsed.data : undefined;
  const benchmarkPath = join(outDir, 'benchmark.json');
  const benchmark = existsSync(benchmarkPath)
    ? parseBenchmarkSeries(JSON.parse(readFileSync(benchmarkPath, 'utf8')), benchmarkPath)
    : undefined;
  const path = join(outDir, 'report.html');
  writeFileSync(
    path,
    buildReportHtml({ recommendation, ...(request ? { request } : {}), ...(benchmark ? { benchmark } : {}) }),
  );
  return path;
}
