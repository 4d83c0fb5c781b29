import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  detectTraceFormat,
  parseCloudWatchJson,
  parseCountsCsv,
  parseRequestsCsv,
  parseTraceTime,
  readTraceFile,
} from '../../shared/adapters/local/traces';
import { ANALYSIS, policies } from './fixtures';

describe('trace readers', () => {
  it('reads times as UTC, with fractions and zones', () => {
    assert.equal(parseTraceTime('1998-04-30 21:30:00'), 893971800);
    assert.equal(parseTraceTime('2023-11-16 18:17:03.9799600'), 1700158623.97996);
    assert.equal(parseTraceTime('1970-01-01T01:00:00+01:00'), 0);
    assert.ok(Number.isNaN(parseTraceTime('period')));
  });

  it('per-minute counts, gaps filled with zeros', () => {
    const t = parseCountsCsv(
      'period,count\n1998-04-30 21:30:00,2\n1998-04-30 21:31:00,11\n1998-04-30 21:33:00,5\n',
    );
    assert.deepEqual([t.startEpochSeconds, t.stepSeconds, ...t.requests], [893971800, 60, 2, 11, 0, 5]);
  });

  it('per-request timestamps counted per second', () => {
    const t = parseRequestsCsv(
      'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.98,4808,10\n2023-11-16 18:17:04.03,3180,8\n2023-11-16 18:17:04.90,1,1\n',
    );
    assert.deepEqual([t.startEpochSeconds, ...t.requests], [1700158623, 1, 2]);
  });

  it('CloudWatch histories: GetMetricData, GetMetricStatistics and plain points', () => {
    const gmd = parseCloudWatchJson(
      JSON.stringify({
        MetricDataResults: [
          {
            Timestamps: ['2024-01-01T00:03:00Z', '2024-01-01T00:01:00Z', '2024-01-01T00:00:00Z'],
            Values: [7, 4, 3],
          },
        ],
      }),
    );
    assert.deepEqual([gmd.stepSeconds, ...gmd.requests], [60, 3, 4, 0, 7]);
    const gms = parseCloudWatchJson(
      JSON.stringify({
        Datapoints: [
          { Timestamp: '2024-01-01T00:01:00Z', Sum: 5 },
          { Timestamp: '2024-01-01T00:00:00Z', Sum: 3 },
        ],
      }),
    );
    assert.deepEqual(Array.from(gms.requests), [3, 5]);
    const plain = parseCloudWatchJson(
      JSON.stringify([{ timestamp: '2024-01-01T00:00:00Z', invocations: 9 }]),
    );
    assert.deepEqual([plain.stepSeconds, ...plain.requests], [60, 9]);
    assert.throws(() => parseCloudWatchJson('{"x":1}'), { name: 'InvalidInputError' });
  });

  it('guesses the format and names a missing file', () => {
    assert.equal(detectTraceFormat('a.json', ''), 'cloudwatch');
    assert.equal(detectTraceFormat('a.csv', 'period,count'), 'counts');
    assert.equal(detectTraceFormat('a.csv', 'TIMESTAMP,ContextTokens'), 'requests');
    assert.throws(
      () => readTraceFile('/nonexistent/trace.csv'),
      /trace file \/nonexistent\/trace.csv does not exist/,
    );
  });
});

describe('scaleplan simulate and search', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-sim-'));
  const recommendation = join(dir, 'recommendation.json');
  writeFileSync(
    recommendation,
    JSON.stringify({ benchmark: ANALYSIS, policySet: policies({ maxCapacity: 4 }), request: undefined }),
  );
  const trace = join(dir, 'trace.csv');
  // 20 minutes at 1200/min then 20 at 4800/min
  const rows = Array.from({ length: 40 }, (_, m) => {
    const minute = String(m % 60).padStart(2, '0');
    return `2024-01-01 10:${minute}:00,${m < 20 ? 1200 : 4800}`;
  });
  writeFileSync(trace, `period,count\n${rows.join('\n')}\n`);
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/scaleplan.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  /** The arguments of `scaleplan search` on the test's recommendation and trace, SLO 100 ms, then `extra`. */
  const searchArgs = (...extra: string[]) => [
    'search',
    '--recommendation',
    recommendation,
    '--trace',
    trace,
    '--latency-slo-ms',
    '100',
    ...extra,
  ];

  it('simulate prints the summary at the top level', () => {
    const out = execFileSync(
      process.execPath,
      [
        'bin/scaleplan.js',
        'simulate',
        '--recommendation',
        recommendation,
        '--trace',
        trace,
        '--latency-slo-ms',
        '100',
        '--no-series',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const json = JSON.parse(out);
    // first scale-out: minutes 20..22 above 3000, published at 10:24 -> ceil(1 x 4800 / 3000) = 2
    assert.equal(json.scalingActivities[0].time, '2024-01-01T10:24:00.000Z');
    assert.equal(json.scalingActivities[0].cause, 'invocationsTargetTracking');
    assert.equal(json.maxInvocationsPerMinute, 4800);
    assert.equal(json.errorCount, 0);
    // the list under scalingActivities, its length under scalingActivityCount
    assert.equal(json.scalingActivityCount, json.scalingActivities.length);
    assert.equal(json.activities, undefined);
    for (const key of ['instanceHours', 'oracleInstanceHours', 'sloAttainment', 'p95LatencyMs'])
      assert.equal(typeof json[key], 'number');
  });

  it('simulate with --peak-rps and a window rescales the trace', () => {
    const r = cli(
      'simulate',
      '--recommendation',
      recommendation,
      '--trace',
      trace,
      '--latency-slo-ms',
      '100',
      '--peak-rps',
      '40',
      '--start',
      '2024-01-01T10:30:00Z',
      '--minutes',
      '5',
      '--no-series',
    );
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.maxInvocationsPerMinute, 2400);
    assert.equal(json.durationSeconds, 300);
  });

  it('bad input: one clear line on stderr and exit code 2', () => {
    const cases = [
      {
        args: ['simulate', '--recommendation', recommendation, '--latency-slo-ms', '100'],
        message: /exactly one of --trace FILE or --phases JSON/,
      },
      {
        args: [
          'simulate',
          '--recommendation',
          recommendation,
          '--trace',
          join(dir, 'missing.csv'),
          '--latency-slo-ms',
          '100',
        ],
        message: /does not exist/,
      },
      { args: ['simulate', '--recommendation', recommendation, '--trace', trace], message: /no latency SLO/ },
      {
        args: ['simulate', '--recommendation', trace, '--trace', trace, '--latency-slo-ms', '1'],
        message: /recommendation/,
      },
      {
        args: searchArgs('--targets', '2'),
        message:
          /option '--targets <list>' argument '2' is invalid\. item 1 '2': expected a decimal number > 0 and <= 1/,
      },
      // plain decimals only: hex, exponents and empty list items are refused, not read as numbers
      ...(
        [
          ['--step-thresholds', '0x2'],
          ['--latency-slo-ms', '1e3'],
          ['--min-capacity-offsets', ','],
          ['--max-capacity-offsets', '1,,2'],
        ] as const
      ).map(([flag, value]) => ({
        args: searchArgs(flag, value),
        message: new RegExp(`option '${flag} <[a-z]+>' argument '${value}' is invalid`),
      })),
    ];
    for (const c of cases) {
      const r = cli(...c.args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, c.message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('search prints the table and the JSON with the baselines', () => {
    const r = cli(
      ...searchArgs('--targets', '0.5,0.7', '--scale-out-cooldowns', '10', '--scale-in-cooldowns', '300'),
    );
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    // 2 targets x 1 x 1 cooldowns x (3 step choices + 3 concurrency policies) x 2 MinCapacity x
    // 2 MaxCapacity (the default grid's)
    assert.equal(json.candidatesEvaluated, 2 * 1 * 1 * (3 + 3) * 2 * 2);
    assert.equal(json.baselines.length, 3);
    assert.match(r.stderr, /baseline\s+AWS sample/);
    assert.match(r.stderr, /oracle/);
  });

  it('search covers MaxCapacity, MinCapacity and step thresholds when asked', () => {
    // base Min 1, Max 4: Max offsets -1,0,+2 -> 3, 4, 6; Min offsets 0,1 -> 1, 2; steps off and 1.3x, and the three concurrency policies (step off).
    const r = cli(
      ...searchArgs(
        '--targets',
        '0.5',
        '--scale-out-cooldowns',
        '60',
        '--scale-in-cooldowns',
        '300',
        '--step-thresholds',
        'off,1.3',
        '--min-capacity-offsets',
        '0,1',
        '--max-capacity-offsets',
        '-1,0,2',
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.candidatesEvaluated, 1 * 1 * 1 * (2 + 3) * 2 * 3);
    const maxes = new Set(
      json.front.map((o: { policySet: { maxCapacity: number } }) => o.policySet.maxCapacity),
    );
    for (const m of maxes) assert.ok([3, 4, 6].includes(m as number), String(m));
    assert.match(r.stderr, /max 6|max 3|max 4/);
  });

  it('search takes the concurrency policy choices from --concurrency-shares', () => {
    // 1 target x 1 x 1 cooldowns x (1 step choice, off, + 2 concurrency policies) x 1 x 1.
    const r = cli(
      ...searchArgs(
        '--targets',
        '0.8',
        '--scale-out-cooldowns',
        '300',
        '--scale-in-cooldowns',
        '300',
        '--step-thresholds',
        'off',
        '--concurrency-shares',
        'off,0.7,0.9',
        '--min-capacity-offsets',
        '0',
        '--max-capacity-offsets',
        '0',
        '--no-held-out',
      ),
    );
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.candidatesEvaluated, 1 + 2);
    // Every candidate shown is the one without a concurrency policy, or one at 70% or 90%.
    const labels = [json.best, ...json.front].map((c: { label: string }) => c.label);
    assert.ok(labels.length > 0);
    for (const label of labels) assert.match(label, /step off|conc [\d.]+ \((70|90)%\)/);
    const bad = cli(...searchArgs('--concurrency-shares', 'off,1.5'));
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(
      bad.stderr,
      /option '--concurrency-shares <list>' argument 'off,1\.5' is invalid\. item 2 '1\.5': expected a decimal number > 0 and <= 1 in plain digits \(e\.g\. 0\.8\), or off/,
    );
  });

  it('search refuses a MaxCapacity offset below 1 and a bad step threshold', () => {
    const cases = [
      {
        option: ['--max-capacity-offsets', '-4'],
        message: /--max-capacity-offsets: MaxCapacity 4 \+ -4 is below 1/,
      },
      {
        option: ['--max-capacity-offsets', '0.5'],
        message:
          /option '--max-capacity-offsets <list>' argument '0\.5' is invalid\. item 1 '0\.5': expected a whole number/,
      },
      {
        option: ['--step-thresholds', 'on'],
        message:
          /option '--step-thresholds <list>' argument 'on' is invalid\. item 1 'on': expected a decimal number > 0 .*, or off/,
      },
    ];
    for (const c of cases) {
      const r = cli(...searchArgs(...c.option));
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, c.message);
    }
  });
});
