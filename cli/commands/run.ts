/**
 * `scaleplan run FILE --backend local`: the whole workflow on this machine (see
 * shared/workflow/run-local.ts), with progress on stderr and the results in `--out`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { FleetProgress } from '../../shared/adapters/local/fleet';
import { InvalidInputError } from '../../shared/core/errors';
import { DEFAULT_LOCAL_MAX_INSTANCES, DEFAULT_TIME_SCALE } from '../../shared/workflow/local-fleet';
import {
  DEFAULT_LOCAL_BENCHMARK_SECONDS,
  DEFAULT_LOCAL_PERIOD_SECONDS,
  MAX_LOCAL_BENCHMARK_SECONDS,
  runLocalWorkflow,
} from '../../shared/workflow/run-local';
import { EXIT_CODES } from '../exit-codes';
import { choiceOption, decimal, nonBlankText, pidList, readJsonFile } from '../options';

/** `local-2026-01-01t00-00-00z`: sortable, valid as an execution name and a folder name. */
export function localExecutionName(now: Date): string {
  return `local-${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[:.]/g, '-')
    .toLowerCase()}`;
}

/**
 * One line per period of an evaluation on the local endpoint: the fleet (InService of desired),
 * and the last published period's throughput, p95 and errors.
 *
 * @example
 * formatFleetProgress({ evaluationName: 'e', phase: 'load', elapsedSeconds: 300, status: 'InService', inService: 2, desired: 3, lastPeriod });
 * // 'evaluation e  +5 min  InService  instances 2/3 (InService/desired)  9,400 invocations/min  p95 12.3 ms  errors 0'
 */
export function formatFleetProgress(p: FleetProgress): string {
  const last = p.lastPeriod;
  const traffic = last
    ? `  ${Math.round(last.invocations).toLocaleString('en-US')} invocations/min  p95 ${((last.modelLatencyP95Us ?? 0) / 1000).toFixed(1)} ms  errors ${last.invocation4xxErrors + last.invocation5xxErrors}`
    : '';
  const phase = p.phase === 'afterLoad' ? '  (load over: watching the scale-in)' : '';
  return `evaluation ${p.evaluationName}  +${Math.round(p.elapsedSeconds / 60)} min  ${p.status}  instances ${p.inService}/${p.desired} (InService/desired)${traffic}${phase}`;
}

/** The options of the evaluation on the local endpoint (docs/local-endpoint.md). */
function withLocalEndpointOptions(command: Command): Command {
  return command
    .addOption(
      choiceOption(
        '--evaluation <driver>',
        'what plays the Advanced job: fleet (a real load test of the local endpoint, a fleet of real server processes that scales) or twin (the digital twin: a prediction, nothing measured)',
        ['fleet', 'twin'],
      ).default('fleet'),
    )
    .option(
      '--time-scale <n>',
      'local endpoint: AWS seconds per real second (60: an AWS minute lasts a real second)',
      decimal({ atLeast: 1, atMost: 3600 }),
      DEFAULT_TIME_SCALE,
    )
    .option(
      '--instance-cores <n>',
      `local endpoint: CPU quota of one instance, cores (default: ${DEFAULT_LOCAL_MAX_INSTANCES} instances fit with 0.5 cores left)`,
      decimal({ above: 0 }),
    )
    .addOption(
      choiceOption('--routing <strategy>', "local endpoint: SageMaker's routing strategy", [
        'RANDOM',
        'LEAST_OUTSTANDING_REQUESTS',
      ]).default('RANDOM'),
    );
}

export function registerRun(program: Command): void {
  withLocalEndpointOptions(program.command('run'))
    .description(
      'run the whole workflow (benchmark, thresholds, policies, evaluation on the local endpoint) on a request file',
    )
    .argument('<file>', 'ScalingRequest JSON (see examples/demo.request.json)')
    .addOption(
      choiceOption(
        '--backend <backend>',
        'where to run: local (this machine); AWS runs go through "scaleplan start"',
        ['local', 'aws'],
      ).default('local'),
    )
    .option(
      '--out <dir>',
      'folder for recommendation.json, summary.md, benchmark.json and state.json (default out/<run-id>)',
      nonBlankText,
    )
    .option(
      '--benchmark-seconds <n>',
      `longest local benchmark, seconds (at most ${MAX_LOCAL_BENCHMARK_SECONDS}; the workflow's wait for the job scales with it)`,
      decimal({ above: 0, atMost: MAX_LOCAL_BENCHMARK_SECONDS }),
      DEFAULT_LOCAL_BENCHMARK_SECONDS,
    )
    .option(
      '--period-seconds <n>',
      'length of one benchmark period, seconds',
      decimal({ above: 0 }),
      DEFAULT_LOCAL_PERIOD_SECONDS,
    )
    .option('--server-pid <pid...>', 'pids of your own server (model.url) so its CPU is measured', pidList())
    .option('--quiet', 'print only where the results are')
    .option(
      '--json',
      'print the recommendation (recommendation.json) to stdout instead of where the results are',
    )
    .action(async (file: string, options) => {
      if (options.backend === 'aws')
        throw new InvalidInputError(
          'the AWS backend runs as a deployed state machine: "npx osls deploy", then "npx scaleplan start --state-machine-arn ARN FILE" (see docs/aws.md)',
        );
      const request = readJsonFile(file, 'request file');
      const executionName = localExecutionName(new Date());
      const outDir = options.out ?? join('out', executionName);
      const log = (line: string) => {
        if (!options.quiet) process.stderr.write(`${line}\n`);
      };
      const started = Date.now();
      const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
      const serverPids = options.serverPid as number[] | undefined;
      log(`scaleplan run ${executionName}: ${file}, local backend, results in ${outDir}`);
      const result = await runLocalWorkflow({
        request,
        outDir,
        executionName,
        benchmarkSeconds: options.benchmarkSeconds,
        periodSeconds: options.periodSeconds,
        ...(serverPids ? { serverPids } : {}),
        evaluation: options.evaluation,
        fleet: {
          timeScale: options.timeScale,
          routingStrategy: options.routing,
          ...(options.instanceCores === undefined ? {} : { instanceCores: options.instanceCores }),
          onFleetProgress: (p) => log(`${elapsed()}    ${formatFleetProgress(p)}`),
        },
        onServerStarted: (server) =>
          log(
            `${elapsed()}  model server on ${server.url} (pids ${server.pids.join(',')}${server.cpus ? `, cpus ${server.cpus.join(',')}` : ''})`,
          ),
        onStateEntered: (state) => {
          if (!/^(WaitFor|Poll|Is)/.test(state)) log(`${elapsed()}  state ${state}`);
        },
        onBenchmarkPeriod: (p) => {
          log(
            `${elapsed()}    benchmark users ${String(p.users).padStart(3)}  ${Math.round(p.invocationsPerMinute).toString().padStart(7)} invocations/min  p95 ${p.p95Ms.toFixed(2)} ms  CPU ${p.cpuUtilizationPercent.toFixed(0)}%  errors ${p.errors4xx + p.errors5xx}${p.stopReason ? `  (stop: ${p.stopReason})` : ''}`,
          );
          if (p.stillRising)
            log(`${elapsed()}    warning: ${p.stillRising}; try a larger --benchmark-seconds`);
        },
      });
      if (!options.quiet) process.stderr.write(`\n${readFileSync(result.summaryPath, 'utf8')}\n`);
      if (result.status === 'SUCCEEDED' && options.json) {
        process.stdout.write(`${JSON.stringify(result.recommendation, null, 2)}\n`);
      } else if (result.status === 'SUCCEEDED') {
        process.stdout.write(
          `recommendation: ${result.recommendationPath}\nsummary: ${result.summaryPath}\n`,
        );
      } else {
        if (!options.json) process.stdout.write(`summary: ${result.summaryPath}\n`);
        process.stderr.write(`scaleplan run failed: ${result.error?.name}: ${result.error?.cause}\n`);
        // A request the workflow refuses is bad input, as when it is refused before the run.
        process.exitCode =
          result.error?.name === 'InvalidInputError' ? EXIT_CODES.badInput : EXIT_CODES.failed;
      }
    });
}
