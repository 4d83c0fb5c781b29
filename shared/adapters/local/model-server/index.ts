/**
 * Starts the demo model server (or any XGBoost JSON model) as a separate process on the SageMaker
 * container contract, optionally pinned to CPUs with `taskset`, and returns its URL and process ids
 * (the ids whose CPU time the benchmark reads from /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../../../core/errors';
import { DEFAULT_MAX_BODY_BYTES } from './handler';

export {
  createInvocationHandler,
  DEFAULT_MAX_BODY_BYTES,
  type InvocationHandlerOptions,
  WORKER_PID_HEADER,
} from './handler';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** The committed demo model: 100 trees of depth 4 on the 30 breast-cancer features. */
export const DEMO_MODEL_PATH = join(REPO_ROOT, 'models', 'demo', 'model.json');
/** The demo model's sample payload: 100 CSV rows, no header. */
export const DEMO_PAYLOAD_PATH = join(REPO_ROOT, 'models', 'demo', 'payload.csv');
/** How long the server may take to load the model and listen, milliseconds. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

export interface ModelServerOptions {
  /** TCP port; 0 picks a free one (read it from `url`). Default 8080, the container contract's. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Worker processes serving requests. Default 1. */
  workers?: number;
  /** XGBoost JSON model. Default {@link DEMO_MODEL_PATH}. */
  modelPath?: string;
  /**
   * CPUs (0-based core numbers) the server processes are pinned to with `taskset -c`, so a load
   * generator on the other cores does not steal their time. Default: not pinned; see
   * {@link defaultServerCpus} for the benchmark's choice.
   */
  cpus?: number[];
  /** Largest accepted request body, bytes. Default 6 MiB (SageMaker's payload limit). */
  maxBodyBytes?: number;
  /** Milliseconds to wait for the server to answer /ping. Default {@link DEFAULT_START_TIMEOUT_MS}. */
  startTimeoutMs?: number;
}

export interface RunningModelServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (no trailing slash). */
  url: string;
  port: number;
  /** Every process of the server: the primary, then its workers (one pid when workers = 1). */
  pids: number[];
  /** The CPUs the server is pinned to, when it is. */
  cpus?: number[];
  /** Stops every server process and resolves once the primary has exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The benchmark's default placement: on a machine with 2 or more cores the server gets core 0 and
 * the load generator the rest; on one core nothing is pinned.
 *
 * @example
 * defaultServerCpus(2); // [0]
 * defaultServerCpus(1); // undefined
 */
export function defaultServerCpus(cpuCount = availableParallelism()): number[] | undefined {
  return cpuCount >= 2 ? [0] : undefined;
}

const TSX_LOADER = import.meta.resolve('tsx');
const SERVER_MAIN = fileURLToPath(new URL('./server-main.ts', import.meta.url));

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });
}

/**
 * Starts the server and resolves once `GET /ping` answers 200.
 * Throws ConfigurationError when it cannot start (port in use, bad model, taskset missing).
 *
 * @example
 * const server = await startModelServer({ port: 0, workers: 1, cpus: [0] });
 * // server.url 'http://127.0.0.1:41877', server.pids [12345]
 * await server.stop();
 */
export async function startModelServer(options: ModelServerOptions = {}): Promise<RunningModelServer> {
  const host = options.host ?? '127.0.0.1';
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new ConfigurationError(`workers must be a positive integer, got ${workers}`);
  }
  const cpus = options.cpus && options.cpus.length > 0 ? options.cpus : undefined;
  if (cpus?.some((cpu) => !Number.isInteger(cpu) || cpu < 0)) {
    throw new ConfigurationError(`cpus must be core numbers, got ${cpus.join(',')}`);
  }
  const nodeArgs = [
    '--import',
    TSX_LOADER,
    SERVER_MAIN,
    '--model',
    resolve(options.modelPath ?? DEMO_MODEL_PATH),
    '--port',
    String(options.port ?? 8080),
    '--host',
    host,
    '--workers',
    String(workers),
    '--max-body-bytes',
    String(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
  ];
  const [command, args] = cpus
    ? ['taskset', ['-c', cpus.join(','), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    process.stderr.write(chunk);
  });
  const exited = exitOf(child);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  let ready: { port: number; pids: number[] };
  try {
    ready = await new Promise((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`exited (${signal ?? code}) before listening: ${stderr.trim() || 'no output'}`));
      });
      child.on('message', (message: { type?: string; port?: number; pids?: number[] }) => {
        if (message?.type !== 'ready' || !message.port || !message.pids) return;
        clearTimeout(timer);
        resolveReady({ port: message.port, pids: message.pids });
      });
    });
  } catch (error) {
    await stop();
    throw new ConfigurationError(
      `unable to start the model server on ${host}:${options.port ?? 8080}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${ready.port}`;
  const ping = await fetch(`${url}/ping`).catch((error: unknown) => error as Error);
  if (ping instanceof Error || ping.status !== 200) {
    await stop();
    const why = ping instanceof Error ? ping.message : `status ${ping.status}`;
    throw new ConfigurationError(`the model server at ${url} does not answer GET /ping: ${why}`);
  }
  return { url, port: ready.port, pids: ready.pids, ...(cpus ? { cpus } : {}), stop };
}
