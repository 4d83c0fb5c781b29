/**
 * The evaluation's traffic patterns in the core: STAIRS users over time (shared/core/load/stairs.ts)
 * with boundary rows at every step edge, the replay's window, rescale and rate (replay.ts), the
 * pattern a request chooses (pattern.ts), and the request schema's refusals of a pattern that
 * cannot run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { closedLoopUsers, evaluationTrafficPattern } from '../../../shared/core/load/pattern';
import { usersInPhasesAt } from '../../../shared/core/load/phases';
import { usersAt } from '../../../shared/core/load/profile';
import { replayDurationSeconds, replayRateAt, replayTraffic } from '../../../shared/core/load/replay';
import {
  peakStairsUsers,
  stairsProblems,
  toIrStairs,
  usersInStairsAt,
} from '../../../shared/core/load/stairs';
import { awsRequestLimitProblems, ScalingRequestSchema } from '../../../shared/core/request';
import { countsTraffic, stairsTraffic } from '../../../shared/core/sim/traffic';

const STAIRS = { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 };

describe('usersInStairsAt: usersPerStep x (step + 1), steps of durationSeconds / numberOfSteps', () => {
  const cases = [
    { name: 'before the start', t: -0.001, users: 0 },
    { name: 'the first step already has usersPerStep', t: 0, users: 2 },
    { name: 'boundary: 119.999 s is still step 1 of 120 s', t: 119.999, users: 2 },
    { name: 'boundary: 120 s starts step 2', t: 120, users: 4 },
    { name: '250 s -> step floor(250 / 120) + 1 = 3 -> 6 users', t: 250, users: 6 },
    { name: 'boundary: the last instant is the last step', t: 599.999, users: 10 },
    { name: 'boundary: over at durationSeconds', t: 600, users: 0 },
    { name: 'long after', t: 1e6, users: 0 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(usersInStairsAt(STAIRS, c.t), c.users));

  it('a step that does not divide the duration evenly: 100 s in 3 steps of 33.3 s', () => {
    const stairs = { durationSeconds: 100, numberOfSteps: 3, usersPerStep: 1 };
    assert.deepEqual(
      [0, 33.33, 33.34, 66.66, 66.67, 99.99].map((t) => usersInStairsAt(stairs, t)),
      [1, 1, 2, 2, 3, 3],
    );
  });

  it('property: within 1..peak while running, never decreasing, and 0 once over', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 18000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        (durationSeconds, numberOfSteps, usersPerStep, a, b) => {
          const stairs = { durationSeconds, numberOfSteps, usersPerStep };
          const [early, late] = [Math.min(a, b), Math.max(a, b)].map((f) => f * durationSeconds);
          const usersEarly = usersInStairsAt(stairs, early!);
          const usersLate = usersInStairsAt(stairs, late!);
          return (
            usersEarly >= usersPerStep &&
            usersLate <= peakStairsUsers(stairs) &&
            usersEarly <= usersLate &&
            usersInStairsAt(stairs, durationSeconds) === 0
          );
        },
      ),
    );
  });

  it('the load generator and the twin follow the same function', () => {
    const profile = { kind: 'stairs' as const, ...STAIRS };
    const twin = stairsTraffic({ ...STAIRS, stepSeconds: 10 });
    for (let t = 0; t < 600; t += 10) {
      assert.equal(usersAt(profile, t), usersInStairsAt(STAIRS, t), `profile at ${t} s`);
      assert.equal(twin.users[t / 10], usersInStairsAt(STAIRS, t), `twin at ${t} s`);
    }
  });

  it("IR's names, and the API's bounds as problems", () => {
    assert.deepEqual(toIrStairs(STAIRS), { DurationInSeconds: 600, NumberOfSteps: 5, UsersPerStep: 2 });
    assert.deepEqual(stairsProblems(STAIRS), []);
    assert.deepEqual(stairsProblems({ durationSeconds: 0.5, numberOfSteps: 0, usersPerStep: 4 }), [
      'stairs.durationSeconds must be a whole number >= 1, got 0.5',
      'stairs.numberOfSteps must be a whole number >= 1, got 0',
      'stairs.usersPerStep must be a whole number from 1 to 3, got 4',
    ]);
  });
});

describe('replay: the window of the trace, rescaled to maxRps, cut at the job', () => {
  // Three minutes of a per-minute trace starting 1998-06-10T12:00:00Z.
  const start = Date.UTC(1998, 5, 10, 12) / 1000;
  const trace = countsTraffic([600, 1200, 300], { stepSeconds: 60, startEpochSeconds: start });
  const replay = { traceFile: 'day.csv', peakRps: 10 };

  it('rescales the busiest minute to maxRps x 60 and keeps the shape', () => {
    assert.deepEqual([...replayTraffic(trace, replay, 7200).requests], [300, 600, 150]);
  });
  it('a window: start and minutes', () => {
    const window = replayTraffic(trace, { ...replay, start: '1998-06-10T12:01', minutes: 2 }, 7200);
    assert.deepEqual([...window.requests], [600, 150]);
  });
  it('boundary: cut at the job duration (2 minutes of 3)', () => {
    assert.equal(replayDurationSeconds(replayTraffic(trace, replay, 120)), 120);
    assert.equal(replayDurationSeconds(replayTraffic(trace, replay, 180)), 180);
  });
  it('rate per second, held through each step, 0 outside', () => {
    const traffic = replayTraffic(trace, replay, 7200);
    assert.deepEqual(
      [-1, 0, 59.99, 60, 120, 179.99, 180].map((t) => replayRateAt(traffic, t)),
      [0, 5, 5, 10, 2.5, 2.5, 0],
    );
  });
  it('refuses a window with nothing in it, naming the trace', () => {
    assert.throws(() => replayTraffic(trace, { ...replay, start: '1998-06-11T00:00Z' }, 7200), {
      name: 'InvalidInputError',
      message: 'evaluation.replay day.csv: the window holds no period of the trace',
    });
    assert.throws(() => replayTraffic(countsTraffic([0, 0], { stepSeconds: 60 }), replay, 7200), {
      name: 'InvalidInputError',
      message: 'evaluation.replay day.csv: the trace has no request to rescale',
    });
  });
});

describe('the pattern of a request', () => {
  it('PHASES: no pattern, the phases as before', () => {
    assert.equal(evaluationTrafficPattern({ trafficType: 'PHASES' }, 500), undefined);
    const phases = [{ initialUsers: 1, spawnRatePerMinute: 3, durationSeconds: 600 }];
    const users = closedLoopUsers(phases);
    assert.equal(users?.durationSeconds, 600);
    assert.equal(users?.peakUsers, 31);
    assert.equal(users?.usersAt(120), usersInPhasesAt(phases, 120));
  });
  it('STAIRS: its users and peak', () => {
    const pattern = evaluationTrafficPattern({ trafficType: 'STAIRS', stairs: STAIRS }, 500);
    assert.deepEqual(pattern, { trafficType: 'STAIRS', stairs: STAIRS });
    const users = closedLoopUsers([], pattern);
    assert.equal(users?.peakUsers, 10);
    assert.equal(users?.durationSeconds, 600);
    assert.equal(users?.usersAt(250), 6);
  });
  it('replay: open loop, rescaled to maxRps', () => {
    const pattern = evaluationTrafficPattern({ trafficType: 'PHASES', replay: { traceFile: 'a.csv' } }, 42);
    assert.deepEqual(pattern, { trafficType: 'REPLAY', replay: { traceFile: 'a.csv', peakRps: 42 } });
    assert.equal(closedLoopUsers([], pattern), undefined);
  });
});

describe('request schema: evaluation.trafficType, stairs and replay', () => {
  const base = {
    model: { kind: 'local', demo: true },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500 },
    latencySlo: { ms: 100 },
  };
  const parse = (evaluation: unknown) => ScalingRequestSchema.safeParse({ ...base, evaluation });
  const refusal = (evaluation: unknown) => {
    const parsed = parse(evaluation);
    assert.equal(parsed.success, false, 'expected a refusal');
    return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };

  it('default PHASES, unchanged', () => {
    assert.equal(parse({}).data?.evaluation.trafficType, 'PHASES');
  });
  it('STAIRS with its stairs; the phase fields are not checked against the job', () => {
    const parsed = parse({ trafficType: 'STAIRS', stairs: STAIRS, jobDurationSeconds: 1200 });
    assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
  });
  it('boundary: stairs of exactly jobDurationSeconds run; one second more is refused', () => {
    assert.equal(
      parse({ trafficType: 'STAIRS', stairs: { ...STAIRS, durationSeconds: 1200 }, jobDurationSeconds: 1200 })
        .success,
      true,
    );
    assert.equal(
      refusal({
        trafficType: 'STAIRS',
        stairs: { ...STAIRS, durationSeconds: 1201 },
        jobDurationSeconds: 1200,
      }),
      'evaluation.stairs.durationSeconds: 1201 s of stairs exceed evaluation.jobDurationSeconds 1200 s: the stairs must fit in the job',
    );
  });
  const refusals = [
    {
      name: 'STAIRS without stairs',
      evaluation: { trafficType: 'STAIRS' },
      message:
        /evaluation\.stairs: trafficType "STAIRS" needs evaluation\.stairs \{ durationSeconds, numberOfSteps, usersPerStep \}/,
    },
    {
      name: 'stairs with PHASES',
      evaluation: { stairs: STAIRS },
      message:
        /evaluation\.trafficType: evaluation\.stairs is only read with trafficType "STAIRS" \(got "PHASES"\)/,
    },
    {
      name: 'boundary: UsersPerStep 4 (the API allows 1..3)',
      evaluation: { trafficType: 'STAIRS', stairs: { ...STAIRS, usersPerStep: 4 } },
      message: /evaluation\.stairs\.usersPerStep: .*3/,
    },
    {
      name: 'boundary: NumberOfSteps 0',
      evaluation: { trafficType: 'STAIRS', stairs: { ...STAIRS, numberOfSteps: 0 } },
      message: /evaluation\.stairs\.numberOfSteps/,
    },
    {
      name: 'a fractional DurationInSeconds',
      evaluation: { trafficType: 'STAIRS', stairs: { ...STAIRS, durationSeconds: 600.5 } },
      message: /evaluation\.stairs\.durationSeconds/,
    },
    {
      name: 'an unknown stairs field',
      evaluation: { trafficType: 'STAIRS', stairs: { ...STAIRS, UsersPerStep: 2 } },
      message: /UsersPerStep/,
    },
    {
      name: 'a replay with STAIRS',
      evaluation: { trafficType: 'STAIRS', stairs: STAIRS, replay: { traceFile: 'a.csv' } },
      message: /evaluation\.replay: an open-loop replay replaces the closed-loop users/,
    },
    {
      name: 'a replay with an unreadable start',
      evaluation: { replay: { traceFile: 'a.csv', start: 'noon' } },
      message: /evaluation\.replay\.start: an ISO 8601 time/,
    },
    {
      name: 'a replay with an unknown format',
      evaluation: { replay: { traceFile: 'a.csv', format: 'parquet' } },
      message: /evaluation\.replay\.format/,
    },
    {
      name: 'a replay with an empty file name',
      evaluation: { replay: { traceFile: '' } },
      message: /evaluation\.replay\.traceFile/,
    },
  ];
  for (const c of refusals) it(`refuses ${c.name}`, () => assert.match(refusal(c.evaluation), c.message));

  it('a replay skips the phases-in-the-job check (the replay is cut at the job instead)', () => {
    assert.equal(
      parse({ replay: { traceFile: 'a.csv' }, durationSeconds: 3600, jobDurationSeconds: 1200 }).success,
      true,
    );
  });

  it('on AWS a replay is refused with the reason and what to do', () => {
    const request = ScalingRequestSchema.parse({
      ...base,
      model: {
        kind: 'modelPackage',
        modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1',
      },
      evaluation: { replay: { traceFile: 'day.csv' } },
    });
    assert.deepEqual(awsRequestLimitProblems(request), [
      "evaluation.replay (day.csv) runs on the local endpoint only: Inference Recommender's Advanced job offers TrafficType PHASES or STAIRS, not a trace; on AWS remove evaluation.replay and give phases or stairs",
    ]);
    const stairs = ScalingRequestSchema.parse({
      ...base,
      model: request.model,
      evaluation: { trafficType: 'STAIRS', stairs: STAIRS },
    });
    assert.deepEqual(awsRequestLimitProblems(stairs), []);
  });
});
