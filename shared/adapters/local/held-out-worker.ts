/**
 * A worker thread of searchHeldOutInParallel: runs one shard of the grid (gridSimulations) and
 * posts its simulations back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { gridSimulations, type HeldOutInput } from '../../core/sim/holdout';
import type { PolicySet } from '../../core/types';

const { input, shard, foldCandidates } = workerData as {
  input: HeldOutInput;
  shard: { index: number; count: number };
  foldCandidates: { label: string; policySet: PolicySet }[][];
};
try {
  parentPort?.postMessage(gridSimulations(input, shard, foldCandidates));
} catch (error) {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
