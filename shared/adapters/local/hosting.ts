/** The local SageMaker hosting: model, endpoint config and endpoint, InService at once. */
import { InvalidInputError, ResourceNotFoundError } from '../../core/errors';
import type { HostingPort } from '../../core/ports';
import { type LocalStateStore, localArn } from './state-store';

export function createLocalHosting(store: LocalStateStore): HostingPort {
  const { state } = store;
  return {
    async createEndpoint(input) {
      if (!state.modelPackages[input.modelPackageArn] && !input.modelPackageArn.includes(':model-package/'))
        throw new ResourceNotFoundError(`model package ${input.modelPackageArn} does not exist`);
      if (state.endpoints[input.endpointName])
        throw new InvalidInputError(`endpoint ${input.endpointName} already exists`);
      const name = input.endpointName;
      state.models.push(name);
      state.endpointConfigs.push(name);
      state.endpoints[name] = {
        status: 'InService',
        instanceCount: input.initialInstanceCount,
        variantName: input.variantName,
      };
      store.save();
      return [
        { kind: 'model', name, arn: localArn('model', name) },
        { kind: 'endpointConfig', name, arn: localArn('endpoint-config', name) },
        { kind: 'endpoint', name, arn: localArn('endpoint', name) },
      ];
    },
    async describeEndpoint(endpointName) {
      const endpoint = state.endpoints[endpointName];
      if (!endpoint) throw new ResourceNotFoundError(`no endpoint ${endpointName}`);
      return { status: endpoint.status };
    },
    async resetInstanceCount(input) {
      const endpoint = state.endpoints[input.endpointName];
      if (!endpoint) throw new ResourceNotFoundError(`no endpoint ${input.endpointName}`);
      endpoint.instanceCount = input.instanceCount;
      store.save();
    },
  };
}
