/**
 * The digital twin's per-minute series as CSV, for people who chart in pandas or a spreadsheet:
 * one header line with the units in the column names, one line per simulated minute, latency in
 * milliseconds (the series keeps CloudWatch's microseconds).
 */
import type { SimulatedMinute } from '../core/sim/results';

/** The columns, in order: header name and how to read it from a minute. */
const COLUMNS: [string, (m: SimulatedMinute) => string | number][] = [
  ['timestamp', (m) => m.timestamp],
  ['invocations_per_minute', (m) => m.invocations],
  ['invocations_per_instance_per_minute', (m) => m.invocationsPerInstance],
  ['cpu_utilization_percent', (m) => m.cpuUtilizationPercent],
  ['invocation_5xx_errors', (m) => m.invocation5xxErrors],
  ['model_latency_avg_ms', (m) => m.modelLatencyAvgUs / 1000],
  ['model_latency_p95_ms', (m) => m.modelLatencyP95Us / 1000],
  ['model_latency_p99_ms', (m) => m.modelLatencyP99Us / 1000],
  ['in_service_instances', (m) => m.inServiceInstances],
  ['desired_capacity', (m) => m.desiredCapacity],
];

/** A number as CSV: at most 6 decimals, NaN and infinities left empty. */
function cell(value: string | number): string {
  if (typeof value === 'string') return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  if (!Number.isFinite(value)) return '';
  return String(Math.round(value * 1e6) / 1e6);
}

/**
 * The series as CSV text (RFC 4180, `\n` line ends).
 * @example renderSeriesCsv(series).split('\n')[0] // 'timestamp,invocations_per_minute,...'
 */
export function renderSeriesCsv(series: SimulatedMinute[]): string {
  const lines = [COLUMNS.map(([name]) => name).join(',')];
  for (const minute of series) lines.push(COLUMNS.map(([, read]) => cell(read(minute))).join(','));
  return `${lines.join('\n')}\n`;
}
