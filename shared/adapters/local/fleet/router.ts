/**
 * The router in front of the instances, in the role of the SageMaker runtime: one invocation URL,
 * `POST /endpoints/<EndpointName>/invocations`, routed to an InService instance by RANDOM or
 * LEAST_OUTSTANDING_REQUESTS (ProductionVariant.RoutingConfig.RoutingStrategy). Answers as
 * InvokeEndpoint does (botocore sagemaker-runtime model): the model's 2XX body as is; a model 4XX
 * or 5XX as 424 ModelError {Message, OriginalStatusCode, OriginalMessage}; no answer within the
 * invocation timeout as 424 ModelError "timed out" counted as a 5XX (OriginalStatusCode 0, as
 * SageMaker reports it); a bad request as 400 ValidationError; no InService instance as 503
 * ServiceUnavailable. Every request is recorded for the local CloudWatch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

export type RoutingStrategy = 'RANDOM' | 'LEAST_OUTSTANDING_REQUESTS';

/** SageMaker's real-time payload limit, bytes. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** An instance as the router sees it. */
export interface RoutedInstance {
  id: string;
  url: string;
  /** Requests sent and not yet answered (LEAST_OUTSTANDING_REQUESTS reads it; drain waits for 0). */
  inFlight: number;
}

/** What the router tells the metrics about one request. */
export interface InvocationRecord {
  /** Real ms (Date.now) when the router received the request. */
  receivedAtMs: number;
  /** 2XX, 4XX (incl. ModelError from a 4XX) or 5XX (incl. timeout, no instance, model 5XX). */
  outcome: 'ok' | '4xx' | '5xx';
  /** Real microseconds the instance took (ModelLatency), when an instance was called. */
  modelLatencyUs?: number;
  /** Real microseconds the router added (OverheadLatency). */
  overheadLatencyUs?: number;
  /** InService instances when the request arrived (InvocationsPerInstance adds 1/this). */
  inServiceInstances: number;
  /** True when the model itself failed (InvocationModelErrors). */
  modelError: boolean;
}

export interface RouterOptions {
  endpointName: string;
  strategy: RoutingStrategy;
  /** Real ms after which a request is abandoned with a 5XX. */
  invocationTimeoutMs: number;
  /** The instances to route to now (InService only). */
  inService: () => RoutedInstance[];
  record: (record: InvocationRecord) => void;
  /** Concurrency mode: requests an instance runs at a time (others wait their turn), and the floor. */
  concurrency?: { limit: number; serviceTimeFloorMs: number };
  random?: () => number;
}

export interface RunningRouter {
  /** `http://127.0.0.1:<port>/endpoints/<name>/invocations` */
  invocationsUrl: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, errorType: string, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': errorType,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function pick(instances: RoutedInstance[], strategy: RoutingStrategy, random: () => number): RoutedInstance {
  if (strategy === 'RANDOM') return instances[Math.floor(random() * instances.length)]!;
  const least = Math.min(...instances.map((instance) => instance.inFlight));
  const candidates = instances.filter((instance) => instance.inFlight === least);
  return candidates[Math.floor(random() * candidates.length)]!;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A per-instance gate for the concurrency mode: at most `limit` running, FIFO. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async enter(): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

/**
 * Starts the router on loopback.
 *
 * @example
 * const router = await startRouter({ endpointName: 'ep', strategy: 'RANDOM', invocationTimeoutMs: 1000, inService, record });
 * // POST router.invocationsUrl with a CSV body -> the instance's answer
 */
/**
 * A readiness check for local clients (the load generator pings before its load), beside the
 * invocation path: not a SageMaker runtime operation, and not counted in the metrics.
 */
function answerPing(req: IncomingMessage, res: ServerResponse, instances: readonly unknown[]): void {
  req.resume();
  if (instances.length === 0) {
    send(res, 503, 'ServiceUnavailable', { message: 'no InService instance in the endpoint' });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`${instances.length} InService instance(s)\n`);
}

export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const random = options.random ?? Math.random;
  const pools = new Map<string, Pool>();
  const gates = new Map<string, Gate>();
  const path = `/endpoints/${options.endpointName}/invocations`;
  const pingPath = `/endpoints/${options.endpointName}/ping`;
  const poolOf = (instance: RoutedInstance) => {
    let pool = pools.get(instance.url);
    if (!pool) {
      pool = new Pool(instance.url, { connections: 64, keepAliveTimeout: 30_000 });
      pools.set(instance.url, pool);
    }
    return pool;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const receivedAtMs = Date.now();
    const started = process.hrtime.bigint();
    const instances = options.inService();
    const base = { receivedAtMs, inServiceInstances: instances.length, modelError: false };
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === pingPath)
      return answerPing(req, res, instances);
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
      req.resume();
      options.record({ ...base, outcome: '4xx' });
      return send(res, 400, 'ValidationError', {
        message: `no such operation: use POST ${path}`,
      });
    }
    const body = await readBody(req);
    if (body === undefined) {
      options.record({ ...base, outcome: '4xx' });
      return send(res, 400, 'ValidationError', {
        message: `Request payload is larger than the limit of ${MAX_PAYLOAD_BYTES} bytes`,
      });
    }
    if (instances.length === 0) {
      options.record({ ...base, outcome: '5xx' });
      return send(res, 503, 'ServiceUnavailable', { message: 'no InService instance in the endpoint' });
    }
    const instance = pick(instances, options.strategy, random);
    instance.inFlight++;
    const gate = options.concurrency
      ? (gates.get(instance.id) ?? new Gate(options.concurrency.limit))
      : undefined;
    if (gate) gates.set(instance.id, gate);
    let modelStarted = started;
    const abort = AbortSignal.timeout(options.invocationTimeoutMs);
    try {
      if (gate) await gate.enter();
      modelStarted = process.hrtime.bigint();
      const answer = await poolOf(instance).request({
        path: '/invocations',
        method: 'POST',
        headers: {
          'content-type': req.headers['content-type'] ?? 'application/octet-stream',
          accept: req.headers.accept ?? '*/*',
        },
        body,
        signal: abort,
      });
      const text = await answer.body.text();
      if (options.concurrency) {
        const elapsedMs = Number(process.hrtime.bigint() - modelStarted) / 1e6;
        const rest = options.concurrency.serviceTimeFloorMs - elapsedMs;
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
      const modelLatencyUs = Number(process.hrtime.bigint() - modelStarted) / 1e3;
      const overheadLatencyUs = Math.max(0, Number(process.hrtime.bigint() - started) / 1e3 - modelLatencyUs);
      if (answer.statusCode < 400) {
        options.record({ ...base, outcome: 'ok', modelLatencyUs, overheadLatencyUs });
        res.writeHead(answer.statusCode, {
          'content-type': String(answer.headers['content-type'] ?? 'application/octet-stream'),
          'x-amzn-invoked-production-variant': 'AllTraffic',
        });
        res.end(text);
        return;
      }
      const outcome = answer.statusCode < 500 ? '4xx' : '5xx';
      options.record({ ...base, outcome, modelLatencyUs, overheadLatencyUs, modelError: true });
      send(res, 424, 'ModelError', {
        message: `Received ${outcome === '4xx' ? 'client' : 'server'} error (${answer.statusCode}) from primary with message "${text.trim().slice(0, 200)}".`,
        OriginalStatusCode: answer.statusCode,
        OriginalMessage: text.slice(0, 1000),
      });
    } catch (error) {
      const timedOut = abort.aborted;
      options.record({ ...base, outcome: '5xx', modelError: true });
      send(res, 424, 'ModelError', {
        message: timedOut
          ? `Your invocation timed out while waiting for a response from container primary (after ${options.invocationTimeoutMs} ms).`
          : `Received server error (0) from primary: ${(error as Error).message}`,
        OriginalStatusCode: 0,
      });
    } finally {
      instance.inFlight--;
      gate?.leave();
    }
  };
  const server: Server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'InternalFailure', { message: 'internal failure of the router' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    invocationsUrl: `http://127.0.0.1:${port}${path}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((pool) => pool.destroy()));
    },
  };
}
