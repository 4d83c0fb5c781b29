/**
 * ArtifactStorePort on S3: a run's objects under `s3://<bucket>/<prefix>/<runId>/`
 * (`recommendation.json`, `summary.md`, `report.html`, `exports/...`), each with its media type,
 * so a browser opening the report from the console renders it instead of downloading it.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors';
import type { ArtifactStorePort, RunObject } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { callAws } from './errors';

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** An object's name under the run: path segments of letters, digits, '.', '_' or '-', no '..'. */
const OBJECT_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){0,3}$/;

/**
 * Key of one object of a run; neither the runId nor the name may climb out of the run's prefix.
 * @example runObjectKey('recommendations', 'churn-ab12', 'report.html') // 'recommendations/churn-ab12/report.html'
 */
export function runObjectKey(prefix: string, runId: string, name: string): string {
  if (!RUN_ID_PATTERN.test(runId))
    throw new InvalidInputError(`runId "${runId}" must be 1..128 letters, digits, '.', '_' or '-'`);
  if (!OBJECT_NAME_PATTERN.test(name) || name.split('/').some((part) => part.startsWith('.')))
    throw new InvalidInputError(
      `object name "${name}" must be up to 4 '/'-separated parts of letters, digits, '.', '_' or '-', none starting with '.'`,
    );
  return `${prefix ? `${prefix}/` : ''}${runId}/${name}`;
}

/** Key of a run's recommendation; the runId may not climb out of the prefix. */
export function recommendationKey(prefix: string, runId: string): string {
  return runObjectKey(prefix, runId, 'recommendation.json');
}

export function createArtifactStore(clients: AwsClientProvider, config: AwsConfig): ArtifactStorePort {
  const put = async (runId: string, object: RunObject): Promise<string> => {
    const bucket = config.artifactBucket();
    const key = runObjectKey(config.artifactPrefix(), runId, object.name);
    await callAws(`write s3://${bucket}/${key}`, () =>
      clients.s3().send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: object.body,
          ContentType: object.contentType,
        }),
      ),
    );
    return `s3://${bucket}/${key}`;
  };
  return {
    async putRecommendation(runId, recommendation) {
      const body = `${JSON.stringify(recommendation, null, 2)}\n`;
      return {
        uri: await put(runId, { name: 'recommendation.json', body, contentType: 'application/json' }),
      };
    },
    async putRunObjects(runId, objects) {
      // One at a time: a report is about 1 MB, and a failed write names its object.
      const stored: { name: string; uri: string }[] = [];
      for (const object of objects) stored.push({ name: object.name, uri: await put(runId, object) });
      return stored;
    },
  };
}
