/**
 * Keep-alive HTTP clients for the load generator: undici's Pool (the default; the faster of the
 * two in `npm run bench:loadgen`) or node's http.Agent. Each `send` posts the payload once and
 * resolves with the status (0 when no response came: refused, reset, timed out).
 */
import { Agent, request as httpRequest } from 'node:http';
import { Pool } from 'undici';

export type TransportKind = 'undici' | 'http';

export interface TransportOptions {
  /** Full URL of the invocations endpoint, e.g. http://127.0.0.1:8080/invocations. */
  invocationsUrl: string;
  payload: Buffer;
  contentType: string;
  /** Keep-alive connections at most (closed loop: the peak users; open loop: max in flight). */
  connections: number;
  /** Per-request time limit, milliseconds. */
  timeoutMs: number;
}

export interface SendResult {
  /** HTTP status; 0 when no response came. */
  status: number;
  /** First line of the body of an error answer, or the transport error. */
  errorText?: string;
}

export interface Transport {
  send(): Promise<SendResult>;
  close(): Promise<void>;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}

function undiciTransport(options: TransportOptions): Transport {
  const url = new URL(options.invocationsUrl);
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const path = `${url.pathname}${url.search}`;
  const headers = { 'content-type': options.contentType, accept: 'text/csv, */*' };
  return {
    async send() {
      try {
        const response = await pool.request({ path, method: 'POST', headers, body: options.payload });
        if (response.statusCode < 400) {
          await response.body.dump();
          return { status: response.statusCode };
        }
        return { status: response.statusCode, errorText: firstLine(await response.body.text()) };
      } catch (error) {
        return { status: 0, errorText: (error as Error).message };
      }
    },
    close: () => pool.close(),
  };
}

function httpTransport(options: TransportOptions): Transport {
  const url = new URL(options.invocationsUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const headers = {
    'content-type': options.contentType,
    accept: 'text/csv, */*',
    'content-length': String(options.payload.length),
  };
  return {
    send() {
      return new Promise<SendResult>((resolve) => {
        const req = httpRequest(
          url,
          { method: 'POST', agent, headers, timeout: options.timeoutMs },
          (res) => {
            const status = res.statusCode ?? 0;
            if (status < 400) {
              res.resume();
              res.on('end', () => resolve({ status }));
            } else {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                text += chunk;
              });
              res.on('end', () => resolve({ status, errorText: firstLine(text) }));
            }
            res.on('error', (error) => resolve({ status: 0, errorText: error.message }));
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer in ${options.timeoutMs} ms`)));
        req.on('error', (error) => resolve({ status: 0, errorText: error.message }));
        req.end(options.payload);
      });
    },
    async close() {
      agent.destroy();
    },
  };
}

/** A keep-alive client of the given kind. */
export function createTransport(kind: TransportKind, options: TransportOptions): Transport {
  return kind === 'http' ? httpTransport(options) : undiciTransport(options);
}
