/**
 * The local commands as a user runs them: `bin/scaleplan.js` spawned, talking only to 127.0.0.1,
 * each bounded in time (a hung command is killed and fails the test).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DEMO_PAYLOAD_PATH,
  type RunningModelServer,
  startModelServer,
} from '../../shared/adapters/local/model-server';
import { BenchmarkSeriesSchema } from '../../shared/core/benchmark-file';
import type { Recommendation } from '../../shared/core/recommendation';
import { isAlive, runCli } from '../fakes/processes';

const REPO = join(import.meta.dirname, '..', '..');

/** Resolves with the first stdout line matching `pattern`; rejects after `timeoutMs` or on exit. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms: ${seen}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before a line matching ${pattern}: ${seen}`));
    });
  });
}

describe('scaleplan serve-demo (spawned)', () => {
  it('listens on the free port it was given with --port 0, answers /ping, and stops on SIGTERM', async () => {
    // Prepare
    const child = spawn(process.execPath, ['bin/scaleplan.js', 'serve-demo', '--port', '0'], { cwd: REPO });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const match = await waitForLine(
        child,
        /model server ready at (http:\/\/127\.0\.0\.1:(\d+)) \(pids ([\d ]+)/,
        30_000,
      );
      const url = match[1]!;
      const port = Number(match[2]);
      const pids = match[3]!.trim().split(' ').map(Number);

      // Act
      const ping = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5_000) });
      const invocation = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: readFileSync(DEMO_PAYLOAD_PATH),
        signal: AbortSignal.timeout(5_000),
      });
      const predictions = (await invocation.text()).trim().split('\n');
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 10_000)),
      ]);

      // Assess
      assert.ok(port > 0 && port !== 8080, `a free port was chosen (${port})`);
      assert.equal(ping.status, 200);
      assert.equal(invocation.status, 200);
      assert.equal(predictions.length, 100, 'one prediction per row of the demo payload');
      assert.notEqual(code, 'timeout', 'serve-demo exits on SIGTERM');
      assert.ok(pids.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(
        pids.filter((pid) => isAlive(pid)),
        [],
        'no server process left',
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('scaleplan bench --url (spawned) against the demo server', () => {
  let server: RunningModelServer;
  before(async () => {
    server = await startModelServer({ port: 0, workers: 1 });
  });
  after(async () => {
    await server?.stop();
  });

  it('benchmarks the server with the given payload and content type and writes a valid benchmark file', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-bench-cli-'));
    const payloadFile = join(dir, 'rows.csv');
    writeFileSync(payloadFile, readFileSync(DEMO_PAYLOAD_PATH, 'utf8').split('\n').slice(0, 10).join('\n'));
    const out = join(dir, 'benchmark.json');

    // Act
    const run = await runCli(
      [
        'bench',
        '--url',
        server.url,
        '--payload',
        payloadFile,
        '--content-type',
        'text/csv',
        '--server-pid',
        ...server.pids.map(String),
        '--period-seconds',
        '1',
        '--max-seconds',
        '3',
        '--max-requests',
        '100000',
        '--out',
        out,
      ],
      60_000,
    );

    // Assess
    assert.equal(run.code, 0, run.stderr);
    const series = BenchmarkSeriesSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const source = series.source as Record<string, unknown>;
    assert.equal(series.periodSeconds, 1);
    assert.ok(series.points.length >= 2 && series.points.length <= 3, `${series.points.length} periods`);
    assert.ok(series.points.every((p) => p.invocations > 0 && p.invocation4xxErrors === 0));
    assert.ok(
      series.points.some((p) => p.cpuUtilizationPercent > 0),
      'CPU measured from the given pids',
    );
    assert.equal(source.url, `${server.url}/invocations`);
    assert.equal(source.contentType, 'text/csv');
    assert.equal(source.payloadBytes, statSync(payloadFile).size);
    assert.match(run.stderr, /^period +1 +users +1 .* inv\/min/m);
    assert.match(run.stderr, /benchmark file written to /);
    assert.equal(run.stdout, '', 'the file goes to --out, not stdout');
  });

  it('--phases: runs Inference Recommender phases, as long as they last', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'scaleplan-bench-cli-')), 'phases.json');
    // 1 user, then one more per second (SpawnRate 60 per minute), for 3 s: no --max-seconds.
    const run = await runCli(
      [
        'bench',
        '--url',
        server.url,
        '--phases',
        '[{"InitialNumberOfUsers":1,"SpawnRate":60,"DurationInSeconds":3}]',
        '--period-seconds',
        '1',
        '--max-requests',
        '100000',
        '--out',
        out,
      ],
      60_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const series = BenchmarkSeriesSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.deepEqual(series.source?.load, {
      kind: 'phases',
      phases: [{ initialUsers: 1, spawnRatePerMinute: 60, durationSeconds: 3 }],
    });
    assert.deepEqual(
      series.points.map((p) => p.users),
      [1, 2, 3],
    );
    assert.match(run.stderr, /for at most 3 s/);
    assert.match(
      run.stderr,
      /Inference Recommender would refuse these phases \(phase 1: SpawnRate 60 > 3 per minute; /,
    );
  });
});

describe('scaleplan run --backend local (spawned, tiny durations)', () => {
  it('succeeds, shows its progress on stderr and writes its files to --out', async () => {
    // Prepare: the demo request with expectations the twin meets easily (this test is about the
    // command, the whole workflow's verdicts are test/local/run-local.test.ts's).
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-run-cli-'));
    const demo = JSON.parse(readFileSync(join(REPO, 'examples/demo.request.json'), 'utf8'));
    const requestFile = join(dir, 'request.json');
    writeFileSync(
      requestFile,
      JSON.stringify({
        ...demo,
        traffic: { ...demo.traffic, minRps: 10, maxRps: 50 },
        latencySlo: { percentile: 'P95', ms: 2_000 },
      }),
    );
    const out = join(dir, 'out');

    // Act
    const run = await runCli(
      [
        'run',
        requestFile,
        '--backend',
        'local',
        '--benchmark-seconds',
        '8',
        '--period-seconds',
        '1',
        '--evaluation',
        'twin',
        '--out',
        out,
      ],
      120_000,
    );

    // Assess
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`local backend, results in ${out}`));
    assert.match(run.stderr, /model server on http:\/\/127\.0\.0\.1:\d+/);
    for (const state of [
      'NormalizeInput',
      'StartRecommenderJob',
      'DeriveThresholds',
      'RunEvaluation',
      'Cleanup',
    ])
      assert.match(run.stderr, new RegExp(`state ${state}\\b`));
    assert.match(run.stderr, /benchmark users +1 +\d+ invocations\/min +p95 [\d.]+ ms/);
    assert.match(run.stderr, /- evaluation: done by the digital twin on the local backend/);
    assert.equal(
      run.stdout,
      `recommendation: ${join(out, 'recommendation.json')}\nsummary: ${join(out, 'summary.md')}\n`,
    );
    for (const file of ['recommendation.json', 'summary.md', 'benchmark.json', 'state.json'])
      assert.ok(existsSync(join(out, file)), `${file} written`);
    const recommendation = JSON.parse(
      readFileSync(join(out, 'recommendation.json'), 'utf8'),
    ) as Recommendation;
    assert.ok(recommendation.benchmark.peakInvocationsPerMinute > 0);
    assert.ok(recommendation.iterations.some((i) => i.verdict?.passed === true));
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /- status: SUCCEEDED/);
  });
});
