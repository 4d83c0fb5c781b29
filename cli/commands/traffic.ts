/**
 * `scaleplan traffic --endpoint NAME [--variant NAME] --days N [--region R] [--profile P] --out FILE`:
 * reads the variant's AWS/SageMaker Invocations per minute from CloudWatch
 * (shared/adapters/aws/history.ts), writes the trace that `simulate --trace` and `search --trace`
 * read, and prints its summary: peak, mean, the daily shape, the gaps and the suggested
 * minRps/maxRps with their rule. Progress (pages read) goes to stderr.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  createHistoryCloudWatchClient,
  type InvocationHistory,
  readInvocationHistory,
} from '../../shared/adapters/aws/history';
import { InvalidInputError } from '../../shared/core/errors';
import {
  DEFAULT_VARIANT_NAME,
  type HistorySummary,
  historyEndEpochSeconds,
  historyWindowOf,
  MAX_HISTORY_DAYS,
} from '../../shared/core/invocation-history';
import { EXIT_CODES } from '../exit-codes';
import { choiceOption, integer, nonBlankText } from '../options';

interface TrafficCommandOptions {
  endpoint: string;
  variant: string;
  days: number;
  region?: string;
  profile?: string;
  out: string;
  format: 'text' | 'json';
}

/** Gaps listed one by one before the rest is counted. */
const GAPS_LISTED = 10;
/** Width of the longest bar of the daily shape, characters. */
const BAR_WIDTH = 40;

const minuteText = (iso: string) => iso.replace(/:00\.000Z$/, 'Z');
const rpsText = (rps: number) => rps.toFixed(2);

/** The daily shape as 24 lines: hour (UTC), mean rps, a bar scaled to the busiest hour. */
function dailyShapeLines(summary: HistorySummary): string[] {
  const top = Math.max(0, ...summary.hourOfDay.map((h) => h.meanRps ?? 0));
  return summary.hourOfDay.map((h) => {
    const hour = String(h.hourUtc).padStart(2, '0');
    if (h.meanRps === null) return `  ${hour}  ${'-'.padStart(10)}  (no datapoint)`;
    const bar = top > 0 ? '#'.repeat(Math.round((h.meanRps / top) * BAR_WIDTH)) : '';
    return `  ${hour}  ${rpsText(h.meanRps).padStart(10)}  ${bar}`;
  });
}

/**
 * The summary for people: what was read, peak, mean, gaps, daily shape, suggestion.
 * @example renderTrafficSummary(history, { out: 'history.json', ... }) // 'wrote history.json: ...'
 */
export function renderTrafficSummary(history: InvocationHistory, options: TrafficCommandOptions): string {
  const s = history.summary;
  const lines = [
    `wrote ${options.out}: ${s.minutes} minutes of endpoint ${options.endpoint} variant ${options.variant}, ${minuteText(s.start)} .. ${minuteText(s.end)} (end exclusive), ${history.requests} request(s), ${history.pages} page(s)`,
  ];
  if (s.peak)
    lines.push(
      `peak       ${rpsText(s.peak.rps)} rps (${s.peak.invocationsPerMinute} invocations in the minute at ${minuteText(s.peak.at)})`,
    );
  if (s.meanRps !== null)
    lines.push(`mean       ${rpsText(s.meanRps)} rps over the ${s.minutesWithData} minutes with data`);
  lines.push(
    `gaps       ${s.gapMinutes} minute(s) without a datapoint in ${history.gaps.length} gap(s)${history.gaps.length > 0 ? ' (not counted as zero; simulate and search read a gap inside the trace as a minute without requests)' : ''}`,
  );
  for (const gap of history.gaps.slice(0, GAPS_LISTED))
    lines.push(`           ${minuteText(gap.start)} .. ${minuteText(gap.end)}  ${gap.minutes} min`);
  if (history.gaps.length > GAPS_LISTED)
    lines.push(
      `           and ${history.gaps.length - GAPS_LISTED} more gap(s), all in the trace file's "gaps"`,
    );
  lines.push(
    'daily shape: mean rps per hour of the day (UTC), over the minutes with data',
    ...dailyShapeLines(s),
  );
  if (s.suggested)
    lines.push(
      `suggested  "traffic": { "minRps": ${s.suggested.minRps}, "maxRps": ${s.suggested.maxRps} }`,
      `rule       ${s.suggested.rule}`,
    );
  for (const reason of s.reasons) lines.push(`note       ${reason.message}`);
  lines.push(`next       npx scaleplan simulate --recommendation recommendation.json --trace ${options.out}`);
  return `${lines.join('\n')}\n`;
}

/** Refuses an --out the trace readers would not take as CloudWatch JSON, or that cannot be written. */
function checkOutPath(out: string): void {
  if (!out.toLowerCase().endsWith('.json'))
    throw new InvalidInputError(
      `--out '${out}': expected a file name ending in .json (simulate and search read a .json trace as CloudWatch JSON)`,
    );
  const folder = dirname(resolve(out));
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new InvalidInputError(`--out '${out}': the folder ${folder} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory())
    throw new InvalidInputError(`--out '${out}': is a directory, expected a file name`);
}

/** The action: check everything the user gave, read, write the trace, print the summary. */
async function runTraffic(options: TrafficCommandOptions): Promise<void> {
  const endEpochSeconds = historyEndEpochSeconds(Date.now() / 1000);
  const query = {
    endpointName: options.endpoint,
    variantName: options.variant,
    days: options.days,
    endTime: new Date(endEpochSeconds * 1000),
  };
  historyWindowOf({ ...query, endEpochSeconds }); // InvalidInputError before any AWS call
  checkOutPath(options.out);
  const client = createHistoryCloudWatchClient({
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
  });
  try {
    await client.config.region();
  } catch {
    throw new InvalidInputError(
      'no AWS Region: pass --region, set AWS_REGION, or set a region in the profile (--profile)',
    );
  }
  const history = await readInvocationHistory(client, query, {
    onPage: (p) =>
      process.stderr.write(
        `read page ${p.pages} (request ${p.request} of ${p.requests}, ${p.datapoints} datapoints so far)\n`,
      ),
  });
  if (history.summary.minutesWithData === 0) {
    process.stderr.write(
      `scaleplan: no Invocations datapoint for endpoint ${options.endpoint} variant ${options.variant} over the last ${options.days} day(s) in Region ${await client.config.region()}: check the names, the Region and the profile; no trace written\n`,
    );
    process.exitCode = EXIT_CODES.failed;
    return;
  }
  writeFileSync(options.out, `${JSON.stringify(history.trace, null, 2)}\n`);
  process.stdout.write(
    options.format === 'json'
      ? `${JSON.stringify({ out: options.out, requests: history.requests, pages: history.pages, gaps: history.gaps, summary: history.summary }, null, 2)}\n`
      : renderTrafficSummary(history, options),
  );
}

export function registerTraffic(program: Command): void {
  program
    .command('traffic')
    .description(
      "read an endpoint's Invocations per minute from CloudWatch into a trace for simulate and search, and summarize it",
    )
    .requiredOption('--endpoint <name>', 'SageMaker endpoint name', nonBlankText)
    .option('--variant <name>', 'production variant name', nonBlankText, DEFAULT_VARIANT_NAME)
    .requiredOption(
      '--days <n>',
      `whole days of history before now, 1..${MAX_HISTORY_DAYS} (CloudWatch keeps per-minute datapoints ${MAX_HISTORY_DAYS} days)`,
      integer({ atLeast: 1, atMost: MAX_HISTORY_DAYS }, '14'),
    )
    .option(
      '--region <region>',
      'AWS Region (default: the SDK chain, AWS_REGION or the profile)',
      nonBlankText,
    )
    .option('--profile <name>', 'named profile of the shared AWS config and credentials files', nonBlankText)
    .requiredOption(
      '--out <file>',
      'trace file to write, .json (CloudWatch GetMetricData shape)',
      nonBlankText,
    )
    .addOption(
      choiceOption('--format <format>', 'summary on stdout: text or json', ['text', 'json']).default('text'),
    )
    .action(runTraffic);
}
