/**
 * `--phases`, one format for bench, simulate and search (cli/phases.ts): Inference Recommender's
 * field names, the Phases array or the whole TrafficPattern, inline JSON or @file; bad input is
 * one line naming the field and the form expected, with exit code 2 from every command.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { PHASES_EXAMPLE, parsePhases } from '../../cli/phases';
import type { BenchmarkSeries } from '../../shared/core/benchmark-file';
import { derivePlan } from '../../shared/core/plan';
import { ScalingRequestSchema } from '../../shared/core/request';

const REPO = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'scaleplan-phases-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ONE_PHASE = '{"InitialNumberOfUsers":1,"SpawnRate":2,"DurationInSeconds":120}';
const TWO_PHASES =
  '[{"InitialNumberOfUsers":1,"SpawnRate":3,"DurationInSeconds":300},{"InitialNumberOfUsers":3,"SpawnRate":0,"DurationInSeconds":120}]';
const TWO_PHASES_READ = [
  { initialUsers: 1, spawnRatePerMinute: 3, durationSeconds: 300 },
  { initialUsers: 3, spawnRatePerMinute: 0, durationSeconds: 120 },
];
const arrayFile = write('phases.json', TWO_PHASES);
const patternFile = write('pattern.json', `{"TrafficType":"PHASES","Phases":${TWO_PHASES}}`);

describe('--phases: what it reads', () => {
  const cases = [
    {
      name: 'the Phases array, inline',
      text: `[${ONE_PHASE}]`,
      phases: [{ initialUsers: 1, spawnRatePerMinute: 2, durationSeconds: 120 }],
    },
    {
      name: 'the whole TrafficPattern, inline',
      text: `{"TrafficType":"PHASES","Phases":${TWO_PHASES}}`,
      phases: TWO_PHASES_READ,
    },
    {
      name: 'a TrafficPattern without its TrafficType',
      text: `{"Phases":${TWO_PHASES}}`,
      phases: TWO_PHASES_READ,
    },
    { name: 'the Phases array from @file', text: `@${arrayFile}`, phases: TWO_PHASES_READ },
    { name: 'the TrafficPattern from @file', text: `@${patternFile}`, phases: TWO_PHASES_READ },
    {
      name: 'a short local phase that AWS would refuse (noted by bench, not refused)',
      text: '[{"InitialNumberOfUsers":4,"SpawnRate":60,"DurationInSeconds":3}]',
      phases: [{ initialUsers: 4, spawnRatePerMinute: 60, durationSeconds: 3 }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(parsePhases(c.text), c.phases));
  }
  it('the example in every message is itself valid', () => {
    assert.deepEqual(parsePhases(PHASES_EXAMPLE), [
      { initialUsers: 1, spawnRatePerMinute: 2, durationSeconds: 120 },
    ]);
  });
});

describe('--phases: bad input is one line naming what is wrong and the form expected', () => {
  const expected = "(expected IR's Phases array or TrafficPattern, e.g. '";
  const cases = [
    { name: 'not JSON', text: '[{', message: /^not JSON \(/ },
    { name: 'a blank', text: '', message: /^not JSON \(/ },
    { name: 'an empty list', text: '[]', message: /^\(top level\): expected at least 1 item\(s\), got \[\]/ },
    {
      name: 'a file that does not exist',
      text: '@/nonexistent/phases.json',
      message: /^cannot read file '\/nonexistent\/phases\.json': no such file/,
    },
    { name: 'an @ without a file', text: '@', message: /^@ names no file/ },
    {
      name: 'a file that is not JSON',
      text: `@${write('bad.json', '[{')}`,
      message: /^file '.*bad\.json' is not valid JSON/,
    },
    {
      name: '0 initial users',
      text: '[{"InitialNumberOfUsers":0,"SpawnRate":1,"DurationInSeconds":120}]',
      message: /^\[0\]\.InitialNumberOfUsers: expected a number >= 1, got 0/,
    },
    {
      name: "scaleplan's own field names (the old simulate format)",
      text: '[{"initialUsers":1,"spawnRate":1,"durationSeconds":3600}]',
      message: /^\[0\]\.InitialNumberOfUsers: missing \(expected a number\)/,
    },
    {
      name: 'a STAIRS traffic pattern',
      text: `{"TrafficType":"STAIRS","Phases":[${ONE_PHASE}]}`,
      message: /^TrafficType: expected "PHASES", got "STAIRS"/,
    },
    {
      name: 'a fractional SpawnRate in the TrafficPattern',
      text: '{"Phases":[{"InitialNumberOfUsers":1,"SpawnRate":0.5,"DurationInSeconds":120}]}',
      message: /^Phases\[0\]\.SpawnRate: expected an integer, got 0\.5/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      assert.throws(
        () => parsePhases(c.text),
        (error: unknown) => {
          assert.ok(error instanceof InvalidArgumentError, String(error));
          assert.match(error.message, c.message);
          assert.ok(error.message.endsWith(`${expected}${PHASES_EXAMPLE}')`), error.message);
          assert.ok(!error.message.includes('\n'), 'one line');
          return true;
        },
      );
    });
  }
});

describe('--phases: the same format in bench, simulate and search', () => {
  // The lenient recommendation simulate and search read: the analysis and the policy set of a
  // real derivation of the example benchmark, with the request for the SLO and maxRps.
  const request = ScalingRequestSchema.parse({
    model: { kind: 'local', demo: true },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500, growthFactor: 1.2 },
    latencySlo: { percentile: 'P95', ms: 200 },
    goal: 50,
  });
  const series = JSON.parse(
    readFileSync(join(REPO, 'examples', 'benchmark.c5-large.json'), 'utf8'),
  ) as BenchmarkSeries;
  const plan = derivePlan(series, request);
  const recommendation = write(
    'recommendation.json',
    JSON.stringify({ analysis: plan.benchmark, policySet: plan.policySet, request }),
  );
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/scaleplan.js', ...args], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    });
  const commands = [
    { name: 'bench', args: ['bench', '--url', 'http://127.0.0.1:9'] },
    { name: 'simulate', args: ['simulate', '--recommendation', recommendation] },
    { name: 'search', args: ['search', '--recommendation', recommendation] },
  ];
  for (const command of commands) {
    it(`${command.name} refuses scaleplan's own field names with one line and exit code 2`, () => {
      const run = cli(
        ...command.args,
        '--phases',
        '[{"initialUsers":1,"spawnRate":1,"durationSeconds":600}]',
      );
      assert.equal(run.status, 2, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /--phases/);
      assert.match(lines[0]!, /\[0\]\.InitialNumberOfUsers: missing/);
      assert.match(lines[0]!, /expected IR's Phases array or TrafficPattern/);
      assert.equal(run.stdout, '');
    });
  }
  it('simulate runs the TrafficPattern from @file: users rise by SpawnRate per minute', () => {
    const run = cli(
      'simulate',
      '--recommendation',
      recommendation,
      '--phases',
      `@${patternFile}`,
      '--no-series',
    );
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    // 300 s + 120 s of phases, stopped early only at maxRps x 60 per minute (out of reach here)
    assert.equal(result.durationSeconds, 420);
  });
  it('search runs the same phases inline', () => {
    const run = cli(
      'search',
      '--recommendation',
      recommendation,
      '--phases',
      TWO_PHASES,
      '--targets',
      '0.5',
      '--scale-out-cooldowns',
      '60',
      '--scale-in-cooldowns',
      '300',
      '--format',
      'table',
    );
    assert.equal(run.status, 0, run.stderr);
  });
});
