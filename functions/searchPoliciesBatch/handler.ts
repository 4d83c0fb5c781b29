/**
 * EvaluateCandidateBatch (inside SearchPolicies, the Distributed Map): one batch of candidates
 * from the ItemBatcher (`{ Items, BatchInput }`), each run by the twin on every UTC day of the
 * history. The figures go beside the run's results; the map's result holds only their key, so
 * hundreds of candidates x days never reach the execution state.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { historyTraffic, parseStoredHistory } from '../../shared/core/history';
import type { WorkflowPorts } from '../../shared/core/ports';
import { splitIntoWindows } from '../../shared/core/sim/holdout';
import { evaluateCandidateBatch, type SearchSpec } from '../../shared/core/sim/search-map';

/** The memory the serverless.yml function has (1769 MB, one vCPU), unless Lambda says otherwise. */
export const DEFAULT_SEARCH_MEMORY_MB = 1769;

/** This function's memory, MB: Lambda's AWS_LAMBDA_FUNCTION_MEMORY_SIZE, else the configured default. */
export function lambdaMemoryMb(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_SEARCH_MEMORY_MB;
}

export const SearchPoliciesBatchInput = z
  .object({
    Items: z.array(z.number().int().min(0)).min(1),
    BatchInput: z
      .object({ runId: z.string().min(1), specKey: z.string().min(1), historyKey: z.string().min(1) })
      .strict(),
  })
  .strict();

export interface BatchResult {
  key: string;
  candidates: number;
  simulations: number;
  durationMs: number;
  memoryMb: number;
}

export function createSearchPoliciesBatchHandler(
  ports: Pick<WorkflowPorts, 'runData'>,
): WorkflowHandler<BatchResult> {
  return defineHandler({
    name: 'searchPoliciesBatch',
    input: SearchPoliciesBatchInput,
    handle: async ({ Items, BatchInput }, { logger }) => {
      const started = performance.now();
      const spec = (await ports.runData.get(BatchInput.specKey)) as SearchSpec;
      const history = parseStoredHistory(
        await ports.runData.get(BatchInput.historyKey),
        BatchInput.historyKey,
      );
      const windows = splitIntoWindows(historyTraffic(history));
      const { figures, simulations } = evaluateCandidateBatch(spec, windows, Items);
      const { key } = await ports.runData.put(BatchInput.runId, `search-batch-${Items[0]}.json`, {
        windowNames: windows.map((w) => w.name),
        figures,
      });
      logger.info('batch evaluated', { first: Items[0], candidates: Items.length, simulations });
      return {
        key,
        candidates: Items.length,
        simulations,
        durationMs: performance.now() - started,
        memoryMb: lambdaMemoryMb(),
      };
    },
  });
}

export const handler = createSearchPoliciesBatchHandler(createAwsPorts());
