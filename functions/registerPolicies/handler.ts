/**
 * RegisterPolicies: applies the iteration's policy set to the evaluation endpoint's variant with
 * the exact requests of the core's `buildScalingRequests`: RegisterScalableTarget, the target
 * tracking policies, the step policy, then the step policy's alarm with that policy's ARN as its
 * action (without the alarm a step policy never runs), then the scheduled actions.
 *
 * The scalable target and the step alarm go into the ledger. When a later call fails for good
 * (AwsRequestError...), what this call created is deleted before the error propagates (the ledger
 * never learns of it). A TransientAwsError undoes nothing: the state machine retries the Task, and
 * right after RegisterScalableTarget that error is usually Application Auto Scaling not seeing the
 * new target yet (eventual consistency). Deregistering it would make every retry register it anew
 * and meet the same race, so the backoff could never help. If the retries run out, Cleanup deletes
 * the target and the step alarm anyway: both are names the run derives (`resourcesNamedByRun`).
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  appendToLedger,
  currentPolicySet,
  IterationStateSchema,
  LedgerSchema,
  PolicySetSchema,
  RequestSchema,
  RunNamesSchema,
} from '../../shared/contract/state';
import { InvalidInputError, TransientAwsError } from '../../shared/core/errors';
import { ownerOf } from '../../shared/core/ownership';
import { buildScalingRequests, withAlarmAction } from '../../shared/core/policies';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const RegisterPoliciesInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    ledger: LedgerSchema,
    initialPolicySet: PolicySetSchema,
    iteration: IterationStateSchema,
  })
  .strict();

export function createRegisterPoliciesHandler(
  ports: Pick<WorkflowPorts, 'scaling' | 'cleanup'>,
): WorkflowHandler<ResourceRef[]> {
  return defineHandler({
    name: 'registerPolicies',
    input: RegisterPoliciesInput,
    handle: async ({ request, names, ledger, initialPolicySet, iteration }, { logger }) => {
      const policySet = currentPolicySet(initialPolicySet, iteration);
      const target = { endpointName: names.endpointName, variantName: request.variantName };
      const requests = buildScalingRequests(target, policySet);
      const created: ResourceRef[] = [];
      const owner = ownerOf(names);
      const isNew = (ref: ResourceRef) =>
        !ledger.some((known) => known.kind === ref.kind && known.name === ref.name);
      try {
        await ports.scaling.registerScalableTarget(requests.registerScalableTarget, owner);
        const targetRef: ResourceRef = {
          kind: 'scalableTarget',
          name: requests.registerScalableTarget.ResourceId,
        };
        if (isNew(targetRef)) created.push(targetRef);
        let stepPolicyArn: string | undefined;
        for (const policy of requests.putScalingPolicies) {
          const { policyArn } = await ports.scaling.putScalingPolicy(policy);
          if (policy.PolicyName === requests.stepPolicyName) stepPolicyArn = policyArn;
        }
        if (requests.stepAlarm) {
          if (!stepPolicyArn)
            throw new InvalidInputError(
              `the step alarm needs policy ${requests.stepPolicyName}, which was not put`,
            );
          await ports.scaling.putMetricAlarm(withAlarmAction(requests.stepAlarm, stepPolicyArn), owner);
          const alarmRef: ResourceRef = { kind: 'alarm', name: requests.stepAlarm.AlarmName };
          if (isNew(alarmRef)) created.push(alarmRef);
        }
        for (const action of requests.putScheduledActions) await ports.scaling.putScheduledAction(action);
      } catch (error) {
        if (error instanceof TransientAwsError) throw error;
        for (const ref of [...created].reverse()) {
          await ports.cleanup.deleteResource(ref, owner).catch((undoError: unknown) => {
            logger.warn('could not undo', { ref, error: String(undoError) });
          });
        }
        throw error;
      }
      logger.info('policies registered', {
        iteration: iteration.number,
        minCapacity: policySet.minCapacity,
        maxCapacity: policySet.maxCapacity,
        policies: requests.putScalingPolicies.map((policy) => policy.PolicyName),
      });
      return appendToLedger(ledger, created);
    },
  });
}

export const handler = createRegisterPoliciesHandler(createAwsPorts());
