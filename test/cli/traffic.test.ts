/**
 * `scaleplan traffic`: bad arguments are one line and exit 2 before any AWS call (spawned, as a
 * user runs it); a read on mocked CloudWatch writes the trace `simulate` reads and prints the
 * summary, with progress on stderr (in-process, every CloudWatchClient mocked).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { buildProgram, exitCodeFor } from '../../cli/index';
import { readTraceFile } from '../../shared/adapters/local/traces';
import { runCli } from '../fakes/processes';

const BAD_INPUT = 2;
const RUN_TIMEOUT_MS = 30_000;
const folder = mkdtempSync(join(tmpdir(), 'scaleplan-traffic-cli-'));
const GOOD = ['traffic', '--endpoint', 'churn-prod', '--days', '1', '--region', 'us-east-1'];

describe('scaleplan traffic refuses bad arguments: one line, exit 2, nothing written', () => {
  const rows = [
    {
      name: 'no --endpoint',
      args: ['traffic', '--days', '1', '--out', join(folder, 'a.json')],
      line: /^scaleplan: required option '--endpoint <name>' not specified/,
    },
    {
      name: 'no --days',
      args: ['traffic', '--endpoint', 'churn-prod', '--out', join(folder, 'a.json')],
      line: /^scaleplan: required option '--days <n>' not specified/,
    },
    {
      name: '--days 16, past the 15 days of per-minute datapoints',
      args: [...GOOD.slice(0, 3), '--days', '16', '--out', join(folder, 'a.json')],
      line: /^scaleplan: option '--days <n>' argument '16' is invalid\. expected a whole number >= 1 and <= 15/,
    },
    {
      name: 'an endpoint name SageMaker would refuse',
      args: ['traffic', '--endpoint', 'churn_prod', '--days', '1', '--out', join(folder, 'a.json')],
      line: /^scaleplan: InvalidInputError: endpointName: expected a SageMaker name .*got "churn_prod"/,
    },
    {
      name: 'an --out that is not .json',
      args: [...GOOD, '--out', join(folder, 'a.csv')],
      line: /^scaleplan: InvalidInputError: --out '.*a\.csv': expected a file name ending in \.json/,
    },
    {
      name: 'an --out in a folder that does not exist',
      args: [...GOOD, '--out', join(folder, 'missing', 'a.json')],
      line: /^scaleplan: InvalidInputError: --out '.*': the folder .*missing does not exist/,
    },
    {
      name: 'an unknown --format',
      args: [...GOOD, '--out', join(folder, 'a.json'), '--format', 'yaml'],
      line: /^scaleplan: option '--format <format>' argument 'yaml' is invalid/,
    },
  ];
  for (const row of rows)
    test(row.name, async () => {
      const run = await runCli(row.args, RUN_TIMEOUT_MS);
      assert.equal(run.code, BAD_INPUT, run.stderr);
      assert.equal(run.stdout, '');
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, row.line);
      assert.equal(existsSync(join(folder, 'a.json')), false);
    });
});

describe('scaleplan traffic on mocked CloudWatch', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  afterEach(() => {
    cloudWatch.reset();
    process.exitCode = undefined;
  });

  /** Runs the command in-process; returns what it printed. */
  async function run(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    const out = { stdout: '', stderr: '' };
    const write = { stdout: process.stdout.write, stderr: process.stderr.write };
    process.stdout.write = ((chunk: string) => {
      out.stdout += chunk;
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => {
      out.stderr += chunk;
      return true;
    }) as typeof process.stderr.write;
    let code = 0;
    try {
      await buildProgram().parseAsync(['node', 'scaleplan', ...args]);
      code = Number(process.exitCode ?? 0);
    } catch (error) {
      code = exitCodeFor(error);
      out.stderr += String(error);
    } finally {
      process.stdout.write = write.stdout;
      process.stderr.write = write.stderr;
    }
    return { ...out, code };
  }

  test('writes the trace simulate reads and prints peak, mean, gaps, daily shape and the suggestion', async () => {
    // 120 invocations a minute, 600 in minute 100, minutes 10..14 missing.
    cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const from = input.StartTime!.getTime();
      const timestamps: Date[] = [];
      const values: number[] = [];
      for (let i = 0; from + i * 60_000 < input.EndTime!.getTime(); i++) {
        if (i >= 10 && i < 15) continue;
        timestamps.push(new Date(from + i * 60_000));
        values.push(i === 100 ? 600 : 120);
      }
      return {
        MetricDataResults: [
          { Id: 'invocations', Timestamps: timestamps, Values: values, StatusCode: 'Complete' },
        ],
      };
    });
    const file = join(folder, 'history.json');

    const result = await run([...GOOD, '--out', file]);

    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^read page 1 \(request 1 of 1, 1435 datapoints so far\)\n$/);
    assert.match(
      result.stdout,
      new RegExp(`^wrote ${file}: 1440 minutes of endpoint churn-prod variant AllTraffic`),
    );
    assert.match(result.stdout, /\npeak {7}10\.00 rps \(600 invocations in the minute at /);
    assert.match(result.stdout, /\nmean {7}2\.01 rps over the 1435 minutes with data\n/);
    assert.match(result.stdout, /\ngaps {7}5 minute\(s\) without a datapoint in 1 gap\(s\)/);
    assert.match(result.stdout, /\ndaily shape: mean rps per hour of the day \(UTC\)/);
    assert.match(result.stdout, /\nsuggested {2}"traffic": \{ "minRps": 2, "maxRps": 10 \}\n/);
    assert.match(result.stdout, /\nrule {7}maxRps: busiest minute/);
    const traffic = readTraceFile(file);
    assert.equal(traffic.stepSeconds, 60);
    assert.equal(traffic.requests.length, 1440);
    assert.equal(traffic.requests[12], 0, 'the simulator reads a gap inside the trace as no request');
    const sent = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    assert.equal((sent.EndTime!.getTime() - sent.StartTime!.getTime()) / 60_000, 1440);
  });

  test('--format json prints the summary and the gaps as JSON', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: [
        { Id: 'invocations', Timestamps: [input.StartTime!], Values: [60], StatusCode: 'Complete' },
      ],
    }));
    const result = await run([...GOOD, '--out', join(folder, 'one.json'), '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const printed = JSON.parse(result.stdout);
    assert.equal(printed.summary.minutesWithData, 1);
    assert.deepEqual(
      printed.gaps.map((g: { minutes: number }) => g.minutes),
      [1439],
    );
    assert.deepEqual(printed.summary.suggested.maxRps, 1);
  });

  test('no datapoint at all: exit 1, a line naming the endpoint and Region, no trace written', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'invocations', Timestamps: [], Values: [] }] });
    const file = join(folder, 'empty.json');
    const result = await run([...GOOD, '--out', file]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /scaleplan: no Invocations datapoint for endpoint churn-prod variant AllTraffic over the last 1 day\(s\) in Region us-east-1/,
    );
    assert.equal(existsSync(file), false);
    assert.equal(result.stdout, '');
  });
});
