/**
 * The run's tags on AWS, and the two uses of reading them back: a retried create that meets
 * "already exists" goes on only when the resource carries the run's tags (a lost response: the
 * first attempt took effect), and clean-up deletes only what carries them. Tags are read with
 * SageMaker ListTags, CloudWatch ListTagsForResource and Application Auto Scaling
 * ListTagsForResource, each by the resource's ARN.
 */
import { ListTagsForResourceCommand as ListScalableTargetTagsCommand } from '@aws-sdk/client-application-auto-scaling';
import { ListTagsForResourceCommand as ListAlarmTagsCommand } from '@aws-sdk/client-cloudwatch';
import { ListTagsCommand } from '@aws-sdk/client-sagemaker';
import { AwsRequestError, ScaleplanError } from '../../core/errors';
import { isOwnedBy, ownerTags, type ResourceTag, type RunOwner } from '../../core/ownership';
import type { AwsClientProvider } from './clients';
import { awsErrorMessage, awsErrorName, callAws } from './errors';

/** The owner's tags in the SDK's shape, or nothing without an owner. */
export function tagsOf(owner: RunOwner | undefined): { Tags?: { Key: string; Value: string }[] } {
  return owner ? { Tags: ownerTags(owner).map((tag) => ({ Key: tag.key, Value: tag.value })) } : {};
}

/** The owner's tags as Application Auto Scaling takes them (a map), or nothing without an owner. */
export function tagMapOf(owner: RunOwner | undefined): { Tags?: Record<string, string> } {
  return owner ? { Tags: Object.fromEntries(ownerTags(owner).map((tag) => [tag.key, tag.value])) } : {};
}

/**
 * A create refused because the name is taken: SageMaker answers ValidationException "Cannot
 * create already existing endpoint ..." (and "... already exists" for groups), Inference
 * Recommender ResourceInUse for a job name in use. [unconfirmed] The texts are not in the API
 * model; they are those seen in public reports.
 */
export function isAlreadyExists(error: unknown): boolean {
  const name = awsErrorName(error);
  if (name === 'ResourceInUse' || name === 'ResourceInUseException') return true;
  return name === 'ValidationException' && /already exist/i.test(awsErrorMessage(error));
}

function fromSdk(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined) {
  return (tags ?? []).flatMap((tag): ResourceTag[] =>
    tag.Key === undefined ? [] : [{ key: tag.Key, value: tag.Value ?? '' }],
  );
}

/** The tags of a SageMaker resource (every page). */
export async function sageMakerTags(clients: AwsClientProvider, arn: string): Promise<ResourceTag[]> {
  const tags: ResourceTag[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws(`list the tags of ${arn}`, () =>
      clients
        .sagemaker()
        .send(new ListTagsCommand({ ResourceArn: arn, ...(nextToken ? { NextToken: nextToken } : {}) })),
    );
    tags.push(...fromSdk(page?.Tags));
    nextToken = page?.NextToken;
  } while (nextToken);
  return tags;
}

/** The tags of a CloudWatch alarm. */
export async function alarmTags(clients: AwsClientProvider, arn: string): Promise<ResourceTag[]> {
  const output = await callAws(`list the tags of ${arn}`, () =>
    clients.cloudWatch().send(new ListAlarmTagsCommand({ ResourceARN: arn })),
  );
  return fromSdk(output?.Tags);
}

/** The tags of a scalable target (Application Auto Scaling answers a map, not a list). */
export async function scalableTargetTags(clients: AwsClientProvider, arn: string): Promise<ResourceTag[]> {
  const output = await callAws(`list the tags of ${arn}`, () =>
    clients.autoScaling().send(new ListScalableTargetTagsCommand({ ResourceARN: arn })),
  );
  return Object.entries(output?.Tags ?? {}).map(([key, value]) => ({ key, value }));
}

/**
 * Runs a create; when it meets "already exists" and an `owner` is given, looks the resource up
 * and goes on with its ARN if it carries the owner's tags (a retry after a lost response), else
 * fails with AwsRequestError (not retried: the name belongs to someone else).
 *
 * @param find the existing resource's ARN and tags (a Describe, then ListTags)
 */
export async function createOrAdoptOwn(
  what: string,
  owner: RunOwner | undefined,
  create: () => Promise<string | undefined>,
  find: () => Promise<{ arn: string; tags: ResourceTag[] }>,
): Promise<string | undefined> {
  try {
    return await create();
  } catch (error) {
    const refusal = error instanceof ScaleplanError ? error.cause : error;
    if (!owner || !isAlreadyExists(refusal)) throw error;
    const found = await find();
    const verdict = isOwnedBy(found.tags, owner);
    if (!verdict.owned)
      throw new AwsRequestError(
        `unable to create ${what}: it already exists and is not this run's (${found.arn}: ${verdict.reason})`,
        { cause: refusal },
      );
    return found.arn;
  }
}
