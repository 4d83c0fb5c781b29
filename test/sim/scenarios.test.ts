/**
 * Scenarios worked out by hand from the AWS rules. Times are seconds from the start of the traffic
 * (epoch 0); steps of 10 s; a minute's datapoint is published 60 s after the minute ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { simulate } from '../../shared/core/sim/results';
import { searchCandidates } from '../../shared/core/sim/search';
import { countsTraffic } from '../../shared/core/sim/traffic';
import type { PolicySet } from '../../shared/core/types';
import { ANALYSIS, minutesOf, policies, tt } from './fixtures';

function run(policySet: PolicySet, counts: number[], extra: Partial<Parameters<typeof simulate>[0]> = {}) {
  return simulate({
    policySet,
    analysis: ANALYSIS,
    traffic: countsTraffic(counts, { stepSeconds: 60 }),
    latencySloMs: 100,
    ...extra,
  });
}

const brief = (r: ReturnType<typeof run>) =>
  r.activities.map((a) => [a.epochSeconds, a.fromCapacity, a.toCapacity, a.cause] as const);

describe('a step in load', () => {
  // 1200/min for 10 minutes, then 4800/min on one instance: minutes 10, 11, 12 are above 3000;
  // minute 12 ends at 780 s and is published at 780 + delay; ceil(1 x 4800 / 3000) = 2.
  const cases = [
    { name: 'default delay 60 s', delay: 60, load: 4800, firstAt: 840 },
    { name: 'no delay', delay: 0, load: 4800, firstAt: 780 },
    { name: 'delay 120 s', delay: 120, load: 4800, firstAt: 900 },
    { name: 'boundary: exactly at the target never alarms (> target)', delay: 60, load: 3000, firstAt: null },
    { name: 'boundary: one above the target alarms', delay: 60, load: 3001, firstAt: 840 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(policies(), minutesOf([10, 1200], [20, c.load]), {
        settings: { metricDelaySeconds: c.delay },
      });
      const first = r.activities[0];
      if (c.firstAt === null) {
        assert.equal(r.activities.length, 0);
        return;
      }
      assert.deepEqual([first?.epochSeconds, first?.fromCapacity, first?.toCapacity], [c.firstAt, 1, 2]);
      // InService a start-up time (240 s) later: the minute starting at firstAt + 240 has 2 instances.
      const inService = r.state.minutes.inServiceInstances;
      assert.equal(inService[(c.firstAt + 240) / 60], 2);
      assert.equal(inService[(c.firstAt + 240) / 60 - 1], 1);
    });
  }
});

describe('the scale-out cooldown', () => {
  // 1 instance, target 3000, 1200/min for 10 minutes then 4800/min (the step above). The first
  // scale-out is at 840 s: ceil(1 x 4800 / 3000) = 2. Start-up 240 s: Updating until 1080 s.
  // Datapoints of minutes up to 17 ([1020, 1080) s, published at 1140 s) were measured on ONE
  // instance (4800 each); minute 18 on two (2400 each, no alarm).
  // During the scale-out cooldown the base of the proportional rule is the fleet the datapoint was
  // measured on (scaleOutCapacityBase 'datapointDuringCooldown'): ceil(1 x 4800 / 3000) = 2, not
  // larger than the 2 the initiating scale-out set -> blocked. After it, the base is the desired
  // capacity: ceil(2 x 4800 / 3000) = ceil(3.2) = 4.
  const counts = minutesOf([10, 1200], [20, 4800]);
  const cases = [
    {
      // cooldown to 1140 s: blocked at 900, 960, 1020 (also Updating) and 1080 s; at 1140 s the
      // cooldown is over and minute 17 (one instance) gives 4 although 2 suffice: a cooldown
      // shorter than start-up + publication takes no effect, as AWS warns for SageMaker.
      name: 'cooldown 300 s from the decision: the lagged datapoint scales out again at 1140 s',
      outCooldown: 300,
      settings: {},
      activities: [
        [840, 1, 2],
        [1140, 2, 4],
      ],
      blocked: 4,
    },
    {
      // cooldown to 1260 s: blocked at 900..1140 s (5 evaluations); at 1200 s minute 18 (two
      // instances, 2400 each) is not above the target.
      name: 'cooldown 420 s: lasts until the datapoints see the new instance; no second scale-out',
      outCooldown: 420,
      settings: {},
      activities: [[840, 1, 2]],
      blocked: 5,
    },
    {
      // cooldown from InService (1080 s) to 1380 s: blocked at 900..1140 s; no alarm from 1200 s.
      name: 'cooldown 300 s from the completion (cooldownStartsAt completion): no second scale-out',
      outCooldown: 300,
      settings: { cooldownStartsAt: 'completion' as const },
      activities: [[840, 1, 2]],
      blocked: 5,
    },
    {
      // cooldown over at 850 s: at 900..1020 s ceil(2 x 4800 / 3000) = 4 waits for the update; at
      // 1080 s minute 16 (one instance) -> 4.
      name: 'cooldown 10 s: the lagged datapoints scale out as soon as the endpoint is free',
      outCooldown: 10,
      settings: {},
      activities: [
        [840, 1, 2],
        [1080, 2, 4],
      ],
      blocked: 0,
    },
    {
      // the earlier rule (base = desired capacity): at 1080 s ceil(2 x 4800 / 3000) = 4 > 2 passes.
      name: "scaleOutCapacityBase 'desiredCapacity': the cooldown lets the lagged datapoint through",
      outCooldown: 300,
      settings: { scaleOutCapacityBase: 'desiredCapacity' as const },
      activities: [
        [840, 1, 2],
        [1080, 2, 4],
      ],
      blocked: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = run(policies({ invocationsTargetTracking: tt(3000, c.outCooldown, 300) }), counts, {
        settings: c.settings,
      });
      assert.deepEqual(
        r.activities.map((a) => [a.epochSeconds, a.fromCapacity, a.toCapacity]),
        c.activities,
      );
      assert.equal(r.notScaled.scaleOutCooldown ?? 0, c.blocked);
    });
  }

  it('blocks an equal or smaller scale-out and lets a larger one through', () => {
    // Target 1500 (loads stay under one instance's 6000/min, so nothing queues). Start-up 60 s so
    // the endpoint is free during the 600 s cooldown. 4500/min from minute 10: minute 12 published
    // at 840 s -> ceil(1 x 4500 / 1500) = 3; InService at 900 s; cooldown to 1440 s.
    // 900 s: minute 13 (one instance, 4500) -> ceil(1 x 4500 / 1500) = 3, equal -> blocked.
    // 960 s: minute 14 (one instance, 2500 from minute 14) -> ceil(1 x 2500 / 1500) = 2, smaller -> blocked.
    // 1020 s: minute 15 (three instances, 2500 / 3 = 833) is not above: the alarm is OK.
    // 7500/min from minute 18: 2500 per instance on 3; minute 20 published at 1320 s, in the
    // cooldown: ceil(3 x 2500 / 1500) = 5 > 3 -> scale out to 5 (the cooldown restarts, to 1920 s).
    // 1380 s and 1440 s: minutes 21 and 22 measured on three instances -> 5, equal -> blocked.
    // 1500 s: minute 23 measured on five (1500 each) is not above the target.
    const r = run(
      policies({ invocationsTargetTracking: tt(1500, 600, 300) }),
      minutesOf([10, 1200], [4, 4500], [4, 2500], [12, 7500]),
      { settings: { startupSeconds: 60 } },
    );
    assert.deepEqual(brief(r), [
      [840, 1, 3, 'invocationsTargetTracking'],
      [1320, 3, 5, 'invocationsTargetTracking'],
    ]);
    assert.equal(r.notScaled.scaleOutCooldown, 4);
  });

  it("the search's scale-out cooldown dimension changes the activities", () => {
    // Target 25% of the 6000 peak = 1500; 4500/min from minute 10 on one instance, start-up 240 s:
    // 1 -> 3 at 840 s (ceil(1 x 4500 / 1500)), InService at 1080 s.
    // Cooldown 60 s: at 1080 s ceil(3 x 4500 / 1500) = 9 from minute 16 (measured on one instance).
    // Cooldown 600 s: blocked at 900..1140 s (ceil(1 x 4500 / 1500) = 3, equal); minute 18 is
    // measured on three instances (1500 each) and does not alarm.
    const candidates = searchCandidates({
      analysis: ANALYSIS,
      base: policies(),
      scenarios: [],
      latencySloMs: 100,
      grid: {
        targetSharesOfPeak: [0.25],
        scaleOutCooldownSeconds: [60, 600],
        scaleInCooldownSeconds: [300],
        stepThresholdsOverTarget: [null],
        minCapacityOffsets: [0],
        maxCapacityOffsets: [0],
        concurrencySharesOfPeak: [null],
      },
    });
    const activities = candidates.map((c) =>
      run(c.policySet, minutesOf([10, 1200], [20, 4500])).activities.map((a) => [
        a.epochSeconds,
        a.fromCapacity,
        a.toCapacity,
      ]),
    );
    assert.deepEqual(activities, [
      [
        [840, 1, 3],
        [1080, 3, 9],
      ],
      [[840, 1, 3]],
    ]);
  });
});

describe('a drop in load', () => {
  // 4 instances at 11,400/min (2850 each: between 0.9 x 3000 and 3000, no alarm) for 10 minutes,
  // then 4000/min (1000 each). Low datapoints are minutes 10..24; minute 24 is published at
  // 25 x 60 + 60 = 1560 s -> ceil(4 x 1000 / 3000) = 2.
  const base = (scaleInCooldownSeconds: number) =>
    policies({ invocationsTargetTracking: tt(3000, 60, scaleInCooldownSeconds) });

  it('no scale-in before 15 low datapoints; then the scale-in cooldown holds the lagged datapoints back', () => {
    const r = run(base(600), minutesOf([10, 11400], [30, 4000]), { initialInstances: 4 });
    assert.deepEqual(brief(r), [[1560, 4, 2, 'invocationsTargetTracking']]);
    // At 1620 and 1680 s the datapoints are still those of 4 instances (1000 each): ceil(2 x 1000 / 3000) = 1, blocked.
    assert.equal(r.notScaled.scaleInCooldown, 2);
  });

  it('without a scale-in cooldown the lagged datapoints scale in again at once', () => {
    const r = run(base(0), minutesOf([10, 11400], [30, 4000]), { initialInstances: 4 });
    assert.deepEqual(brief(r).slice(0, 2), [
      [1560, 4, 2, 'invocationsTargetTracking'],
      [1620, 2, 1, 'invocationsTargetTracking'],
    ]);
  });

  it('boundary: 14 low datapoints do not scale in', () => {
    const r = run(base(600), minutesOf([10, 11400], [14, 4000], [20, 11400]), { initialInstances: 4 });
    assert.equal(r.activities.length, 0);
  });

  it('a scale-out during the scale-in cooldown happens at once and cancels it', () => {
    // After the scale-in at 1560 s (cooldown until 2160 s), 8000/min from minute 30: 4000 per
    // instance on 2. Minutes 30..32 breach; minute 32 is published at 2040 s: ceil(2 x 4000 / 3000) = 3.
    const r = run(base(600), minutesOf([10, 11400], [20, 4000], [10, 8000]), { initialInstances: 4 });
    assert.deepEqual(brief(r).slice(0, 2), [
      [1560, 4, 2, 'invocationsTargetTracking'],
      [2040, 2, 3, 'invocationsTargetTracking'],
    ]);
    assert.equal(r.state.cooldown.lastScaleInAtSeconds, null);
  });
});

describe('two policies', () => {
  // CPU = 0.025 x per-instance invocations per minute + 5.
  it('invocations low but CPU not low: no scale-in (all must agree)', () => {
    // 4 x 1000/min: invocations 1000 < 2700; CPU 30 vs target 30 (low threshold 27): not low.
    const r = run(policies({ cpuTargetTracking: tt(30) }), minutesOf([30, 4000]), { initialInstances: 4 });
    assert.equal(r.activities.length, 0);
    assert.ok((r.notScaled.notAllPoliciesAgree ?? 0) > 0);
  });

  it('both low: scale in to the larger of the two capacities', () => {
    // CPU 30 vs target 50 (low 45): ceil(4 x 30 / 50) = 3; invocations ceil(4 x 1000 / 3000) = 2 -> 3.
    // The 15th low minute (14) is published at 960 s. The activity names the policy whose
    // capacity won: CPU's.
    const r = run(policies({ cpuTargetTracking: tt(50) }), minutesOf([30, 4000]), { initialInstances: 4 });
    assert.deepEqual(brief(r)[0], [960, 4, 3, 'cpuTargetTracking']);
  });

  it('both high: the larger scale-out wins', () => {
    // 1 instance at 4800/min: invocations ceil(4800 / 3000) = 2; CPU 125 vs 50 -> ceil(125 / 50) = 3.
    const r = run(policies({ cpuTargetTracking: tt(50) }), minutesOf([20, 4800]));
    assert.deepEqual(brief(r)[0], [240, 1, 3, 'cpuTargetTracking']);
  });

  it('one wants out, the other in: scale out (any may)', () => {
    // 4 instances, CPU target 200 (low alarm below 180). 11,400/min for 20 minutes: 2850 per
    // instance, CPU 0.025 x 2850 + 5 = 76.25 < 180, invocations between 2700 and 3000 (no alarm).
    // CPU's low alarm holds from minute 14 (published at 960 s): it asks ceil(4 x 76.25 / 200) = 2,
    // but invocations does not agree -> notAllPoliciesAgree at 960, 1020, ..., 1380 s (8 times).
    // 14,400/min from minute 20: 3600 per instance, CPU 95 (still low). Minute 22 is published at
    // 1440 s: invocations asks ceil(4 x 3600 / 3000) = ceil(4.8) = 5, CPU asks ceil(4 x 95 / 200) = 2
    // -> the scale-out wins.
    const r = run(policies({ cpuTargetTracking: tt(200) }), minutesOf([20, 11400], [10, 14400]), {
      initialInstances: 4,
    });
    assert.equal(r.notScaled.notAllPoliciesAgree, 8);
    const cpu = Array.from(r.state.minutes.cpuUtilizationPercent.slice(8, 23));
    assert.ok(
      cpu.every((v) => v < 180),
      'CPU low for the 15 datapoints before 1440 s',
    );
    assert.deepEqual(brief(r)[0], [1440, 4, 5, 'invocationsTargetTracking']);
  });
});

describe('step scaling', () => {
  const step = (datapointsToAlarm: number, evaluationPeriods: number) =>
    policies({
      stepScaling: {
        alarmThresholdInvocationsPerInstance: 3500,
        steps: [
          { lower: 0, upper: 500, adjustment: 1 },
          { lower: 500, upper: null, adjustment: 3 },
        ],
        cooldownSeconds: 300,
        datapointsToAlarm,
        evaluationPeriods,
      },
    });
  const cases = [
    // 4800 - 3500 = 1300 -> +3; minute 10 published at 720 s.
    {
      name: '1 of 1 fires on the first minute above',
      policy: step(1, 1),
      counts: minutesOf([10, 1200], [20, 4800]),
      first: [720, 1, 4, 'stepScaling'],
    },
    {
      name: '2 of 3 fires one minute later',
      policy: step(2, 3),
      counts: minutesOf([10, 1200], [20, 4800]),
      first: [780, 1, 4, 'stepScaling'],
    },
    // 3700 - 3500 = 200 -> +1 (target tracking's 3 of 3 would come at 840 s)
    {
      name: 'the first step adds one',
      policy: step(1, 1),
      counts: minutesOf([10, 1200], [20, 3700]),
      first: [720, 1, 2, 'stepScaling'],
    },
    {
      name: 'boundary: at the threshold (>=) fires',
      policy: step(1, 1),
      counts: minutesOf([10, 1200], [20, 3500]),
      first: [720, 1, 2, 'stepScaling'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(brief(run(c.policy, c.counts))[0], c.first);
    });
  }
});

describe('scheduled actions', () => {
  it('raising MinCapacity scales out at once, lowering MaxCapacity scales in', () => {
    const r = run(
      policies({
        invocationsTargetTracking: undefined,
        scheduledActions: [
          { name: 'morning', schedule: 'cron(0 1 * * ? *)', minCapacity: 5 },
          { name: 'cap', schedule: 'at(1970-01-01T02:00:00)', maxCapacity: 2, minCapacity: 1 },
        ],
      }),
      minutesOf([180, 1200]),
    );
    assert.deepEqual(brief(r), [
      [3600, 1, 5, 'scheduledAction:morning'],
      [7200, 5, 2, 'scheduledAction:cap'],
    ]);
    assert.equal(r.state.minutes.inServiceInstances[64], 5);
  });

  it('an action that lands during an update applies when it ends, in its own name', () => {
    // 1 -> 2 at 840 s (the step in load above), Updating until 1080 s; 'cap' sets MaxCapacity 1 at
    // 900 s. At 1080 s the capacity moves into [1, 1]: the activity is the scheduled action's.
    const r = run(
      policies({
        scheduledActions: [{ name: 'cap', schedule: 'at(1970-01-01T00:15:00)', maxCapacity: 1 }],
      }),
      minutesOf([10, 1200], [20, 4800]),
    );
    assert.deepEqual(brief(r), [
      [840, 1, 2, 'invocationsTargetTracking'],
      [1080, 2, 1, 'scheduledAction:cap'],
    ]);
  });

  it('two actions due at the same minute move the capacity once, into their combined bounds', () => {
    // At 240 s 'raise' sets MinCapacity 2, then 'cap' sets Min 0 and Max 1: the bounds at 240 s are
    // [0, 1], so 1 instance is already inside them and nothing moves (not 1 -> 2 for 'raise').
    const r = run(
      policies({
        invocationsTargetTracking: undefined,
        scheduledActions: [
          { name: 'raise', schedule: 'at(1970-01-01T00:04:00)', minCapacity: 2 },
          { name: 'cap', schedule: 'at(1970-01-01T00:04:00)', minCapacity: 0, maxCapacity: 1 },
        ],
      }),
      minutesOf([20, 1200]),
    );
    assert.deepEqual(brief(r), []);
    assert.deepEqual([r.state.minCapacity, r.state.maxCapacity, r.state.desired], [0, 1, 1]);
  });
});

describe('overload and the invocation timeout', () => {
  it('requests that would wait more than 60 s are 5XX', () => {
    // 1 static instance serves 100 rps; 200 rps for 120 s in 10 s steps: the backlog grows by 1000
    // a step up to 100 rps x 60 s = 6000, then 1000 a step fail (steps 7..12).
    const r = run(policies({ maxCapacity: 1, invocationsTargetTracking: undefined }), [12000, 12000]);
    assert.equal(r.summary.requests, 24000);
    assert.equal(r.summary.answeredRequests, 12000);
    assert.equal(r.summary.errorCount, 6000);
    assert.equal(r.summary.unfinishedRequests, 6000);
    assert.equal(r.summary.instanceHours, 120 / 3600);
    assert.ok(r.summary.sloAttainment < 0.1);
  });
});
