/**
 * The server under test, on the SageMaker contract: POST /invocations answers the payload,
 * GET /ping answers 200 when it is ready.
 */
import { request as undiciRequest } from 'undici';
import { ConfigurationError, InvalidInputError } from '../../../core/errors';

/** The invocations URL for a base URL or a full one. */
export function invocationsUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`"${url}" is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (parsed.protocol !== 'http:')
    throw new InvalidInputError(`"${url}": only http:// servers can be benchmarked`);
  const path = parsed.pathname.replace(/\/+$/, '');
  parsed.pathname = path.endsWith('/invocations') ? path : `${path}/invocations`;
  return parsed.toString();
}

/** Throws ConfigurationError unless the server answers GET /ping with 200 within `timeoutMs`. */
export async function checkPing(invocationsUrl: string, timeoutMs: number): Promise<void> {
  const pingUrl = invocationsUrl.replace(/\/invocations(\?.*)?$/, '/ping');
  try {
    const response = await undiciRequest(pingUrl, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  } catch (error) {
    throw new ConfigurationError(
      `the server does not answer GET ${pingUrl} with 200 (${(error as Error).message}): is it running on the SageMaker contract?`,
      { cause: error },
    );
  }
}
