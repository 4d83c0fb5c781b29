/**
 * The error names are the contract with the state machine: its `Retry` and `Catch` blocks match
 * on them, so each class sets `name` to a string literal (bundlers rename classes).
 * `retryable` documents whether the state machine retries it.
 */
export abstract class ScaleplanError extends Error {
  abstract override readonly name: string;
  /** True when the same call may succeed if tried again later (the state machine retries it). */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The request or a handler's input is malformed. Not retryable: fix the input. */
export class InvalidInputError extends ScaleplanError {
  override readonly name = 'InvalidInputError' as const;
  readonly retryable = false;
}

/** AWS throttled the call or answered 5XX. Retryable with backoff. */
export class TransientAwsError extends ScaleplanError {
  override readonly name = 'TransientAwsError' as const;
  readonly retryable = true;
}

/** A resource the workflow expected (job, endpoint, package) does not exist. Not retryable. */
export class ResourceNotFoundError extends ScaleplanError {
  override readonly name = 'ResourceNotFoundError' as const;
  readonly retryable = false;
}

/** An Inference Recommender job (or its local stand-in) ended FAILED or STOPPED. Not retryable. */
export class JobFailedError extends ScaleplanError {
  override readonly name = 'JobFailedError' as const;
  readonly retryable = false;
}

/** The benchmark series cannot support a peak (too short, no rise, all errors). Not retryable. */
export class InsufficientBenchmarkDataError extends ScaleplanError {
  override readonly name = 'InsufficientBenchmarkDataError' as const;
  readonly retryable = false;
}

/** The traffic expectations cannot be met within the limits (for example MaxCapacity over the quota). */
export class InfeasibleCapacityPlanError extends ScaleplanError {
  override readonly name = 'InfeasibleCapacityPlanError' as const;
  readonly retryable = false;
}

/** Deployment configuration is missing or wrong (an env var, a role). Not retryable. */
export class ConfigurationError extends ScaleplanError {
  override readonly name = 'ConfigurationError' as const;
  readonly retryable = false;
}

/** An AWS call was refused for a reason that retrying will not fix (validation, access denied, limits). */
export class AwsRequestError extends ScaleplanError {
  override readonly name = 'AwsRequestError' as const;
  readonly retryable = false;
}

/** The evaluation never passed within the allowed iterations; the verdicts say why. */
export class EvaluationFailedError extends ScaleplanError {
  override readonly name = 'EvaluationFailedError' as const;
  readonly retryable = false;
}

/**
 * A job, endpoint or evaluation did not reach a final status within the poll rounds the state
 * machine allows (rounds x wait seconds). Not retryable: clean-up stops what is still running.
 */
export class WaitTimeoutError extends ScaleplanError {
  override readonly name = 'WaitTimeoutError' as const;
  readonly retryable = false;
}

/** The evaluation endpoint ended Failed (or another non-recoverable status) instead of InService. */
export class EndpointFailedError extends ScaleplanError {
  override readonly name = 'EndpointFailedError' as const;
  readonly retryable = false;
}

/**
 * The execution input is an event of a type scaleplan does not start from (an EventBridge rule
 * that matches too much). Not retryable: fix the rule's pattern.
 */
export class UnsupportedEventError extends ScaleplanError {
  override readonly name = 'UnsupportedEventError' as const;
  readonly retryable = false;
}

/**
 * Another execution of the same state machine is already running for the same model package
 * version (a second start, or a duplicate EventBridge delivery): refused at the first state,
 * before anything exists. Not retryable: start again once the first one has ended.
 */
export class DuplicateExecutionError extends ScaleplanError {
  override readonly name = 'DuplicateExecutionError' as const;
  readonly retryable = false;
}

/** Every error name the state machine may match on, for the definition-vs-code check. */
export const ERROR_NAMES = [
  'InvalidInputError',
  'TransientAwsError',
  'ResourceNotFoundError',
  'JobFailedError',
  'InsufficientBenchmarkDataError',
  'InfeasibleCapacityPlanError',
  'ConfigurationError',
  'AwsRequestError',
  'EvaluationFailedError',
  'WaitTimeoutError',
  'EndpointFailedError',
  'UnsupportedEventError',
  'DuplicateExecutionError',
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

/** One machine-readable reason with a sentence for people; attached to every core decision. */
export interface Reason {
  code: string;
  message: string;
}
