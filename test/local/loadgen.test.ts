import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  cpuUtilizationPercent,
  DEFAULT_STOP_RULE,
  decideStop,
  defaultGeneratorCpus,
  defaultLocalProfile,
  invocationsUrlOf,
  type LoadProfile,
  memoryUtilizationPercent,
  PACED_OFFER_OVER_PROBE,
  type PeriodOutcome,
  pacedUsersToReachProbeRate,
  parseStatTicks,
  rateAt,
  requestsDueBy,
  sampleProcesses,
  stillRisingAtEnd,
  usersAt,
  validateLoadProfile,
} from '../../shared/adapters/local/loadgen';
import { InvalidInputError } from '../../shared/core/errors';

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
      message: /initialUsers >= 1/,
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

describe('stop rule: plateau or 1% errors', () => {
  const periods = (perSecond: number[], errors: number[] = []): PeriodOutcome[] =>
    perSecond.map((rate, i) => ({ invocations: rate * 5, errors: errors[i] ?? 0, coveredSeconds: 5 }));
  const cases = [
    { name: 'still rising', input: periods([100, 180, 200, 250]), stop: false, best: 3 },
    {
      name: 'flat for 3 periods after the best',
      input: periods([100, 180, 200, 205, 204, 206]),
      stop: true,
      reason: 'plateau',
      best: 2,
    },
    { name: 'flat for only 2 periods', input: periods([100, 180, 200, 205, 204]), stop: false, best: 2 },
    {
      name: '+5% exactly is not a new best (boundary)',
      input: periods([100, 200, 210, 210, 210]),
      stop: true,
      reason: 'plateau',
      best: 1,
    },
    {
      name: '+5.1% is a new best (boundary)',
      input: periods([100, 200, 210.2, 210, 210]),
      stop: false,
      best: 2,
    },
    {
      name: 'never stop on a plateau before 4 periods',
      input: periods([100, 100, 100]),
      stop: false,
      best: 0,
    },
    {
      name: 'a fall counts as flat',
      input: periods([300, 200, 100, 50]),
      stop: true,
      reason: 'plateau',
      best: 0,
    },
    // 5 of 1000 = 0.5%: fine; 10 of 1000 = 1%: stop (the Default job's 1% rule).
    { name: '0.5% errors do not stop', input: periods([200], [5]), stop: false, best: 0 },
    { name: '1% errors stop (boundary)', input: periods([200], [10]), stop: true, reason: 'errors', best: 0 },
    { name: 'an empty period does not count as errors', input: periods([0]), stop: false, best: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideStop(c.input, DEFAULT_STOP_RULE);
      assert.equal(decision.stop, c.stop);
      assert.equal(decision.reason, c.reason);
      assert.equal(decision.bestPeriodIndex, c.best);
      assert.equal(decision.reasons.length, c.stop ? 1 : 0);
    });
  }
  it('the plateau rule is off for a constant rate', () => {
    const decision = decideStop(periods([200, 200, 200, 200, 200]), {
      ...DEFAULT_STOP_RULE,
      detectPlateau: false,
    });
    assert.equal(decision.stop, false);
  });
  it('the reasons carry the numbers', () => {
    assert.match(
      decideStop(periods([200], [10]), DEFAULT_STOP_RULE).reasons[0]!.message,
      /10 of 1000 invocations failed \(1\.00% >= 1%\)/,
    );
  });
});

describe('CPU and memory from /proc', () => {
  it('parses utime + stime after a command name with spaces and parentheses', () => {
    assert.equal(parseStatTicks('42 (node (x) y) S 1 42 42 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 7 0'), 300);
  });
  const cpuCases = [
    {
      name: '4.5 CPU s in 5 s = 90% of one core',
      before: [{ pid: 1, cpuSeconds: 10 }],
      after: [{ pid: 1, cpuSeconds: 14.5 }],
      wall: 5,
      percent: 90,
    },
    {
      name: 'summed over processes: 2 x 4 CPU s in 4 s = 200%',
      before: [
        { pid: 1, cpuSeconds: 0 },
        { pid: 2, cpuSeconds: 1 },
      ],
      after: [
        { pid: 1, cpuSeconds: 4 },
        { pid: 2, cpuSeconds: 5 },
      ],
      wall: 4,
      percent: 200,
    },
    {
      name: 'a process gone counts 0',
      before: [{ pid: 1, cpuSeconds: 3 }],
      after: [{ pid: 1 }],
      wall: 5,
      percent: 0,
    },
    {
      name: 'zero wall time gives 0',
      before: [{ pid: 1, cpuSeconds: 0 }],
      after: [{ pid: 1, cpuSeconds: 1 }],
      wall: 0,
      percent: 0,
    },
  ];
  for (const c of cpuCases) {
    it(c.name, () => assert.equal(cpuUtilizationPercent(c.before, c.after, c.wall), c.percent));
  }
  it('memory: 1 GiB resident of 16 GiB is 6.25%', () => {
    assert.equal(memoryUtilizationPercent([{ pid: 1, rssBytes: 1024 ** 3 }], 16 * 1024 ** 3), 6.25);
  });
  it('reads this process from /proc: CPU time and RSS are positive; a missing pid gives nothing', () => {
    const [self, missing] = sampleProcesses([process.pid, 2 ** 22 + 1]);
    assert.ok(self!.cpuSeconds! > 0);
    assert.ok(self!.rssBytes! > 10 * 1024 * 1024);
    assert.equal(missing!.cpuSeconds, undefined);
  });
});

describe('benchmark helpers', () => {
  const urls = [
    { name: 'base URL', url: 'http://127.0.0.1:8080', expected: 'http://127.0.0.1:8080/invocations' },
    { name: 'trailing slash', url: 'http://127.0.0.1:8080/', expected: 'http://127.0.0.1:8080/invocations' },
    {
      name: 'already /invocations',
      url: 'http://127.0.0.1:8080/invocations',
      expected: 'http://127.0.0.1:8080/invocations',
    },
    {
      name: 'a path prefix',
      url: 'http://127.0.0.1:8080/model-a',
      expected: 'http://127.0.0.1:8080/model-a/invocations',
    },
  ];
  for (const c of urls) {
    it(`invocationsUrlOf: ${c.name}`, () => assert.equal(invocationsUrlOf(c.url), c.expected));
  }
  it('invocationsUrlOf refuses what is not an http URL', () => {
    assert.throws(() => invocationsUrlOf('localhost:8080x'), InvalidInputError);
    assert.throws(() => invocationsUrlOf('https://127.0.0.1'), /only http/);
  });
  const generatorCpus = [
    { name: 'server on 0 of 2 -> generator on 1', server: [0], cores: 2, expected: [1] },
    { name: 'server on 0 of 4 -> generator on 1-3', server: [0], cores: 4, expected: [1, 2, 3] },
    { name: 'server on the only core -> not pinned', server: [0], cores: 1, expected: undefined },
    { name: 'server not pinned -> generator not pinned', server: undefined, cores: 2, expected: undefined },
  ];
  for (const c of generatorCpus) {
    it(`defaultGeneratorCpus: ${c.name}`, () =>
      assert.deepEqual(defaultGeneratorCpus(c.server, c.cores), c.expected));
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

describe('a run that ends while throughput still rises', () => {
  // Invocations per minute of 10 s periods, as in a run on a busy machine: 1..7 paced users.
  const periods = (perMinute: number[]): PeriodOutcome[] =>
    perMinute.map((rate) => ({ invocations: rate / 6, errors: 0, coveredSeconds: 10 }));
  const cases = [
    {
      name: 'the 7th period beats the flat 6th by 15% at the end of the profile',
      perMinute: [16_000, 29_000, 42_000, 55_000, 68_000, 81_000, 93_000],
      stopReason: 'profileEnd' as const,
      expected: /still rising when the run ended \(profileEnd\): period 7 beat the best before it by 14\.8%/,
    },
    {
      name: 'the last period is the best at maxDuration',
      perMinute: [10_000, 20_000, 30_000],
      stopReason: 'maxDuration' as const,
      expected: /\(maxDuration\): period 3 beat the best before it by 50\.0%/,
    },
    {
      name: 'flat at the end: the best was earlier',
      perMinute: [40_000, 80_000, 81_000, 80_000],
      stopReason: 'profileEnd' as const,
      expected: undefined,
    },
    {
      name: 'a last period within 5% of the best is not a rise',
      perMinute: [40_000, 80_000, 83_000],
      stopReason: 'profileEnd' as const,
      expected: undefined,
    },
    {
      name: 'a plateau stop is never a rise',
      perMinute: [40_000, 80_000, 120_000],
      stopReason: 'plateau' as const,
      expected: undefined,
    },
    {
      name: 'an aborted run says nothing',
      perMinute: [40_000, 80_000],
      stopReason: 'aborted' as const,
      expected: undefined,
    },
    {
      name: 'one period is no trend',
      perMinute: [40_000],
      stopReason: 'profileEnd' as const,
      expected: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const warning = stillRisingAtEnd(periods(c.perMinute), c.stopReason);
      if (c.expected) assert.match(warning ?? '', c.expected);
      else assert.equal(warning, undefined);
    });
  }
});
