/**
 * RunDataPort on S3: the run's working data (the history it replays, the search's figures) in
 * the results bucket, `s3://<bucket>/<prefix>/<runId>/work/<name>`, beside the recommendation.
 * Only keys under that prefix are read back, so an execution input cannot point the functions
 * at another object of the bucket.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors';
import type { RunDataPort } from '../../core/ports';
import { recommendationKey } from './artifacts';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { callAws } from './errors';

/** Folder of a run's working data under its results prefix. */
export const RUN_DATA_FOLDER = 'work';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Key of one object of a run's working data (the run id is checked as for the recommendation).
 * @example runDataKey('recommendations', 'k3j4h5g6f7', 'history.json') // 'recommendations/k3j4h5g6f7/work/history.json'
 */
export function runDataKey(prefix: string, runId: string, name: string): string {
  if (!NAME_PATTERN.test(name))
    throw new InvalidInputError(
      `run data name "${name}" must be 1..100 lowercase letters, digits, '.', '_' or '-'`,
    );
  return recommendationKey(prefix, runId).replace(/recommendation\.json$/, `${RUN_DATA_FOLDER}/${name}`);
}

export function createRunData(clients: AwsClientProvider, config: AwsConfig): RunDataPort {
  return {
    async put(runId, name, value) {
      const bucket = config.artifactBucket();
      const key = runDataKey(config.artifactPrefix(), runId, name);
      await callAws(`write s3://${bucket}/${key}`, () =>
        clients.s3().send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: JSON.stringify(value),
            ContentType: 'application/json',
          }),
        ),
      );
      return { key };
    },
    async get(key) {
      const bucket = config.artifactBucket();
      const prefix = config.artifactPrefix();
      if (
        !key.startsWith(prefix ? `${prefix}/` : '') ||
        !key.includes(`/${RUN_DATA_FOLDER}/`) ||
        key.includes('..')
      )
        throw new InvalidInputError(
          `run data key "${key}" is not under ${prefix}/<runId>/${RUN_DATA_FOLDER}/`,
        );
      const text = await callAws(`read s3://${bucket}/${key}`, async () => {
        const answer = await clients.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return (await answer.Body?.transformToString('utf-8')) ?? '';
      });
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new InvalidInputError(`s3://${bucket}/${key} is not JSON`, { cause: error });
      }
    },
  };
}
