/**
 * PickRobustPolicySet: reads every batch's figures and picks with the held-out rule
 * (`pickRobustCandidate`); the plan's policy set and its capacity's Min/MaxCapacity become the
 * pick's, so the paid evaluation starts from a candidate expected to pass on the endpoint's own
 * traffic. The plan keeps the derived set and the search's summary, with its cost next to the
 * evaluation it saved.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { type PlanState, PlanStateSchema, RequestSchema } from '../../shared/contract/state';
import { InvalidInputError } from '../../shared/core/errors';
import type { WorkflowPorts } from '../../shared/core/ports';
import {
  type CandidateFigures,
  describeSearchCost,
  pickRobustCandidate,
  type SearchSpec,
  type SearchSummary,
  searchCost,
} from '../../shared/core/sim/search-map';
import type { PolicySet } from '../../shared/core/types';
import { lambdaMemoryMb } from '../searchPoliciesBatch/handler';

const BatchResultSchema = z
  .object({
    key: z.string().min(1),
    candidates: z.number(),
    simulations: z.number(),
    durationMs: z.number(),
    memoryMb: z.number(),
  })
  .strict();

export const SearchPoliciesReduceInput = z
  .object({
    request: RequestSchema,
    plan: PlanStateSchema,
    historyReasons: z.array(z.object({ code: z.string(), message: z.string() }).strict()),
    search: z
      .object({
        specKey: z.string().min(1),
        candidateCount: z.number().int().min(1),
        lambda: z.object({ durationMs: z.number(), memoryMb: z.number() }).strict(),
        // A batch that failed within ToleratedFailurePercentage leaves an error object, not a result.
        batches: z.array(z.unknown()),
      })
      .loose(),
  })
  .strict();

/**
 * The plan's capacity with the pick's Min/MaxCapacity: the evaluation endpoint starts at the
 * MinCapacity its scalable target is registered with, and the recommendation and its event state
 * the capacity that is applied, not the derivation's (which its reasons keep).
 */
export function capacityOfPick(capacity: PlanState['capacity'], picked: PolicySet): PlanState['capacity'] {
  if (picked.minCapacity === capacity.minCapacity && picked.maxCapacity === capacity.maxCapacity)
    return capacity;
  return {
    ...capacity,
    minCapacity: picked.minCapacity,
    maxCapacity: picked.maxCapacity,
    reasons: [
      ...capacity.reasons,
      {
        code: 'CapacityFromSearch',
        message: `MinCapacity ${picked.minCapacity} and MaxCapacity ${picked.maxCapacity} from the policy search's pick on the history (derived: ${capacity.minCapacity} and ${capacity.maxCapacity})`,
      },
    ],
  };
}

export function createSearchPoliciesReduceHandler(
  ports: Pick<WorkflowPorts, 'runData'>,
): WorkflowHandler<PlanState & { search: SearchSummary }> {
  return defineHandler({
    name: 'searchPoliciesReduce',
    input: SearchPoliciesReduceInput,
    handle: async ({ request, plan, historyReasons, search }, { logger }) => {
      const started = performance.now();
      const spec = (await ports.runData.get(search.specKey)) as SearchSpec;
      const batches = search.batches.flatMap((b) => {
        const parsed = BatchResultSchema.safeParse(b);
        return parsed.success ? [parsed.data] : [];
      });
      if (batches.length === 0)
        throw new InvalidInputError('policy search: no batch of the map returned figures');
      const figures: CandidateFigures[] = [];
      let windowNames: string[] = [];
      for (const batch of batches) {
        const stored = (await ports.runData.get(batch.key)) as {
          windowNames: string[];
          figures: CandidateFigures[];
        };
        windowNames = stored.windowNames;
        figures.push(...stored.figures);
      }
      const result = pickRobustCandidate({ spec, windowNames, figures });
      const evaluationsSaved = result.picked && !result.derivedMeetsRequired ? 1 : 0;
      const cost = searchCost({
        invocations: [
          search.lambda,
          ...batches.map((b) => ({ durationMs: b.durationMs, memoryMb: b.memoryMb })),
          { durationMs: performance.now() - started, memoryMb: lambdaMemoryMb() },
        ],
        childExecutions: search.batches.length,
        twinRuns: batches.reduce((a, b) => a + b.simulations, 0),
        evaluationsSaved,
        jobDurationSeconds: request.evaluation.jobDurationSeconds,
        maxCapacity: plan.capacity.maxCapacity,
        pricePerInstanceHourUsd: plan.pricing.pricePerInstanceHourUsd,
      });
      const reasons = [...historyReasons, ...result.reasons, describeSearchCost(cost)];
      logger.info('search picked', { picked: result.picked?.label ?? null, evaluationsSaved });
      const summary: SearchSummary = {
        picked: result.picked && {
          label: result.picked.label,
          inSample: {
            instanceHours: result.picked.inSample.instanceHours,
            sloAttainment: result.picked.inSample.sloAttainment,
          },
        },
        derivedPolicySet: plan.policySet,
        derivedMeetsHistory: result.derivedMeetsRequired,
        marginShare: result.marginShare,
        requiredSloAttainment: result.requiredSloAttainment,
        candidates: search.candidateCount,
        evaluated: result.evaluatedCount,
        batches: search.batches.length,
        failedBatches: search.batches.length - batches.length,
        folds: result.folds,
        cost,
        reasons,
      };
      const policySet = result.picked?.policySet ?? plan.policySet;
      return {
        ...plan,
        capacity: capacityOfPick(plan.capacity, policySet),
        policySet,
        reasons: [...plan.reasons, ...reasons],
        search: summary,
      };
    },
  });
}

export const handler = createSearchPoliciesReduceHandler(createAwsPorts());
