/**
 * What the outputs' tests share: the recommendation fixture (the recommendation.json of a real
 * local run of the demo model) with variants, and the real checkers: cfn-lint, the HCL parser and
 * the provider schema extract. A missing cfn-lint fails in CI (CI=true) and skips elsewhere.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Recommendation } from '../../shared/core/recommendation';
import { isCi } from '../contract/botocore';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(HERE, '..', '..');
export const FIXTURE_PATH = join(HERE, 'fixtures', 'recommendation.json');
export const BENCHMARK_FIXTURE_PATH = join(HERE, 'fixtures', 'benchmark.json');

export function loadFixture(): Recommendation {
  return JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as Recommendation;
}

/** The fixture with two scheduled actions added (the demo run has none). */
export function withScheduledActions(recommendation: Recommendation = loadFixture()): Recommendation {
  return {
    ...recommendation,
    policySet: {
      ...recommendation.policySet,
      scheduledActions: [
        {
          name: 'weekday-morning',
          schedule: 'cron(0 8 ? * MON-FRI *)',
          timezone: 'Europe/Paris',
          minCapacity: 3,
        },
        { name: 'weekday-evening', schedule: 'cron(0 20 ? * MON-FRI *)', minCapacity: 1, maxCapacity: 12 },
      ],
    },
  };
}

/** A scratch folder inside the repository (ignored), so generated code resolves node_modules. */
export function scratchDir(prefix: string): string {
  const root = join(REPO_ROOT, '.esbuild');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, prefix));
}

/** cfn-lint on a template file: no error (its exit code is a bit mask: 2 errors, 4 warnings, 8 info). */
export function assertCfnLintClean(t: TestContext, template: string, name = 'template.yml'): void {
  const dir = scratchDir('cfn-lint-');
  const path = join(dir, name);
  writeFileSync(path, template);
  const lint = spawnSync('cfn-lint', [path], { encoding: 'utf8', timeout: 120_000 });
  if (lint.error) {
    const reason = `cfn-lint is not installed (${lint.error.message})`;
    if (isCi()) assert.fail(`${reason}: it is mandatory in CI`);
    t.skip(reason);
    return;
  }
  const status = lint.status ?? 1;
  const failed = (status & 2) !== 0 || (status & 4) !== 0 || status === 1 || status >= 16;
  assert.ok(!failed, `cfn-lint exit ${status}:\n${lint.stdout}${lint.stderr}`);
}

interface AttributeSchema {
  type: string | [string, string];
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  enum?: string[];
}
interface BlockSchema {
  attributes: Record<string, AttributeSchema>;
  block_types?: Record<
    string,
    { nesting_mode: string; min_items?: number; max_items?: number; block: BlockSchema }
  >;
  opaque?: boolean;
}
interface ProviderSchema {
  meta_arguments: string[];
  resource_schemas: Record<string, { block: BlockSchema }>;
}

export const PROVIDER_SCHEMA = JSON.parse(
  readFileSync(join(HERE, 'terraform-aws-schema.json'), 'utf8'),
) as ProviderSchema;

const isReference = (value: unknown) => typeof value === 'string' && /^\$\{[^}]+\}$/.test(value);

function typeProblem(path: string, type: AttributeSchema['type'], value: unknown): string | null {
  if (isReference(value)) return null;
  if (Array.isArray(type)) {
    const [collection] = type;
    if (collection === 'map')
      return typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((item) => typeof item === 'string')
        ? null
        : `${path}: a map of strings is expected`;
    return Array.isArray(value) && value.every((item) => typeof item === 'string')
      ? null
      : `${path}: a ${collection} of strings is expected`;
  }
  const actual = typeof value;
  if (type === 'number' && actual !== 'number')
    return `${path}: a number is expected, got ${JSON.stringify(value)}`;
  if (type === 'string' && actual !== 'string')
    return `${path}: a string is expected, got ${JSON.stringify(value)}`;
  if (type === 'bool' && actual !== 'boolean')
    return `${path}: a bool is expected, got ${JSON.stringify(value)}`;
  return null;
}

/**
 * Problems of one parsed resource body (hcl2json's JSON: nested blocks are arrays of objects)
 * against the schema: unknown or computed-only arguments, missing required ones, wrong types,
 * values outside an enum, too many or too few nested blocks.
 */
export function schemaProblems(
  path: string,
  body: Record<string, unknown>,
  schema: BlockSchema,
  meta: string[] = [],
): string[] {
  if (schema.opaque) return [];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (meta.includes(key)) continue;
    const attribute = schema.attributes[key];
    const blockType = schema.block_types?.[key];
    if (attribute) {
      if (attribute.computed && !attribute.optional && !attribute.required)
        problems.push(`${path}.${key}: computed only, not an argument`);
      const problem = typeProblem(`${path}.${key}`, attribute.type, value);
      if (problem) problems.push(problem);
      if (
        attribute.enum &&
        typeof value === 'string' &&
        !isReference(value) &&
        !attribute.enum.includes(value)
      )
        problems.push(`${path}.${key}: '${value}' is not one of ${attribute.enum.join('|')}`);
    } else if (blockType) {
      if (!Array.isArray(value)) {
        problems.push(`${path}.${key}: a block is expected, got an attribute`);
        continue;
      }
      if (blockType.max_items !== undefined && value.length > blockType.max_items)
        problems.push(`${path}.${key}: at most ${blockType.max_items} block(s), got ${value.length}`);
      for (const [i, item] of value.entries())
        problems.push(
          ...schemaProblems(`${path}.${key}[${i}]`, item as Record<string, unknown>, blockType.block),
        );
    } else problems.push(`${path}.${key}: not an argument of this resource`);
  }
  for (const [key, attribute] of Object.entries(schema.attributes))
    if (attribute.required && body[key] === undefined) problems.push(`${path}: missing required ${key}`);
  for (const [key, blockType] of Object.entries(schema.block_types ?? {}))
    if ((blockType.min_items ?? 0) > 0 && !Array.isArray(body[key]))
      problems.push(`${path}: missing required block ${key}`);
  return problems;
}
