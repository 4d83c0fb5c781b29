/**
 * DeriveThresholds: reads the Default job's benchmark (GetMetricData over the recommendation's
 * InvocationStartTime..InvocationEndTime, 60 s periods) and derives thresholds, capacities and
 * the initial policy set with the core's `derivePlan`; the instance price comes from the job's
 * CostPerHour when reported.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import { type PlanState, RequestSchema } from '../../shared/contract/state';
import { InvalidInputError } from '../../shared/core/errors';
import { resolveInstancePricing } from '../../shared/core/instance-types';
import { derivePlan } from '../../shared/core/plan';
import type { WorkflowPorts } from '../../shared/core/ports';

/** CloudWatch's standard resolution: AWS/SageMaker metrics are published per minute. */
export const BENCHMARK_PERIOD_SECONDS = 60;

export const BenchmarkWindowSchema = z
  .object({
    endpointName: z.string().min(1),
    variantName: z.string().min(1),
    startTime: z.string().min(1),
    endTime: z.string().min(1),
    costPerHourUsd: z.number().optional(),
  })
  .strict();

export const DeriveThresholdsInput = z
  .object({ request: RequestSchema, window: BenchmarkWindowSchema })
  .strict();

export function createDeriveThresholdsHandler(
  ports: Pick<WorkflowPorts, 'metrics'>,
): WorkflowHandler<PlanState> {
  return defineHandler({
    name: 'deriveThresholds',
    input: DeriveThresholdsInput,
    handle: async ({ request, window }, { logger }) => {
      if (request.vcpus === undefined)
        throw new InvalidInputError('request.vcpus must be resolved by NormalizeInput');
      const series = await ports.metrics.getBenchmarkSeries({
        window,
        instanceType: request.instanceType,
        vcpus: request.vcpus,
        periodSeconds: BENCHMARK_PERIOD_SECONDS,
      });
      const plan = derivePlan(series, request);
      logger.info('plan derived', {
        peakInvocationsPerMinute: plan.benchmark.peakInvocationsPerMinute,
        invocationsPerInstance: plan.thresholds.invocationsPerInstance,
        minCapacity: plan.capacity.minCapacity,
        maxCapacity: plan.capacity.maxCapacity,
      });
      return {
        benchmark: plan.benchmark,
        thresholds: plan.thresholds,
        capacity: plan.capacity,
        policySet: plan.policySet,
        pricing: resolveInstancePricing(request.instanceType, window.costPerHourUsd),
        reasons: plan.reasons,
      };
    },
  });
}

export const handler = createDeriveThresholdsHandler(createAwsPorts());
