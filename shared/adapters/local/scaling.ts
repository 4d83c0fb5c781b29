/**
 * The local Application Auto Scaling and CloudWatch alarms: each request is validated the way
 * the service validates it (scaling-validation.ts) and refused with InvalidInputError.
 */
import type { PutMetricAlarmRequest, ScalingRequests } from '../../core/aws-requests';
import { InvalidInputError, ResourceNotFoundError } from '../../core/errors';
import type { ScalingPort } from '../../core/ports';
import {
  validatePutMetricAlarm,
  validatePutScalingPolicy,
  validatePutScheduledAction,
  validateRegisterScalableTarget,
} from './scaling-validation';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalState,
  type LocalStateStore,
  type LocalTarget,
} from './state-store';

/** Replaces the item `same` finds, or appends: a Put with an existing name updates it, as AWS does. */
function upsert<T>(items: T[], item: T, same: (existing: T) => boolean): void {
  const at = items.findIndex(same);
  if (at === -1) items.push(item);
  else items[at] = item;
}

/**
 * The requests registered for `resourceId`, exactly as received, in the shape the local
 * endpoint's Application Auto Scaling executes (applyScalingRequests): the step alarm is the one
 * whose action is a step policy's ARN.
 *
 * @throws ResourceNotFoundError when nothing is registered for `resourceId`
 */
export function receivedScalingRequests(state: LocalState, resourceId: string): ScalingRequests {
  const found = state.scalableTargets[resourceId];
  if (!found) throw new ResourceNotFoundError(`no scalable target ${resourceId} is registered`);
  const { received } = found;
  const stepPolicy = Object.entries(found.policies).find(([, p]) => p.type === 'StepScaling');
  const alarm = stepPolicy
    ? received.putMetricAlarms.find((a) => a.AlarmActions.includes(stepPolicy[1].arn))
    : undefined;
  const { AlarmActions: _actions, ...stepAlarm } = alarm ?? { AlarmActions: [] };
  return {
    registerScalableTarget: received.registerScalableTarget,
    putScalingPolicies: received.putScalingPolicies,
    stepAlarm: alarm ? (stepAlarm as Omit<PutMetricAlarmRequest, 'AlarmActions'>) : null,
    stepPolicyName: alarm && stepPolicy ? stepPolicy[0] : null,
    putScheduledActions: received.putScheduledActions,
  };
}

function refuse(operation: string, problems: string[]): void {
  if (problems.length > 0) throw new InvalidInputError(`${operation} refused: ${problems.join('; ')}`);
}

export function createLocalScaling(store: LocalStateStore): ScalingPort {
  const { state } = store;
  const target = (resourceId: string): LocalTarget => {
    const found = state.scalableTargets[resourceId];
    if (!found) throw new ResourceNotFoundError(`no scalable target ${resourceId} is registered`);
    return found;
  };
  return {
    async registerScalableTarget(input) {
      refuse('RegisterScalableTarget', validateRegisterScalableTarget(input));
      const endpointName = input.ResourceId.split('/')[1] ?? '';
      if (!state.endpoints[endpointName])
        throw new InvalidInputError(
          `RegisterScalableTarget refused: endpoint ${endpointName} does not exist`,
        );
      const existing = state.scalableTargets[input.ResourceId];
      state.scalableTargets[input.ResourceId] = {
        minCapacity: input.MinCapacity,
        maxCapacity: input.MaxCapacity,
        policies: existing?.policies ?? {},
        scheduledActions: existing?.scheduledActions ?? [],
        received: {
          putScalingPolicies: [],
          putMetricAlarms: [],
          putScheduledActions: [],
          ...existing?.received,
          registerScalableTarget: input,
        },
      };
      store.save();
    },
    async putScalingPolicy(input) {
      const found = target(input.ResourceId);
      const isUpdate = input.PolicyName in found.policies;
      refuse(
        'PutScalingPolicy',
        validatePutScalingPolicy(input, Object.keys(found.policies).length - (isUpdate ? 1 : 0)),
      );
      const policyArn = `arn:aws:autoscaling:${LOCAL_REGION}:${LOCAL_ACCOUNT}:scalingPolicy:local:resource/sagemaker/${input.ResourceId}:policyName/${input.PolicyName}`;
      found.policies[input.PolicyName] = { arn: policyArn, type: input.PolicyType };
      upsert(found.received.putScalingPolicies, input, (p) => p.PolicyName === input.PolicyName);
      const alarmNames =
        input.PolicyType === 'TargetTrackingScaling'
          ? [
              `TargetTracking-${input.ResourceId}-AlarmHigh-${input.PolicyName}`,
              `TargetTracking-${input.ResourceId}-AlarmLow-${input.PolicyName}`,
            ]
          : [];
      store.save();
      return { policyArn, alarmNames };
    },
    async putMetricAlarm(input) {
      const knownArns = new Set(
        Object.values(state.scalableTargets).flatMap((t) => Object.values(t.policies).map((p) => p.arn)),
      );
      refuse('PutMetricAlarm', validatePutMetricAlarm(input, knownArns));
      state.alarms[input.AlarmName] = { actions: input.AlarmActions };
      // The alarm belongs to the target whose policy it invokes.
      for (const found of Object.values(state.scalableTargets))
        if (Object.values(found.policies).some((p) => input.AlarmActions.includes(p.arn)))
          upsert(found.received.putMetricAlarms, input, (a) => a.AlarmName === input.AlarmName);
      store.save();
    },
    async putScheduledAction(input) {
      const found = target(input.ResourceId);
      refuse('PutScheduledAction', validatePutScheduledAction(input, found.scheduledActions.length));
      if (!found.scheduledActions.includes(input.ScheduledActionName))
        found.scheduledActions.push(input.ScheduledActionName);
      upsert(
        found.received.putScheduledActions,
        input,
        (a) => a.ScheduledActionName === input.ScheduledActionName,
      );
      store.save();
    },
    async deregisterScalableTarget(input) {
      target(input.ResourceId);
      delete state.scalableTargets[input.ResourceId];
      store.save();
    },
  };
}
