/**
 * Checks of the names this adapter sends, made before any call so that a bad name is an
 * InvalidInputError naming the field rather than an AWS ValidationException after the fact.
 * Patterns and lengths from the botocore SageMaker model.
 */
import { InvalidInputError } from '../../core/errors';

/** RecommendationJobName: 1..64, `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}`. */
export const JOB_NAME = { pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/, maxLength: 64 };
/** EndpointName, ModelName, EndpointConfigName: 1..63, `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`. */
export const ENDPOINT_NAME = { pattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, maxLength: 63 };
/** EntityName of a model package group: 1..63, `[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}`. */
export const GROUP_NAME = { pattern: /^[a-zA-Z0-9]([a-zA-Z0-9-]){0,62}$/, maxLength: 63 };

/** Throws InvalidInputError when `value` breaks the rule; returns it otherwise. */
export function checkName(
  field: string,
  value: string,
  rule: { pattern: RegExp; maxLength: number },
): string {
  if (value.length === 0 || value.length > rule.maxLength || !rule.pattern.test(value))
    throw new InvalidInputError(
      `${field} "${value}" must be 1..${rule.maxLength} letters, digits and single hyphens, starting and ending alphanumeric`,
    );
  return value;
}

/**
 * Shortens a derived name to `maxLength` without leaving a trailing hyphen.
 * @example fitName('scaleplan-2024-06-01t12-00-00z-abcdef', 20) // 'scaleplan-2024-06-01'
 */
export function fitName(value: string, maxLength: number): string {
  return value
    .replace(/[^a-zA-Z0-9-]/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
}
