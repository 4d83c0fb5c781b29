/**
 * The load profile (shared/core/load/profile.ts): closed-loop users over time in phases and
 * stairs, the open-loop schedule, the paced default's arithmetic and the profile's checks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../shared/core/errors';
import {
  defaultLocalProfile,
  type LoadProfile,
  PACED_OFFER_OVER_PROBE,
  pacedUsersToReachProbeRate,
  peakUsersOf,
  rateAt,
  requestsDueBy,
  usersAt,
  validateLoadProfile,
} from '../../../shared/core/load/profile';
import { DEFAULT_STOP_RULE } from '../../../shared/core/load/stop-rule';

describe('Inference Recommender user model', () => {
  const phases: LoadProfile = {
    kind: 'phases',
    phases: [
      { initialUsers: 1, spawnRatePerMinute: 6, durationSeconds: 120 },
      { initialUsers: 3, spawnRatePerMinute: 0, durationSeconds: 60 },
    ],
  };
  const stairs: LoadProfile = { kind: 'stairs', durationSeconds: 60, numberOfSteps: 12, usersPerStep: 2 };
  const cases = [
    { name: 'phases: start with the initial users', profile: phases, t: 0, users: 1 },
    { name: 'phases: 9.99 s at 6/min is still 1 user (boundary)', profile: phases, t: 9.99, users: 1 },
    { name: 'phases: 10 s at 6/min spawns the second user (boundary)', profile: phases, t: 10, users: 2 },
    { name: 'phases: 25 s -> 1 + floor(6 x 25 / 60) = 3', profile: phases, t: 25, users: 3 },
    {
      name: 'phases: last instant of phase 1 -> 1 + floor(6 x 119.9 / 60) = 12',
      profile: phases,
      t: 119.9,
      users: 12,
    },
    { name: 'phases: phase 2 starts at its own initial users', profile: phases, t: 120, users: 3 },
    { name: 'phases: over after 180 s', profile: phases, t: 180, users: 0 },
    { name: 'stairs: first step has usersPerStep', profile: stairs, t: 0, users: 2 },
    { name: 'stairs: 4.99 s still step 1 (boundary)', profile: stairs, t: 4.99, users: 2 },
    { name: 'stairs: 5 s is step 2 (boundary)', profile: stairs, t: 5, users: 4 },
    { name: 'stairs: 12 s -> step 3 -> 6 users', profile: stairs, t: 12, users: 6 },
    { name: 'stairs: last step -> 24 users', profile: stairs, t: 59.9, users: 24 },
    { name: 'stairs: over at 60 s', profile: stairs, t: 60, users: 0 },
    { name: 'before the start', profile: stairs, t: -1, users: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(usersAt(c.profile, c.t), c.users));
  }

  it('defaultLocalProfile: one more user per period over the run', () => {
    assert.deepEqual(defaultLocalProfile(5, 60), {
      kind: 'stairs',
      durationSeconds: 60,
      numberOfSteps: 12,
      usersPerStep: 1,
    });
    assert.deepEqual(defaultLocalProfile(5, 62), {
      kind: 'stairs',
      durationSeconds: 60,
      numberOfSteps: 12,
      usersPerStep: 1,
    });
    assert.deepEqual(defaultLocalProfile(10, 5), {
      kind: 'stairs',
      durationSeconds: 10,
      numberOfSteps: 1,
      usersPerStep: 1,
    });
  });

  it('property: within one phase, users never decrease and stay >= initialUsers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.double({ min: 0, max: 599, noNaN: true }),
        fc.double({ min: 0, max: 599, noNaN: true }),
        (initialUsers, spawnRatePerMinute, a, b) => {
          const profile: LoadProfile = {
            kind: 'phases',
            phases: [{ initialUsers, spawnRatePerMinute, durationSeconds: 600 }],
          };
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return usersAt(profile, lo) <= usersAt(profile, hi) && usersAt(profile, lo) >= initialUsers;
        },
      ),
    );
  });
});

describe('open-loop schedule', () => {
  const ramp: LoadProfile = {
    kind: 'openLoop',
    requestsPerSecond: 100,
    rampRequestsPerSecond: 50,
    rampEverySeconds: 10,
    durationSeconds: 60,
  };
  const constant: LoadProfile = { kind: 'openLoop', requestsPerSecond: 200, durationSeconds: 3 };
  const cases = [
    { name: 'rate at start', profile: ramp, t: 0, rate: 100, due: 0 },
    { name: '9.99 s: still the first step (boundary)', profile: ramp, t: 9.99, rate: 100, due: 999 },
    { name: '10 s: second step (boundary)', profile: ramp, t: 10, rate: 150, due: 1000 },
    { name: '15 s: 100 x 10 + 150 x 5 = 1750 due', profile: ramp, t: 15, rate: 150, due: 1750 },
    { name: 'constant rate, 1.5 s -> 300 due', profile: constant, t: 1.5, rate: 200, due: 300 },
    { name: 'constant rate stops at its duration', profile: constant, t: 5, rate: 0, due: 600 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(rateAt(c.profile, c.t), c.rate);
      assert.equal(requestsDueBy(c.profile, c.t), c.due);
    });
  }
  it('property: requests due never decrease with time', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 70, noNaN: true }),
        fc.double({ min: 0, max: 70, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          return requestsDueBy(ramp, lo) <= requestsDueBy(ramp, hi);
        },
      ),
    );
  });
  const invalid = [
    {
      name: 'no phases',
      profile: { kind: 'phases', phases: [] } as LoadProfile,
      message: /phases must not be empty/,
    },
    {
      name: 'zero initial users',
      profile: {
        kind: 'phases',
        phases: [{ initialUsers: 0, spawnRatePerMinute: 1, durationSeconds: 10 }],
      } as LoadProfile,
      message: /load profile: phase 1: initialUsers must be a whole number >= 1, got 0/,
    },
    {
      name: 'zero steps',
      profile: { kind: 'stairs', durationSeconds: 10, numberOfSteps: 0, usersPerStep: 1 } as LoadProfile,
      message: /numberOfSteps/,
    },
    {
      name: 'zero rate',
      profile: { kind: 'openLoop', requestsPerSecond: 0, durationSeconds: 10 } as LoadProfile,
      message: /requestsPerSecond > 0/,
    },
  ];
  for (const c of invalid) {
    it(`refuses a profile with ${c.name}`, () => {
      assert.throws(
        () => validateLoadProfile(c.profile),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInputError);
          assert.match(error.message, c.message);
          return true;
        },
      );
    });
  }
});

describe('paced stairs sized to reach a plateau', () => {
  const cases = [
    { name: '7 steps (the default 75 s of 10 s periods)', steps: 7, users: 8 / 3 },
    { name: '9 steps: thirds of the probe (the most)', steps: 9, users: 3 },
    { name: '20 steps: still thirds', steps: 20, users: 3 },
    { name: '6 steps', steps: 6, users: 2 },
    { name: '5 steps', steps: 5, users: 4 / 3 },
    { name: '4 steps: at least 1', steps: 4, users: 1 },
    { name: '1 step: at least 1', steps: 1, users: 1 },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.users.toFixed(3)} users reach the probe rate`, () => {
      const users = pacedUsersToReachProbeRate(c.steps, DEFAULT_STOP_RULE.plateauPeriods, 3);
      assert.ok(Math.abs(users - c.users) < 1e-12, `${users}`);
      // The step that leaves 3 periods to confirm a plateau offers 1.5 x the probe's rate (more
      // when the rise is capped at thirds), so the server saturates while there is time to see it.
      const confirmStep = c.steps - DEFAULT_STOP_RULE.plateauPeriods;
      if (users > 1 && users < 3) assert.ok(Math.abs(confirmStep / users - PACED_OFFER_OVER_PROBE) < 1e-12);
      if (users === 3) assert.ok(confirmStep / users >= PACED_OFFER_OVER_PROBE);
    });
  }
});

describe('peak users: the connections a closed-loop run opens', () => {
  const cases = [
    {
      name: 'stairs of 2 per step, 30 s of 60: step 6 -> 12',
      profile: { kind: 'stairs', durationSeconds: 60, numberOfSteps: 12, usersPerStep: 2 } as LoadProfile,
      runSeconds: 30,
      users: 12,
    },
    {
      name: 'phases: the most of any phase, not the last',
      profile: {
        kind: 'phases',
        phases: [
          { initialUsers: 1, spawnRatePerMinute: 6, durationSeconds: 120 },
          { initialUsers: 3, spawnRatePerMinute: 0, durationSeconds: 60 },
        ],
      } as LoadProfile,
      runSeconds: 180,
      users: 12,
    },
    {
      name: 'a run shorter than a sample still opens one connection (boundary)',
      profile: { kind: 'stairs', durationSeconds: 10, numberOfSteps: 1, usersPerStep: 1 } as LoadProfile,
      runSeconds: 0.1,
      users: 1,
    },
    {
      name: 'open loop: no users',
      profile: { kind: 'openLoop', requestsPerSecond: 10, durationSeconds: 10 } as LoadProfile,
      runSeconds: 10,
      users: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(peakUsersOf(c.profile, c.runSeconds), c.users));
  }
});
