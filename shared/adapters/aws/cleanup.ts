/**
 * CleanupPort: deletes one ledger entry by kind. A resource that is already gone answers
 * 'notFound' (clean-up runs after half-created states and may run twice); every other failure
 * surfaces as its named error so the state machine retries throttling. An endpoint is deleted only
 * once it has settled (not Creating or Updating). Given the run's owner, a resource is deleted only
 * when it carries the run's tags (read by its ARN); another of the same name answers 'notOwned'
 * and is left alone.
 */
import {
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
} from '@aws-sdk/client-sagemaker';
import { ResourceNotFoundError, TransientAwsError } from '../../core/errors';
import { isOwnedBy, type ResourceTag, type RunOwner } from '../../core/ownership';
import type { CleanupPort, EvaluationDriverPort, ResourceRef } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import { callAws, isEndpointBusyError } from './errors';
import { describeRecommendationsJob, stopJobIfRunning } from './jobs';
import { alarmTags, sageMakerTags, scalableTargetTags } from './ownership';

/** Whether the resource may be deleted: always without an owner, else only when it carries its tags. */
type Outcome = 'deleted' | 'notOwned';

/**
 * Checks ownership of the resource at `arn` when an owner is given: 'notOwned' means leave it.
 * Without an owner (an adapter undoing what its own call just created) everything is the run's.
 */
async function ownedBy(
  clients: AwsClientProvider,
  owner: RunOwner | undefined,
  arn: string | undefined,
  tagsAt: (clients: AwsClientProvider, arn: string) => Promise<ResourceTag[]> = sageMakerTags,
): Promise<boolean> {
  if (!owner) return true;
  // A resource that exists but whose ARN cannot be read cannot be shown to be the run's.
  if (!arn) return false;
  return isOwnedBy(await tagsAt(clients, arn), owner).owned;
}

async function deleteByKind(
  clients: AwsClientProvider,
  ref: ResourceRef,
  evaluation: EvaluationDriverPort | undefined,
  owner?: RunOwner,
): Promise<Outcome> {
  const sagemaker = () => clients.sagemaker();
  switch (ref.kind) {
    case 'endpoint':
      return deleteSettledEndpoint(clients, ref.name, owner);
    case 'endpointConfig': {
      if (owner) {
        const described = await callAws(`describe endpoint config ${ref.name}`, () =>
          sagemaker().send(new DescribeEndpointConfigCommand({ EndpointConfigName: ref.name })),
        );
        if (!(await ownedBy(clients, owner, described?.EndpointConfigArn))) return 'notOwned';
      }
      await callAws(`delete endpoint config ${ref.name}`, () =>
        sagemaker().send(new DeleteEndpointConfigCommand({ EndpointConfigName: ref.name })),
      );
      return 'deleted';
    }
    case 'model': {
      if (owner) {
        const described = await callAws(`describe model ${ref.name}`, () =>
          sagemaker().send(new DescribeModelCommand({ ModelName: ref.name })),
        );
        if (!(await ownedBy(clients, owner, described?.ModelArn))) return 'notOwned';
      }
      await callAws(`delete model ${ref.name}`, () =>
        sagemaker().send(new DeleteModelCommand({ ModelName: ref.name })),
      );
      return 'deleted';
    }
    case 'modelPackage': {
      // A versioned package is deleted by its ARN (or <group>/<version>).
      const name = ref.arn ?? ref.name;
      if (owner) {
        const arn =
          ref.arn ??
          (
            await callAws(`describe model package ${name}`, () =>
              sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: name })),
            )
          )?.ModelPackageArn;
        if (!(await ownedBy(clients, owner, arn))) return 'notOwned';
      }
      await callAws(`delete model package ${name}`, () =>
        sagemaker().send(new DeleteModelPackageCommand({ ModelPackageName: name })),
      );
      return 'deleted';
    }
    case 'modelPackageGroup':
      return deleteGroup(clients, ref.name, owner);
    case 'alarm':
      return deleteAlarm(clients, ref.name, owner);
    case 'scalableTarget':
      return deregisterTarget(clients, ref.name, owner);
    case 'recommenderJob':
    case 'evaluation': {
      if (owner) {
        const job = await describeRecommendationsJob(clients, ref.name);
        if (!(await ownedBy(clients, owner, job?.JobArn))) return 'notOwned';
      }
      if (ref.kind === 'evaluation' && evaluation) await evaluation.stop(ref.name);
      else await stopJobIfRunning(clients, ref.name);
      return 'deleted';
    }
  }
}

/**
 * Only groups this run registered get here, so every version in them is the run's: one whose
 * CreateModelPackage succeeded but failed its Task never reached the ledger, and a group that
 * still holds a version cannot be deleted. With an owner, the group and each version must carry
 * the run's tags; a version that does not stays, and so does the group (DeleteModelPackageGroup
 * refuses a group that is not empty, and the error names it).
 */
async function deleteGroup(
  clients: AwsClientProvider,
  groupName: string,
  owner: RunOwner | undefined,
): Promise<Outcome> {
  if (owner) {
    const described = await callAws(`describe model package group ${groupName}`, () =>
      clients.sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: groupName })),
    );
    if (!(await ownedBy(clients, owner, described?.ModelPackageGroupArn))) return 'notOwned';
  }
  await deleteVersionsOf(clients, groupName, owner);
  await callAws(`delete model package group ${groupName}`, () =>
    clients.sagemaker().send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: groupName })),
  );
  return 'deleted';
}

async function deleteAlarm(clients: AwsClientProvider, name: string, owner: RunOwner | undefined) {
  const found = await callAws(`describe alarm ${name}`, () =>
    clients.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNames: [name] })),
  );
  const alarm = found?.MetricAlarms?.[0] ?? found?.CompositeAlarms?.[0];
  if (!alarm) throw new ResourceNotFoundError(`alarm ${name} does not exist`);
  if (!(await ownedBy(clients, owner, alarm.AlarmArn, alarmTags))) return 'notOwned';
  await callAws(`delete alarm ${name}`, () =>
    clients.cloudWatch().send(new DeleteAlarmsCommand({ AlarmNames: [name] })),
  );
  return 'deleted';
}

const TARGET = {
  ServiceNamespace: 'sagemaker',
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
} as const;

/**
 * Deregistering also deletes the target's scaling policies and scheduled actions (which take no
 * tags). With an owner the target must carry the run's tags; an answer without its
 * ScalableTargetARN (which ListTagsForResource needs) falls back to the derived name: the
 * ResourceId names the run's own endpoint.
 */
async function deregisterTarget(
  clients: AwsClientProvider,
  resourceId: string,
  owner: RunOwner | undefined,
): Promise<Outcome> {
  if (owner) {
    const described = await callAws(`describe scalable target ${resourceId}`, () =>
      clients
        .autoScaling()
        .send(new DescribeScalableTargetsCommand({ ...TARGET, ResourceIds: [resourceId] })),
    );
    const target = described?.ScalableTargets?.find((t) => t.ResourceId === resourceId);
    if (!target) throw new ResourceNotFoundError(`scalable target ${resourceId} is not registered`);
    if (
      target.ScalableTargetARN &&
      !(await ownedBy(clients, owner, target.ScalableTargetARN, scalableTargetTags))
    )
      return 'notOwned';
  }
  await callAws(`deregister scalable target ${resourceId}`, () =>
    clients.autoScaling().send(new DeregisterScalableTargetCommand({ ...TARGET, ResourceId: resourceId })),
  );
  return 'deleted';
}

/**
 * Endpoint statuses in which SageMaker is reported to refuse DeleteEndpoint ("Cannot update
 * in-progress endpoint", AWS-FACTS 8, [unconfirmed] in the API docs): clean-up waits for them to
 * end, through Cleanup's own retry budget.
 */
export const UNSETTLED_ENDPOINT_STATUSES: ReadonlySet<string> = new Set([
  'Creating',
  'Updating',
  'SystemUpdating',
  'RollingBack',
  'UpdateRollbackFailed',
]);

/**
 * Deletes an endpoint once it has settled: while it is Creating or Updating, TransientAwsError
 * (retried with backoff); a refusal that names an in-progress endpoint is retried the same way
 * (the status may have changed between the two calls). Deleting means done.
 */
async function deleteSettledEndpoint(
  clients: AwsClientProvider,
  name: string,
  owner: RunOwner | undefined,
): Promise<Outcome> {
  const described = await callAws(`describe endpoint ${name} before deleting it`, () =>
    clients.sagemaker().send(new DescribeEndpointCommand({ EndpointName: name })),
  );
  if (!(await ownedBy(clients, owner, described?.EndpointArn))) return 'notOwned';
  const status = described?.EndpointStatus;
  if (status === 'Deleting') return 'deleted';
  if (status !== undefined && UNSETTLED_ENDPOINT_STATUSES.has(status))
    throw new TransientAwsError(
      `endpoint ${name} is ${status}: clean-up deletes it once it settles (SageMaker refuses DeleteEndpoint while it is in progress)`,
    );
  await callAws(
    `delete endpoint ${name}`,
    () => clients.sagemaker().send(new DeleteEndpointCommand({ EndpointName: name })),
    isEndpointBusyError,
  );
  return 'deleted';
}

/** Deletes every model package version of a group (a missing group has none). */
async function deleteVersionsOf(
  clients: AwsClientProvider,
  groupName: string,
  owner: RunOwner | undefined,
): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await callAws(`list the model packages of group ${groupName}`, () =>
      clients.sagemaker().send(
        new ListModelPackagesCommand({
          ModelPackageGroupName: groupName,
          ModelPackageType: 'Versioned',
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    ).catch((error: unknown) => {
      if (error instanceof ResourceNotFoundError)
        return { ModelPackageSummaryList: [], NextToken: undefined };
      throw error;
    });
    for (const summary of page.ModelPackageSummaryList ?? []) {
      const arn = summary.ModelPackageArn;
      if (!arn || !(await ownedBy(clients, owner, arn))) continue;
      await callAws(`delete model package ${arn}`, () =>
        clients.sagemaker().send(new DeleteModelPackageCommand({ ModelPackageName: arn })),
      ).catch((error: unknown) => {
        if (!(error instanceof ResourceNotFoundError)) throw error;
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
}

/**
 * @param evaluation the evaluation driver in use: an `evaluation` entry is stopped through it,
 *   so a second driver brings its own clean-up.
 */
export function createCleanup(clients: AwsClientProvider, evaluation?: EvaluationDriverPort): CleanupPort {
  return {
    async deleteResource(ref, owner) {
      try {
        return await deleteByKind(clients, ref, evaluation, owner);
      } catch (error) {
        if (error instanceof ResourceNotFoundError) return 'notFound';
        throw error;
      }
    },
  };
}

/**
 * Deletes, newest first, what one adapter call created before it failed (the ledger never sees
 * those), and returns the error to throw: `error` itself, its message extended with whatever could
 * not be undone. Its name is kept (Retry and Catch match on it); what is left is not lost, because
 * Cleanup also deletes the names the run derives (`resourcesNamedByRun`), and the message puts it
 * in the execution history.
 */
export async function undoCreated(
  clients: AwsClientProvider,
  created: readonly ResourceRef[],
  error: unknown,
): Promise<unknown> {
  const left: string[] = [];
  for (const ref of [...created].reverse()) {
    try {
      await deleteByKind(clients, ref, undefined);
    } catch (undoError) {
      if (undoError instanceof ResourceNotFoundError) continue;
      left.push(
        `${ref.kind} ${ref.name} (${undoError instanceof Error ? undoError.message : String(undoError)})`,
      );
    }
  }
  if (left.length > 0 && error instanceof Error)
    error.message += `; could not undo ${left.join('; ')}: clean-up deletes it by name`;
  return error;
}
