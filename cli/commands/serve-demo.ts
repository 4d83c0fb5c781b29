import type { Command } from 'commander';
import { DEMO_MODEL_PATH, startModelServer } from '../../shared/adapters/local/model-server';
import { cpuList, integer, nonBlankText } from '../options';

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
    .option(
      '--port <n>',
      'TCP port (0 picks a free one)',
      integer({ atLeast: 0, atMost: 65_535 }, '8080'),
      8080,
    )
    .option('--host <host>', 'interface to listen on', nonBlankText, '127.0.0.1')
    .option('--workers <n>', 'worker processes', integer({ atLeast: 1 }), 1)
    .option('--model <file>', 'XGBoost JSON model', nonBlankText, DEMO_MODEL_PATH)
    .option('--cpus <list>', 'pin the server to these cores with taskset, e.g. "0"', cpuList)
    .action(async (opts: { port: number; host: string; workers: number; model: string; cpus?: number[] }) => {
      const server = await startModelServer({
        port: opts.port,
        host: opts.host,
        workers: opts.workers,
        modelPath: opts.model,
        ...(opts.cpus ? { cpus: opts.cpus } : {}),
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
