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
  type ModelPackageContainerDefinition,
  type ProductionVariantInstanceType,
} from '@aws-sdk/client-sagemaker';
import { AwsRequestError, InvalidInputError } from '../../core/errors';
import { runNames } from '../../core/naming';
import type { ModelPackageSummary, ModelRegistryPort, ResourceRef } from '../../core/ports';
import type { ScalingRequest } from '../../core/request';
import { undoCreated } from './cleanup';
import type { AwsClientProvider } from './clients';
import { callAws } from './errors';
import { checkName, GROUP_NAME } from './names';

/**
 * Name of the group registered for one execution: the run's `modelPackageGroupName`
 * (`<request name>-<runId>`, at most 40 chars), the name Cleanup also derives.
 */
export function modelPackageGroupName(requestName: string, runId: string): string {
  return runNames(requestName, runId).modelPackageGroupName;
}

export function createModelRegistry(clients: AwsClientProvider): ModelRegistryPort {
  return {
    // A `local` model is a server on the user's machine: SageMaker cannot host it.
    modelKinds: ['modelPackage', 'container'],
    async ensureModelPackage(request: ScalingRequest, runId: string) {
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
        const group = await callAws(`create model package group ${groupName}`, () =>
          clients.sagemaker().send(
            new CreateModelPackageGroupCommand({
              ModelPackageGroupName: groupName,
              ModelPackageGroupDescription: `scaleplan run ${runId} of ${request.name}`.slice(0, 1024),
            }),
          ),
        );
        created.push({ kind: 'modelPackageGroup', name: groupName, arn: group.ModelPackageGroupArn });
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
      };
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
