/**
 * The HTTP side of the SageMaker inference container contract, for an XGBoost model:
 * - `GET /ping` -> 200 once the model is loaded (it is, before the server listens);
 * - `POST /invocations` with `Content-Type: text/csv` -> 200, `text/csv`, one prediction per line.
 * Client mistakes are 4XX with a one-line plain-text reason: 400 malformed CSV or wrong feature
 * count, 404 unknown path, 405 wrong method, 406 an Accept it cannot produce, 413 body over the
 * limit, 415 another content type. 5XX means a fault of the server itself, never of the input.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { formatPredictions, parseCsvRows } from './csv-rows';
import { predictRows, type XgboostModel } from './xgboost';

/** SageMaker real-time endpoints refuse payloads over 6 MB; the same bound by default. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;
/** Every answer names the process that served it, so a client (and a test) sees which worker did. */
export const WORKER_PID_HEADER = 'x-scaleplan-worker-pid';

export interface InvocationHandlerOptions {
  /** Largest accepted request body, bytes (413 above). Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /** Called on a server fault (a 500), for the log. */
  onFault?: (error: unknown) => void;
}

function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': status === 200 && body !== '' ? 'text/csv' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    [WORKER_PID_HEADER]: String(process.pid),
    ...headers,
  });
  res.end(body);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function acceptsCsv(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept
    .split(',')
    .map((part) => mediaType(part))
    .some((type) => type === 'text/csv' || type === 'text/*' || type === '*/*');
}

/** Reads the body up to `maxBodyBytes`; resolves undefined when over the limit. */
function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/**
 * The request listener of the model server (one per worker process).
 *
 * @example
 * const server = http.createServer(createInvocationHandler(loadXgboostModel('models/demo/model.json')));
 * // POST /invocations "17.99,10.38,...\n" (30 values) -> 200 "0.0072...\n"
 */
export function createInvocationHandler(
  model: XgboostModel,
  options: InvocationHandlerOptions = {},
): RequestListener {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const invoke = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/ping') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        req.resume();
        return reply(res, 405, 'use GET /ping\n', { allow: 'GET, HEAD' });
      }
      req.resume();
      return reply(res, 200, '');
    }
    if (path !== '/invocations') {
      req.resume();
      return reply(res, 404, `no route ${path}: the contract is GET /ping and POST /invocations\n`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return reply(res, 405, 'use POST /invocations\n', { allow: 'POST' });
    }
    const declaredBytes = Number(req.headers['content-length'] ?? 0);
    if (declaredBytes > maxBodyBytes) {
      // Do not read a body we will refuse; close the connection so it is not read as a request.
      return reply(res, 413, `body of ${declaredBytes} bytes is over the limit of ${maxBodyBytes} bytes\n`, {
        connection: 'close',
      });
    }
    const type = mediaType(req.headers['content-type']);
    if (type !== 'text/csv') {
      req.resume();
      return reply(res, 415, `unsupported content type "${type || '(none)'}": send text/csv\n`);
    }
    if (!acceptsCsv(req.headers.accept)) {
      req.resume();
      return reply(res, 406, `cannot answer in "${req.headers.accept}": predictions are text/csv\n`);
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) return reply(res, 413, `body is over the limit of ${maxBodyBytes} bytes\n`);
    const parsed = parseCsvRows(body.toString('utf8'), model.featureCount);
    if (!parsed.ok) return reply(res, 400, `${parsed.code}: ${parsed.message}\n`);
    const predictions = predictRows(model, parsed.features, parsed.rowCount);
    return reply(res, 200, formatPredictions(predictions));
  };
  return (req, res) => {
    invoke(req, res).catch((error: unknown) => {
      options.onFault?.(error);
      if (!res.headersSent) reply(res, 500, 'internal server error\n');
      else res.destroy();
    });
  };
}
