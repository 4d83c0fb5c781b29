/**
 * PlanSearch: the candidates of the policy search (the derived policy set, then the default grid
 * on its Min/Max; capped), stored once beside the run's results with how to judge them. The map's
 * items are the candidates' indexes, a few KB in the state, never the policy sets.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { PlanStateSchema, RequestSchema, RunNamesSchema } from '../../shared/contract/state';
import type { WorkflowPorts } from '../../shared/core/ports';
import type { SearchGrid } from '../../shared/core/sim/search';
import { planSearchCandidates, type SearchSpec } from '../../shared/core/sim/search-map';
import { lambdaMemoryMb } from '../searchPoliciesBatch/handler';

export const SEARCH_SPEC_NAME = 'search.json';

/** Share of requests within the latency that a latency percentile asks: P95 -> 0.95, P99 -> 0.99. */
export const SLO_TARGET_OF_PERCENTILE = { P95: 0.95, P99: 0.99 } as const;

export const SearchPoliciesPlanInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    plan: PlanStateSchema,
    historyKey: z.string().min(1),
  })
  .strict();

export interface SearchPlan {
  specKey: string;
  historyKey: string;
  /** Candidate indexes: the Distributed Map's items. */
  items: number[];
  candidateCount: number;
  /** This invocation, for the search's cost. */
  lambda: { durationMs: number; memoryMb: number };
}

export function createSearchPoliciesPlanHandler(
  ports: Pick<WorkflowPorts, 'runData'>,
  options: { grid?: Partial<SearchGrid> } = {},
): WorkflowHandler<SearchPlan> {
  return defineHandler({
    name: 'searchPoliciesPlan',
    input: SearchPoliciesPlanInput,
    handle: async ({ request, names, plan, historyKey }, { logger }) => {
      const started = performance.now();
      const candidates = planSearchCandidates({
        analysis: plan.benchmark,
        derived: plan.policySet,
        ...(options.grid ? { grid: options.grid } : {}),
      });
      const spec: SearchSpec = {
        analysis: plan.benchmark,
        candidates,
        latencySloMs: request.latencySlo.ms,
        sloTarget: SLO_TARGET_OF_PERCENTILE[request.latencySlo.percentile],
        allowedErrorRate: request.evaluation.allowedErrorRate,
        settings: { pricePerInstanceHourUsd: plan.pricing.pricePerInstanceHourUsd },
      };
      const { key } = await ports.runData.put(names.runId, SEARCH_SPEC_NAME, spec);
      logger.info('search planned', { candidates: candidates.length, key });
      return {
        specKey: key,
        historyKey,
        items: candidates.map((_, index) => index),
        candidateCount: candidates.length,
        lambda: { durationMs: performance.now() - started, memoryMb: lambdaMemoryMb() },
      };
    },
  });
}

export const handler = createSearchPoliciesPlanHandler(createAwsPorts());
