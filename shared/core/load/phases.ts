/**
 * Inference Recommender's PHASES traffic pattern, the one shape of a phase in scaleplan: the twin
 * turns phases into users with {@link usersInPhasesAt}, and so does the local load generator, so a
 * simulated evaluation and a measured one follow the same users over time.
 *
 * A phase starts with `initialUsers` closed-loop users and adds `spawnRatePerMinute` users per
 * minute until it ends; the next phase starts again from its own initial users (IR's
 * TrafficPattern.Phases[]: InitialNumberOfUsers, SpawnRate, DurationInSeconds). Worked numbers:
 * one phase of 1 user + 3 per minute for 600 s has 1 + floor(3 x 120 / 60) = 7 users at 120 s.
 */
import { InvalidInputError } from '../errors';

/** One Inference Recommender phase (TrafficPattern.Phases[]). */
export interface TrafficPhase {
  /** Users at the start of the phase (IR: InitialNumberOfUsers; 1 to 3 on AWS). */
  initialUsers: number;
  /** Users added per minute during the phase (IR: SpawnRate; 0 to 3 on AWS). */
  spawnRatePerMinute: number;
  /** Length of the phase, seconds (IR: DurationInSeconds; 120 to 3600 on AWS). */
  durationSeconds: number;
}

/**
 * The developer guide's limits for a custom load test (InitialNumberOfUsers 1-3, SpawnRate 0-3 per
 * minute, DurationInSeconds 120-3600). Locally the phases run whatever they are; these limits only
 * say what CreateInferenceRecommendationsJob would refuse.
 */
export const AWS_PHASE_LIMITS = {
  maxInitialUsers: 3,
  maxSpawnRatePerMinute: 3,
  minDurationSeconds: 120,
  maxDurationSeconds: 3600,
} as const;

/**
 * What is wrong with the phases, one message per problem (empty when they can run): at least one
 * phase, whole initial users >= 1, a finite spawn rate >= 0, a finite duration > 0.
 *
 * @example
 * phaseProblems([{ initialUsers: 0, spawnRatePerMinute: 1, durationSeconds: 60 }]);
 * // ['phase 1: initialUsers must be a whole number >= 1, got 0']
 */
export function phaseProblems(phases: readonly TrafficPhase[]): string[] {
  if (phases.length === 0) return ['phases must not be empty (expected at least one phase)'];
  return phases.flatMap((phase, i) => [
    ...(Number.isInteger(phase.initialUsers) && phase.initialUsers >= 1
      ? []
      : [`phase ${i + 1}: initialUsers must be a whole number >= 1, got ${phase.initialUsers}`]),
    ...(Number.isFinite(phase.spawnRatePerMinute) && phase.spawnRatePerMinute >= 0
      ? []
      : [`phase ${i + 1}: spawnRatePerMinute must be >= 0, got ${phase.spawnRatePerMinute}`]),
    ...(Number.isFinite(phase.durationSeconds) && phase.durationSeconds > 0
      ? []
      : [`phase ${i + 1}: durationSeconds must be > 0, got ${phase.durationSeconds}`]),
  ]);
}

/**
 * Throws InvalidInputError naming every problem of the phases, after `where` ("load profile").
 * @example assertPhases([], 'traffic'); // throws 'traffic: phases must not be empty (expected at least one phase)'
 */
export function assertPhases(phases: readonly TrafficPhase[], where: string): void {
  const problems = phaseProblems(phases);
  if (problems.length > 0) throw new InvalidInputError(`${where}: ${problems.join('; ')}`);
}

/**
 * What Inference Recommender would refuse in these phases ({@link AWS_PHASE_LIMITS}), in its
 * field names; empty when an Advanced job would take them.
 *
 * @example
 * phasesOutsideAwsLimits([{ initialUsers: 1, spawnRatePerMinute: 60, durationSeconds: 3 }]);
 * // ['phase 1: SpawnRate 60 > 3 per minute', 'phase 1: DurationInSeconds 3 outside 120..3600']
 */
export function phasesOutsideAwsLimits(phases: readonly TrafficPhase[]): string[] {
  const limits = AWS_PHASE_LIMITS;
  return phases.flatMap((phase, i) => [
    ...(phase.initialUsers > limits.maxInitialUsers
      ? [`phase ${i + 1}: InitialNumberOfUsers ${phase.initialUsers} > ${limits.maxInitialUsers}`]
      : []),
    ...(phase.spawnRatePerMinute > limits.maxSpawnRatePerMinute
      ? [`phase ${i + 1}: SpawnRate ${phase.spawnRatePerMinute} > ${limits.maxSpawnRatePerMinute} per minute`]
      : []),
    ...(phase.durationSeconds < limits.minDurationSeconds || phase.durationSeconds > limits.maxDurationSeconds
      ? [
          `phase ${i + 1}: DurationInSeconds ${phase.durationSeconds} outside ${limits.minDurationSeconds}..${limits.maxDurationSeconds}`,
        ]
      : []),
  ]);
}

/** Seconds the phases last together. */
export function phasesDurationSeconds(phases: readonly TrafficPhase[]): number {
  return phases.reduce((sum, phase) => sum + phase.durationSeconds, 0);
}

/**
 * Closed-loop users `elapsedSeconds` into the phases: initialUsers + floor(spawnRatePerMinute x
 * secondsIntoPhase / 60) in the phase that holds the instant, 0 before the start and once the
 * last phase is over. Users are whole: IR spawns one user at a time.
 *
 * @example
 * const phases = [
 *   { initialUsers: 1, spawnRatePerMinute: 6, durationSeconds: 120 },
 *   { initialUsers: 3, spawnRatePerMinute: 0, durationSeconds: 60 },
 * ];
 * usersInPhasesAt(phases, 25); // 1 + floor(6 x 25 / 60) = 3
 * usersInPhasesAt(phases, 120); // the second phase starts at its own 3 users
 * usersInPhasesAt(phases, 180); // 0: over
 */
export function usersInPhasesAt(phases: readonly TrafficPhase[], elapsedSeconds: number): number {
  if (elapsedSeconds < 0) return 0;
  let phaseStartSeconds = 0;
  for (const phase of phases) {
    if (elapsedSeconds < phaseStartSeconds + phase.durationSeconds) {
      const secondsIntoPhase = elapsedSeconds - phaseStartSeconds;
      return phase.initialUsers + Math.floor((phase.spawnRatePerMinute * secondsIntoPhase) / 60);
    }
    phaseStartSeconds += phase.durationSeconds;
  }
  return 0;
}

/**
 * The one phase of a request's evaluation settings (`evaluation.initialUsers`, `spawnRate` per
 * minute, `durationSeconds`), as the Advanced job runs it and the twin predicts it.
 *
 * @example
 * evaluationPhases({ initialUsers: 1, spawnRate: 1, durationSeconds: 3600 });
 * // [{ initialUsers: 1, spawnRatePerMinute: 1, durationSeconds: 3600 }]
 */
export function evaluationPhases(evaluation: {
  initialUsers: number;
  spawnRate: number;
  durationSeconds: number;
}): TrafficPhase[] {
  return [
    {
      initialUsers: evaluation.initialUsers,
      spawnRatePerMinute: evaluation.spawnRate,
      durationSeconds: evaluation.durationSeconds,
    },
  ];
}
