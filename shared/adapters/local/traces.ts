/**
 * Reads request-rate traces into the twin's open traffic:
 * - per-period count CSV (`period,count`, like the WorldCup98 per-minute file): one row a period;
 * - per-request timestamp CSV (`TIMESTAMP,...`, like the Azure LLM traces): counted per second;
 * - an endpoint's CloudWatch Invocations history as JSON: a GetMetricData output
 *   (`MetricDataResults[0].Timestamps/Values`), a GetMetricStatistics output (`Datapoints[].Timestamp/Sum`),
 *   or `[{ timestamp, invocations }]`.
 * Timestamps without a zone are read as UTC.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError } from '../../core/errors';
import { countsTraffic, type OpenTraffic, timestampsTraffic } from '../../core/sim/traffic';

export type TraceFormat = 'counts' | 'requests' | 'cloudwatch';

/**
 * Seconds since the epoch of `2023-11-16 18:17:03.9799600`, `1998-04-30 21:30:00`, or any ISO 8601
 * time (UTC when no zone is given); NaN when unreadable.
 */
export function parseTraceTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text.trim(),
  );
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let seconds =
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)) / 1000 +
    (frac ? Number(`0${frac}`) : 0);
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    seconds -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  return seconds;
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '');
}

/**
 * Per-period counts: first column a time, second a count; the period is the gap between the first
 * two rows (60 s for one row).
 * @example parseCountsCsv('period,count\n1998-04-30 21:30:00,2\n1998-04-30 21:31:00,11').requests; // [2, 11]
 */
export function parseCountsCsv(text: string, source = 'trace'): OpenTraffic {
  const rows = lines(text);
  const body =
    /^[^,]*[a-zA-Z]/.test(rows[0] ?? '') && Number.isNaN(parseTraceTime(rows[0]!.split(',')[0] ?? ''))
      ? rows.slice(1)
      : rows;
  if (body.length === 0) throw new InvalidInputError(`${source}: no data rows`);
  const times = new Float64Array(body.length);
  const counts = new Float64Array(body.length);
  body.forEach((row, i) => {
    const [time, count] = row.split(',');
    times[i] = parseTraceTime(time ?? '');
    counts[i] = Number(count);
    if (!Number.isFinite(times[i]!) || !Number.isFinite(counts[i]!) || counts[i]! < 0)
      throw new InvalidInputError(`${source}: line ${i + 2} is not "time,count": ${row.slice(0, 80)}`);
  });
  const stepSeconds = body.length > 1 ? times[1]! - times[0]! : 60;
  if (!(stepSeconds > 0)) throw new InvalidInputError(`${source}: times must increase`);
  // Fill gaps so that the array index keeps meaning time.
  const n = Math.round((times[body.length - 1]! - times[0]!) / stepSeconds) + 1;
  const filled = new Float64Array(n);
  for (let i = 0; i < body.length; i++) {
    const k = Math.round((times[i]! - times[0]!) / stepSeconds);
    if (k >= 0 && k < n) filled[k]! += counts[i]!;
  }
  return countsTraffic(filled, { stepSeconds, startEpochSeconds: times[0]! });
}

/**
 * One row per request, the time in the first column, counted per `stepSeconds` (default 1).
 * @example parseRequestsCsv('TIMESTAMP,X\n2023-11-16 18:17:03.98,1\n2023-11-16 18:17:04.03,2').requests; // [1, 1]
 */
export function parseRequestsCsv(text: string, stepSeconds = 1, source = 'trace'): OpenTraffic {
  const rows = lines(text);
  const body = Number.isNaN(parseTraceTime((rows[0] ?? '').split(',')[0] ?? '')) ? rows.slice(1) : rows;
  if (body.length === 0) throw new InvalidInputError(`${source}: no requests`);
  const times = new Float64Array(body.length);
  body.forEach((row, i) => {
    times[i] = parseTraceTime(row.split(',')[0] ?? '');
    if (!Number.isFinite(times[i]!))
      throw new InvalidInputError(`${source}: line ${i + 2} has no readable time`);
  });
  return timestampsTraffic(times, { stepSeconds });
}

interface Point {
  t: number;
  v: number;
}

/**
 * A CloudWatch Invocations history (Sum per period) in one of the shapes listed above.
 * @example parseCloudWatchJson('{"Datapoints":[{"Timestamp":"2024-01-01T00:01:00Z","Sum":5},{"Timestamp":"2024-01-01T00:00:00Z","Sum":3}]}').requests; // [3, 5]
 */
export function parseCloudWatchJson(text: string, source = 'trace'): OpenTraffic {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${source}: not JSON (${(error as Error).message})`);
  }
  const points: Point[] = [];
  const time = (x: unknown) =>
    typeof x === 'string' ? parseTraceTime(x) : typeof x === 'number' ? x : Number.NaN;
  const obj = data as Record<string, unknown>;
  if (obj && Array.isArray(obj.MetricDataResults)) {
    const r = obj.MetricDataResults[0] as { Timestamps?: unknown[]; Values?: number[] } | undefined;
    (r?.Timestamps ?? []).forEach((ts, i) => {
      points.push({ t: time(ts), v: Number(r?.Values?.[i]) });
    });
  } else if (obj && Array.isArray(obj.Datapoints)) {
    for (const d of obj.Datapoints as { Timestamp?: unknown; Sum?: number }[])
      points.push({ t: time(d.Timestamp), v: Number(d.Sum) });
  } else if (Array.isArray(data)) {
    for (const d of data as { timestamp?: unknown; invocations?: number }[])
      points.push({ t: time(d.timestamp), v: Number(d.invocations) });
  } else {
    throw new InvalidInputError(
      `${source}: expected MetricDataResults, Datapoints or [{ timestamp, invocations }]`,
    );
  }
  if (points.length === 0 || points.some((p) => !Number.isFinite(p.t) || !Number.isFinite(p.v)))
    throw new InvalidInputError(`${source}: no datapoints, or a datapoint without time or value`);
  points.sort((a, b) => a.t - b.t);
  // CloudWatch leaves out periods without data: the period is the greatest common divisor of the gaps.
  const gcd = (a: number, b: number): number => (b < 1e-6 ? a : gcd(b, a % b));
  let stepSeconds = 0;
  for (let i = 1; i < points.length; i++) stepSeconds = gcd(points[i]!.t - points[i - 1]!.t, stepSeconds);
  if (!(stepSeconds >= 1)) stepSeconds = 60;
  const first = points[0]!.t;
  const n = Math.round((points[points.length - 1]!.t - first) / stepSeconds) + 1;
  const counts = new Float64Array(n);
  for (const p of points) counts[Math.round((p.t - first) / stepSeconds)]! += p.v;
  return countsTraffic(counts, { stepSeconds, startEpochSeconds: first });
}

/** Guesses the format: .json -> cloudwatch; a CSV whose header names a count -> counts; else requests. */
export function detectTraceFormat(path: string, firstLine: string): TraceFormat {
  if (path.toLowerCase().endsWith('.json')) return 'cloudwatch';
  const header = firstLine.toLowerCase();
  if (/(^|,)\s*(count|invocations|requests)\s*(,|$)/.test(header)) return 'counts';
  return 'requests';
}

/**
 * Reads a trace file. Throws InvalidInputError naming the file when it is missing or unreadable.
 * @example readTraceFile('traces/worldcup98-per-minute.csv').stepSeconds; // 60
 */
export function readTraceFile(
  path: string,
  options: { format?: TraceFormat; stepSeconds?: number } = {},
): OpenTraffic {
  if (!existsSync(path)) throw new InvalidInputError(`trace file ${path} does not exist`);
  const text = readFileSync(path, 'utf8');
  const format = options.format ?? detectTraceFormat(path, text.slice(0, text.indexOf('\n') >>> 0));
  if (format === 'cloudwatch') return parseCloudWatchJson(text, path);
  if (format === 'counts') return parseCountsCsv(text, path);
  return parseRequestsCsv(text, options.stepSeconds ?? 1, path);
}

/**
 * The shared traces folder, `../shared/traces` from the repository root (never copied into the
 * repository). Throws InvalidInputError when it or the file is missing.
 */
export function sharedTracePath(repoRoot: string, fileName: string): string {
  const path = resolve(repoRoot, '..', 'shared', 'traces', fileName);
  if (!existsSync(path))
    throw new InvalidInputError(
      `trace ${fileName} not found at ${path}: the traces folder must sit next to the repository`,
    );
  return path;
}
