/**
 * `scaleplan run --backend local`: the real state machine definition, executed in-process by
 * aws-local-stepfunctions, with the real handlers wired to the local ports. The Default job is a
 * real benchmark of a real server on the SageMaker contract (the bundled demo XGBoost server,
 * started and stopped here, or the user's own at `model.url`); the Advanced job is the digital
 * twin. Waits are shortened; everything lands in the run's folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type BenchmarkProgress,
  DEFAULT_PROBE_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  defaultGeneratorCpus,
  runLocalBenchmark,
} from '../adapters/local/loadgen';
import {
  DEMO_PAYLOAD_PATH,
  defaultServerCpus,
  type RunningModelServer,
  startModelServer,
} from '../adapters/local/model-server';
import { createLocalPorts, withLocalEvaluationReason } from '../adapters/local/ports';
import { analyzeBenchmark } from '../core/benchmark';
import type { BenchmarkSeries } from '../core/benchmark-file';
import { ConfigurationError, InvalidInputError } from '../core/errors';
import { describeIssues } from '../core/issues';
import type { EvaluationInput } from '../core/ports';
import type { Recommendation } from '../core/recommendation';
import { type ScalingRequest, ScalingRequestSchema } from '../core/request';
import { simulateEvaluationMetrics } from '../core/sim/predict';
import type { BenchmarkAnalysis } from '../core/types';
import { readRawDefinition } from './definition';
import { type LocalRunResult, runWorkflowLocally } from './local-runner';

/** Default length of the local Default job's benchmark, seconds (the whole run stays under 5 minutes). */
export const DEFAULT_LOCAL_BENCHMARK_SECONDS = 75;
/** Default length of one benchmark period locally, seconds (CloudWatch uses 60; every output is also per minute). */
export const DEFAULT_LOCAL_PERIOD_SECONDS = 10;
/** How often the local workflow polls a running job at most, milliseconds (the definition waits 60 s on AWS). */
export const LOCAL_POLL_INTERVAL_MS = 1_000;
/**
 * Fewest whole periods (steps of load) a local benchmark may have: the analysis needs 3 full
 * periods and a 1.25x rise, and the first paced stairs and a stop on the plateau use some more.
 */
export const MIN_LOCAL_BENCHMARK_PERIODS = 5;
/** Longest local benchmark accepted, seconds: an hour is already far beyond any plateau locally. */
export const MAX_LOCAL_BENCHMARK_SECONDS = 3_600;

/** PollJob's maxRounds in the definition: how many polls the workflow waits for the Default job. */
export function jobPollRounds(definition: Record<string, unknown> = readRawDefinition()): number {
  const states = definition.States as Record<string, { Parameters?: { maxRounds?: unknown } }> | undefined;
  const rounds = states?.PollJob?.Parameters?.maxRounds;
  if (typeof rounds !== 'number' || !Number.isInteger(rounds) || rounds < 1)
    throw new ConfigurationError(
      'the state machine definition has no PollJob maxRounds (a positive integer)',
    );
  return rounds;
}

/**
 * Longest the local Default job can take, seconds: the probe, the profile (bounded by
 * `benchmarkSeconds`), the drain of the last requests (bounded by their time limit), plus a
 * margin for boundary timers that fire late on a busy machine and for the ping.
 *
 * @example
 * localJobMaxSeconds(75); // 2 + 75 + 10 + 0.1 x 75 + 5 = 99.5
 */
export function localJobMaxSeconds(
  benchmarkSeconds: number,
  probeSeconds: number = DEFAULT_PROBE_SECONDS,
  requestTimeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS,
): number {
  return probeSeconds + benchmarkSeconds + requestTimeoutMs / 1000 + 0.1 * benchmarkSeconds + 5;
}

/**
 * The local WaitForJob wait, milliseconds: {@link LOCAL_POLL_INTERVAL_MS}, or longer when a long
 * benchmark would otherwise outlast PollJob's `maxRounds` polls (WaitTimeoutError). One round is
 * kept spare, so the job has ended by the poll before the last.
 *
 * @example
 * localJobWaitMs(75, 90);  // ceil(99.5 s / 89 rounds) = 1118 ms
 * localJobWaitMs(600, 90); // ceil(677 s / 89 rounds) = 7607 ms
 */
export function localJobWaitMs(benchmarkSeconds: number, maxRounds: number): number {
  const spareRounds = Math.max(1, maxRounds - 1);
  return Math.max(
    LOCAL_POLL_INTERVAL_MS,
    Math.ceil((1000 * localJobMaxSeconds(benchmarkSeconds)) / spareRounds),
  );
}

export interface LocalRunEvents {
  onStateEntered?: (stateName: string) => void;
  onBenchmarkPeriod?: (progress: BenchmarkProgress) => void;
  onServerStarted?: (server: { url: string; pids: number[]; cpus?: number[] }) => void;
}

export interface LocalWorkflowOptions extends LocalRunEvents {
  /** The ScalingRequest as read from the file (validated here). */
  request: unknown;
  /** Folder for this run's files; created. */
  outDir: string;
  /** The execution name (`$$.Execution.Name`), from which the run id derives. */
  executionName: string;
  benchmarkSeconds?: number;
  periodSeconds?: number;
  /** Pids of the user's server (model.url) whose CPU the benchmark measures. */
  serverPids?: number[];
  /** The clock (wall time), injectable for tests. */
  now?: () => Date;
  /** Runs the state machine; default {@link runWorkflowLocally}. Tests inject one that throws. */
  runWorkflow?: typeof runWorkflowLocally;
}

export interface LocalWorkflowResult extends LocalRunResult {
  outDir: string;
  recommendationPath: string | null;
  summaryPath: string;
}

/** Validates the request for the local backend: it must name a local model (demo or url). */
export function parseLocalRequest(raw: unknown): ScalingRequest & { model: { kind: 'local' } } {
  const parsed = ScalingRequestSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(`request ${describeIssues(parsed.error.issues, raw)}`);
  const request = parsed.data;
  if (request.model.kind !== 'local')
    throw new InvalidInputError(
      `request model.kind is "${request.model.kind}": the local backend runs a local server ({"kind":"local","demo":true} or {"kind":"local","url":...}); deploy with serverless and use "scaleplan start" for AWS`,
    );
  return request as ScalingRequest & { model: { kind: 'local' } };
}

/**
 * Runs the whole workflow on this machine and writes `recommendation.json`, `summary.md`,
 * `benchmark.json` and `state.json` under `outDir`.
 */
export async function runLocalWorkflow(options: LocalWorkflowOptions): Promise<LocalWorkflowResult> {
  const request = parseLocalRequest(options.request);
  const benchmarkSeconds = options.benchmarkSeconds ?? DEFAULT_LOCAL_BENCHMARK_SECONDS;
  const periodSeconds = options.periodSeconds ?? DEFAULT_LOCAL_PERIOD_SECONDS;
  if (!(benchmarkSeconds > 0 && benchmarkSeconds <= MAX_LOCAL_BENCHMARK_SECONDS))
    throw new InvalidInputError(
      `the local benchmark lasts more than 0 and at most ${MAX_LOCAL_BENCHMARK_SECONDS} s, got ${benchmarkSeconds}`,
    );
  if (!(periodSeconds > 0))
    throw new InvalidInputError(`a benchmark period lasts more than 0 s, got ${periodSeconds}`);
  // The analysis needs 3 full periods and a rise of the load: fewer steps fail for certain, and
  // only after the whole benchmark has run. Refused before any load instead.
  const steps = Math.floor(benchmarkSeconds / periodSeconds);
  if (steps < MIN_LOCAL_BENCHMARK_PERIODS)
    throw new InvalidInputError(
      `the benchmark needs at least ${MIN_LOCAL_BENCHMARK_PERIODS} whole periods (the analysis needs 3 full periods and a rise of the load), got floor(${benchmarkSeconds} / ${periodSeconds}) = ${steps}: use a period of at most ${benchmarkSeconds / MIN_LOCAL_BENCHMARK_PERIODS} s or a longer benchmark`,
    );
  const now = options.now ?? (() => new Date());
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const payloadPath = request.model.payloadFile ?? DEMO_PAYLOAD_PATH;
  let payload: Buffer;
  try {
    payload = readFileSync(payloadPath);
  } catch (error) {
    throw new InvalidInputError(
      `model.payloadFile ${payloadPath} cannot be read: ${(error as Error).message}`,
    );
  }

  let server: RunningModelServer | null = null;
  let analysis: BenchmarkAnalysis | null = null;
  let stopJobs: (() => Promise<unknown>) | undefined;
  try {
    let url = request.model.url;
    let serverPids = options.serverPids ?? [];
    let serverCpus: number[] | undefined;
    if (request.model.demo) {
      server = await startModelServer({ port: 0, cpus: defaultServerCpus() });
      url = server.url;
      serverPids = server.pids;
      serverCpus = server.cpus;
      options.onServerStarted?.({
        url: server.url,
        pids: server.pids,
        ...(server.cpus ? { cpus: server.cpus } : {}),
      });
    }
    if (!url) throw new ConfigurationError('no server URL: set model.url or model.demo');
    const benchmarkUrl = url;

    const runBenchmark = (jobName: string, signal: AbortSignal): Promise<BenchmarkSeries> =>
      runLocalBenchmark({
        signal,
        url: benchmarkUrl,
        payload,
        contentType: request.model.contentType,
        serverPids,
        ...(serverCpus ? { serverCpus, generatorCpus: defaultGeneratorCpus(serverCpus) } : {}),
        vcpus: request.vcpus ?? serverCpus?.length ?? 1,
        instanceType: request.instanceType,
        periodSeconds,
        maxDurationSeconds: benchmarkSeconds,
        ...(options.onBenchmarkPeriod ? { onPeriod: options.onBenchmarkPeriod } : {}),
      }).then((series) => ({ ...series, source: { ...series.source, jobName } }));

    const { ports, benchmarks, stopAllJobs } = createLocalPorts({
      runDir: outDir,
      now,
      runBenchmark,
      simulateEvaluation: (input: EvaluationInput) => {
        analysis ??= analyzeBenchmark(latestSeries(outDir), { latencySlo: request.latencySlo });
        return simulateEvaluationMetrics({
          policySet: input.policySet,
          analysis,
          request,
          startTime: now().toISOString(),
          evaluation: { phases: input.phases, maxInvocationsPerMinute: input.maxInvocationsPerMinute },
        });
      },
    });
    // A job still running (the workflow failed before its clean-up stopped it, or threw) must
    // not outlive the run: its load is aborted, and waiting for it takes at most a request's
    // time limit.
    stopJobs = () => {
      stopAllJobs();
      return Promise.allSettled([...benchmarks.values()]);
    };

    const run = await (options.runWorkflow ?? runWorkflowLocally)(request, {
      ports,
      executionName: options.executionName,
      waitTimeOverridesMs: {
        // Scaled with the benchmark, so PollJob's bound never ends a benchmark that is still in bounds.
        WaitForJob: localJobWaitMs(benchmarkSeconds, jobPollRounds()),
        WaitForEndpoint: 0,
        WaitForEvaluation: 0,
      },
      ...(options.onStateEntered ? { onStateEntered: options.onStateEntered } : {}),
    });
    // Before the summary, which reads the benchmark file a settled job leaves.
    await stopJobs();
    // The output says what the stored file says: the evaluation was the digital twin.
    const result: LocalRunResult = { ...run, output: withLocalEvaluationReason(run.output) };

    const recommendationPath = result.status === 'SUCCEEDED' ? join(outDir, 'recommendation.json') : null;
    const summaryPath = join(outDir, 'summary.md');
    const benchmarkWarning = stillRisingWarning(outDir);
    writeFileSync(summaryPath, renderSummary(result, outDir, benchmarkWarning ? { benchmarkWarning } : {}));
    if (result.status === 'FAILED')
      writeFileSync(join(outDir, 'error.json'), `${JSON.stringify(result.error, null, 2)}\n`);
    return { ...result, outDir, recommendationPath, summaryPath };
  } finally {
    // Also when the workflow threw: the server must not stop under a load that keeps running.
    await stopJobs?.();
    await server?.stop();
  }
}

/** The benchmark's still-rising warning, when the run left a benchmark that ended so. */
function stillRisingWarning(outDir: string): string | undefined {
  if (!existsSync(join(outDir, 'benchmark.json'))) return undefined;
  const warning = latestSeries(outDir).source?.stillRising;
  return typeof warning === 'string' ? warning : undefined;
}

function latestSeries(outDir: string): BenchmarkSeries {
  return JSON.parse(readFileSync(join(outDir, 'benchmark.json'), 'utf8')) as BenchmarkSeries;
}

const TWIN_EVALUATION_NOTE =
  'done by the digital twin on the local backend (no SageMaker endpoint deployed, nothing paid); each verdict is a prediction from the local benchmark';

/** A short, human summary of a run (the recommendation file holds everything). */
export function renderSummary(
  result: LocalRunResult,
  outDir: string,
  notes: { benchmarkWarning?: string } = {},
): string {
  const lines = ['# scaleplan local run', '', `- status: ${result.status}`, `- folder: ${outDir}`];
  if (notes.benchmarkWarning) lines.push(`- warning: the benchmark's ${notes.benchmarkWarning}`);
  if (result.status === 'FAILED' && result.error)
    lines.push(`- error: ${result.error.name}: ${result.error.cause}`);
  if (result.status === 'FAILED' && result.states.includes('RunEvaluation'))
    lines.push(`- evaluation: ${TWIN_EVALUATION_NOTE}`);
  if (result.status === 'SUCCEEDED') {
    const { benchmark, thresholds, capacity, iterations, cost } = result.output as Recommendation;
    lines.push(
      `- benchmark: peak ${benchmark.peakInvocationsPerMinute} invocations/min per instance, p95 at peak ${benchmark.latencyAtPeak.p95Ms ?? 'n/a'} ms, bottleneck ${benchmark.bottleneck}`,
      `- thresholds: InvocationsPerInstance ${thresholds.invocationsPerInstance} (${thresholds.chosen}, ${thresholds.targetPercent}%), CPU target ${thresholds.cpuTargetPercent}`,
      `- capacity: MinCapacity ${capacity.minCapacity}, MaxCapacity ${capacity.maxCapacity}`,
      `- cost: ${cost.atMinCapacityPerHourUsd ?? 'n/a'} to ${cost.atMaxCapacityPerHourUsd ?? 'n/a'} USD per hour at Min and Max capacity of ${cost.instanceType} (${cost.source})`,
    );
    lines.push(`- evaluation: ${TWIN_EVALUATION_NOTE}`);
    for (const iteration of iterations) {
      const predicted = iteration.prediction?.verdict.passed;
      const evaluated = iteration.verdict ? (iteration.verdict.passed ? 'passed' : 'failed') : 'not run';
      const failures = (iteration.verdict ?? iteration.prediction?.verdict)?.failures
        .map((f) => f.message)
        .join('; ');
      lines.push(
        `- iteration ${iteration.iteration}: predicted ${predicted === undefined ? 'n/a' : predicted ? 'pass' : 'fail'}, twin evaluation ${evaluated}${failures ? ` (${failures})` : ''}`,
      );
    }
  }
  lines.push(`- states: ${result.states.length} entered, last ${result.states.at(-1) ?? 'none'}`);
  return `${lines.join('\n')}\n`;
}
