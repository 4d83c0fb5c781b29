/**
 * Who owns a resource scaleplan creates: the run (its run id, a 64-bit hash of the execution ARN)
 * and the state machine that ran it, carried as two tags on everything that takes tags. A resource
 * is the run's own only when both tags say so; clean-up, the sweeper and a retried create that
 * meets "already exists" act on nothing else, so another run's resources (or another team's, of
 * the same name) are never touched.
 *
 * Tag limits (SageMaker, Application Auto Scaling and CloudWatch alike): key 1..128, value 0..256
 * characters; keys starting with `aws:` are reserved. A state machine ARN is at most
 * 20 + 12 + 80 + ~15 characters, well under 256.
 */

/** Tag key of the run id (`runIdFor(executionArn)`). */
export const RUN_ID_TAG = 'scaleplan:run-id';
/** Tag key of the state machine ARN that ran the run. */
export const STATE_MACHINE_TAG = 'scaleplan:state-machine';

/** The run a resource belongs to. */
export interface RunOwner {
  runId: string;
  /** Absent when the run has no state machine (a run on this machine without an ARN). */
  stateMachineArn?: string;
}

/** A tag in the core's shape; adapters turn it into each service's `{Key, Value}`. */
export interface ResourceTag {
  key: string;
  value: string;
}

/** The tags every resource of `owner` carries. */
export function ownerTags(owner: RunOwner): ResourceTag[] {
  const tags: ResourceTag[] = [{ key: RUN_ID_TAG, value: owner.runId }];
  if (owner.stateMachineArn) tags.push({ key: STATE_MACHINE_TAG, value: owner.stateMachineArn });
  return tags;
}

/** The owner of a run from its names (`$.names`: the run id and, on AWS, the state machine). */
export function ownerOf(names: { runId: string; stateMachineArn?: string | undefined }): RunOwner {
  return names.stateMachineArn
    ? { runId: names.runId, stateMachineArn: names.stateMachineArn }
    : { runId: names.runId };
}

/**
 * Whether a resource with `tags` is `owner`'s: its run-id tag equals the run id and, when the
 * owner has a state machine, its state-machine tag equals it. The reason names the tag that
 * differs, for the message of a refused create or a resource clean-up leaves alone.
 * @example isOwnedBy([{ key: 'scaleplan:run-id', value: 'other' }], { runId: 'mine' })
 * // { owned: false, reason: 'tag scaleplan:run-id is "other", not "mine"' }
 */
export function isOwnedBy(tags: readonly ResourceTag[], owner: RunOwner): { owned: boolean; reason: string } {
  const tagValue = (key: string) => tags.find((tag) => tag.key === key)?.value;
  const expected = ownerTags(owner);
  for (const { key, value } of expected) {
    const found = tagValue(key);
    if (found !== value)
      return {
        owned: false,
        reason:
          found === undefined
            ? `no tag ${key} (expected "${value}")`
            : `tag ${key} is "${found}", not "${value}"`,
      };
  }
  return { owned: true, reason: `tags ${expected.map((tag) => `${tag.key}=${tag.value}`).join(', ')}` };
}

/**
 * The state machine of an execution: `arn:<p>:states:<region>:<account>:execution:<machine>:<name>`
 * -> `arn:<p>:states:<region>:<account>:stateMachine:<machine>`; undefined for anything else.
 * @example stateMachineArnOf('arn:aws:states:us-east-1:123456789012:execution:scaleplan-prod:run-1')
 * // 'arn:aws:states:us-east-1:123456789012:stateMachine:scaleplan-prod'
 */
export function stateMachineArnOf(executionArn: string): string | undefined {
  const parts = executionArn.split(':');
  if (parts.length < 8 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'execution')
    return undefined;
  const machine = parts[6];
  if (!machine) return undefined;
  return [...parts.slice(0, 5), 'stateMachine', machine].join(':');
}
