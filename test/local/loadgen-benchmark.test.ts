/**
 * Real benchmarks of the real demo server on 127.0.0.1, each bounded to a few seconds and a
 * bounded number of requests. Assertions are on the shape and on counts, never on speed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type BenchmarkProgress,
  defaultGeneratorCpus,
  runLocalBenchmark,
} from '../../shared/adapters/local/loadgen';
import {
  DEMO_PAYLOAD_PATH,
  defaultServerCpus,
  type RunningModelServer,
  startModelServer,
} from '../../shared/adapters/local/model-server';
import { BenchmarkSeriesSchema } from '../../shared/core/benchmark-file';

const payload = readFileSync(DEMO_PAYLOAD_PATH);
const activeTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const REPO = join(import.meta.dirname, '..', '..');
const PHASES = '[{"InitialNumberOfUsers":1,"SpawnRate":1,"DurationInSeconds":120}]';

describe('runLocalBenchmark against the real demo server', () => {
  let server: RunningModelServer;
  const serverCpus = defaultServerCpus();
  before(async () => {
    server = await startModelServer({ port: 0, workers: 1, ...(serverCpus ? { cpus: serverCpus } : {}) });
  });
  after(async () => {
    await server?.stop();
  });

  it('closed-loop stairs: a well-formed series whose users and throughput rise, with CPU > 0', async () => {
    const progress: BenchmarkProgress[] = [];
    const generatorCpus = defaultGeneratorCpus(serverCpus);
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      serverPids: server.pids,
      ...(serverCpus ? { serverCpus } : {}),
      ...(generatorCpus ? { generatorCpus } : {}),
      periodSeconds: 1,
      maxDurationSeconds: 6,
      maxRequests: 200_000,
      probeSeconds: 0.5,
      // Stop only on errors or at the end: the test wants every period.
      stopRule: { detectPlateau: false },
      onPeriod: (p) => progress.push(p),
    });
    assert.doesNotThrow(() => BenchmarkSeriesSchema.parse(series));
    assert.equal(series.periodSeconds, 1);
    assert.equal(series.instanceType, 'local');
    assert.equal(series.vcpus, serverCpus?.length ?? series.vcpus);
    assert.equal(series.points.length, 6);
    assert.deepEqual(
      series.points.map((p) => p.users),
      [1, 2, 3, 4, 5, 6],
    );
    const invocations = series.points.map((p) => p.invocations);
    assert.ok(invocations.every((n) => n > 0));
    assert.ok(
      Math.max(...invocations.slice(1)) > invocations[0]!,
      `throughput rises: ${invocations.join(' ')}`,
    );
    for (const point of series.points) {
      assert.ok(point.cpuUtilizationPercent > 0, 'CPU of the server measured from /proc');
      assert.ok(point.cpuUtilizationPercent <= 100 * series.vcpus + 5);
      assert.ok(point.memoryUtilizationPercent! > 0);
      assert.equal(point.invocation4xxErrors + point.invocation5xxErrors, 0);
      assert.ok(point.modelLatencyP50Us! <= point.modelLatencyP95Us!);
      assert.ok(point.modelLatencyP95Us! <= point.modelLatencyP99Us!);
      assert.ok(point.modelLatencyAvgUs > 0);
      // every period says how long it was under load: the analysis tells partial ones by coverage
      assert.ok(point.coveredSeconds! >= 0.95, `full period covered: ${point.coveredSeconds}`);
    }
    // Timestamps one period apart, ISO UTC.
    const times = series.points.map((p) => Date.parse(p.timestamp));
    // (a busy machine may fire a boundary late; the next period then starts late)
    for (const [i, t] of times.slice(1).entries()) assert.ok(t - times[i]! >= 950 && t - times[i]! < 3000);
    // The callback saw every period with per-minute rates; the last one says why it stopped.
    assert.equal(progress.length, 6);
    assert.equal(progress.at(-1)!.stopReason, 'maxDuration');
    const source = series.source as Record<string, unknown>;
    assert.equal(source.stopReason, 'maxDuration');
    assert.equal(source.cpuMeasured, true);
    assert.deepEqual(source.serverPids, server.pids);
    const perMinute = source.invocationsPerMinute as number[];
    perMinute.forEach((rate, i) => {
      assert.equal(rate, progress[i]!.invocationsPerMinute);
      // per minute = invocations x 60 / seconds the period covered (>= 0.95 s, more if a timer fired late)
      assert.ok(rate <= (invocations[i]! * 60) / 0.95 + 1, `${rate} vs ${invocations[i]}`);
      assert.ok(rate >= (invocations[i]! * 60) / 3, `${rate} vs ${invocations[i]}`);
    });
    assert.equal(source.peakInvocationsPerMinute, Math.max(...perMinute));
    // The paced default: a probe of 4 unpaced users measured the server, and with 6 steps (3 before
    // a plateau could be confirmed) each user is paced at the probe's rate / 2, so step 3 offers 1.5 x it.
    const probe = source.probe as { users: number; requestsPerSecond: number; usersToReachProbeRate: number };
    assert.equal(probe.users, 4);
    assert.ok(probe.requestsPerSecond > 0);
    assert.equal(probe.usersToReachProbeRate, 2);
    const load = source.load as { kind: string; userRequestsPerSecond: number };
    assert.equal(load.kind, 'stairs');
    assert.ok(Math.abs(load.userRequestsPerSecond - probe.requestsPerSecond / 2) <= 0.1);
    // A paced user sends at most its pace: the first period (1 user) stays under it, per second.
    assert.ok(perMinute[0]! / 60 <= load.userRequestsPerSecond * 1.1 + 1, `${perMinute[0]} per minute`);
  });

  it("'unpaced' load: plain Inference Recommender users, no probe", async () => {
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      serverPids: server.pids,
      periodSeconds: 1,
      maxDurationSeconds: 2,
      load: 'unpaced',
    });
    const source = series.source as Record<string, unknown>;
    assert.equal(source.probe, undefined);
    assert.deepEqual(source.load, { kind: 'stairs', durationSeconds: 2, numberOfSteps: 2, usersPerStep: 1 });
    assert.deepEqual(
      series.points.map((p) => p.users),
      [1, 2],
    );
  });

  it('stops after 1% failed invocations: a payload with the wrong feature count is all 4XX', async () => {
    const series = await runLocalBenchmark({
      url: server.url,
      payload: '1,2,3\n',
      serverPids: server.pids,
      // unpaced: the paced default refuses to start when its probe gets no 2XX (below)
      load: 'unpaced',
      periodSeconds: 1,
      maxDurationSeconds: 5,
      maxRequests: 100_000,
    });
    assert.equal(series.points.length, 1);
    const [point] = series.points;
    assert.equal(point!.invocation4xxErrors, point!.invocations);
    assert.equal(point!.invocation5xxErrors, 0);
    const source = series.source as Record<string, unknown>;
    assert.equal(source.stopReason, 'errors');
    assert.match(
      JSON.stringify(source.errorSamples),
      /400: WrongFeatureCount: row 1 has 3 values, the model expects 30/,
    );
  });

  const probeFailures = [
    {
      name: 'a content type the server refuses (415)',
      contentType: 'application/json',
      body: payload,
      message:
        /no request of the probe with 2XX; first error: 415: unsupported content type "application\/json"/,
    },
    {
      name: 'a payload the model refuses (400)',
      contentType: 'text/csv',
      body: Buffer.from('1,2,3\n'),
      message: /first error: 400: WrongFeatureCount: row 1 has 3 values/,
    },
  ];
  for (const c of probeFailures) {
    it(`the paced default refuses to start when the probe gets no 2XX: ${c.name}`, async () => {
      const periods: BenchmarkProgress[] = [];
      await assert.rejects(
        runLocalBenchmark({
          url: server.url,
          payload: c.body,
          contentType: c.contentType,
          probeSeconds: 0.3,
          periodSeconds: 1,
          maxDurationSeconds: 3,
          onPeriod: (p) => periods.push(p),
        }),
        (error: Error) => error.name === 'ConfigurationError' && c.message.test(error.message),
      );
      assert.equal(periods.length, 0, 'no period of errors was run');
    });
  }

  it('a boundary timer that fires late leaves every mid-run period full', async () => {
    // Period 1 stalls the event loop over its boundary: that boundary fires ~150 ms late, so
    // period 2 measures ~0.35 s of its 0.5 s. It is still a full period of the schedule.
    const periodMs = 500;
    const stallMs = 250;
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      serverPids: server.pids,
      periodSeconds: periodMs / 1000,
      maxDurationSeconds: 2,
      load: 'unpaced',
      stopRule: { detectPlateau: false },
      onPeriod: (p) => {
        if (p.periodIndex !== 0) return;
        setTimeout(() => {
          const until = performance.now() + stallMs;
          while (performance.now() < until) {
            // busy: nothing else runs, the boundary timer included
          }
        }, periodMs - 100);
      },
    });
    const source = series.source as Record<string, unknown>;
    assert.equal(source.stopReason, 'maxDuration');
    assert.deepEqual(
      series.points.map((p) => p.coveredSeconds),
      [0.5, 0.5, 0.5, 0.5],
    );
    // The per-minute rates still use the seconds each period measured: period 2 was shorter.
    const perMinute = source.invocationsPerMinute as number[];
    const invocations = series.points.map((p) => p.invocations);
    assert.ok(perMinute[2]! > (invocations[2]! * 60) / 0.5, `${perMinute[2]} vs ${invocations[2]}`);
  });

  it('an abort wakes paced users at once: no pause outlives the run', async () => {
    // 0.05 requests/s: each user pauses up to 20 s between requests.
    const controller = new AbortController();
    const timeoutsBefore = activeTimeouts();
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      periodSeconds: 0.3,
      maxDurationSeconds: 30,
      load: {
        kind: 'stairs',
        durationSeconds: 30,
        numberOfSteps: 100,
        usersPerStep: 2,
        userRequestsPerSecond: 0.05,
      },
      onPeriod: (p) => {
        if (p.periodIndex === 1) controller.abort();
      },
      signal: controller.signal,
    });
    assert.equal((series.source as Record<string, unknown>).stopReason, 'aborted');
    assert.equal(activeTimeouts(), timeoutsBefore, 'no timer of the run is left');
  });

  it('maxRequests bounds the run and closes a partial period', async () => {
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      serverPids: server.pids,
      periodSeconds: 5,
      maxDurationSeconds: 20,
      maxRequests: 50,
      load: 'unpaced',
    });
    const source = series.source as Record<string, unknown>;
    assert.equal(source.stopReason, 'maxRequests');
    assert.equal(source.requestsSent, 50);
    assert.equal(series.points.length, 1);
    assert.equal(series.points[0]!.invocations, 50);
    assert.ok(series.points[0]!.coveredSeconds! < 5, 'partial period marked with its covered seconds');
  });

  it('open loop at a constant 200 requests/s over 2 s sends 400 requests (node http transport)', async () => {
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      serverPids: server.pids,
      periodSeconds: 1,
      maxDurationSeconds: 10,
      transport: 'http',
      load: { kind: 'openLoop', requestsPerSecond: 200, durationSeconds: 2 },
    });
    const source = series.source as Record<string, unknown>;
    assert.equal(source.stopReason, 'profileEnd');
    assert.equal(series.points.length, 2);
    assert.equal(series.points[0]!.users, undefined);
    const total = series.points.reduce((sum, p) => sum + p.invocations, 0);
    // Every scheduled request but those due in the last millisecond tick.
    assert.ok(total >= 395 && total <= 400, `${total} invocations`);
  });

  it('a remote server (no pids): CPU 0 with a note saying why', async () => {
    const series = await runLocalBenchmark({
      url: `${server.url}/invocations`,
      payload,
      periodSeconds: 1,
      maxDurationSeconds: 1,
      vcpus: 2,
      load: 'unpaced',
    });
    assert.equal(series.vcpus, 2);
    assert.ok(series.points.every((p) => p.cpuUtilizationPercent === 0 && p.invocations > 0));
    const source = series.source as Record<string, unknown>;
    assert.equal(source.cpuMeasured, false);
    assert.match(String(source.cpuNote), /cannot be measured for a remote server/);
  });

  it('an abort signal ends the run with the periods so far', async () => {
    const controller = new AbortController();
    const series = await runLocalBenchmark({
      url: server.url,
      payload,
      serverPids: server.pids,
      periodSeconds: 1,
      maxDurationSeconds: 30,
      probeSeconds: 0.5,
      onPeriod: (p) => {
        if (p.periodIndex === 1) controller.abort();
      },
      signal: controller.signal,
    });
    assert.equal((series.source as Record<string, unknown>).stopReason, 'aborted');
    assert.ok(series.points.length >= 2 && series.points.length <= 3);
  });
});

describe('scaleplan bench (the command)', () => {
  it('--demo writes a valid benchmark file', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'scaleplan-bench-')), 'benchmark.json');
    const result = spawnSync(
      process.execPath,
      ['bin/scaleplan.js', 'bench', '--demo', '--period-seconds', '1', '--max-seconds', '3', '--out', out],
      { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /period +1 +users +1 /);
    const series = BenchmarkSeriesSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.equal(series.points.length, 3);
    assert.ok(series.points.every((p) => p.cpuUtilizationPercent > 0));
  });

  // Bad usage or input exits with 2, a job that cannot run (no server, no 2XX) with 1.
  const failures = [
    { name: 'no --url and no --demo', args: ['bench'], message: /give --url URL/, code: 2 },
    {
      name: 'a server that is not there',
      args: ['bench', '--url', 'http://127.0.0.1:9', '--quiet'],
      message: /does not answer GET http:\/\/127\.0\.0\.1:9\/ping/,
      code: 1,
    },
    {
      name: 'a bad period',
      args: ['bench', '--url', 'http://127.0.0.1:9', '--period-seconds', '0'],
      message: /--period-seconds <n>' argument '0' is invalid\. expected a decimal number > 0/,
      code: 2,
    },
    {
      name: 'a blank --phases (not the default run)',
      args: ['bench', '--url', 'http://127.0.0.1:9', '--phases', ''],
      message: /--phases <json>' argument '' is invalid\. not JSON/,
      code: 2,
    },
    {
      name: 'a blank --open-loop-rps (not the default run)',
      args: ['bench', '--url', 'http://127.0.0.1:9', '--open-loop-rps', ' '],
      message: /--open-loop-rps <n>' argument ' ' is invalid/,
      code: 2,
    },
    {
      name: '--phases with --load',
      args: ['bench', '--url', 'http://127.0.0.1:9', '--phases', PHASES, '--load', 'unpaced'],
      message: /option '--load <kind>' cannot be used with option '--phases <json>'/,
      code: 2,
    },
    {
      name: '--phases with --users-per-step and --ramp-rps',
      args: [
        'bench',
        '--url',
        'http://127.0.0.1:9',
        '--phases',
        PHASES,
        '--users-per-step',
        '2',
        '--ramp-rps',
        '5',
      ],
      message: /option '--users-per-step <n>' cannot be used with option '--phases <json>'/,
      code: 2,
    },
    {
      name: '--phases from a file that does not exist',
      args: ['bench', '--url', 'http://127.0.0.1:9', '--phases', '@/nonexistent/phases.json'],
      message:
        /--phases <json>' argument '@\/nonexistent\/phases\.json' is invalid\. cannot read file '\/nonexistent\/phases\.json': no such file/,
      code: 2,
    },
    {
      name: 'a content type the server refuses: the probe gets no 2XX',
      args: [
        'bench',
        '--demo',
        '--content-type',
        'application/json',
        '--period-seconds',
        '1',
        '--max-seconds',
        '3',
      ],
      message:
        /no request of the probe with 2XX; first error: 415: unsupported content type "application\/json"/,
      code: 1,
    },
    {
      name: 'serve-demo with a blank port',
      args: ['serve-demo', '--port', ''],
      message: /--port <n>' argument '' is invalid\. expected a whole number >= 0 and <= 65535/,
      code: 2,
    },
    {
      name: 'serve-demo with a port of 80.5',
      args: ['serve-demo', '--port', '80.5'],
      message: /--port <n>' argument '80\.5' is invalid/,
      code: 2,
    },
    {
      name: 'serve-demo with a port over 65535',
      args: ['serve-demo', '--port', '70000'],
      message: /--port <n>' argument '70000' is invalid\. expected a whole number >= 0 and <= 65535/,
      code: 2,
    },
  ];
  for (const c of failures) {
    it(`fails with one clear line: ${c.name}`, () => {
      const result = spawnSync(process.execPath, ['bin/scaleplan.js', ...c.args], {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(result.status, c.code, result.stderr);
      assert.match(result.stderr, c.message);
      assert.equal(
        result.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('scaleplan:')).length,
        1,
      );
    });
  }
});
