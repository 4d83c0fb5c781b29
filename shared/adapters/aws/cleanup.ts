/**
 * CleanupPort: deletes one ledger entry by kind. A resource that is already gone answers
 * 'notFound' (clean-up runs after half-created states and may run twice); every other failure
 * surfaces as its named error so the state machine retries throttling. An endpoint is deleted only
 * once it has settled (not Creating or Updating).
 */
import { DeregisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  ListModelPackagesCommand,
} from '@aws-sdk/client-sagemaker';
import { ResourceNotFoundError, TransientAwsError } from '../../core/errors';
import type { CleanupPort, EvaluationDriverPort, ResourceRef } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import { callAws, isEndpointBusyError } from './errors';
import { stopJobIfRunning } from './jobs';

async function deleteByKind(
  clients: AwsClientProvider,
  ref: ResourceRef,
  evaluation: EvaluationDriverPort | undefined,
): Promise<void> {
  const sagemaker = () => clients.sagemaker();
  switch (ref.kind) {
    case 'endpoint':
      await deleteSettledEndpoint(clients, ref.name);
      return;
    case 'endpointConfig':
      await callAws(`delete endpoint config ${ref.name}`, () =>
        sagemaker().send(new DeleteEndpointConfigCommand({ EndpointConfigName: ref.name })),
      );
      return;
    case 'model':
      await callAws(`delete model ${ref.name}`, () =>
        sagemaker().send(new DeleteModelCommand({ ModelName: ref.name })),
      );
      return;
    case 'modelPackage': {
      // A versioned package is deleted by its ARN (or <group>/<version>).
      const name = ref.arn ?? ref.name;
      await callAws(`delete model package ${name}`, () =>
        sagemaker().send(new DeleteModelPackageCommand({ ModelPackageName: name })),
      );
      return;
    }
    case 'modelPackageGroup':
      // Only groups this run registered get here, so every version in them is the run's: one
      // whose CreateModelPackage succeeded but failed its Task never reached the ledger, and a
      // group that still holds a version cannot be deleted.
      await deleteVersionsOf(clients, ref.name);
      await callAws(`delete model package group ${ref.name}`, () =>
        sagemaker().send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: ref.name })),
      );
      return;
    case 'alarm': {
      const found = await callAws(`describe alarm ${ref.name}`, () =>
        clients.cloudWatch().send(new DescribeAlarmsCommand({ AlarmNames: [ref.name] })),
      );
      if ((found.MetricAlarms ?? []).length + (found.CompositeAlarms ?? []).length === 0)
        throw new ResourceNotFoundError(`alarm ${ref.name} does not exist`);
      await callAws(`delete alarm ${ref.name}`, () =>
        clients.cloudWatch().send(new DeleteAlarmsCommand({ AlarmNames: [ref.name] })),
      );
      return;
    }
    case 'scalableTarget':
      // Deregistering also deletes the target's scaling policies and scheduled actions.
      await callAws(`deregister scalable target ${ref.name}`, () =>
        clients.autoScaling().send(
          new DeregisterScalableTargetCommand({
            ServiceNamespace: 'sagemaker',
            ResourceId: ref.name,
            ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
          }),
        ),
      );
      return;
    case 'recommenderJob':
      await stopJobIfRunning(clients, ref.name);
      return;
    case 'evaluation':
      if (evaluation) await evaluation.stop(ref.name);
      else await stopJobIfRunning(clients, ref.name);
      return;
  }
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
async function deleteSettledEndpoint(clients: AwsClientProvider, name: string): Promise<void> {
  const described = await callAws(`describe endpoint ${name} before deleting it`, () =>
    clients.sagemaker().send(new DescribeEndpointCommand({ EndpointName: name })),
  );
  const status = described?.EndpointStatus;
  if (status === 'Deleting') return;
  if (status !== undefined && UNSETTLED_ENDPOINT_STATUSES.has(status))
    throw new TransientAwsError(
      `endpoint ${name} is ${status}: clean-up deletes it once it settles (SageMaker refuses DeleteEndpoint while it is in progress)`,
    );
  await callAws(
    `delete endpoint ${name}`,
    () => clients.sagemaker().send(new DeleteEndpointCommand({ EndpointName: name })),
    isEndpointBusyError,
  );
}

/** Deletes every model package version of a group (a missing group has none). */
async function deleteVersionsOf(clients: AwsClientProvider, groupName: string): Promise<void> {
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
      if (!arn) continue;
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
    async deleteResource(ref) {
      try {
        await deleteByKind(clients, ref, evaluation);
        return 'deleted';
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
