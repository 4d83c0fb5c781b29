/**
 * The HTML report: one self-contained file (the charting library and the data inlined, nothing
 * fetched), that opens offline. It shows the benchmark curves with the threshold lines of both
 * methods, the capacity plan, every iteration's evaluation timeline (the twin's prediction, and
 * the measurement overlaid once there is one), the policy search's front against the baselines and
 * the oracle when a search result is given, and the reasons behind each decision.
 *
 * Pure: the caller reads the library sources (Observable Plot and d3) and passes them in.
 */
import type { BenchmarkSeries } from '../core/benchmark-file';
import type { Reason } from '../core/errors';
import type { Recommendation } from '../core/recommendation';
import { policyRows } from './pr-sections';
import { REPORT_CHARTS_SCRIPT } from './report-charts';
import type { Timeline } from './timelines';

/** The parts of a `scaleplan search` result the report draws. */
export interface SearchSummary {
  best: { label: string; instanceHours: number; sloAttainment: number } | null;
  front: { label: string; instanceHours: number; sloAttainment: number }[];
  baselines: { label: string; instanceHours: number; sloAttainment: number }[];
  oracle: { instanceHours: number; targetInvocationsPerInstance: number };
}

export interface ReportInput {
  recommendation: Recommendation;
  /** The measured benchmark series (benchmark.json), when at hand: the curves against users. */
  benchmark?: BenchmarkSeries;
  timelines: Timeline[];
  search?: SearchSummary;
  /** Share of requests the search required within the SLO, 0..1 (default 0.999). */
  searchSloTarget?: number;
  /** The JavaScript sources inlined into the file. */
  libraries: { d3: string; plot: string };
  scaleplanVersion: string;
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Text inside <script>: a closing tag in a library or in the data would end the element. */
const inlineScript = (source: string) => source.replace(/<\/(script)/gi, '<\\/$1');
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function benchmarkPoints(input: ReportInput) {
  const { recommendation: r, benchmark } = input;
  if (benchmark && benchmark.points.length > 0) {
    const perMinute = 60 / benchmark.periodSeconds;
    return benchmark.points.map((p) => ({
      users: p.users ?? null,
      invocationsPerMinute: round((p.invocations * 60) / (p.coveredSeconds ?? benchmark.periodSeconds), 0),
      p95Ms: p.modelLatencyP95Us === undefined ? null : round(p.modelLatencyP95Us / 1000, 2),
      p99Ms: p.modelLatencyP99Us === undefined ? null : round(p.modelLatencyP99Us / 1000, 2),
      cpuPercent: round(p.cpuUtilizationPercent, 1),
      perMinute,
    }));
  }
  // Without the series, the analysis' latency curve (no users, no per-period CPU).
  return r.benchmark.latencyCurve.map((p) => ({
    users: null,
    invocationsPerMinute: p.invocationsPerMinute,
    p95Ms: p.p95Ms ?? null,
    p99Ms: p.p99Ms ?? null,
    cpuPercent: null,
  }));
}

/** The data the charts read, embedded as JSON. */
export function reportData(input: ReportInput) {
  const r = input.recommendation;
  const groups = new Map<number, Timeline[]>();
  for (const timeline of input.timelines)
    groups.set(timeline.iteration, [...(groups.get(timeline.iteration) ?? []), timeline]);
  const start = (t: Timeline) => Date.parse(t.minutes[0]?.timestamp ?? '1970-01-01T00:00:00Z');
  const search = input.search;
  const slo = (o: { label: string; instanceHours: number; sloAttainment: number }) => ({
    label: o.label,
    instanceHours: o.instanceHours,
    sloPercent: round(o.sloAttainment * 100, 3),
  });
  return {
    slo: r.expectations.latencySlo,
    benchmark: {
      peakInvocationsPerMinute: r.benchmark.peakInvocationsPerMinute,
      cpuFit: r.benchmark.cpuFit,
      points: benchmarkPoints(input),
    },
    thresholds: {
      chosen: r.thresholds.chosen,
      peakShare: r.thresholds.peakShare.invocationsPerInstance,
      cpuOverlay: r.thresholds.cpuOverlay.invocationsPerInstance,
      cpuTargetPercent: r.thresholds.cpuTargetPercent,
    },
    capacity: {
      ...r.expectations,
      minCapacity: r.policySet.minCapacity,
      maxCapacity: r.policySet.maxCapacity,
      rpsPerInstance: r.capacity.rpsPerInstance,
    },
    iterations: [...groups].map(([iteration, timelines]) => ({
      iteration,
      target: timelines[0]?.targetInvocationsPerInstance ?? null,
      timelines: timelines.map((t) => ({
        kind: t.kind,
        label: t.label,
        minutes: t.minutes.map((m, i) => ({
          minute: i,
          invocations: round(m.invocations, 0),
          errors: round(m.invocation5xxErrors, 0),
          invocationsPerInstance: round(m.invocationsPerInstance, 0),
          desired: m.desiredCapacity,
          inService: m.inServiceInstances,
          p95Ms: Number.isFinite(m.modelLatencyP95Us) ? round(m.modelLatencyP95Us / 1000, 2) : null,
        })),
        activities: t.activities.map((a) => ({
          ...a,
          minute: round((a.epochSeconds * 1000 - start(t)) / 60_000, 2),
        })),
      })),
    })),
    search: search && {
      best: search.best && slo(search.best),
      front: search.front.map(slo),
      baselines: search.baselines.map(slo),
      oracleInstanceHours: search.oracle.instanceHours,
      oracleTarget: Math.round(search.oracle.targetInvocationsPerInstance),
      sloTargetPercent: (input.searchSloTarget ?? 0.999) * 100,
    },
  };
}

function reasonList(title: string, reasons: Reason[] | undefined): string {
  if (!reasons || reasons.length === 0) return '';
  return `<h3>${escapeHtml(title)}</h3><ul class="reasons">${reasons.map((reason) => `<li><code>${escapeHtml(reason.code)}</code> ${escapeHtml(reason.message)}</li>`).join('')}</ul>`;
}

function tables(r: Recommendation): string {
  const row = (cells: (string | number | null | undefined)[], tag = 'td') =>
    `<tr>${cells.map((c) => `<${tag}>${escapeHtml(String(c ?? 'n/a'))}</${tag}>`).join('')}</tr>`;
  const set = r.policySet;
  const policies = policyRows(set).map((cells) => row(cells));
  return `<table><thead>${row(['policy', 'metric or schedule', 'target', 'cooldown'], 'th')}</thead><tbody>${policies.join('')}</tbody></table>
<table><thead>${row(['MinCapacity', 'MaxCapacity', 'requests/s per instance', 'USD/h at Min', 'USD/h at Max'], 'th')}</thead><tbody>${row([set.minCapacity, set.maxCapacity, round(r.capacity.rpsPerInstance), r.cost.atMinCapacityPerHourUsd, r.cost.atMaxCapacityPerHourUsd])}</tbody></table>`;
}

const STYLE = `:root{color-scheme:light dark;--bg:#ffffff;--fg:#1f2937;--muted:#6b7280;--card:#f8fafc;--line:#e5e7eb}
@media (prefers-color-scheme: dark){:root{--bg:#0f172a;--fg:#e5e7eb;--muted:#9ca3af;--card:#111827;--line:#374151}}
body{background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:800px;padding:24px}
h1{font-size:1.6em}h2{border-bottom:1px solid var(--line);padding-bottom:4px;margin-top:2em}.muted{color:var(--muted)}
figure{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:16px 0;padding:12px}figcaption{font-weight:600;margin-bottom:8px}
figure svg{max-width:100%;height:auto;color:var(--fg)}ul.legend{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px}
.swatch{display:inline-block;width:18px;border-top:3px solid;margin-right:6px;vertical-align:middle}.swatch.dashed{border-top-style:dashed}
table{border-collapse:collapse;margin:12px 0;width:100%}td,th{border:1px solid var(--line);padding:4px 8px;text-align:left;font-size:14px}
.verdict-pass{color:#16a34a}.verdict-fail{color:#dc2626}code{font-size:13px}ul.reasons li{margin:4px 0}`;

/**
 * The report as one HTML file.
 * @example renderReport({ recommendation, timelines, libraries, scaleplanVersion: '0.1.0' }).startsWith('<!doctype html>') // true
 */
export function renderReport(input: ReportInput): string {
  const r = input.recommendation;
  const v = r.verdict;
  const data = JSON.stringify(reportData(input)).replace(/</g, '\\u003c');
  const iterationFigures = [...new Set(input.timelines.map((t) => t.iteration))]
    .map((i) => {
      const record = r.iterations.find((it) => it.iteration === i);
      const notes = input.timelines.filter((t) => t.iteration === i).flatMap((t) => t.notes);
      const title = i === 0 ? 'Simulation' : `Iteration ${i}: ${record?.outcome ?? ''}`;
      return `<h3>${escapeHtml(title)}</h3>${notes.map((n) => `<p class="muted">${escapeHtml(n)}</p>`).join('')}
${['load', 'ipi', 'instances', 'latency'].map((k) => `<figure data-chart="iteration-${i}-${k}"></figure>`).join('\n')}
${reasonList(`Iteration ${i}: tuning`, record?.tuning?.reasons)}`;
    })
    .join('\n');
  const hasUsers = input.benchmark?.points.some((p) => p.users !== undefined) ?? false;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>scaleplan report: ${escapeHtml(r.name)} (${escapeHtml(r.runId)})</title><style>${STYLE}</style></head>
<body>
<h1>scaleplan report: ${escapeHtml(r.name)}</h1>
<p class="muted">run ${escapeHtml(r.runId)}, ${escapeHtml(r.instanceType)}, evaluated on ${escapeHtml(r.evaluatedOn.endpointName)}; scaleplan ${escapeHtml(input.scaleplanVersion)}</p>
<p>Verdict: <strong class="${v.passed ? 'verdict-pass' : 'verdict-fail'}">${v.passed ? 'passed' : 'failed'}</strong>: ${Math.round(v.maxInvocationsPerMinute)} invocations/min reached of ${Math.round(v.targetInvocationsPerMinute)} expected, error rate ${round(v.errorRate * 100, 3)}%, worst ${escapeHtml(r.expectations.latencySlo.percentile)} ${v.worstLatencyMs === null ? 'n/a' : round(v.worstLatencyMs)} ms against ${r.expectations.latencySlo.ms} ms.</p>
<h2>Policies</h2>${tables(r)}
<h2>Benchmark of one instance</h2>
${hasUsers ? '<figure data-chart="benchmark-throughput"></figure>' : ''}
<figure data-chart="benchmark-latency"></figure>
<figure data-chart="benchmark-cpu"></figure>
${reasonList('Benchmark', r.benchmark.reasons)}${reasonList('Thresholds', r.thresholds.reasons)}
<h2>Capacity plan</h2>
<figure data-chart="capacity"></figure>
${reasonList('Capacity', r.capacity.reasons)}
<h2>Evaluations</h2>
${iterationFigures}
${input.search ? '<h2>Policy search</h2><figure data-chart="search"></figure>' : ''}
<h2>Decisions</h2>${reasonList('Verdict', v.reasons)}${reasonList('Recommendation', r.reasons)}
<script id="scaleplan-data" type="application/json">${data}</script>
<script>${inlineScript(input.libraries.d3)}</script>
<script>${inlineScript(input.libraries.plot)}</script>
<script>${inlineScript(REPORT_CHARTS_SCRIPT)}</script>
</body></html>
`;
}
