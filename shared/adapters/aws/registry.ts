/**
 * ModelRegistryPort on SageMaker Model Registry: reuses a given versioned model package, or
 * registers the container as a new version (creating the group when the request names none) with
 * the fields Inference Recommender needs: Domain, Task, SamplePayloadUrl, Framework,
 * FrameworkVersion and SupportedRealtimeInferenceInstanceTypes narrowed to the one instance type,
 * so that the Default job benchmarks that type only.
 */
import {
  CreateModelPackageCommand,
  type CreateModelPackageCommandInput,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  type ModelPackageContainerDefinition,
  type ProductionVariantInstanceType,
} from '@aws-sdk/client-sagemaker';
import { AwsRequestError, InvalidInputError } from '../../core/errors';
import { runNames } from '../../core/naming';
import type { RunOwner } from '../../core/ownership';
import type { ModelPackageSummary, ModelRegistryPort, ResourceRef } from '../../core/ports';
import type { ScalingRequest } from '../../core/request';
import { undoCreated } from './cleanup';
import type { AwsClientProvider } from './clients';
import { callAws } from './errors';
import { checkName, GROUP_NAME } from './names';
import { createOrAdoptOwn, isAlreadyExists, sageMakerTags, tagsOf } from './ownership';

/**
 * Name of the group registered for one execution: the run's `modelPackageGroupName`
 * (`<request name>-<runId>`, at most 40 chars), the name Cleanup also derives.
 */
export function modelPackageGroupName(requestName: string, runId: string): string {
  return runNames(requestName, runId).modelPackageGroupName;
}

/**
 * CreateModelPackage's idempotency token for a run (ClientToken: 1..36 of [a-zA-Z0-9-]): a retry
 * after a lost response returns the version the first call created instead of a second one.
 * @example modelPackageClientToken('ab12cd34ef') // 'scaleplan-ab12cd34ef'
 */
export function modelPackageClientToken(runId: string): string {
  return `scaleplan-${runId}`.slice(0, 36);
}

export function createModelRegistry(clients: AwsClientProvider): ModelRegistryPort {
  return {
    // A `local` model is a server on the user's machine: SageMaker cannot host it.
    modelKinds: ['modelPackage', 'container'],
    async ensureModelPackage(request: ScalingRequest, runId: string, owner?: RunOwner) {
      const model = request.model;
      if (model.kind === 'modelPackage') return { modelPackageArn: model.modelPackageArn, created: [] };
      if (model.kind === 'local')
        throw new InvalidInputError(
          'model.kind "local" runs on this machine only: on AWS give a "container" or a "modelPackage"',
        );
      const created: ResourceRef[] = [];
      let groupName = model.modelPackageGroupName;
      if (groupName === undefined) {
        groupName = checkName('model package group', modelPackageGroupName(request.name, runId), GROUP_NAME);
        const ownGroup = groupName;
        const groupArn = await createOwnGroup(
          clients,
          ownGroup,
          `scaleplan run ${runId} of ${request.name}`,
          owner,
        );
        created.push({
          kind: 'modelPackageGroup',
          name: ownGroup,
          ...(groupArn ? { arn: groupArn } : {}),
        });
      }
      const container: ModelPackageContainerDefinition = {
        Image: model.image,
        ModelDataUrl: model.modelDataUrl,
        Framework: model.framework,
        FrameworkVersion: model.frameworkVersion,
      };
      if (model.nearestModelName) container.NearestModelName = model.nearestModelName;
      const input: CreateModelPackageCommandInput = {
        ModelPackageGroupName: groupName,
        ModelPackageDescription: `scaleplan ${request.name} on ${request.instanceType}`,
        ModelApprovalStatus: 'PendingManualApproval',
        Domain: model.domain,
        Task: model.task,
        SamplePayloadUrl: model.samplePayloadUrl,
        InferenceSpecification: {
          Containers: [container],
          SupportedContentTypes: [model.contentType],
          SupportedResponseMIMETypes: [],
          SupportedRealtimeInferenceInstanceTypes: [request.instanceType as ProductionVariantInstanceType],
        },
        ...tagsOf(owner),
      };
      // Into the user's group (which clean-up never empties), a lost response must not leave a
      // second version: the token makes the retry return the first. A group this call created is
      // undone on failure, versions included, so there a retry starts over without a token.
      if (created.length === 0) input.ClientToken = modelPackageClientToken(runId);
      const registered = await callAws(`create model package in group ${groupName}`, () =>
        clients.sagemaker().send(new CreateModelPackageCommand(input)),
      ).catch(async (error: unknown) => {
        // The ledger only learns of what this call returns: undo the group it created.
        throw await undoCreated(clients, created, error);
      });
      const modelPackageArn = registered.ModelPackageArn;
      if (!modelPackageArn)
        throw new AwsRequestError(`CreateModelPackage in group ${groupName} returned no ModelPackageArn`);
      // The versioned ARN ends with <group>/<version>; that is the name DeleteModelPackage accepts.
      const versionedName = modelPackageArn.split(':model-package/')[1] ?? groupName;
      created.push({ kind: 'modelPackage', name: versionedName, arn: modelPackageArn });
      return { modelPackageArn, created };
    },
    async describeModelPackage(modelPackageArn: string): Promise<ModelPackageSummary> {
      const described = await callAws(`describe model package ${modelPackageArn}`, () =>
        clients.sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn })),
      );
      const summary: ModelPackageSummary = {
        modelPackageArn: described.ModelPackageArn ?? modelPackageArn,
        customerMetadataProperties: { ...(described.CustomerMetadataProperties ?? {}) },
        supportedRealtimeInstanceTypes: [
          ...(described.InferenceSpecification?.SupportedRealtimeInferenceInstanceTypes ?? []),
        ],
      };
      if (described.ModelPackageGroupName) summary.modelPackageGroupName = described.ModelPackageGroupName;
      if (described.ModelApprovalStatus) summary.modelApprovalStatus = described.ModelApprovalStatus;
      return summary;
    },
  };
}

/**
 * CreateModelPackageGroup for the run's own group, tagged with its owner. A retry after a lost
 * response meets "already exists": with an owner, the group is adopted only when it carries the
 * run's tags (the name alone, which carries the run id, could be anyone's); without one, the
 * name is trusted as before. Returns the group's ARN when known.
 */
async function createOwnGroup(
  clients: AwsClientProvider,
  groupName: string,
  description: string,
  owner: RunOwner | undefined,
): Promise<string | undefined> {
  const create = async () =>
    (
      await callAws(`create model package group ${groupName}`, () =>
        clients.sagemaker().send(
          new CreateModelPackageGroupCommand({
            ModelPackageGroupName: groupName,
            ModelPackageGroupDescription: description.slice(0, 1024),
            ...tagsOf(owner),
          }),
        ),
      )
    )?.ModelPackageGroupArn;
  if (!owner)
    return create().catch((error: unknown) => {
      if (error instanceof AwsRequestError && isAlreadyExists(error.cause)) return undefined;
      throw error;
    });
  return createOrAdoptOwn(`model package group ${groupName}`, owner, create, async () => {
    const described = await callAws(`describe model package group ${groupName}`, () =>
      clients.sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: groupName })),
    );
    const arn = described?.ModelPackageGroupArn;
    if (!arn) throw new AwsRequestError(`model package group ${groupName} exists but has no ARN`);
    return { arn, tags: await sageMakerTags(clients, arn) };
  });
}
