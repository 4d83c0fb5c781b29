/**
 * HostingPort on SageMaker: the evaluation endpoint (model from the versioned package, endpoint
 * config with one variant, endpoint), its status, and the reset of its instance count between
 * iterations. Model, config and endpoint share the endpoint's name.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type ProductionVariantInstanceType,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { InvalidInputError, ScaleplanError, TransientAwsError } from '../../core/errors';
import type { EndpointStatus, HostingPort, ResourceRef } from '../../core/ports';
import { undoCreated } from './cleanup';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { awsErrorMessage, awsErrorName, callAws, isEndpointBusyError } from './errors';
import { checkName, ENDPOINT_NAME } from './names';

const ENDPOINT_STATUSES: ReadonlySet<string> = new Set<EndpointStatus>([
  'OutOfService',
  'Creating',
  'Updating',
  'SystemUpdating',
  'RollingBack',
  'InService',
  'Deleting',
  'Failed',
  'UpdateRollbackFailed',
]);

export function createHosting(clients: AwsClientProvider, config: AwsConfig): HostingPort {
  return {
    async createEndpoint(input) {
      const name = checkName('endpoint name', input.endpointName, ENDPOINT_NAME);
      checkName('variant name', input.variantName, ENDPOINT_NAME);
      if (!Number.isInteger(input.initialInstanceCount) || input.initialInstanceCount < 1)
        throw new InvalidInputError(
          `initialInstanceCount ${input.initialInstanceCount} must be a whole number of instances >= 1`,
        );
      const roleArn = input.roleArn ?? config.roleArn();
      const created: ResourceRef[] = [];
      try {
        const model = await callAws(`create model ${name}`, () =>
          clients.sagemaker().send(
            new CreateModelCommand({
              ModelName: name,
              ExecutionRoleArn: roleArn,
              PrimaryContainer: { ModelPackageName: input.modelPackageArn },
            }),
          ),
        );
        created.push({ kind: 'model', name, arn: model.ModelArn });
        const endpointConfig = await callAws(`create endpoint config ${name}`, () =>
          clients.sagemaker().send(
            new CreateEndpointConfigCommand({
              EndpointConfigName: name,
              ProductionVariants: [
                {
                  VariantName: input.variantName,
                  ModelName: name,
                  InstanceType: input.instanceType as ProductionVariantInstanceType,
                  InitialInstanceCount: input.initialInstanceCount,
                  InitialVariantWeight: 1,
                },
              ],
            }),
          ),
        );
        created.push({ kind: 'endpointConfig', name, arn: endpointConfig.EndpointConfigArn });
        const endpoint = await callAws(`create endpoint ${name}`, () =>
          clients
            .sagemaker()
            .send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name })),
        );
        created.push({ kind: 'endpoint', name, arn: endpoint.EndpointArn });
        return created;
      } catch (error) {
        // The ledger only learns of what this call returns: undo the half that was created.
        throw await undoCreated(clients, created, error);
      }
    },
    async describeEndpoint(endpointName) {
      const output = await callAws(`describe endpoint ${endpointName}`, () =>
        clients.sagemaker().send(new DescribeEndpointCommand({ EndpointName: endpointName })),
      );
      const status =
        output.EndpointStatus && ENDPOINT_STATUSES.has(output.EndpointStatus)
          ? (output.EndpointStatus as EndpointStatus)
          : 'Creating';
      return output.FailureReason ? { status, failureReason: output.FailureReason } : { status };
    },
    async resetInstanceCount(input) {
      if (!Number.isInteger(input.instanceCount) || input.instanceCount < 1)
        throw new InvalidInputError(`instanceCount ${input.instanceCount} must be a whole number >= 1`);
      // The state machine resets only once InService; an endpoint that went Updating again in
      // between (a scaling activity still in flight) is refused, and retried. A retry after a lost
      // response meets the update it sent in progress: when the variant already asks for the
      // instance count, the reset took effect and the endpoint wait that follows (bounded by its
      // rounds) waits for it, however long the update takes.
      const action = `reset the instance count of endpoint ${input.endpointName}`;
      try {
        await callAws(action, () =>
          clients.sagemaker().send(
            new UpdateEndpointWeightsAndCapacitiesCommand({
              EndpointName: input.endpointName,
              DesiredWeightsAndCapacities: [
                { VariantName: input.variantName, DesiredInstanceCount: input.instanceCount },
              ],
            }),
          ),
        );
      } catch (error) {
        const refusal = error instanceof ScaleplanError ? error.cause : error;
        if (!isEndpointBusyError(refusal)) throw error;
        const described = await callAws(`describe endpoint ${input.endpointName}`, () =>
          clients.sagemaker().send(new DescribeEndpointCommand({ EndpointName: input.endpointName })),
        );
        const variant = described?.ProductionVariants?.find((v) => v.VariantName === input.variantName);
        if (variant?.DesiredInstanceCount === input.instanceCount) return;
        throw new TransientAwsError(
          `unable to ${action}: ${awsErrorName(refusal)}: ${awsErrorMessage(refusal)}`,
          { cause: refusal },
        );
      }
    },
  };
}
