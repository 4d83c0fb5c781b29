/**
 * Inference Recommender's STAIRS traffic pattern (TrafficPattern.Stairs: DurationInSeconds,
 * NumberOfSteps, UsersPerStep): closed-loop users that grow by `usersPerStep` at every step. The
 * twin, the load generator and the local fleet all ask {@link usersInStairsAt}, so a simulated
 * evaluation and a measured one follow the same users over time, as they do for PHASES.
 *
 * DurationInSeconds is the length of the whole pattern and each step lasts DurationInSeconds /
 * NumberOfSteps: the developer guide's reading (its current load-test page). [unconfirmed] The API
 * reference's one line ("Defines how long each traffic step should be") can also be read as the
 * length of one step; the guide's reading keeps "the traffic must fit in the job" a comparison of
 * DurationInSeconds with JobDurationInSeconds, as for PHASES. Worked numbers: 600 s in 5 steps of
 * 2 users are steps of 120 s, with 2, 4, 6, 8 and 10 users; at 250 s, step 3 -> 6 users.
 */
/** One STAIRS pattern, in scaleplan's names. */
export interface TrafficStairs {
  /** Length of the whole pattern, seconds (IR: DurationInSeconds, >= 1). */
  durationSeconds: number;
  /** Steps over that length, each durationSeconds / numberOfSteps long (IR: NumberOfSteps, >= 1). */
  numberOfSteps: number;
  /** Users added at each step; the first step already has this many (IR: UsersPerStep, 1 to 3). */
  usersPerStep: number;
}

/**
 * The API's bounds (botocore's sagemaker model: TrafficDurationInSeconds min 1, NumberOfSteps min 1,
 * UsersPerStep 1..3, all integers). Unlike the phases' guide limits, these are enforced by
 * CreateInferenceRecommendationsJob itself, so they bind on both backends.
 */
export const AWS_STAIRS_LIMITS = {
  minDurationSeconds: 1,
  minNumberOfSteps: 1,
  minUsersPerStep: 1,
  maxUsersPerStep: 3,
} as const;

/** IR's wire shape of TrafficPattern.Stairs. */
export interface IrStairs {
  DurationInSeconds: number;
  NumberOfSteps: number;
  UsersPerStep: number;
}

/**
 * What is wrong with the stairs, one message per problem (empty when they can run): whole numbers
 * within {@link AWS_STAIRS_LIMITS}.
 *
 * @example
 * stairsProblems({ durationSeconds: 600, numberOfSteps: 0, usersPerStep: 4 });
 * // ['stairs.numberOfSteps must be a whole number >= 1, got 0', 'stairs.usersPerStep must be a whole number from 1 to 3, got 4']
 */
export function stairsProblems(stairs: TrafficStairs): string[] {
  const whole = (value: number, min: number, max = Number.POSITIVE_INFINITY) =>
    Number.isInteger(value) && value >= min && value <= max;
  const limits = AWS_STAIRS_LIMITS;
  return [
    ...(whole(stairs.durationSeconds, limits.minDurationSeconds)
      ? []
      : [`stairs.durationSeconds must be a whole number >= 1, got ${stairs.durationSeconds}`]),
    ...(whole(stairs.numberOfSteps, limits.minNumberOfSteps)
      ? []
      : [`stairs.numberOfSteps must be a whole number >= 1, got ${stairs.numberOfSteps}`]),
    ...(whole(stairs.usersPerStep, limits.minUsersPerStep, limits.maxUsersPerStep)
      ? []
      : [`stairs.usersPerStep must be a whole number from 1 to 3, got ${stairs.usersPerStep}`]),
  ];
}

/** Seconds one step lasts: durationSeconds / numberOfSteps (600 s in 5 steps -> 120 s). */
export function stairsStepSeconds(stairs: TrafficStairs): number {
  return stairs.durationSeconds / stairs.numberOfSteps;
}

/**
 * Closed-loop users `elapsedSeconds` into the stairs: usersPerStep x (step + 1), with step =
 * floor(elapsed / (durationSeconds / numberOfSteps)), at most numberOfSteps steps; 0 before the
 * start and once the pattern is over (like {@link usersInPhasesAt}).
 *
 * @example
 * const stairs = { durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 };
 * usersInStairsAt(stairs, 0); // 2: the first step already has its users
 * usersInStairsAt(stairs, 250); // step floor(250 / 120) = 2 -> 2 x 3 = 6
 * usersInStairsAt(stairs, 600); // 0: over
 */
export function usersInStairsAt(stairs: TrafficStairs, elapsedSeconds: number): number {
  if (elapsedSeconds < 0 || elapsedSeconds >= stairs.durationSeconds) return 0;
  // The clamp keeps a rounding of elapsed / step at the very end inside the last step.
  const step = Math.min(stairs.numberOfSteps - 1, Math.floor(elapsedSeconds / stairsStepSeconds(stairs)));
  return stairs.usersPerStep * (step + 1);
}

/** Most users the stairs ask for: usersPerStep x numberOfSteps, on the last step. */
export function peakStairsUsers(stairs: TrafficStairs): number {
  return stairs.usersPerStep * stairs.numberOfSteps;
}

/**
 * Scaleplan's stairs in IR's names, for TrafficPattern.Stairs.
 * @example toIrStairs({ durationSeconds: 600, numberOfSteps: 5, usersPerStep: 2 });
 * // { DurationInSeconds: 600, NumberOfSteps: 5, UsersPerStep: 2 }
 */
export function toIrStairs(stairs: TrafficStairs): IrStairs {
  return {
    DurationInSeconds: stairs.durationSeconds,
    NumberOfSteps: stairs.numberOfSteps,
    UsersPerStep: stairs.usersPerStep,
  };
}
