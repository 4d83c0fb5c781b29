/**
 * The exit codes of every command, so that a pipeline can tell a failed job from a wrong call.
 * A command whose job fails sets `process.exitCode = EXIT_CODES.failed` itself (`run` when the
 * workflow FAILED); errors reaching `main` in cli/index.ts are mapped by its `exitCodeFor`.
 */
export const EXIT_CODES = {
  /** The job is done (also --help and --version). */
  done: 0,
  /** The job failed: the run FAILED (no iteration passed), a derivation is infeasible, AWS refused. */
  failed: 1,
  /** Bad usage or bad input: unknown or conflicting options, a bad value, an unreadable or invalid file. */
  badInput: 2,
} as const;
