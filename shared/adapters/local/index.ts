/**
 * The local backend: the workflow's ports implemented on one machine, behind the same interfaces
 * the AWS adapters implement, one port per file. The Default job runs a real benchmark (injected,
 * so the composition root decides which server and for how long), the evaluation driver is the
 * digital twin (or any driver given), scaling requests are validated the way Application Auto
 * Scaling validates them, and every piece of state is written under the run's folder
 * (`state.json`) so a run can be inspected afterwards.
 */
import type { BenchmarkSeries } from '../../core/benchmark-file';
import type { EvaluationDriverPort, WorkflowPorts } from '../../core/ports';
import { createLocalArtifacts } from './artifacts';
import { createLocalCleanup } from './cleanup';
import { createTwinEvaluationDriver } from './evaluation-twin';
import { createLocalRunEvents } from './events';
import { createLocalHosting } from './hosting';
import { createLocalJobs, type RunLocalBenchmark } from './jobs';
import { createLocalMetrics } from './metrics';
import { createLocalRegistry } from './registry';
import { createLocalRunData } from './run-data';
import { createLocalScaling } from './scaling';
import { createLocalStateStore, type LocalState, type LocalStateStore } from './state-store';
import { createLocalTrafficHistory } from './traffic-history';

export {
  LOCAL_ENDPOINT_REASON_CODE,
  LOCAL_EVALUATION_REASON_CODE,
  withLocalEvaluationReason,
} from './artifacts';
export type { LocalBenchmarkJob, RunLocalBenchmark } from './jobs';
export { LOCAL_MODEL_KINDS } from './registry';
export {
  emptyLocalState,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalModelSource,
  type LocalState,
  type LocalStateStore,
} from './state-store';

/** Builds an evaluation driver over the local state (the twin by default; a local fleet later). */
export type LocalEvaluationDriverFactory = (
  store: LocalStateStore,
  options: { now: () => Date },
) => EvaluationDriverPort;

export interface LocalBackendOptions {
  /** Folder of this run; state.json, benchmark.json and recommendation.json are written there. */
  runDir: string;
  /** Runs the Default job's benchmark of the package's local server (see RunLocalBenchmark). */
  runBenchmark: RunLocalBenchmark;
  /** The evaluation driver; default the digital twin ({@link createTwinEvaluationDriver}). */
  evaluationDriver?: LocalEvaluationDriverFactory;
  /** The clock, for timestamps of the benchmark window and the evaluations. */
  now: () => Date;
  /**
   * The reason added to the stored recommendation when the evaluation driver measures (the local
   * endpoint); default: the twin's reason, that each verdict is a prediction.
   */
  evaluationReason?: { code: string; message: string };
}

export interface LocalBackend {
  ports: WorkflowPorts;
  /** The live state (for tests and the summary). */
  state: LocalState;
  /** A promise per background job, so a caller can wait for them before exiting. */
  benchmarks: Map<string, Promise<BenchmarkSeries>>;
  /** Stops whatever still runs (the workflow ended without stopping its job). */
  stopAllJobs: () => void;
  /** The recommendation as the artifact store wrote it (with the twin's reason); undefined before. */
  storedRecommendation: () => unknown;
  /** The series of the last Default job that completed (what GetBenchmarkSeries served); undefined before. */
  benchmarkSeries: () => BenchmarkSeries | undefined;
}

/**
 * @example
 * const local = createLocalPorts({ runDir: 'out/run-1', runBenchmark, now: () => new Date() });
 * await runWorkflowLocally(request, { ports: local.ports });
 */
export function createLocalPorts(options: LocalBackendOptions): LocalBackend {
  const store = createLocalStateStore(options.runDir);
  const jobs = createLocalJobs(store, { runBenchmark: options.runBenchmark, now: options.now });
  const evaluation = (options.evaluationDriver ?? createTwinEvaluationDriver)(store, { now: options.now });
  const artifacts = createLocalArtifacts(store, options.evaluationReason);
  return {
    ports: {
      registry: createLocalRegistry(store),
      jobs: jobs.port,
      metrics: createLocalMetrics(store),
      hosting: createLocalHosting(store),
      scaling: createLocalScaling(store),
      evaluation,
      cleanup: createLocalCleanup(store, jobs),
      artifacts: artifacts.port,
      history: createLocalTrafficHistory(),
      runData: createLocalRunData(options.runDir),
      events: createLocalRunEvents(options.runDir),
    },
    state: store.state,
    benchmarks: jobs.benchmarks,
    stopAllJobs: () => {
      const jobNames = Object.keys(store.state.jobs);
      for (const jobName of jobNames) jobs.stopRunningJob(jobName);
      // A run that created nothing leaves no state.json behind.
      if (jobNames.length > 0) store.save();
    },
    storedRecommendation: artifacts.stored,
    benchmarkSeries: () => [...store.series.values()].at(-1),
  };
}
