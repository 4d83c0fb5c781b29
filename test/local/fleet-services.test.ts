/**
 * The local CloudWatch and Application Auto Scaling of the local endpoint, without processes:
 * GetMetricData's window and publication rules, statistics, and the scaler on scripted datapoints.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyScalingRequests,
  createLocalAutoScaling,
  createLocalCloudWatch,
  createScaledClock,
  statistic,
} from '../../shared/adapters/local/fleet';
import { startPeriodTicker } from '../../shared/adapters/local/fleet/period-ticker';
import { ConfigurationError } from '../../shared/core/errors';
import { buildScalingRequests, scalingNames } from '../../shared/core/policies';
import { resolveSimSettings } from '../../shared/core/sim/settings';
import type { PolicySet } from '../../shared/core/types';

const START = 1_800_000_000 - (1_800_000_000 % 60);
const query = (stat: string, Period = 60) => ({
  Id: 'q',
  MetricStat: { Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations' }, Period, Stat: stat },
});

describe('local CloudWatch', () => {
  it('publishes a period only after it ended plus the delay; StartTime inclusive, EndTime exclusive', () => {
    const cw = createLocalCloudWatch({
      startEpochSeconds: START,
      periodSeconds: 60,
      publicationDelaySeconds: 60,
    });
    for (let s = 0; s < 180; s += 10) cw.put('AWS/SageMaker', 'Invocations', START + s, 1);
    const read = (now: number, from = START, to = START + 600) =>
      cw.getMetricData(
        {
          MetricDataQueries: [query('Sum')],
          StartTime: new Date(from * 1000),
          EndTime: new Date(to * 1000),
          ScanBy: 'TimestampAscending',
        },
        now,
      ).MetricDataResults[0]!.Values;
    assert.deepEqual(read(START + 119.9), []);
    assert.deepEqual(read(START + 120), [6]);
    assert.deepEqual(read(START + 240), [6, 6, 6]);
    assert.deepEqual(read(START + 240, START + 60, START + 120), [6]);
    const twoMinutes = cw.getMetricData(
      {
        MetricDataQueries: [query('Sum', 120)],
        StartTime: new Date(START * 1000),
        EndTime: new Date((START + 600) * 1000),
      },
      START + 1000,
    );
    // Default ScanBy is TimestampDescending.
    assert.deepEqual(twoMinutes.MetricDataResults[0]!.Values, [6, 12]);
    assert.throws(
      () =>
        cw.getMetricData(
          { MetricDataQueries: [query('Sum', 90)], StartTime: new Date(0), EndTime: new Date(1e13) },
          START,
        ),
      /multiple of/,
    );
  });

  it('computes statistics as CloudWatch names them', () => {
    const samples = [400, 100, 300, 200];
    assert.deepEqual(
      ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount', 'p50', 'p99'].map((s) => statistic(samples, s)),
      [1000, 250, 100, 400, 4, 200, 400],
    );
    assert.equal(statistic([], 'Sum'), undefined);
    assert.throws(() => statistic([1], 'Median'), /unknown statistic/);
  });
});

describe('local Application Auto Scaling', () => {
  const target = { endpointName: 'ep', variantName: 'AllTraffic' };
  const stepOnly: PolicySet = {
    minCapacity: 1,
    maxCapacity: 4,
    stepScaling: {
      alarmThresholdInvocationsPerInstance: 10,
      steps: [{ lower: 0, upper: null, adjustment: 1 }],
      cooldownSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    },
    scheduledActions: [],
  };
  /** A reader that returns `value` for every period of every metric. */
  const constant = (value: number) => (input: { StartTime: Date; EndTime: Date }) => {
    const timestamps: Date[] = [];
    for (let t = input.StartTime.getTime(); t < input.EndTime.getTime(); t += 60_000)
      timestamps.push(new Date(t));
    return [{ Timestamps: timestamps, Values: timestamps.map(() => value) }];
  };
  const scaler = (value: number) =>
    createLocalAutoScaling({
      settings: resolveSimSettings({ metricDelaySeconds: 60 }),
      periodSeconds: 60,
      startEpochSeconds: START,
      read: constant(value),
    });

  it('a step policy does nothing without the alarm that invokes it, and scales once the alarm exists', () => {
    const requests = buildScalingRequests(target, stepOnly);
    const withoutAlarm = scaler(50);
    applyScalingRequests(withoutAlarm, { ...requests, stepAlarm: null, stepPolicyName: null });
    assert.equal(withoutAlarm.evaluate(START + 180, { desiredCapacity: 1, updating: false }), null);
    const withAlarm = scaler(50);
    applyScalingRequests(withAlarm, requests);
    const activity = withAlarm.evaluate(START + 180, { desiredCapacity: 1, updating: false });
    assert.deepEqual([activity?.cause, activity?.toCapacity], [scalingNames(target).stepPolicyName, 2]);
  });

  it('refuses a change while the endpoint is Updating and counts it as not scaled', () => {
    const aas = scaler(50);
    applyScalingRequests(aas, buildScalingRequests(target, stepOnly));
    assert.equal(aas.evaluate(START + 180, { desiredCapacity: 1, updating: true }), null);
    assert.equal(aas.notScaled.updateInProgress, 1);
  });

  it('refuses by name what it does not run', () => {
    const aas = scaler(0);
    const requests = buildScalingRequests(target, stepOnly);
    aas.registerScalableTarget(requests.registerScalableTarget);
    const step = requests.putScalingPolicies[0]!;
    assert.throws(
      () =>
        aas.putScalingPolicy({
          ...step,
          StepScalingPolicyConfiguration: {
            ...step.StepScalingPolicyConfiguration!,
            AdjustmentType: 'ExactCapacity',
          },
        }),
      (error: Error) => error instanceof ConfigurationError && /ChangeInCapacity only/.test(error.message),
    );
  });
});

describe('scaled clock', () => {
  it('a sleep ends only once the clock it reads says the time is due, even when timers fire early', async () => {
    // A wall clock that runs at half the speed of the timers: every timer fires early by its reading.
    const realStart = Date.now();
    const slowNowMs = () => realStart + (Date.now() - realStart) / 2;
    const clock = createScaledClock(60, slowNowMs);
    const from = clock.nowSeconds();
    await clock.sleep(3);
    assert.equal(clock.nowSeconds() - from >= 3, true, `woke ${clock.nowSeconds() - from} s after`);
  });

  it('a sleep aborted while it waits on after an early timer ends there', async () => {
    // The wall clock stands still after the first readings: every timer is early, and the sleep
    // would wait on forever; the abort at the first early wake must end it.
    const abort = new AbortController();
    let readings = 0;
    const standing = Date.now();
    const clock = createScaledClock(60, () => {
      readings += 1;
      // 1: the clock's start, 2: the sleep's due time, 3: arming, 4: the first (early) wake.
      if (readings === 4) abort.abort();
      // A timer re-armed after the abort would read on every millisecond, forever.
      if (readings > 50) throw new Error('the sleep still reads the clock after its abort');
      return standing;
    });
    await clock.sleep(0.06, abort.signal);
    assert.equal(abort.signal.aborted, true);
    const atEnd = readings;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(readings, atEnd, 'no timer is left after the abort');
  });
});

describe('period ticker', () => {
  it('evaluates a boundary only once the clock it reads has reached it, even when timers fire early', async () => {
    // Prepare: a wall clock at half the timers' speed (every timer is early by its reading), and
    // one AWS minute per 100 real ms of that clock.
    const realStart = Date.now();
    const clock = createScaledClock(600, () => realStart + (Date.now() - realStart) / 2);
    const evaluations: { boundary: number; now: number }[] = [];
    const abort = new AbortController();
    const ctx = {
      clock,
      periodSeconds: 60,
      cloudWatch: createLocalCloudWatch({
        startEpochSeconds: clock.startEpochSeconds,
        periodSeconds: 60,
        publicationDelaySeconds: 60,
      }),
      instances: new Map(),
      instanceCores: 1,
      vcpus: 2,
      memoryBytes: 4 * 2 ** 30,
      state: { status: 'InService', desired: 1 },
      activities: [],
      abort,
    } as unknown as Parameters<typeof startPeriodTicker>[0];
    const autoscaling = {
      evaluate: (boundary: number) => {
        evaluations.push({ boundary, now: clock.nowSeconds() });
        return null;
      },
    } as unknown as Parameters<typeof startPeriodTicker>[1];
    // Act: three boundaries, then stop.
    const stop = startPeriodTicker(ctx, autoscaling);
    while (evaluations.length < 3) await clock.sleep(10);
    stop();
    abort.abort();
    // Assess: the boundaries in order, a minute apart, each evaluated at or after its time.
    assert.deepEqual(
      evaluations.map((e) => e.boundary - clock.startEpochSeconds),
      [60, 120, 180],
    );
    for (const e of evaluations) assert.equal(e.now >= e.boundary, true, `${e.boundary - e.now} s early`);
  });
});
