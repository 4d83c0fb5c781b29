/**
 * ScalingPort on Application Auto Scaling and CloudWatch: the requests the core builds
 * (`buildScalingRequests`) are sent as they are; this file only calls and translates errors.
 */
import {
  DeregisterScalableTargetCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { AwsRequestError } from '../../core/errors';
import type { ScalingPort } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import { awsErrorName, callAws } from './errors';

/**
 * Application Auto Scaling is eventually consistent: right after RegisterScalableTarget, a
 * PutScalingPolicy or PutScheduledAction may not see the target yet and answers
 * ValidationException or ObjectNotFoundException (AWS-FACTS 3.1: "retry on ValidationException
 * right after registration"). The put* calls here always follow a register (RegisterPolicies), so
 * those answers are retried as TransientAwsError, and RegisterPolicies keeps the target it
 * registered for the retry (deregistering it would restart the race). AWS uses the same code for a
 * request that is invalid for good, so such a refusal is retried too (about 5 minutes) and fails
 * once the Retry is spent, with AWS's message in the error.
 */
export function isNotYetRegisteredError(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'ValidationException' || name === 'ObjectNotFoundException';
}

export function createScaling(clients: AwsClientProvider): ScalingPort {
  return {
    async registerScalableTarget(input) {
      await callAws(`register scalable target ${input.ResourceId}`, () =>
        clients.autoScaling().send(new RegisterScalableTargetCommand(input)),
      );
    },
    async putScalingPolicy(input) {
      const output = await callAws(
        `put scaling policy ${input.PolicyName} on ${input.ResourceId}`,
        () => clients.autoScaling().send(new PutScalingPolicyCommand(input)),
        isNotYetRegisteredError,
      );
      if (!output.PolicyARN)
        throw new AwsRequestError(`PutScalingPolicy ${input.PolicyName} returned no PolicyARN`);
      return {
        policyArn: output.PolicyARN,
        alarmNames: (output.Alarms ?? []).flatMap((alarm) => (alarm.AlarmName ? [alarm.AlarmName] : [])),
      };
    },
    async putMetricAlarm(input) {
      await callAws(`put metric alarm ${input.AlarmName}`, () =>
        clients.cloudWatch().send(new PutMetricAlarmCommand(input)),
      );
    },
    async putScheduledAction(input) {
      await callAws(
        `put scheduled action ${input.ScheduledActionName} on ${input.ResourceId}`,
        () => clients.autoScaling().send(new PutScheduledActionCommand(input)),
        isNotYetRegisteredError,
      );
    },
    async deregisterScalableTarget(input) {
      await callAws(`deregister scalable target ${input.ResourceId}`, () =>
        clients.autoScaling().send(new DeregisterScalableTargetCommand(input)),
      );
    },
  };
}
