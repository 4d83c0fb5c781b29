/**
 * The local endpoint on real processes (loopback only, strong time compression): scale-out at the
 * time the AAS rules give and scale-in after the low alarm and the cooldowns, the step policy
 * through its alarm, scheduled actions, replacement of a killed instance, and failures that leave
 * no process behind. Timings are asserted on the scaled clock at period resolution, never as
 * speed: the expected times are computed from the published datapoints themselves.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import {
  applyScalingRequests,
  createLocalEndpoint,
  driveOpenLoop,
  type LocalEndpoint,
  type LocalEndpointOptions,
} from '../../shared/adapters/local/fleet';
import { DEMO_PAYLOAD_PATH } from '../../shared/adapters/local/model-server';
import { EndpointFailedError } from '../../shared/core/errors';
import { buildScalingRequests, scalingNames } from '../../shared/core/policies';
import type { PolicySet } from '../../shared/core/types';

const ONE_ROW = Buffer.from(`${readFileSync(DEMO_PAYLOAD_PATH, 'utf8').split('\n')[0]}\n`);
/** One AWS minute per half real second. */
const TIME_SCALE = 120;
const PERIOD = 60;
const DELAY = 60;
const STARTUP = 480;

function options(name: string, extra: Partial<LocalEndpointOptions> = {}): LocalEndpointOptions {
  return {
    endpointName: name,
    command: { kind: 'demo' },
    initialInstanceCount: 1,
    maxInstances: 3,
    timeScale: TIME_SCALE,
    settings: { startupSeconds: STARTUP, metricDelaySeconds: DELAY, scaleInUpdateSeconds: 60 },
    ...extra,
  };
}

/** Every recorded datapoint of a metric by period index (published or not), missing ones 0. */
function series(
  endpoint: LocalEndpoint,
  metricName: string,
  stat: string,
  namespace = 'AWS/SageMaker',
): number[] {
  const [result] = endpoint.getMetricData(
    {
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: { Namespace: namespace, MetricName: metricName },
            Period: PERIOD,
            Stat: stat,
          },
        },
      ],
      StartTime: new Date(0),
      EndTime: new Date(4e12),
      ScanBy: 'TimestampAscending',
    },
    1e12,
  ).MetricDataResults;
  const values: number[] = [];
  result!.Timestamps.forEach((t, i) => {
    values[Math.round((t.getTime() / 1000 - endpoint.clock.startEpochSeconds) / PERIOD)] = result!.Values[i]!;
  });
  return Array.from(values, (v) => v ?? 0);
}

/** The index of the last datapoint visible at boundary `b`: its period ended `DELAY` before. */
function lastIndexAt(endpoint: LocalEndpoint, boundary: number): number {
  return Math.floor((boundary - endpoint.clock.startEpochSeconds - DELAY) / PERIOD) - 1;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function noCgroupsOf(name: string): boolean {
  const root = '/sys/fs/cgroup/cpu';
  return !existsSync(root) || !readdirSync(root).some((entry) => entry.startsWith(`scaleplan-${name}-`));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Model-server processes this test process started and that still run. */
function serverChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes('server-main'));
}

const target = (name: string) => ({ endpointName: name, variantName: 'AllTraffic' });

describe('local endpoint on real processes', { timeout: 120_000 }, () => {
  it('scales out when 3 of 3 published datapoints exceed the target, joins after start-up, and scales in after 15 low datapoints and the cooldowns', async () => {
    // Prepare
    const name = 'fleet-step';
    const targetValue = 15;
    const policySet: PolicySet = {
      minCapacity: 1,
      maxCapacity: 3,
      invocationsTargetTracking: {
        targetValue,
        scaleOutCooldownSeconds: 120,
        scaleInCooldownSeconds: 120,
        disableScaleIn: false,
      },
      scheduledActions: [],
    };
    const endpoint = await createLocalEndpoint(options(name));
    const pids: number[] = endpoint.inServiceInstances().map((i) => i.pid);
    try {
      applyScalingRequests(endpoint.autoscaling, buildScalingRequests(target(name), policySet));
      // 60 invocations per AWS minute (real rps x 60 / timeScale): 4 x the target on one instance.
      let rps = (60 * TIME_SCALE) / 60;
      const stopLoad = new AbortController();
      const load = driveOpenLoop({
        invocationsUrl: endpoint.invocationsUrl,
        payload: ONE_ROW,
        contentType: 'text/csv',
        rateAt: () => rps,
        durationMs: 60_000,
        signal: stopLoad.signal,
      });
      // Act
      await until('the scale-out', () => endpoint.activities.length >= 1, 20_000);
      await until(
        '3 instances InService',
        () => endpoint.inServiceInstances().length === 3 && endpoint.status() === 'InService',
        20_000,
      );
      for (const i of endpoint.inServiceInstances()) pids.push(i.pid);
      rps = 4; // 2 per AWS minute for the whole fleet
      await until('the scale-in', () => endpoint.activities.length >= 2, 40_000);
      await until(
        'the fleet back at 1',
        () => endpoint.inServiceInstances().length === 1 && endpoint.status() === 'InService',
        10_000,
      );
      stopLoad.abort();
      const result = await load;
      // Assess: the scale-out at the first boundary whose last 3 datapoints are above the target.
      const perInstance = series(endpoint, 'InvocationsPerInstance', 'Sum');
      const [out, scaleIn] = endpoint.activities;
      const start = endpoint.clock.startEpochSeconds;
      let expectedOut: number | undefined;
      for (let b = start + PERIOD; b <= out!.atSeconds; b += PERIOD) {
        const k = lastIndexAt(endpoint, b);
        if (k >= 2 && [0, 1, 2].every((d) => perInstance[k - d]! > targetValue)) {
          expectedOut = b;
          break;
        }
      }
      assert.equal(
        out!.atSeconds,
        expectedOut,
        `scale-out at ${out!.atSeconds - start} s, rules give ${expectedOut! - start} s`,
      );
      assert.equal(out!.cause, scalingNames(target(name)).invocationsPolicyName);
      assert.deepEqual([out!.fromCapacity, out!.toCapacity], [1, 3]);
      const joined = endpoint.events.filter(
        (e) => e.kind === 'instanceInService' && e.atSeconds > out!.atSeconds,
      );
      assert.equal(joined.length >= 2, true);
      for (const e of joined.slice(0, 2))
        assert.equal(
          e.atSeconds - out!.atSeconds >= STARTUP,
          true,
          `joined ${e.atSeconds - out!.atSeconds} s after the decision`,
        );
      // The scale-in at the first boundary with 15 low datapoints, out of the cooldowns and not Updating.
      const outDone = endpoint.events.find(
        (e) => e.kind === 'status' && e.status === 'InService' && e.atSeconds > out!.atSeconds,
      )!;
      let expectedIn: number | undefined;
      for (let b = out!.atSeconds + PERIOD; b <= scaleIn!.atSeconds; b += PERIOD) {
        const k = lastIndexAt(endpoint, b);
        const low =
          k >= 14 &&
          Array.from({ length: 15 }, (_, d) => perInstance[k - d]!).every((v) => v < 0.9 * targetValue);
        if (low && b >= out!.atSeconds + 120 && b > outDone.atSeconds) {
          expectedIn = b;
          break;
        }
      }
      assert.equal(
        scaleIn!.atSeconds,
        expectedIn,
        `scale-in at ${scaleIn!.atSeconds - start} s, rules give ${expectedIn! - start} s`,
      );
      assert.equal(scaleIn!.toCapacity < 3, true);
      assert.equal(result.byStatus[200]! > 0, true);
      assert.equal(
        series(endpoint, 'InServiceInstances', 'Maximum', 'scaleplan/LocalEndpoint').includes(3),
        true,
      );
    } finally {
      await endpoint.stop();
    }
    assert.deepEqual(pids.filter(alive), []);
    assert.equal(noCgroupsOf(name), true);
  });

  it('fires the step policy through its alarm, with the step adjustment', async () => {
    const name = 'fleet-stepalarm';
    const policySet: PolicySet = {
      minCapacity: 1,
      maxCapacity: 3,
      stepScaling: {
        alarmThresholdInvocationsPerInstance: 20,
        steps: [{ lower: 0, upper: null, adjustment: 2 }],
        cooldownSeconds: 600,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
      },
      scheduledActions: [],
    };
    const endpoint = await createLocalEndpoint(options(name));
    try {
      applyScalingRequests(endpoint.autoscaling, buildScalingRequests(target(name), policySet));
      const stopLoad = new AbortController();
      const load = driveOpenLoop({
        invocationsUrl: endpoint.invocationsUrl,
        payload: ONE_ROW,
        contentType: 'text/csv',
        rateAt: () => (40 * TIME_SCALE) / 60, // 40 per AWS minute, 2 x the threshold
        durationMs: 30_000,
        signal: stopLoad.signal,
      });
      await until('the step scale-out', () => endpoint.activities.length >= 1, 20_000);
      stopLoad.abort();
      await load;
      const [activity] = endpoint.activities;
      const perInstance = series(endpoint, 'InvocationsPerInstance', 'Sum');
      const k = lastIndexAt(endpoint, activity!.atSeconds);
      assert.equal(activity!.cause, scalingNames(target(name)).stepPolicyName);
      assert.deepEqual([activity!.fromCapacity, activity!.toCapacity], [1, 3]);
      assert.equal(perInstance[k]! >= 20 && perInstance[k - 1]! >= 20, true);
      // One boundary earlier the alarm did not have 2 breaching datapoints yet.
      assert.equal(perInstance[k - 2] === undefined || perInstance[k - 2]! < 20 || k - 2 < 0, true);
    } finally {
      await endpoint.stop();
    }
  });

  it('a scheduled action changes Min and Max and moves the fleet into them', async () => {
    const name = 'fleet-schedule';
    const endpoint = await createLocalEndpoint(
      options(name, { settings: { startupSeconds: 240, metricDelaySeconds: DELAY } }),
    );
    try {
      const start = endpoint.clock.startEpochSeconds;
      const at = (seconds: number) => `at(${new Date((start + seconds) * 1000).toISOString().slice(0, 19)})`;
      const policySet: PolicySet = {
        minCapacity: 1,
        maxCapacity: 3,
        scheduledActions: [
          { name: 'raise', schedule: at(360), minCapacity: 2, maxCapacity: 2 },
          { name: 'lower', schedule: at(960), minCapacity: 1, maxCapacity: 1 },
        ],
      };
      applyScalingRequests(endpoint.autoscaling, buildScalingRequests(target(name), policySet));
      await until('both actions', () => endpoint.activities.length >= 2, 20_000);
      await until(
        'the fleet at 1',
        () => endpoint.status() === 'InService' && endpoint.inServiceInstances().length === 1,
        10_000,
      );
      const [raise, lower] = endpoint.activities;
      assert.deepEqual(
        [raise!.cause, raise!.atSeconds - start, raise!.fromCapacity, raise!.toCapacity],
        ['scheduledAction:raise', 360, 1, 2],
      );
      assert.deepEqual(
        [lower!.cause, lower!.atSeconds - start, lower!.fromCapacity, lower!.toCapacity],
        ['scheduledAction:lower', 960, 2, 1],
      );
      assert.deepEqual(endpoint.autoscaling.bounds(), { minCapacity: 1, maxCapacity: 1 });
    } finally {
      await endpoint.stop();
    }
  });

  it('replaces a killed instance, and the metrics show the gap', async () => {
    const name = 'fleet-kill';
    const endpoint = await createLocalEndpoint(
      options(name, {
        initialInstanceCount: 2,
        settings: { startupSeconds: 240, metricDelaySeconds: DELAY },
      }),
    );
    const pids = endpoint.inServiceInstances().map((i) => i.pid);
    try {
      process.kill(pids[0]!, 'SIGKILL');
      await until('the death', () => endpoint.events.some((e) => e.kind === 'instanceDied'), 5_000);
      assert.equal(endpoint.inServiceInstances().length, 1);
      const answer = await fetch(endpoint.invocationsUrl, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: ONE_ROW,
      });
      assert.equal(answer.status, 200);
      await until('the replacement', () => endpoint.inServiceInstances().length === 2, 15_000);
      // Two periods at 2 so the gap is surrounded by full periods.
      await new Promise((resolve) => setTimeout(resolve, endpoint.clock.realMs(2 * PERIOD)));
      for (const i of endpoint.inServiceInstances()) pids.push(i.pid);
      assert.equal(endpoint.desiredInstanceCount(), 2);
      const inService = series(endpoint, 'InServiceInstances', 'Minimum', 'scaleplan/LocalEndpoint');
      assert.equal(inService.includes(1), true, `InServiceInstances ${inService.join(',')}`);
      assert.equal(inService.at(-1), 2);
    } finally {
      await endpoint.stop();
    }
    assert.deepEqual(pids.filter(alive), []);
  });

  it('stopping during a scale-out stops the instances that are still starting', async () => {
    const name = 'fleet-stop-updating';
    const endpoint = await createLocalEndpoint(options(name));
    endpoint.updateInstanceCount(3);
    await until('the new processes', () => serverChildren().length === 3, 10_000);
    await endpoint.stop();
    assert.deepEqual(serverChildren(), []);
    assert.equal(noCgroupsOf(name), true);
  });

  it('a bad server command fails with EndpointFailedError and leaves no process behind', async () => {
    const name = 'fleet-bad';
    await assert.rejects(
      createLocalEndpoint(
        options(name, {
          command: { kind: 'command', argv: ['/bin/sh', '-c', 'echo no such model >&2; exit 3'] },
        }),
      ),
      (error: Error) =>
        error instanceof EndpointFailedError && /exited \(3\): no such model/.test(error.message),
    );
    assert.equal(noCgroupsOf(name), true);
  });

  it('a server that never answers /ping fails the deployment and nothing listens afterwards', async () => {
    const name = 'fleet-noping';
    const marker = 'scaleplan-test-never-ready';
    const script = `process.title='${marker}';require('http').createServer((q,s)=>{s.statusCode=500;s.end()}).listen({port},'127.0.0.1')`;
    let message = '';
    await assert.rejects(
      createLocalEndpoint(
        options(name, {
          command: { kind: 'command', argv: [process.execPath, '-e', script] },
          startTimeoutMs: 1_500,
        }),
      ),
      (error: Error) => {
        message = error.message;
        return (
          error instanceof EndpointFailedError &&
          /did not answer GET \/ping within 1500 ms/.test(error.message)
        );
      },
    );
    const port = Number(/listen\((\d+),/.exec(message)?.[1]);
    assert.equal(port > 0, true, message);
    assert.equal(await listening(port), false);
    assert.equal(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(marker), false);
    assert.equal(noCgroupsOf(name), true);
  });

  it('Ctrl-C of the process that runs the fleet stops every instance', async () => {
    const code = `
      import { createLocalEndpoint } from ${JSON.stringify(new URL('../../shared/adapters/local/fleet/index.ts', import.meta.url).pathname)};
      const endpoint = await createLocalEndpoint({ endpointName: 'fleet-sigint', command: { kind: 'demo' }, initialInstanceCount: 2, maxInstances: 2, timeScale: 60 });
      console.log(JSON.stringify(endpoint.inServiceInstances().map((i) => i.pid)));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pids = await new Promise<number[]>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')) as number[]));
      child.once('exit', (exitCode) => reject(new Error(`exited ${exitCode} before starting`)));
    });
    assert.equal(pids.length, 2);
    assert.deepEqual(pids.filter(alive), pids);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    await until('the instances gone', () => pids.filter(alive).length === 0, 5_000);
    assert.equal(noCgroupsOf('fleet-sigint'), true);
  });
});
