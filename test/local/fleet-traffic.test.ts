/**
 * The evaluation's traffic patterns on real processes (loopback only, time scale 120, a few real
 * seconds of traffic each): IR's STAIRS step the closed-loop users at the scaled times the core
 * gives, and an open-loop replay of a trace file follows the trace's shape, both asserted from the
 * Invocations CloudWatch publishes per period. The server answers after a fixed sleep, so one
 * user's throughput is the same at every step and the published counts are proportional to the
 * users (a CPU-bound server would saturate and flatten the stairs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { simulateEvaluationInput } from '../../shared/adapters/local/evaluation-twin';
import {
  createFleetEvaluationDriver,
  createLocalEndpoint,
  driveEvaluationTraffic,
  type LocalEndpoint,
} from '../../shared/adapters/local/fleet';
import type { EvaluationTrafficPattern } from '../../shared/core/load/pattern';
import { replayRateAt } from '../../shared/core/load/replay';
import type { EvaluationInput } from '../../shared/core/ports';
import { countsTraffic } from '../../shared/core/sim/traffic';
import { AWS_SAMPLE_ANALYSIS, awsSamplePolicySet } from '../fixtures/aws-sample';

/** One AWS minute per half real second. */
const TIME_SCALE = 120;
const PERIOD = 60;
const DELAY = 60;

/** A server on the SageMaker contract that answers every invocation after `sleepMs`. */
function sleepingServer(sleepMs: number): string[] {
  const script = `require('http').createServer((q,s)=>{if(q.url==='/ping'){s.end('ok');return}q.resume();q.on('end',()=>setTimeout(()=>{s.setHeader('content-type','text/csv');s.end('0.5\\n')},${sleepMs}))}).listen({port},'127.0.0.1')`;
  return [process.execPath, '-e', script];
}

async function endpointFor(name: string, sleepMs: number): Promise<LocalEndpoint> {
  return createLocalEndpoint({
    endpointName: name,
    command: { kind: 'command', argv: sleepingServer(sleepMs) },
    initialInstanceCount: 1,
    maxInstances: 1,
    timeScale: TIME_SCALE,
    settings: { metricDelaySeconds: DELAY },
  });
}

/** Waits for the next period boundary of the scaled clock, so that the traffic starts on one. */
async function toNextBoundary(endpoint: LocalEndpoint): Promise<number> {
  const now = endpoint.clock.nowSeconds();
  const start = endpoint.clock.startEpochSeconds;
  const boundary = start + Math.ceil((now - start) / PERIOD + 1e-9) * PERIOD;
  await endpoint.clock.sleep(boundary - now);
  return endpoint.clock.nowSeconds();
}

/** Published Invocations (Sum) per period from `from` to `to`, after the publication delay. */
async function publishedInvocations(
  endpoint: LocalEndpoint,
  from: number,
  to: number,
): Promise<Map<number, number>> {
  await endpoint.clock.sleep(to + PERIOD + DELAY - endpoint.clock.nowSeconds() + 1);
  const [result] = endpoint.getMetricData({
    MetricDataQueries: [
      {
        Id: 'invocations',
        MetricStat: {
          Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations' },
          Period: PERIOD,
          Stat: 'Sum',
        },
      },
    ],
    StartTime: new Date(Math.floor(from / PERIOD) * PERIOD * 1000),
    EndTime: new Date((Math.ceil(to / PERIOD) + 1) * PERIOD * 1000),
    ScanBy: 'TimestampAscending',
  }).MetricDataResults;
  const byPeriod = new Map<number, number>();
  result!.Timestamps.forEach((t, i) => {
    byPeriod.set(t.getTime() / 1000, result!.Values[i]!);
  });
  return byPeriod;
}

/** The mean of `f` over [a, b), sampled every 0.1 s. */
function meanOver(f: (t: number) => number, a: number, b: number): number {
  let sum = 0;
  let n = 0;
  for (let t = a + 0.05; t < b; t += 0.1, n++) sum += f(t);
  return sum / n;
}

/**
 * Largest gap between two cumulative curves, each over its own total (0: the same shape; a flat
 * series against stairs of 2..10 users is 0.2 apart by the middle).
 */
function maxCumulativeGap(measured: number[], expected: number[]): number {
  const total = (values: number[]) => values.reduce((s, v) => s + v, 0);
  const [m, e] = [total(measured), total(expected)];
  let gap = 0;
  let cm = 0;
  let ce = 0;
  measured.forEach((value, i) => {
    cm += value / m;
    ce += expected[i]! / e;
    gap = Math.max(gap, Math.abs(cm - ce));
  });
  return gap;
}

const dir = mkdtempSync(join(tmpdir(), 'scaleplan-fleet-traffic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('evaluation traffic on the local endpoint', { timeout: 90_000 }, () => {
  it('STAIRS: the users step up at durationSeconds / numberOfSteps of the scaled clock', async () => {
    // 600 s in 5 steps of 2 users: 2, 4, 6, 8, 10 users, each step two 60 s periods long.
    const pattern: EvaluationTrafficPattern = {
      trafficType: 'STAIRS',
      stairs: { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 },
    };
    const endpoint = await endpointFor('traffic-stairs', 50);
    try {
      const from = await toNextBoundary(endpoint);
      const { sent } = await driveEvaluationTraffic({
        input: { phases: [], trafficPattern: pattern, jobDurationSeconds: 3600 },
        invocationsUrl: endpoint.invocationsUrl,
        payload: Buffer.from('1,2,3\n'),
        contentType: 'text/csv',
        clock: endpoint.clock,
        signal: new AbortController().signal,
        timeoutMs: 5_000,
      });
      const to = endpoint.clock.nowSeconds();
      assert.equal(to - from >= 600, true, `the stairs ended after ${to - from} scaled s`);
      const published = await publishedInvocations(endpoint, from, to);
      assert.equal(
        to - from < 640,
        true,
        `the stairs ended ${to - from} scaled s after the start, not at 600`,
      );
      // The oracle, written out: 2 users more every 120 s, from 2, until 600 s.
      const usersAt = (t: number) => (t >= 0 && t < 600 ? 2 * (Math.floor(t / 120) + 1) : 0);
      // Per period: the invocations, and the users the stairs ask for there (time-weighted).
      const rows = [...published.entries()]
        .filter(([start]) => start >= from - 5 && start + PERIOD <= from + 600 + 5)
        .map(([start, invocations]) => ({
          at: Math.round(start - from),
          invocations,
          wanted: meanOver(usersAt, start - from, start - from + PERIOD),
        }));
      const detail = JSON.stringify(rows);
      assert.equal(rows.length >= 10, true, `${rows.length} whole periods: ${detail}`);
      // A user of a 50 ms server makes at most 0.5 s / 50 ms = 10 requests per scaled minute.
      const perUser = rows.reduce((s, r) => s + r.invocations, 0) / rows.reduce((s, r) => s + r.wanted, 0);
      assert.equal(perUser > 1 && perUser <= 10, true, `${perUser} invocations per user per period`);
      // The shape, robust to a busy machine slowing some requests: the published invocations
      // accumulate as the stairs' user-time does. Users that stayed at 2 (steps on the real
      // clock, or one step of durationSeconds) would be 0.2 away from it by the middle.
      assert.equal(
        maxCumulativeGap(
          rows.map((r) => r.invocations),
          rows.map((r) => r.wanted),
        ) < 0.12,
        true,
        detail,
      );
      // The last step carries about 5 x the first step (10 users over 2).
      const stepSum = (k: number) =>
        rows
          .filter((r) => r.at >= k * 120 - 5 && r.at < (k + 1) * 120 - 5)
          .reduce((s, r) => s + r.invocations, 0);
      assert.equal(
        stepSum(4) / stepSum(0) > 2.5,
        true,
        `first step ${stepSum(0)}, last ${stepSum(4)}: ${detail}`,
      );
      // Nothing after the stairs but the answers still in flight.
      const afterwards = [...published.entries()].filter(([start]) => start >= from + 600 + 5 + PERIOD);
      assert.equal(
        afterwards.every(([, v]) => v <= 10),
        true,
        `after the stairs: ${JSON.stringify(afterwards)}`,
      );
      const total = [...published.values()].reduce((s, v) => s + v, 0);
      assert.equal(total, sent, 'every request sent is counted once');
    } finally {
      await endpoint.stop();
    }
  });

  it('replay: the trace file rescaled to maxRps arrives per scaled minute as the trace has it', async () => {
    // A per-minute counts trace of eight minutes, peak 900: rescaled to maxRps 1 (60 a minute,
    // 120 real requests per second at time scale 120).
    const counts = [150, 300, 600, 900, 900, 450, 150, 300];
    const lines = counts.map((c, i) => `1998-06-10 12:0${i}:00,${c}`);
    const traceFile = join(dir, 'counts.csv');
    writeFileSync(traceFile, `period,count\n${lines.join('\n')}\n`);
    const pattern: EvaluationTrafficPattern = {
      trafficType: 'REPLAY',
      replay: { traceFile, peakRps: 1 },
    };
    const expected = countsTraffic(
      counts.map((c) => (c * 60) / 900),
      { stepSeconds: 60 },
    );
    const endpoint = await endpointFor('traffic-replay', 2);
    try {
      const from = await toNextBoundary(endpoint);
      const { sent } = await driveEvaluationTraffic({
        input: { phases: [], trafficPattern: pattern, jobDurationSeconds: 3600 },
        invocationsUrl: endpoint.invocationsUrl,
        payload: Buffer.from('1,2,3\n'),
        contentType: 'text/csv',
        clock: endpoint.clock,
        signal: new AbortController().signal,
        timeoutMs: 5_000,
      });
      const to = endpoint.clock.nowSeconds();
      const published = await publishedInvocations(endpoint, from, to);
      const rows = [...published.entries()]
        .filter(([start]) => start >= from - 5 && start + PERIOD <= from + 480 + 5)
        .map(([start, invocations]) => ({
          at: start - from,
          invocations,
          trace: meanOver((t) => replayRateAt(expected, t), start - from, start - from + PERIOD) * PERIOD,
        }));
      const detail = JSON.stringify(rows);
      assert.equal(rows.length >= 7, true, `${rows.length} whole periods: ${detail}`);
      assert.equal(
        to - from >= 480 && to - from < 520,
        true,
        `the replay lasted ${to - from} scaled s, not 480`,
      );
      // Every request of the rescaled trace was sent (60 at the peak minute, 220 in all).
      assert.equal(
        Math.abs(sent - (counts.reduce((s, c) => s + c, 0) * 60) / 900) <= 3,
        true,
        `${sent} sent`,
      );
      // The shape: the published invocations accumulate as the trace does (a request a busy
      // machine delays by a period moves a little of the curve, a wrong shape moves it all).
      assert.equal(
        maxCumulativeGap(
          rows.map((r) => r.invocations),
          rows.map((r) => r.trace),
        ) < 0.12,
        true,
        detail,
      );
      // The busiest two minutes of the trace (periods 4 and 5) are the busiest published.
      const pairs = rows.slice(1).map((r, i) => r.invocations + rows[i]!.invocations);
      const busiest = pairs.indexOf(Math.max(...pairs));
      assert.equal(
        busiest >= 2 && busiest <= 4,
        true,
        `busiest pair of periods starts at ${busiest + 1}: ${detail}`,
      );
    } finally {
      await endpoint.stop();
    }
  });

  it('replay of a missing trace file: InvalidInputError naming the file', async () => {
    await assert.rejects(
      driveEvaluationTraffic({
        input: {
          phases: [],
          trafficPattern: { trafficType: 'REPLAY', replay: { traceFile: join(dir, 'nope.csv'), peakRps: 4 } },
          jobDurationSeconds: 3600,
        },
        invocationsUrl: 'http://127.0.0.1:9/endpoints/x/invocations',
        payload: Buffer.from('1\n'),
        contentType: 'text/csv',
        clock: { timeScale: TIME_SCALE } as LocalEndpoint['clock'],
        signal: new AbortController().signal,
        timeoutMs: 1_000,
      }),
      { name: 'InvalidInputError', message: /trace file .*nope\.csv does not exist/ },
    );
  });
});

/** A per-minute counts trace file of `counts`, from 1998-06-10 12:00 UTC. */
function countsTrace(name: string, counts: number[]): string {
  const path = join(dir, name);
  const lines = counts.map((c, i) => `1998-06-10 12:${String(i).padStart(2, '0')}:00,${c}`);
  writeFileSync(path, `period,count\n${lines.join('\n')}\n`);
  return path;
}

function evaluationInput(name: string, extra: Partial<EvaluationInput>): EvaluationInput {
  return {
    evaluationName: name,
    modelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/demo/1',
    endpointName: name,
    variantName: 'AllTraffic',
    instanceType: 'ml.c5.large',
    phases: [],
    jobDurationSeconds: 3600,
    maxInvocationsPerMinute: 1e9,
    latencySlo: { percentile: 'P95', ms: 10_000 },
    policySet: { minCapacity: 1, maxCapacity: 1, scheduledActions: [] },
    ...extra,
  };
}

describe('the evaluation drivers follow the pattern', { timeout: 60_000 }, () => {
  const fleet = () =>
    createFleetEvaluationDriver({
      endpoint: {
        command: { kind: 'command', argv: sleepingServer(2) },
        timeScale: TIME_SCALE,
        settings: { metricDelaySeconds: DELAY },
      },
      sample: { payload: Buffer.from('1,2,3\n'), contentType: 'text/csv' },
    });
  const finished = async (driver: ReturnType<typeof fleet>, name: string) => {
    for (;;) {
      const described = await driver.describe(name);
      if (described.status !== 'IN_PROGRESS') return described;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('the fleet driver replays the trace and measures it', async () => {
    const traceFile = countsTrace('driver.csv', [300, 900, 600, 300]);
    const driver = fleet();
    const input = evaluationInput('traffic-driver-replay', {
      trafficPattern: { trafficType: 'REPLAY', replay: { traceFile, peakRps: 1 } },
    });
    await driver.start(input);
    const described = await finished(driver, input.evaluationName);
    assert.equal(described.status, 'COMPLETED', described.failureReason);
    const metrics = await driver.collectMetrics(input.evaluationName, input);
    const total = metrics.points.reduce((s, p) => s + p.invocations, 0);
    // 2100 requests rescaled so that 900 a minute becomes 60: 140 in all.
    assert.equal(Math.abs(total - 140) <= 3, true, `${total} invocations: ${JSON.stringify(metrics.points)}`);
  });

  it('a replay of a missing trace fails the evaluation naming the file', async () => {
    const driver = fleet();
    const input = evaluationInput('traffic-driver-missing', {
      trafficPattern: { trafficType: 'REPLAY', replay: { traceFile: join(dir, 'missing.csv'), peakRps: 1 } },
    });
    await driver.start(input);
    const described = await finished(driver, input.evaluationName);
    assert.equal(described.status, 'FAILED');
    assert.match(described.failureReason ?? '', /trace file .*missing\.csv does not exist/);
  });

  it('the twin driver runs STAIRS and the replay by the same formulas', () => {
    const base = evaluationInput('twin', { benchmark: AWS_SAMPLE_ANALYSIS, policySet: awsSamplePolicySet() });
    const stairs = simulateEvaluationInput(
      {
        ...base,
        trafficPattern: {
          trafficType: 'STAIRS',
          stairs: { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 },
        },
      },
      '2024-01-01T00:00:00Z',
    );
    // Ten minutes of stairs, rising by step: later minutes carry more invocations.
    assert.equal(stairs.points.length, 10);
    assert.equal(stairs.points[9]!.invocations > stairs.points[0]!.invocations, true);
    const traceFile = countsTrace('twin.csv', [300, 900, 600, 300]);
    const replay = simulateEvaluationInput(
      { ...base, trafficPattern: { trafficType: 'REPLAY', replay: { traceFile, peakRps: 1 } } },
      '2024-01-01T00:00:00Z',
    );
    // The sample's fleet serves 60 a minute with ease: the twin counts the rescaled trace itself.
    assert.deepEqual(
      replay.points.map((p) => Math.round(p.invocations)),
      [20, 60, 40, 20],
    );
  });
});
