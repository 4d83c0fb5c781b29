import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileLatencyCurve,
  latencyKnots,
  mixtureQuantileMs,
  shareAtOrBelow,
} from '../../shared/core/sim/latency';
import {
  alarmBreached,
  combineProposals,
  stepAdjustment,
  stepScalingProposal,
} from '../../shared/core/sim/policies';
import { oracleInstanceHours, simulate } from '../../shared/core/sim/results';
import { scheduledRuns } from '../../shared/core/sim/schedule';
import { DEFAULT_SIM_SETTINGS } from '../../shared/core/sim/settings';
import {
  constantTraffic,
  countsTraffic,
  diurnalTraffic,
  phasesTraffic,
  rampTraffic,
  resampleTraffic,
  rescaleTraffic,
  spikeTraffic,
  stairsTraffic,
  timestampsTraffic,
  windowTraffic,
} from '../../shared/core/sim/traffic';
import { awsSampleStepScaling } from '../fixtures/aws-sample';
import { ANALYSIS, policies } from './fixtures';

describe('latency model', () => {
  const curve = compileLatencyCurve(ANALYSIS.latencyCurve);
  const cases = [
    { name: 'idle', ipm: 0, wait: 0, knots: [5, 10, 20, 30, 40] },
    { name: 'half the peak', ipm: 3000, wait: 0, knots: [7.5, 15, 30, 45, 60] },
    { name: 'boundary: above the peak clamps', ipm: 9000, wait: 0, knots: [10, 20, 40, 60, 80] },
    {
      name: 'queueing adds the wait to every knot',
      ipm: 0,
      wait: 2000,
      knots: [2005, 2010, 2020, 2030, 2040],
    },
  ];
  for (const c of cases)
    it(c.name, () =>
      assert.deepEqual(Array.from(latencyKnots(curve, c.ipm, c.wait, new Float64Array(5))), c.knots),
    );

  it('share at or below a latency interpolates between knots', () => {
    const k = [5, 10, 20, 30, 40];
    assert.equal(shareAtOrBelow(k, 0, 4.9), 0);
    assert.equal(shareAtOrBelow(k, 0, 10), 0.5);
    assert.equal(shareAtOrBelow(k, 0, 15), 0.725);
    assert.equal(shareAtOrBelow(k, 0, 40), 1);
  });

  it('mixture percentiles weigh sets by requests', () => {
    const knots = new Float64Array([5, 10, 20, 30, 40, 1005, 1010, 1020, 1030, 1040]);
    assert.ok(Math.abs(mixtureQuantileMs(knots, new Float64Array([1, 0]), 0.95) - 20) < 0.05);
    // 90% of requests in the fast set: p95 falls in the slow set's lower half (q = 0.5 -> 1010)
    assert.ok(Math.abs(mixtureQuantileMs(knots, new Float64Array([9, 1]), 0.95) - 1010) < 1);
  });

  it('a missing percentile falls back to the next one, then to the average', () => {
    const c = compileLatencyCurve([{ invocationsPerMinute: 10, avgMs: 7, p95Ms: 9 }]);
    assert.deepEqual([c.p50Ms[0], c.p95Ms[0], c.p99Ms[0]], [7, 9, 9]);
  });
});

describe('traffic', () => {
  it('constant, ramp and spike rates per step', () => {
    assert.deepEqual(
      Array.from(constantTraffic({ rps: 100, durationSeconds: 30, stepSeconds: 10 }).requests),
      [1000, 1000, 1000],
    );
    assert.deepEqual(
      Array.from(rampTraffic({ fromRps: 0, toRps: 100, durationSeconds: 30, stepSeconds: 10 }).requests).map(
        Math.round,
      ),
      [167, 500, 833],
    );
    const spike = spikeTraffic({
      baseRps: 10,
      spikeRps: 100,
      spikeAtSeconds: 10,
      spikeDurationSeconds: 10,
      durationSeconds: 30,
      stepSeconds: 10,
    });
    assert.deepEqual(Array.from(spike.requests), [100, 1000, 100]);
  });

  it('diurnal: a cosine day between minRps and peakRps, peaking at peakHourUtc', () => {
    // Hourly steps, rate at the middle of each hour: 10 + 50 x (1 + cos(2 pi (t - peak) / 86400)).
    // Peak at 00:00: hour 0 (t = 1800 s) 10 + 50 x (1 + cos(pi / 24)) = 109.572 rps; hour 12
    // (t = 45000 s) 10 + 50 x (1 - cos(pi / 24)) = 10.428 rps; the 24 half-hour-offset cosines sum
    // to 0, so the day carries the mean 60 rps x 86400 s = 5,184,000 requests.
    const cases = [
      { name: 'peak at 00:00 from midnight', startEpochSeconds: 0, peakHourUtc: 0 },
      { name: 'peak at 12:00 from noon (the same day, shifted)', startEpochSeconds: 43200, peakHourUtc: 12 },
    ];
    for (const c of cases) {
      const day = diurnalTraffic({
        minRps: 10,
        peakRps: 110,
        durationSeconds: 86400,
        stepSeconds: 3600,
        startEpochSeconds: c.startEpochSeconds,
        peakHourUtc: c.peakHourUtc,
      });
      const r = Array.from(day.requests);
      assert.equal(r.length, 24, c.name);
      assert.ok(Math.abs(r[0]! - (10 + 50 * (1 + Math.cos(Math.PI / 24))) * 3600) < 1e-6, c.name);
      assert.ok(Math.abs(r[12]! - (10 + 50 * (1 - Math.cos(Math.PI / 24))) * 3600) < 1e-6, c.name);
      assert.ok(Math.abs(r[0]! / 3600 - 109.572) < 1e-3 && Math.abs(r[12]! / 3600 - 10.428) < 1e-3, c.name);
      assert.ok(Math.abs(r.reduce((a, b) => a + b, 0) - 5_184_000) < 1e-3, c.name);
      // symmetric around the peak: hour k and hour 23 - k
      for (let k = 0; k < 12; k++) assert.ok(Math.abs(r[k]! - r[23 - k]!) < 1e-6, `${c.name} hour ${k}`);
      assert.equal(day.startEpochSeconds, c.startEpochSeconds);
    }
  });

  it('IR phases and stairs in users', () => {
    const phases = phasesTraffic({
      phases: [
        { initialUsers: 1, spawnRatePerMinute: 3, durationSeconds: 120 },
        { initialUsers: 3, spawnRatePerMinute: 0, durationSeconds: 60 },
      ],
      stepSeconds: 30,
    });
    assert.deepEqual(Array.from(phases.users), [1, 2, 4, 5, 3, 3]);
    assert.deepEqual(
      Array.from(
        stairsTraffic({ durationSeconds: 300, numberOfSteps: 5, usersPerStep: 2, stepSeconds: 60 }).users,
      ),
      [2, 4, 6, 8, 10],
    );
  });

  it('rescales to a peak, windows and resamples', () => {
    const t = countsTraffic([600, 1200, 300], { stepSeconds: 60, startEpochSeconds: 600 });
    assert.deepEqual(Array.from(rescaleTraffic(t, 10).requests), [300, 600, 150]);
    const w = windowTraffic(t, { startEpochSeconds: 660, durationSeconds: 60 });
    assert.deepEqual([w.startEpochSeconds, ...w.requests], [660, 1200]);
    assert.deepEqual(Array.from(resampleTraffic(t, 30).requests), [300, 300, 600, 600, 150, 150]);
    const perSecond = constantTraffic({ rps: 2, durationSeconds: 20, stepSeconds: 1 });
    assert.deepEqual(Array.from(resampleTraffic(perSecond, 10).requests), [20, 20]);
  });

  it('counts per-request timestamps per step', () => {
    assert.deepEqual(Array.from(timestampsTraffic([100.2, 100.7, 101.5, 103.1]).requests), [2, 1, 0, 1]);
  });
});

describe('schedules', () => {
  const cases = [
    {
      name: 'cron on weekdays at 18:00 (Monday 1970-01-05)',
      schedule: 'cron(0 18 ? * MON-FRI *)',
      from: 345600,
      to: 345600 + 86400,
      runs: [410400],
    },
    {
      name: 'cron skips the weekend (Saturday 1970-01-03)',
      schedule: 'cron(0 18 ? * MON-FRI *)',
      from: 172800,
      to: 172800 + 86400,
      runs: [],
    },
    {
      name: 'cron every 20 minutes',
      schedule: 'cron(0/20 * * * ? *)',
      from: 0,
      to: 3600,
      runs: [0, 1200, 2400],
    },
    {
      name: 'rate every 30 minutes from the start',
      schedule: 'rate(30 minutes)',
      from: 0,
      to: 3600,
      runs: [0, 1800],
    },
    { name: 'at, inside the window', schedule: 'at(1970-01-01T00:10:00)', from: 0, to: 3600, runs: [600] },
    {
      name: 'boundary: at, at the window end is outside',
      schedule: 'at(1970-01-01T01:00:00)',
      from: 0,
      to: 3600,
      runs: [],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const runs = scheduledRuns([{ name: 'a', schedule: c.schedule, minCapacity: 2 }], c.from, c.to);
      assert.deepEqual(
        runs.map((r) => r.epochSeconds),
        c.runs,
      );
    });
  it('refuses what it cannot read', () => {
    assert.throws(
      () => scheduledRuns([{ name: 'a', schedule: 'cron(0 18 L * ? *)', minCapacity: 1 }], 0, 60),
      { name: 'InvalidInputError' },
    );
    assert.throws(() => scheduledRuns([{ name: 'a', schedule: 'rate(1 week)', minCapacity: 1 }], 0, 60), {
      name: 'InvalidInputError',
    });
    assert.throws(
      () =>
        scheduledRuns(
          [{ name: 'a', schedule: 'at(2024-01-01T00:00:00)', timezone: 'Europe/Paris', minCapacity: 1 }],
          0,
          60,
        ),
      { name: 'InvalidInputError' },
    );
  });
});

describe('policy rules', () => {
  it('m of n datapoints', () => {
    const v = new Float64Array([5, 12, 3, 14]);
    assert.equal(alarmBreached(v, 3, 3, 3, 10, 'greaterThan'), false);
    assert.equal(alarmBreached(v, 3, 2, 3, 10, 'greaterThan'), true);
    assert.equal(alarmBreached(v, 0, 1, 3, 10, 'greaterThan'), false);
  });

  it("the blog's steps on the sample's threshold", () => {
    const spec = awsSampleStepScaling({ cooldownSeconds: 300 });
    assert.deepEqual(
      [4987, 4991, 4992, 5066, 5067, 9000].map((m) => stepAdjustment(spec, m)),
      [1, 1, 3, 3, 4, 4],
    );
  });

  it('step scaling in its cooldown: the earlier increase counts (+2 then +3 adds 1)', () => {
    const spec = {
      alarmThresholdInvocationsPerInstance: 1000,
      steps: [
        { lower: 0, upper: 500, adjustment: 2 },
        { lower: 500, upper: null, adjustment: 3 },
      ],
      cooldownSeconds: 300,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    };
    const common = {
      spec,
      values: new Float64Array([1600]),
      lastIndex: 0,
      memory: { high: false, low: false },
      settings: DEFAULT_SIM_SETTINGS,
    };
    const cooldown = {
      lastScaleOutAtSeconds: 1000,
      lastScaleOutFromCapacity: 4,
      lastScaleOutToCapacity: 6,
      lastScaleInAtSeconds: null,
    };
    const inCooldown = stepScalingProposal({ ...common, currentCapacity: 6, nowSeconds: 1100, cooldown });
    assert.equal(typeof inCooldown === 'object' && inCooldown?.desiredCapacity, 7);
    const after = stepScalingProposal({
      ...common,
      memory: { high: false, low: false },
      currentCapacity: 6,
      nowSeconds: 1300,
      cooldown,
    });
    assert.equal(typeof after === 'object' && after?.desiredCapacity, 9);
  });

  it('combining: largest out wins; in needs every voter; clamps', () => {
    const p = (
      policy: 'invocationsTargetTracking' | 'cpuTargetTracking',
      direction: 'out' | 'in',
      desiredCapacity: number,
    ) => ({ policy, direction, desiredCapacity, reason: '' });
    const voters = ['invocationsTargetTracking', 'cpuTargetTracking'] as const;
    const out = combineProposals(
      [p('invocationsTargetTracking', 'out', 5), p('cpuTargetTracking', 'in', 2)],
      [...voters],
      4,
      1,
      10,
    );
    assert.equal(typeof out === 'object' && out?.desiredCapacity, 5);
    assert.equal(
      combineProposals([p('invocationsTargetTracking', 'in', 2)], [...voters], 4, 1, 10),
      'notAllPoliciesAgree',
    );
    const both = combineProposals(
      [p('invocationsTargetTracking', 'in', 3), p('cpuTargetTracking', 'in', 2)],
      [...voters],
      4,
      1,
      10,
    );
    assert.equal(typeof both === 'object' && both?.desiredCapacity, 3);
    const clamped = combineProposals([p('invocationsTargetTracking', 'out', 50)], [...voters], 4, 1, 10);
    assert.equal(typeof clamped === 'object' && clamped?.desiredCapacity, 10);
    assert.equal(
      combineProposals([p('invocationsTargetTracking', 'out', 12)], [...voters], 10, 1, 10),
      'alreadyAtMax',
    );
  });
});

describe('results', () => {
  it('oracle: max(1, ceil(demand / target)) instances a minute', () => {
    assert.equal(oracleInstanceHours(new Float64Array([0, 900, 2100, 3000]), 1000), (1 + 1 + 3 + 3) / 60);
  });

  it('a static fleet: instance-hours, cost, percentiles and the oracle', () => {
    // 2 instances for 1 h at 3000/min in total (1500 each: latency knots 6.25/12.5/25/37.5/50 ms).
    const r = simulate({
      policySet: policies({ minCapacity: 2, maxCapacity: 2, invocationsTargetTracking: undefined }),
      analysis: ANALYSIS,
      traffic: constantTraffic({ rps: 50, durationSeconds: 3600, stepSeconds: 10 }),
      latencySloMs: 25,
      oracleTargetInvocationsPerInstance: 3000,
    });
    const s = r.summary;
    assert.equal(s.instanceHours, 2);
    // ml.c5.large at the table's 0.102 USD per instance-hour.
    assert.ok(Math.abs(s.costUsd - 2 * 0.102) < 1e-12);
    assert.equal(s.oracleInstanceHours, 1);
    assert.equal(s.maxInvocationsPerMinute, 3000);
    assert.ok(Math.abs(s.sloAttainment - 0.95) < 1e-9, `${s.sloAttainment}`);
    assert.ok(Math.abs(s.p50LatencyMs - 12.5) < 0.05 && Math.abs(s.p95LatencyMs - 25) < 0.05);
    assert.equal(s.errorCount, 0);
  });
});
