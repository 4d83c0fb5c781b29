/** ArtifactStorePort on S3: `s3://<bucket>/<prefix>/<runId>/recommendation.json`. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors';
import type { ArtifactStorePort } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { callAws } from './errors';

/** Key of a run's recommendation; the runId may not climb out of the prefix. */
export function recommendationKey(prefix: string, runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(runId))
    throw new InvalidInputError(`runId "${runId}" must be 1..128 letters, digits, '.', '_' or '-'`);
  return `${prefix ? `${prefix}/` : ''}${runId}/recommendation.json`;
}

export function createArtifactStore(clients: AwsClientProvider, config: AwsConfig): ArtifactStorePort {
  return {
    async putRecommendation(runId, recommendation) {
      const bucket = config.artifactBucket();
      const key = recommendationKey(config.artifactPrefix(), runId);
      await callAws(`write s3://${bucket}/${key}`, () =>
        clients.s3().send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: `${JSON.stringify(recommendation, null, 2)}\n`,
            ContentType: 'application/json',
          }),
        ),
      );
      return { uri: `s3://${bucket}/${key}` };
    },
  };
}
