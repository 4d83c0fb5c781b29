/**
 * The local model registry: a model package (and its group) per run, as CreateModelPackage. A
 * local package records its server and reads its sample payload here, as Inference Recommender
 * reads a package's SamplePayloadUrl: an unreadable payload fails at CreateModelPackage, before
 * anything exists or any load runs.
 */
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../../core/errors';
import type { ModelRegistryPort } from '../../core/ports';
import type { ScalingRequest } from '../../core/request';
import { DEMO_PAYLOAD_PATH } from './model-server';
import { type LocalStateStore, localArn } from './state-store';

/** The model sources the local backend runs: a server on this machine (NormalizeInput refuses others). */
export const LOCAL_MODEL_KINDS: readonly ScalingRequest['model']['kind'][] = ['local'];

export function createLocalRegistry(store: LocalStateStore): ModelRegistryPort {
  return {
    modelKinds: LOCAL_MODEL_KINDS,
    async ensureModelPackage(request, runId) {
      if (request.model.kind === 'modelPackage')
        return { modelPackageArn: request.model.modelPackageArn, created: [] };
      const group = `${request.name}-${runId}`.slice(0, 63);
      const packageArn = localArn('model-package', `${group}/1`);
      const model = request.model.kind === 'local' ? request.model : undefined;
      if (model) store.payloads.set(packageArn, readPayload(model.payloadFile));
      store.state.modelPackageGroups.push(group);
      store.state.modelPackages[packageArn] = {
        group,
        ...(model ? { model } : {}),
        ...(request.vcpus === undefined ? {} : { vcpus: request.vcpus }),
      };
      store.save();
      return {
        modelPackageArn: packageArn,
        created: [
          { kind: 'modelPackageGroup', name: group, arn: localArn('model-package-group', group) },
          { kind: 'modelPackage', name: `${group}/1`, arn: packageArn },
        ],
      };
    },
  };
}

function readPayload(payloadFile: string | undefined): Buffer {
  const path = payloadFile ?? DEMO_PAYLOAD_PATH;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InvalidInputError(`model.payloadFile ${path} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
