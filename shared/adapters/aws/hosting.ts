/**
 * HostingPort on SageMaker: the evaluation endpoint (model from the versioned package, endpoint
 * config with one variant, endpoint), its status, and the reset of its instance count between
 * iterations. Model, config and endpoint share the endpoint's name and carry the run's tags; a
 * retried create that meets one of them already there (the first attempt took effect, its
 * response was lost) goes on when it carries the run's tags, and fails otherwise.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type ProductionVariantInstanceType,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { AwsRequestError, InvalidInputError, ScaleplanError, TransientAwsError } from '../../core/errors';
import type { EndpointStatus, HostingPort, ResourceRef } from '../../core/ports';
import { undoCreated } from './cleanup';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { awsErrorMessage, awsErrorName, callAws, isEndpointBusyError } from './errors';
import { checkName, ENDPOINT_NAME } from './names';
import { createOrAdoptOwn, sageMakerTags, tagsOf } from './ownership';

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
      return createEndpointResources(
        clients,
        { ...input, endpointName: name },
        input.roleArn ?? config.roleArn(),
      );
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

type EndpointInput = Parameters<HostingPort['createEndpoint']>[0];

/**
 * Model, endpoint config and endpoint, in that order, each tagged with the run's owner and
 * adopted when a retry finds its own already there. What this call created is undone when a
 * later create fails (the ledger only learns of what the call returns).
 */
async function createEndpointResources(
  clients: AwsClientProvider,
  input: EndpointInput,
  roleArn: string,
): Promise<ResourceRef[]> {
  const name = input.endpointName;
  const tags = tagsOf(input.owner);
  const sagemaker = () => clients.sagemaker();
  const created: ResourceRef[] = [];
  const owned = (
    what: string,
    create: () => Promise<string | undefined>,
    describe: () => Promise<string | undefined>,
  ) =>
    createOrAdoptOwn(`${what} ${name}`, input.owner, create, async () => {
      const arn = await describe();
      if (!arn) throw new AwsRequestError(`${what} ${name} exists but SageMaker described no ARN for it`);
      return { arn, tags: await sageMakerTags(clients, arn) };
    });
  const push = (kind: ResourceRef['kind'], arn: string | undefined) =>
    created.push({ kind, name, ...(arn ? { arn } : {}) });
  try {
    const modelArn = await owned(
      'model',
      async () =>
        (
          await callAws(`create model ${name}`, () =>
            sagemaker().send(
              new CreateModelCommand({
                ModelName: name,
                ExecutionRoleArn: roleArn,
                PrimaryContainer: { ModelPackageName: input.modelPackageArn },
                ...tags,
              }),
            ),
          )
        )?.ModelArn,
      async () =>
        (
          await callAws(`describe model ${name}`, () =>
            sagemaker().send(new DescribeModelCommand({ ModelName: name })),
          )
        )?.ModelArn,
    );
    push('model', modelArn);
    const configArn = await owned(
      'endpoint config',
      async () =>
        (
          await callAws(`create endpoint config ${name}`, () =>
            sagemaker().send(
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
                ...tags,
              }),
            ),
          )
        )?.EndpointConfigArn,
      async () =>
        (
          await callAws(`describe endpoint config ${name}`, () =>
            sagemaker().send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })),
          )
        )?.EndpointConfigArn,
    );
    push('endpointConfig', configArn);
    const endpointArn = await owned(
      'endpoint',
      async () =>
        (
          await callAws(`create endpoint ${name}`, () =>
            sagemaker().send(
              new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name, ...tags }),
            ),
          )
        )?.EndpointArn,
      async () =>
        (
          await callAws(`describe endpoint ${name}`, () =>
            sagemaker().send(new DescribeEndpointCommand({ EndpointName: name })),
          )
        )?.EndpointArn,
    );
    push('endpoint', endpointArn);
    return created;
  } catch (error) {
    throw await undoCreated(clients, created, error);
  }
}
