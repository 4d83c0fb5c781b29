/**
 * `simulate --format csv`: the twin's per-minute series, one header with units, one row per
 * minute, the same numbers as the JSON series (latency in ms instead of CloudWatch's µs).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { registerSimulate } from '../../cli/commands/simulate';
import type { SimulatedMinute } from '../../shared/core/sim/results';
import { renderSeriesCsv } from '../../shared/outputs/csv';
import { FIXTURE_PATH, scratchDir } from './tools';

/** Six minutes of a per-minute count trace, rising to 2500 requests per second. */
const TRACE = join(scratchDir('csv-'), 'trace.csv');
writeFileSync(
  TRACE,
  [
    'time,count',
    ...[30_000, 60_000, 90_000, 120_000, 150_000, 150_000].map(
      (count, m) => `2026-01-01T00:0${m}:00Z,${count}`,
    ),
  ].join('\n'),
);

async function runSimulate(args: string[]): Promise<string> {
  const program = new Command('scaleplan').exitOverride();
  registerSimulate(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'scaleplan', 'simulate', ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('simulate --format csv', () => {
  test('one row per minute with the series of the JSON output', async () => {
    const args = ['--recommendation', FIXTURE_PATH, '--trace', TRACE];
    const csv = (await runSimulate([...args, '--format', 'csv'])).trim().split('\n');
    const json = JSON.parse(await runSimulate(args)) as { series: Record<string, number | string>[] };
    assert.equal(
      csv[0],
      'timestamp,invocations_per_minute,invocations_per_instance_per_minute,cpu_utilization_percent,invocation_5xx_errors,model_latency_avg_ms,model_latency_p95_ms,model_latency_p99_ms,in_service_instances,desired_capacity',
    );
    assert.equal(csv.length - 1, json.series.length);
    json.series.forEach((minute, i) => {
      const cells = csv[i + 1]!.split(',');
      assert.equal(cells[0], minute.timestamp);
      assert.ok(Math.abs(Number(cells[1]) - Number(minute.invocations)) < 1e-5);
      assert.ok(Math.abs(Number(cells[6]) - Number(minute.modelLatencyP95Us) / 1000) < 1e-5);
      assert.equal(Number(cells[8]), minute.inServiceInstances);
    });
  });

  test('an unknown format is refused, naming both', async () => {
    await assert.rejects(
      runSimulate(['--recommendation', FIXTURE_PATH, '--trace', TRACE, '--format', 'xml']),
      /--format.*'xml'.*(json or csv|json, csv)|--format: json or csv, not 'xml'/,
    );
  });

  test('a NaN latency is an empty cell, not the text NaN', async () => {
    const json = JSON.parse(await runSimulate(['--recommendation', FIXTURE_PATH, '--trace', TRACE])) as {
      series: SimulatedMinute[];
    };
    const row = renderSeriesCsv([{ ...json.series[0]!, modelLatencyP95Us: Number.NaN }]).split('\n')[1]!;
    assert.equal(row.split(',')[6], '');
  });
});
