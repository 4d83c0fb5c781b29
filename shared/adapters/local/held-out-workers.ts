/**
 * The held-out search on several cores: the grid's candidates and each fold's forecast candidates
 * are split into shards, each shard's simulations run in a worker thread (`gridSimulations`), and
 * the search itself then runs on the main thread with those simulations already done (the
 * refinement, which depends on each fold's pick, and the baselines stay there). The result is the
 * one `searchHeldOut` gives alone: the twin is deterministic and the shards only fill its cache.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type HeldOutInput,
  type HeldOutResult,
  type HeldOutSimulation,
  heldOutFolds,
  searchHeldOut,
} from '../../core/sim/holdout';
import type { SimulationSummary } from '../../core/sim/results';
import type { PolicySet } from '../../core/types';

export interface ParallelHeldOutOptions {
  /** Worker threads for the grid; 1 runs everything on this thread. Default: the machine's cores. */
  workers?: number;
}

export interface ParallelHeldOutResult extends HeldOutResult {
  /** Worker threads used, and the simulations they ran (not counted in `simulations`). */
  workers: number;
  workerSimulations: number;
}

/** The message a worker receives: the input without its functions (they cannot cross threads). */
type WorkerRequest = {
  input: Omit<HeldOutInput, 'trainingCandidates'>;
  shard: { index: number; count: number };
  foldCandidates: { label: string; policySet: PolicySet }[][];
};
type WorkerReply = { simulations: HeldOutSimulation[]; count: number } | { error: string };

const WORKER_URL = new URL('./held-out-worker.ts', import.meta.url).href;
/**
 * The worker's bootstrap: registers tsx, then loads the worker module. The CLI registers tsx
 * through its API and `node --import tsx` through a flag; a worker inherits neither hook, and on
 * Node 20 a worker's `--import tsx` does not reach its own .ts entry point.
 */
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL)}); });`;

/** Runs one shard in a worker thread. */
function runShard(request: WorkerRequest): Promise<{ simulations: HeldOutSimulation[]; count: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: request });
    worker.once('message', (reply: WorkerReply) => {
      if ('error' in reply) reject(new Error(reply.error));
      else resolve(reply);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`held-out search worker exited with code ${code}`));
    });
  });
}

/**
 * searchHeldOut with the grid's simulations spread over worker threads.
 *
 * @example
 * const r = await searchHeldOutInParallel(input, { workers: 2 }); // same folds as searchHeldOut(input)
 */
export async function searchHeldOutInParallel(
  input: HeldOutInput,
  options: ParallelHeldOutOptions = {},
): Promise<ParallelHeldOutResult> {
  const workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  if (workers === 1) return { ...searchHeldOut(input), workers: 1, workerSimulations: 0 };
  const { trainingCandidates, ...cloneable } = input;
  // Each fold's own candidates (forecast schedules) built here, where the function is.
  const foldCandidates = heldOutFolds(input).map(
    (f) => trainingCandidates?.(f.training.map((w) => input.windows[w]!)) ?? [],
  );
  const shards = await Promise.all(
    Array.from({ length: workers }, (_, index) =>
      runShard({ input: cloneable, shard: { index, count: workers }, foldCandidates }),
    ),
  );
  const seeded = new Map<string, SimulationSummary>();
  for (const shard of shards) for (const [key, summary] of shard.simulations) seeded.set(key, summary);
  return {
    ...searchHeldOut(input, seeded),
    workers,
    workerSimulations: shards.reduce((a, s) => a + s.count, 0),
  };
}
