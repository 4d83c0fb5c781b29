/**
 * The one place where SDK exceptions become the named errors of the state machine contract:
 * throttling and 5XX -> TransientAwsError (retried with backoff), a missing resource ->
 * ResourceNotFoundError, anything else -> AwsRequestError. The SDK error is kept as `cause` and
 * the message says what was being done ("unable to describe inference recommendations job X: ...").
 */
import { AwsRequestError, ResourceNotFoundError, ScaleplanError, TransientAwsError } from '../../core/errors';

/** Error codes AWS services use for throttling (SDK v3 exposes them as `name`). */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'RequestThrottled',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** Server-side or transport failures that a later attempt may not meet. */
export const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalServerError',
  'InternalServiceError',
  'InternalServiceException',
  'InternalServiceFault',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // Application Auto Scaling: another update of the same target is in flight.
  'ConcurrentUpdateException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** Codes that mean "no such resource" (AAS says ObjectNotFoundException, S3 NoSuchKey...). */
export const NOT_FOUND_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ResourceNotFound',
  'ResourceNotFoundException',
  'ObjectNotFoundException',
  'NotFoundException',
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
]);

/** StateMachineDoesNotExist, NoSuchEntityException, ...NotFoundException. */
const NOT_FOUND_NAME = /NotFound(Exception)?$|DoesNotExist(Exception)?$|^NoSuch/;

/**
 * SageMaker answers ValidationException "Could not find model ..." (DeleteModel,
 * DeleteEndpoint, DescribeEndpoint...) where other services say ResourceNotFound.
 */
const NOT_FOUND_MESSAGE = /could not find|does not exist|not found|cannot find/i;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The service's error code: `name` for SDK v3 exceptions, `code` for Node system errors. */
export function awsErrorName(error: unknown): string {
  const shape = shapeOf(error);
  if (typeof shape.code === 'string' && shape.code.startsWith('E')) return shape.code;
  return typeof shape.name === 'string' ? shape.name : 'Error';
}

export type AwsErrorKind = 'transient' | 'notFound' | 'request';

/** Classifies an SDK error without wrapping it. */
export function classifyAwsError(error: unknown): AwsErrorKind {
  const shape = shapeOf(error);
  const name = awsErrorName(error);
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : 0;
  if (THROTTLING_ERROR_NAMES.has(name) || TRANSIENT_ERROR_NAMES.has(name)) return 'transient';
  if (status === 429 || status >= 500 || shape.$fault === 'server') return 'transient';
  if (NOT_FOUND_ERROR_NAMES.has(name) || NOT_FOUND_NAME.test(name) || status === 404) return 'notFound';
  const message = typeof shape.message === 'string' ? shape.message : '';
  if (name === 'ValidationException' && NOT_FOUND_MESSAGE.test(message)) return 'notFound';
  return 'request';
}

/**
 * Wraps an SDK error into the named error for the state machine; named errors pass through.
 *
 * @param action what was being done, as a phrase after "unable to"
 * @example
 * translateAwsError(throttled, 'describe inference recommendations job job-1');
 * // TransientAwsError: unable to describe inference recommendations job job-1: ThrottlingException: Rate exceeded
 */
export function translateAwsError(error: unknown, action: string): ScaleplanError {
  if (error instanceof ScaleplanError) return error;
  const name = awsErrorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  const message = `unable to ${action}: ${name}: ${detail}`;
  switch (classifyAwsError(error)) {
    case 'transient':
      return new TransientAwsError(message, { cause: error });
    case 'notFound':
      return new ResourceNotFoundError(message, { cause: error });
    default:
      return new AwsRequestError(message, { cause: error });
  }
}

/**
 * Runs one SDK call and translates whatever it throws.
 *
 * @param transientWhen refusals that this call, in its context, may outgrow (a resource still
 *   settling): they become TransientAwsError, which the state machine retries with backoff
 */
export async function callAws<T>(
  action: string,
  call: () => Promise<T>,
  transientWhen?: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (transientWhen?.(error) && !(error instanceof ScaleplanError))
      throw new TransientAwsError(
        `unable to ${action}: ${awsErrorName(error)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    throw translateAwsError(error, action);
  }
}

/** The error's message, '' when it has none. */
export function awsErrorMessage(error: unknown): string {
  const message = shapeOf(error).message;
  return typeof message === 'string' ? message : '';
}

/**
 * SageMaker's refusal of an update while the endpoint is still Creating or Updating (AWS-FACTS:
 * "updates are rejected while Updating"). [unconfirmed] The exact text is not in the API model;
 * seen as ValidationException "Cannot update in-progress endpoint ...", so any ValidationException
 * naming an in-progress or updating endpoint matches.
 */
export function isEndpointBusyError(error: unknown): boolean {
  return (
    awsErrorName(error) === 'ValidationException' &&
    /in-progress|in progress|is (currently )?(being )?updat|status (of )?\w* ?(is )?(Creating|Updating|SystemUpdating)/i.test(
      awsErrorMessage(error),
    )
  );
}
