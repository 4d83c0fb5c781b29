import type { Command } from 'commander';
import { DEMO_MODEL_PATH, startModelServer } from '../../shared/adapters/local/model-server';
import { InvalidInputError } from '../../shared/core/errors';
import { parsePositiveInteger } from '../numbers';

function parseCpus(text: string): number[] {
  const cpus = text.split(',').map((part) => Number(part.trim()));
  if (cpus.some((cpu) => !Number.isInteger(cpu) || cpu < 0)) {
    throw new InvalidInputError(`--cpus expects core numbers like "0" or "0,1", got "${text}"`);
  }
  return cpus;
}

/** A TCP port, 0..65535 (0 picks a free one). */
function parsePort(text: string): number {
  const port = parsePositiveInteger('--port', text, true);
  if (port > 65_535) throw new InvalidInputError(`--port expects 0..65535, got "${text}"`);
  return port;
}

/**
 * `scaleplan serve-demo`: the demo XGBoost model (or another XGBoost JSON model) behind the
 * SageMaker container contract, until Ctrl-C.
 */
export function registerServeDemo(program: Command): void {
  program
    .command('serve-demo')
    .description(
      'serve the demo XGBoost model on the SageMaker contract (GET /ping, POST /invocations text/csv)',
    )
    .option('--port <n>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--workers <n>', 'worker processes', '1')
    .option('--model <file>', 'XGBoost JSON model', DEMO_MODEL_PATH)
    .option('--cpus <list>', 'pin the server to these cores with taskset, e.g. "0"')
    .action(async (opts: { port: string; host: string; workers: string; model: string; cpus?: string }) => {
      const server = await startModelServer({
        port: parsePort(opts.port),
        host: opts.host,
        workers: parsePositiveInteger('--workers', opts.workers),
        modelPath: opts.model,
        ...(opts.cpus ? { cpus: parseCpus(opts.cpus) } : {}),
      });
      process.stdout.write(
        `model server ready at ${server.url} (pids ${server.pids.join(' ')}${server.cpus ? `, cores ${server.cpus.join(',')}` : ''})\n` +
          `  curl ${server.url}/ping\n` +
          `  curl -H 'Content-Type: text/csv' --data-binary @models/demo/payload.csv ${server.url}/invocations\n` +
          `  npx scaleplan bench --url ${server.url} --server-pid ${server.pids.join(' ')}\n` +
          'Ctrl-C stops it.\n',
      );
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          void server.stop().then(resolve);
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
    });
}

export { parseCpus };
