/**
 * Deterministic names of everything one execution creates, from the request's name and the
 * run id. The same (name, runId) always gives the same names, so a retried step or a second
 * clean-up addresses the same resources.
 *
 * Limits (botocore SageMaker model): job names (RecommendationJobName) are 1..64 characters
 * `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}`; endpoint, endpoint config and model names 1..63
 * `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`; model package group names 1..63. Inference Recommender
 * prefixes the resources it creates with the job name cut at 40 characters, so the part that
 * tells runs apart (the run id) comes before the suffix and every base stays within 40.
 */

/** Longest job name (RecommendationJobName). */
export const MAX_JOB_NAME_LENGTH = 64;
/** Longest endpoint, endpoint config and model name. */
export const MAX_ENDPOINT_NAME_LENGTH = 63;
/**
 * Characters of the run id: 10 base-36 digits (51.7 bits) of a 64-bit hash. Clean-up also deletes
 * the names a run derives, so two runs of the same request name must not share an id: with 10^4
 * executions of one name the chance that any two collide is about 1e-8 (a 32-bit id gave 1%).
 */
export const RUN_ID_LENGTH = 10;
/** Longest `<name>-<runId>` base: 40, so that Inference Recommender's 40-character cut keeps the run id. */
export const MAX_BASE_LENGTH = 40;

const AWS_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/**
 * Turns any text into letters, digits and single hyphens, starting and ending alphanumeric, at
 * most `maxLength` characters; `fallback` when nothing is left.
 * @example toAwsName('My_Model v2!', 20) // 'My-Model-v2'
 */
export function toAwsName(text: string, maxLength: number, fallback = 'scaleplan'): string {
  const cleaned = text
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
  return cleaned.length > 0 ? cleaned : fallback.slice(0, maxLength);
}

/** True when `name` is a valid SageMaker entity name of at most `maxLength` characters. */
export function isAwsName(name: string, maxLength: number): boolean {
  return name.length >= 1 && name.length <= maxLength && AWS_NAME.test(name);
}

/**
 * The run id of an execution: 10 base-36 characters of the 64-bit FNV-1a hash of its ARN
 * (`$$.Execution.Id`, unique in the account and Region, while an execution name is unique only
 * per state machine, for 90 days; the hash keeps resource names short whatever the ARN's length).
 * @example runIdFor('arn:aws:states:us-east-1:123456789012:execution:scaleplan:a1b2c3d4') // 10 characters of [0-9a-z]
 */
export function runIdFor(executionArn: string): string {
  let hash = FNV_OFFSET_BASIS_64;
  for (let index = 0; index < executionArn.length; index++) {
    hash ^= BigInt(executionArn.charCodeAt(index));
    hash = (hash * FNV_PRIME_64) & UINT64_MASK;
  }
  return (hash % RUN_ID_SPACE).toString(36).padStart(RUN_ID_LENGTH, '0');
}

const FNV_OFFSET_BASIS_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;
const UINT64_MASK = (1n << 64n) - 1n;
const RUN_ID_SPACE = 36n ** BigInt(RUN_ID_LENGTH);

/** The names of one execution's resources. */
export interface RunNames {
  runId: string;
  /** `<name>-<runId>`, at most 40 characters. */
  base: string;
  /** The Default (benchmark) Inference Recommender job. */
  jobName: string;
  /** The evaluation endpoint; also its model and endpoint config. */
  endpointName: string;
  /** A model package group registered for this run when the request names none. */
  modelPackageGroupName: string;
  /**
   * The state machine that runs the execution (from its ARN), tagged with the run id on every
   * resource the run creates (`shared/core/ownership.ts`). Absent when the run has no ARN.
   */
  stateMachineArn?: string;
}

/**
 * Names for a request name and a run id. The request name is shortened (never the run id) so
 * that `<name>-<runId>` fits in 40 characters.
 * @example
 * runNames('churn-model', 'k3x9a0b')
 * // { base: 'churn-model-k3x9a0b', jobName: 'churn-model-k3x9a0b-bench',
 * //   endpointName: 'churn-model-k3x9a0b-eval', modelPackageGroupName: 'churn-model-k3x9a0b', ... }
 */
export function runNames(requestName: string, runId: string): RunNames {
  const id = toAwsName(runId, RUN_ID_LENGTH, '0');
  const name = toAwsName(requestName, MAX_BASE_LENGTH - id.length - 1);
  const base = `${name}-${id}`;
  return {
    runId: id,
    base,
    jobName: `${base}-bench`,
    endpointName: `${base}-eval`,
    modelPackageGroupName: base,
  };
}

/**
 * The evaluation of one iteration (an Inference Recommender Advanced job on AWS):
 * `<base>-eval-<iteration>`, at most 40 + 9 = 49 characters for iterations below 1000.
 * @example evaluationName(runNames('churn', 'k3x9a0b'), 2) // 'churn-k3x9a0b-eval-2'
 */
export function evaluationName(names: RunNames, iteration: number): string {
  return `${names.base}-eval-${Math.max(1, Math.floor(iteration))}`;
}
