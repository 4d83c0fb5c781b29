/**
 * One instance of the local endpoint: a real model-server process (the demo XGBoost server, or the
 * user's command with `{port}` in it) in its own process group and, when cgroups are available,
 * its own CPU quota. It counts as started once `GET /ping` answers 200, as SageMaker's health check
 * does; a process that exits, or never answers within the start timeout, fails the start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EndpointFailedError } from '../../../core/errors';
import { DEMO_MODEL_PATH } from '../model-server';
import type { CpuLimiter } from './cpu-limit';

/** The placeholder a user's server command writes where its port goes. */
export const PORT_PLACEHOLDER = '{port}';

const TSX_LOADER = import.meta.resolve('tsx');
const SERVER_MAIN = fileURLToPath(new URL('../model-server/server-main.ts', import.meta.url));

/** What an instance runs: the demo model server, or a command line with {port}. */
export type ServerCommand = { kind: 'demo'; modelPath?: string } | { kind: 'command'; argv: string[] };

export interface InstanceOptions {
  id: string;
  command: ServerCommand;
  limiter: CpuLimiter;
  /** CPU quota of the instance, cores (ignored in concurrency mode). */
  cores: number;
  /** Real milliseconds to wait for /ping. */
  startTimeoutMs: number;
  /** Aborts a start in progress: the process is stopped and the start fails. */
  signal?: AbortSignal;
  /** Called with the pid as soon as the process exists (before it is healthy). */
  onSpawn?: (pid: number) => void;
  /** Called once when the process exits without being asked to. */
  onUnexpectedExit: (id: string, why: string) => void;
}

export interface RunningInstance {
  id: string;
  url: string;
  port: number;
  /** The process (its group leader); its /proc accounting is the instance's CPU and memory. */
  pid: number;
  /** Stops the process group and removes its cgroup. Idempotent. */
  stop(): Promise<void>;
}

/** A free loopback port (the kernel picks one; the instance binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function argvOf(command: ServerCommand, port: number): string[] {
  if (command.kind === 'demo')
    return [
      process.execPath,
      '--import',
      TSX_LOADER,
      SERVER_MAIN,
      '--model',
      command.modelPath ?? DEMO_MODEL_PATH,
      '--port',
      String(port),
      '--workers',
      '1',
    ];
  return command.argv.map((part) => part.split(PORT_PLACEHOLDER).join(String(port)));
}

async function pingOnce(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Starts one instance and resolves once it answers /ping.
 * @throws EndpointFailedError when the command cannot start, exits, or never answers /ping
 */
export async function startInstance(options: InstanceOptions): Promise<RunningInstance> {
  const port = await freePort();
  const argv = argvOf(options.command, port);
  const procs = options.limiter.create(options.id, options.cores);
  // The shell joins the cgroup first and then becomes the server (exec), so the server and
  // everything it forks run under the quota from their first instruction.
  const script = procs ? 'echo $$ > "$0" && exec "$@"' : 'exec "$@"';
  const child = spawn('/bin/sh', ['-c', script, procs ?? 'sh', ...argv], {
    detached: true,
    // The demo server exits when this IPC channel closes, so it cannot outlive a crashed parent.
    stdio: ['ignore', 'ignore', 'pipe', ...(options.command.kind === 'demo' ? (['ipc'] as const) : [])],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-1000);
  });
  let stopping = false;
  let ready = false;
  let exitWhy: string | undefined;
  const exited = exitOf(child);
  child.once('error', (error) => {
    exitWhy = error.message;
  });
  child.once('exit', (code, signal) => {
    exitWhy ??= `exited (${signal ?? code})${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`;
    options.limiter.remove(options.id);
    if (!stopping && ready) options.onUnexpectedExit(options.id, exitWhy);
  });
  const pid = child.pid ?? 0;
  if (pid) options.onSpawn?.(pid);
  const onAbort = () => killGroup(pid, 'SIGTERM');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
    // Anything the server forked into its group and left behind goes too.
    killGroup(pid, 'SIGKILL');
    child.stderr?.destroy();
    if (child.connected) child.disconnect();
    options.limiter.remove(options.id);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + options.startTimeoutMs;
  while (!ready) {
    if (options.signal?.aborted) {
      await stop();
      throw new EndpointFailedError(`instance ${options.id} was stopped while starting`);
    }
    if (exitWhy !== undefined || pid === 0) {
      await stop();
      throw new EndpointFailedError(
        `instance ${options.id} failed to start (${argv.join(' ')}): ${exitWhy ?? 'no process'}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new EndpointFailedError(
        `instance ${options.id} did not answer GET /ping within ${options.startTimeoutMs} ms (${argv.join(' ')})`,
      );
    }
    ready = await pingOnce(url);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  options.signal?.removeEventListener('abort', onAbort);
  return { id: options.id, url, port, pid, stop };
}
