/**
 * Entry point of the model server process (started by `startModelServer`, run through tsx).
 * Arguments: --model PATH --port N --host H --workers N --max-body-bytes N.
 *
 * One worker: this process serves. More: it is a node:cluster primary that forks the workers
 * (connections are handed out round-robin) and only supervises. When it runs under a parent
 * (an IPC channel), it sends `{ type: 'ready', port, pids }` once every worker listens, and exits
 * when the parent goes away, so no server outlives the benchmark that started it.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createInvocationHandler } from './handler';
import { loadXgboostModel } from './xgboost';

interface ServerArgs {
  modelPath: string;
  port: number;
  host: string;
  workers: number;
  maxBodyBytes: number;
}

function readArgs(): ServerArgs {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      workers: { type: 'string', default: '1' },
      'max-body-bytes': { type: 'string', default: String(6 * 1024 * 1024) },
    },
    strict: true,
  });
  if (!values.model) throw new Error('--model is required');
  return {
    modelPath: values.model,
    port: Number(values.port),
    host: values.host,
    workers: Math.max(1, Math.trunc(Number(values.workers))),
    maxBodyBytes: Number(values['max-body-bytes']),
  };
}

type ReadyMessage = { type: 'ready'; port: number; pids: number[] };
type WorkerMessage = { type: 'listening'; port: number; pid: number };

function tellParent(message: ReadyMessage): void {
  if (process.send) process.send(message);
  else
    process.stdout.write(`model server listening on port ${message.port}, pids ${message.pids.join(' ')}\n`);
}

/** Starts the HTTP server in this process; resolves with the port once it listens. */
function serve(args: ServerArgs): Promise<number> {
  const model = loadXgboostModel(args.modelPath);
  const server = createServer(
    { keepAlive: true, keepAliveTimeout: 65_000, requestTimeout: 60_000 },
    createInvocationHandler(model, {
      maxBodyBytes: args.maxBodyBytes,
      onFault: (error) => process.stderr.write(`model server fault: ${String(error)}\n`),
    }),
  );
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(args.port, args.host, () => resolve((server.address() as AddressInfo).port));
  });
}

async function runPrimary(args: ServerArgs): Promise<void> {
  if (process.send) process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  if (args.workers === 1) {
    const port = await serve(args);
    tellParent({ type: 'ready', port, pids: [process.pid] });
    return;
  }
  cluster.setupPrimary({ args: process.argv.slice(2) });
  const listening = new Map<number, number>();
  let stopping = false;
  for (let i = 0; i < args.workers; i++) cluster.fork();
  cluster.on('message', (worker, message: WorkerMessage) => {
    if (message?.type !== 'listening') return;
    listening.set(worker.process.pid ?? message.pid, message.port);
    if (listening.size === args.workers) {
      const ports = new Set(listening.values());
      if (ports.size !== 1) throw new Error(`workers listen on different ports: ${[...ports].join(', ')}`);
      tellParent({ type: 'ready', port: [...ports][0]!, pids: [process.pid, ...listening.keys()] });
    }
  });
  cluster.on('exit', (worker, code) => {
    if (!stopping) {
      process.stderr.write(`model server worker ${worker.process.pid} exited (${code}); stopping\n`);
      process.exit(1);
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function runWorker(args: ServerArgs): Promise<void> {
  const port = await serve(args);
  process.send?.({ type: 'listening', port, pid: process.pid } satisfies WorkerMessage);
}

const args = readArgs();
(cluster.isPrimary ? runPrimary(args) : runWorker(args)).catch((error: unknown) => {
  process.stderr.write(
    `model server failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
