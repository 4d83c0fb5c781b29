/**
 * `scaleplan run --backend local`: the real state machine definition, executed in-process by
 * aws-local-stepfunctions, with the real handlers wired to the local ports. By default the
 * Advanced job is a real load test of the local endpoint and the Default job benchmarks one of its
 * instances (local-fleet.ts); with `evaluation: 'twin'` the Default job benchmarks the demo server
 * (pinned) or the user's own at `model.url`, and the digital twin plays the Advanced job.
 * NormalizeInput validates the request, as on AWS. Waits are shortened and sized
 * from the definition's bounds, which the runner passes up; everything lands in the run's folder.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { createLocalPorts, type LocalBenchmarkJob } from '../adapters/local';
import { DEFAULT_RESERVED_CORES } from '../adapters/local/fleet';
import {
  type BenchmarkProgress,
  DEFAULT_PROBE_SECONDS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  defaultGeneratorCpus,
  runLocalBenchmark,
} from '../adapters/local/loadgen';
import { defaultServerCpus, startModelServer } from '../adapters/local/model-server';
import type { BenchmarkSeries } from '../core/benchmark-file';
import { ConfigurationError, InvalidInputError } from '../core/errors';
import type { Recommendation } from '../core/recommendation';
import { type ScalingRequestDraft, ScalingRequestDraftSchema } from '../core/request';
import { renderRunSummary } from '../outputs/summary';
import type { DefinitionBounds } from './definition';
import {
  describeResolvedFleet,
  fleetBenchmarkRunner,
  fleetEvaluationFactory,
  fleetEvaluationReason,
  type LocalFleetOptions,
  type ResolvedFleet,
  resolveFleet,
} from './local-fleet';
import { type LocalRunResult, runWorkflowLocally } from './local-runner';
import { writeRunReport } from './report-file';

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

/**
 * Time the Default job allows the demo server to start, seconds: the job starts it (measured
 * 1.5-1.9 s until ready on a busy 2-core machine), so its start counts in the job's length.
 */
export const LOCAL_SERVER_START_SECONDS = 5;

/**
 * Longest the local Default job can take, seconds: the demo server's start, the probe, the
 * profile (bounded by `benchmarkSeconds`), the drain of the last requests (bounded by their time
 * limit), plus a margin for boundary timers that fire late on a busy machine and for the ping.
 *
 * @example
 * localJobMaxSeconds(75); // 5 + 2 + 75 + 10 + 0.1 x 75 + 5 = 104.5
 */
export function localJobMaxSeconds(
  benchmarkSeconds: number,
  probeSeconds: number = DEFAULT_PROBE_SECONDS,
  requestTimeoutMs: number = DEFAULT_REQUEST_TIMEOUT_MS,
): number {
  return (
    LOCAL_SERVER_START_SECONDS +
    probeSeconds +
    benchmarkSeconds +
    requestTimeoutMs / 1000 +
    0.1 * benchmarkSeconds +
    5
  );
}

/**
 * The local WaitForJob wait, milliseconds: {@link LOCAL_POLL_INTERVAL_MS}, or longer when a long
 * benchmark would otherwise outlast PollJob's `maxRounds` polls (WaitTimeoutError). One round is
 * kept spare, so the job has ended by the poll before the last.
 *
 * @example
 * localJobWaitMs(75, 90);  // ceil(104.5 s / 89 rounds) = 1175 ms
 * localJobWaitMs(600, 90); // ceil(682 s / 89 rounds) = 7663 ms
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
  /** The execution input as read from the file: NormalizeInput validates it, as on AWS. */
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
  /**
   * What plays the Advanced job: 'fleet' (default), a real load test of the local endpoint, a
   * fleet of real server processes that scales (docs/local-endpoint.md); 'twin', the digital twin
   * (nothing measured: each verdict is a prediction; also for a server given only by `model.url`).
   */
  evaluation?: LocalEvaluationKind;
  /** The local endpoint's settings (time scale, instance size, routing). */
  fleet?: LocalFleetOptions;
}

export type LocalEvaluationKind = 'fleet' | 'twin';

export interface LocalWorkflowResult extends LocalRunResult {
  outDir: string;
  /** The recommendation as stored in recommendation.json (the twin's reason included); null unless SUCCEEDED. */
  recommendation: Recommendation | null;
  recommendationPath: string | null;
  summaryPath: string;
}

/** How the local backend evaluates, in the summary. */
const TWIN_EVALUATION_NOTE =
  'done by the digital twin on the local backend (no SageMaker endpoint deployed, nothing paid); each verdict is a prediction from the local benchmark';

/**
 * Refuses, before anything starts, a request the local endpoint cannot run: a server it cannot
 * start (only a URL), or more instances than fit on this machine. A request that is invalid
 * otherwise is left to NormalizeInput, which names the field.
 */
function checkFleetRequest(request: ScalingRequestDraft | undefined, fleet: ResolvedFleet): void {
  if (request?.model.kind !== 'local') return;
  const { model, maxInstancesLimit } = request;
  if (!model.demo && !model.command)
    throw new InvalidInputError(
      `model.url ${model.url}: the local endpoint starts its own instances, so it needs model.command (argv with {port}) or model.demo; to evaluate a running server, use --evaluation twin`,
    );
  if (maxInstancesLimit > fleet.maxInstances)
    throw new InvalidInputError(
      `maxInstancesLimit ${maxInstancesLimit}: at most ${fleet.maxInstances} instances of ${fleet.instanceCores} cores fit on this machine's local endpoint (${availableParallelism()} cores, ${DEFAULT_RESERVED_CORES} kept for the router and the load); set maxInstancesLimit <= ${fleet.maxInstances}, or a smaller --instance-cores`,
    );
}

/**
 * Refuses a benchmark length or period the analysis cannot use, before any load: the analysis
 * needs 3 full periods and a rise of the load, so fewer steps fail for certain, and only after
 * the whole benchmark has run.
 */
export function checkLocalBenchmarkLength(benchmarkSeconds: number, periodSeconds: number): void {
  if (!(benchmarkSeconds > 0 && benchmarkSeconds <= MAX_LOCAL_BENCHMARK_SECONDS))
    throw new InvalidInputError(
      `the local benchmark lasts more than 0 and at most ${MAX_LOCAL_BENCHMARK_SECONDS} s, got ${benchmarkSeconds}`,
    );
  if (!(periodSeconds > 0))
    throw new InvalidInputError(`a benchmark period lasts more than 0 s, got ${periodSeconds}`);
  const steps = Math.floor(benchmarkSeconds / periodSeconds);
  if (steps < MIN_LOCAL_BENCHMARK_PERIODS)
    throw new InvalidInputError(
      `the benchmark needs at least ${MIN_LOCAL_BENCHMARK_PERIODS} whole periods (the analysis needs 3 full periods and a rise of the load), got floor(${benchmarkSeconds} / ${periodSeconds}) = ${steps}: use a period of at most ${benchmarkSeconds / MIN_LOCAL_BENCHMARK_PERIODS} s or a longer benchmark`,
    );
}

/**
 * The Default job's benchmark on this machine: the bundled demo server, started for the job and
 * stopped when its benchmark settles (also when it is aborted), or the user's server at
 * `model.url`.
 */
function localBenchmarkRunner(
  options: LocalWorkflowOptions,
  lengths: { benchmarkSeconds: number; periodSeconds: number },
): (job: LocalBenchmarkJob, signal: AbortSignal) => Promise<BenchmarkSeries> {
  return async (job, signal) => {
    const server = job.model.demo ? await startModelServer({ port: 0, cpus: defaultServerCpus() }) : null;
    try {
      if (server)
        options.onServerStarted?.({
          url: server.url,
          pids: server.pids,
          ...(server.cpus ? { cpus: server.cpus } : {}),
        });
      const url = server?.url ?? job.model.url;
      if (!url) throw new ConfigurationError('no server URL: set model.url or model.demo');
      const serverCpus = server?.cpus;
      const series = await runLocalBenchmark({
        signal,
        url,
        payload: job.payload,
        contentType: job.model.contentType,
        serverPids: server?.pids ?? options.serverPids ?? [],
        ...(serverCpus ? { serverCpus, generatorCpus: defaultGeneratorCpus(serverCpus) } : {}),
        vcpus: job.vcpus ?? serverCpus?.length ?? 1,
        instanceType: job.instanceType,
        periodSeconds: lengths.periodSeconds,
        maxDurationSeconds: lengths.benchmarkSeconds,
        ...(options.onBenchmarkPeriod ? { onPeriod: options.onBenchmarkPeriod } : {}),
      });
      return { ...series, source: { ...series.source, jobName: job.jobName } };
    } finally {
      // The load has ended (or was aborted) here: the server never stops under a running load.
      await server?.stop();
    }
  };
}

/**
 * The local waits: WaitForJob scaled with the benchmark, so the definition's PollJob bound never
 * ends a benchmark that is still in bounds; WaitForEvaluation scaled with the longest evaluation
 * on the local endpoint (its phases and the watch of the scale-in, on the scaled clock, plus the
 * instances' starts); the endpoint wait is instant (nothing to wait for).
 */
function localWaitsMs(
  benchmarkSeconds: number,
  evaluationMaxRealSeconds: number,
): (bounds: DefinitionBounds) => Record<string, number> {
  return ({ maxRounds }) => {
    const rounds = (state: string) => {
      const found = maxRounds[state];
      if (found === undefined)
        throw new ConfigurationError(
          `the state machine definition has no ${state} maxRounds (a positive integer)`,
        );
      return found;
    };
    return {
      WaitForJob: localJobWaitMs(benchmarkSeconds, rounds('PollJob')),
      WaitForEndpoint: 0,
      WaitForEvaluation: Math.ceil(
        (1000 * evaluationMaxRealSeconds) / Math.max(1, rounds('PollEvaluation') - 1),
      ),
    };
  };
}

/**
 * Longest an evaluation on the local endpoint lasts, real seconds: the job's length and the watch
 * of the scale-in on the scaled clock, plus time for the instances to start (measured about 1-2 s
 * each on this 2-core machine) and for the last requests. 0 for the twin, which answers at once.
 */
function evaluationMaxRealSeconds(
  request: ScalingRequestDraft | undefined,
  fleet: ResolvedFleet | null,
): number {
  if (!fleet) return 0;
  const jobSeconds = request?.evaluation.jobDurationSeconds ?? 0;
  return (jobSeconds + fleet.afterLoadSeconds) / fleet.timeScale + 2 * fleet.maxInstances + 30;
}

/**
 * Runs the whole workflow on this machine and writes `recommendation.json`, `summary.md`,
 * `benchmark.json` and `state.json` under `outDir`. A bad request fails at NormalizeInput, as on
 * AWS: the result is FAILED with its InvalidInputError, and nothing was created or started.
 */
export async function runLocalWorkflow(options: LocalWorkflowOptions): Promise<LocalWorkflowResult> {
  const benchmarkSeconds = options.benchmarkSeconds ?? DEFAULT_LOCAL_BENCHMARK_SECONDS;
  const periodSeconds = options.periodSeconds ?? DEFAULT_LOCAL_PERIOD_SECONDS;
  checkLocalBenchmarkLength(benchmarkSeconds, periodSeconds);
  const outDir = resolve(options.outDir);
  const lengths = { benchmarkSeconds, periodSeconds };
  const fleet = options.evaluation === 'twin' ? null : resolveFleet(options.fleet ?? {});
  // The request as NormalizeInput will read it (rates may come from a history); an invalid one is
  // left to NormalizeInput, which names the field.
  const parsed = ScalingRequestDraftSchema.safeParse(options.request);
  const request = parsed.success ? parsed.data : undefined;
  if (fleet) checkFleetRequest(request, fleet);
  const local = createLocalPorts({
    runDir: outDir,
    now: options.now ?? (() => new Date()),
    ...(fleet
      ? {
          runBenchmark: fleetBenchmarkRunner(fleet, lengths, options),
          evaluationDriver: fleetEvaluationFactory(fleet, options.fleet ?? {}),
          evaluationReason: fleetEvaluationReason(fleet),
        }
      : { runBenchmark: localBenchmarkRunner(options, lengths) }),
  });
  // A job still running (the workflow failed before its clean-up stopped it, or threw) must not
  // outlive the run: its load is aborted, and waiting for it (and its server's stop) takes at
  // most a request's time limit.
  const stopJobs = () => {
    local.stopAllJobs();
    return Promise.allSettled([...local.benchmarks.values()]);
  };
  try {
    const result = await (options.runWorkflow ?? runWorkflowLocally)(options.request, {
      ports: local.ports,
      executionName: options.executionName,
      waitTimeOverridesMs: localWaitsMs(benchmarkSeconds, evaluationMaxRealSeconds(request, fleet)),
      ...(options.onStateEntered ? { onStateEntered: options.onStateEntered } : {}),
    });
    await stopJobs();
    const recommendation =
      result.status === 'SUCCEEDED'
        ? ((local.storedRecommendation() as Recommendation | undefined) ?? null)
        : null;
    const recommendationPath = recommendation ? join(outDir, 'recommendation.json') : null;
    const summaryPath = join(outDir, 'summary.md');
    const stillRising = local.benchmarkSeries()?.source?.stillRising;
    const summary = renderRunSummary({
      ...result,
      recommendation,
      ...(recommendationPath ? { recommendationPath } : {}),
      folder: outDir,
      evaluationNote: fleet ? `measured on the ${describeResolvedFleet(fleet)}` : TWIN_EVALUATION_NOTE,
      evaluationLabel: fleet ? 'local endpoint evaluation' : 'twin evaluation',
      measuredBy: fleet ? 'the local endpoint' : 'the twin driver',
      ...(typeof stillRising === 'string' ? { benchmarkWarning: stillRising } : {}),
    });
    writeFileSync(summaryPath, summary);
    // The charts beside the file they are drawn from (docs/outputs.md).
    if (recommendation) writeRunReport(outDir, recommendation, options.request);
    if (result.status === 'FAILED')
      writeFileSync(join(outDir, 'error.json'), `${JSON.stringify(result.error, null, 2)}\n`);
    return { ...result, outDir, recommendation, recommendationPath, summaryPath };
  } finally {
    // Also when the workflow threw: no load, and so no server, outlives the run.
    await stopJobs();
  }
}
