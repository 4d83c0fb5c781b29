/**
 * Inference Recommender phases (shared/core/load/phases.ts, ir-phases.ts): the one users-over-time
 * formula that the twin and the load generator share, the checks, IR's limits and its wire format.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../../shared/core/errors';
import { describeIssues } from '../../../shared/core/issues';
import { IrPhasesSchema, toIrPhases } from '../../../shared/core/load/ir-phases';
import {
  assertPhases,
  evaluationPhases,
  phaseProblems,
  phasesDurationSeconds,
  phasesOutsideAwsLimits,
  type TrafficPhase,
  usersInPhasesAt,
} from '../../../shared/core/load/phases';
import { usersAt } from '../../../shared/core/load/profile';
import { phasesTraffic } from '../../../shared/core/sim/traffic';

const TWO_PHASES: TrafficPhase[] = [
  { initialUsers: 1, spawnRatePerMinute: 6, durationSeconds: 120 },
  { initialUsers: 3, spawnRatePerMinute: 0, durationSeconds: 60 },
];

describe('users over time in phases', () => {
  const cases = [
    { name: 'before the start', t: -0.001, users: 0 },
    { name: 'the start: initial users', t: 0, users: 1 },
    { name: '9.99 s at 6/min: still 1 (boundary)', t: 9.99, users: 1 },
    { name: '10 s at 6/min: the second user (boundary)', t: 10, users: 2 },
    { name: 'last instant of phase 1: 1 + floor(6 x 119.9 / 60) = 12', t: 119.9, users: 12 },
    { name: 'phase 2 starts from its own initial users (boundary)', t: 120, users: 3 },
    { name: 'the last instant of phase 2', t: 179.9, users: 3 },
    { name: 'over after 180 s (boundary)', t: 180, users: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(usersInPhasesAt(TWO_PHASES, c.t), c.users));
  }

  it('the twin and the load generator follow the same formula at every step', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            initialUsers: fc.integer({ min: 1, max: 5 }),
            spawnRatePerMinute: fc.integer({ min: 0, max: 60 }),
            durationSeconds: fc.integer({ min: 1, max: 600 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.constantFrom(1, 5, 10, 60),
        (phases, stepSeconds) => {
          const twin = phasesTraffic({ phases, stepSeconds });
          return Array.from(twin.users).every(
            (users, i) =>
              users === usersInPhasesAt(phases, i * stepSeconds) &&
              users === usersAt({ kind: 'phases', phases }, i * stepSeconds),
          );
        },
      ),
    );
  });

  it('the phases last the sum of their durations', () => {
    assert.equal(phasesDurationSeconds(TWO_PHASES), 180);
  });

  it("a request's evaluation is one phase of its settings", () => {
    assert.deepEqual(evaluationPhases({ initialUsers: 2, spawnRate: 3, durationSeconds: 1800 }), [
      { initialUsers: 2, spawnRatePerMinute: 3, durationSeconds: 1800 },
    ]);
  });
});

describe('the checks of phases', () => {
  const cases = [
    { name: 'two good phases', phases: TWO_PHASES, problems: [] },
    { name: 'none', phases: [], problems: ['phases must not be empty (expected at least one phase)'] },
    {
      name: '0 initial users (boundary)',
      phases: [{ initialUsers: 0, spawnRatePerMinute: 1, durationSeconds: 60 }],
      problems: ['phase 1: initialUsers must be a whole number >= 1, got 0'],
    },
    {
      name: '1.5 initial users',
      phases: [{ initialUsers: 1.5, spawnRatePerMinute: 1, durationSeconds: 60 }],
      problems: ['phase 1: initialUsers must be a whole number >= 1, got 1.5'],
    },
    {
      name: 'a negative spawn rate and a zero duration in phase 2',
      phases: [TWO_PHASES[0]!, { initialUsers: 1, spawnRatePerMinute: -1, durationSeconds: 0 }],
      problems: [
        'phase 2: spawnRatePerMinute must be >= 0, got -1',
        'phase 2: durationSeconds must be > 0, got 0',
      ],
    },
    {
      name: 'an infinite duration',
      phases: [{ initialUsers: 1, spawnRatePerMinute: 0, durationSeconds: Number.POSITIVE_INFINITY }],
      problems: ['phase 1: durationSeconds must be > 0, got Infinity'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(phaseProblems(c.phases), c.problems));
  }
  it('assertPhases names where and every problem', () => {
    assert.throws(
      () => assertPhases([{ initialUsers: 0, spawnRatePerMinute: -1, durationSeconds: 60 }], 'traffic'),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.message ===
          'traffic: phase 1: initialUsers must be a whole number >= 1, got 0; phase 1: spawnRatePerMinute must be >= 0, got -1',
    );
  });
  it('the twin refuses what the load generator refuses, with the same words', () => {
    assert.throws(
      () => phasesTraffic({ phases: [{ initialUsers: 0, spawnRatePerMinute: 1, durationSeconds: 60 }] }),
      /traffic: phase 1: initialUsers must be a whole number >= 1, got 0/,
    );
  });
});

describe("Inference Recommender's limits for a custom load test", () => {
  const cases = [
    {
      name: 'inside every limit (3 users, 3/min, 120 s)',
      phase: { initialUsers: 3, spawnRatePerMinute: 3, durationSeconds: 120 },
      outside: [],
    },
    {
      name: '3600 s is the longest (boundary)',
      phase: { initialUsers: 1, spawnRatePerMinute: 0, durationSeconds: 3600 },
      outside: [],
    },
    {
      name: '4 users (boundary)',
      phase: { initialUsers: 4, spawnRatePerMinute: 0, durationSeconds: 600 },
      outside: ['phase 1: InitialNumberOfUsers 4 > 3'],
    },
    {
      name: '4 per minute and 119 s (boundaries)',
      phase: { initialUsers: 1, spawnRatePerMinute: 4, durationSeconds: 119 },
      outside: ['phase 1: SpawnRate 4 > 3 per minute', 'phase 1: DurationInSeconds 119 outside 120..3600'],
    },
    {
      name: '3601 s (boundary)',
      phase: { initialUsers: 1, spawnRatePerMinute: 1, durationSeconds: 3601 },
      outside: ['phase 1: DurationInSeconds 3601 outside 120..3600'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(phasesOutsideAwsLimits([c.phase]), c.outside));
  }
});

describe("IR's wire format of PHASES", () => {
  const irPhase = { InitialNumberOfUsers: 1, SpawnRate: 6, DurationInSeconds: 120 };
  it('reads the Phases array', () => {
    assert.deepEqual(IrPhasesSchema.parse([irPhase]), [TWO_PHASES[0]]);
  });
  it('reads the whole TrafficPattern, with or without its TrafficType', () => {
    assert.deepEqual(IrPhasesSchema.parse({ TrafficType: 'PHASES', Phases: [irPhase] }), [TWO_PHASES[0]]);
    assert.deepEqual(IrPhasesSchema.parse({ Phases: [irPhase] }), [TWO_PHASES[0]]);
  });
  it('writes what it reads', () => {
    assert.deepEqual(IrPhasesSchema.parse(toIrPhases(TWO_PHASES)), TWO_PHASES);
  });
  const bad = [
    { name: 'an empty list', value: [], message: '(top level): expected at least 1 item(s), got []' },
    {
      name: "scaleplan's own names are not IR's",
      value: [{ initialUsers: 1, spawnRate: 1, durationSeconds: 60 }],
      message: /^\[0\]\.InitialNumberOfUsers: missing \(expected a number\)/,
    },
    {
      name: 'a fractional SpawnRate',
      value: [{ ...irPhase, SpawnRate: 1.5 }],
      message: '[0].SpawnRate: expected an integer, got 1.5',
    },
    {
      name: 'STAIRS is another traffic pattern',
      value: { TrafficType: 'STAIRS', Phases: [irPhase] },
      message: 'TrafficType: expected "PHASES", got "STAIRS"',
    },
    {
      name: 'a bad phase inside the TrafficPattern',
      value: { Phases: [irPhase, { ...irPhase, InitialNumberOfUsers: 0 }] },
      message: 'Phases[1].InitialNumberOfUsers: expected a number >= 1, got 0',
    },
    { name: 'a number', value: 5, message: '(top level): expected an object, got 5' },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, naming the field`, () => {
      const parsed = IrPhasesSchema.safeParse(c.value);
      assert.equal(parsed.success, false);
      const message = describeIssues(parsed.error!.issues, c.value);
      if (typeof c.message === 'string') assert.equal(message, c.message);
      else assert.match(message, c.message);
    });
  }
});
