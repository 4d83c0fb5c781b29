/**
 * Loads the state machine definition exactly as deployed (statemachines/scaleplan.asl.yml) and
 * replaces each Task's `Fn::GetAtt: [<functionKey>, Arn]` by a Lambda ARN, so that the same
 * definition runs in aws-local-stepfunctions and passes asl-validator.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The definition file, from the repository root. */
export const DEFINITION_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'statemachines',
  'scaleplan.asl.yml',
);

/** Account and Region of the fake ARNs; the local runner never calls them. */
export const FAKE_LAMBDA_ARN_PREFIX = 'arn:aws:lambda:us-east-1:123456789012:function:';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The raw YAML as parsed (Tasks still hold `Fn::GetAtt`). */
export function readRawDefinition(path: string = DEFINITION_PATH): Record<string, Json> {
  return parse(readFileSync(path, 'utf8')) as Record<string, Json>;
}

/** `functionKey` of a `{ 'Fn::GetAtt': [functionKey, 'Arn'] }` resource, else undefined. */
export function getAttFunctionKey(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  const getAtt = (resource as Record<string, unknown>)['Fn::GetAtt'];
  if (!Array.isArray(getAtt) || getAtt.length !== 2 || getAtt[1] !== 'Arn' || typeof getAtt[0] !== 'string')
    return undefined;
  return getAtt[0];
}

function replaceGetAtt(value: Json, prefix: string): Json {
  if (Array.isArray(value)) return value.map((item) => replaceGetAtt(item, prefix));
  if (value === null || typeof value !== 'object') return value;
  const key = getAttFunctionKey(value);
  if (key !== undefined) return `${prefix}${key}`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceGetAtt(v, prefix)]));
}

/**
 * The definition with fake Lambda ARNs (`arn:aws:lambda:us-east-1:123456789012:function:<key>`
 * unless another prefix is given).
 * @example (loadDefinition() as any).States.PollJob.Resource // '...:function:pollJob'
 */
export function loadDefinition(options: { lambdaArnPrefix?: string; path?: string } = {}): object {
  return replaceGetAtt(
    readRawDefinition(options.path),
    options.lambdaArnPrefix ?? FAKE_LAMBDA_ARN_PREFIX,
  ) as object;
}

/**
 * Task state name -> function key, from the raw definition: the top-level States and those of a
 * Map's ItemProcessor (state names are unique across both, as the local overrides are keyed by name).
 */
export function taskFunctionKeys(path: string = DEFINITION_PATH): Record<string, string> {
  const keys: Record<string, string> = {};
  const collect = (states: Record<string, Record<string, Json>>) => {
    for (const [name, state] of Object.entries(states)) {
      const processor = state.ItemProcessor as { States?: Record<string, Record<string, Json>> } | undefined;
      if (state.Type === 'Map' && processor?.States) collect(processor.States);
      if (state.Type !== 'Task') continue;
      if (keys[name] !== undefined) throw new Error(`Task state name ${name} is used twice`);
      const key = getAttFunctionKey(state.Resource);
      if (key === undefined) throw new Error(`Task ${name} has no Fn::GetAtt: [<functionKey>, Arn] resource`);
      keys[name] = key;
    }
  };
  collect(readRawDefinition(path).States as Record<string, Record<string, Json>>);
  return keys;
}

/**
 * What the definition bounds, for the caller of the local runner: the `maxRounds` of each poll
 * Task (PollJob, PollEndpoint, PollEvaluation), by state name. A local composition root sizes its
 * waits from them instead of reading the file itself.
 */
export interface DefinitionBounds {
  maxRounds: Record<string, number>;
}

/**
 * @example
 * definitionBounds(loadDefinition()).maxRounds.PollJob; // 90
 */
export function definitionBounds(definition: object): DefinitionBounds {
  const states =
    (definition as { States?: Record<string, { Type?: unknown; Parameters?: unknown }> }).States ?? {};
  const maxRounds: Record<string, number> = {};
  for (const [name, state] of Object.entries(states)) {
    const rounds = (state.Parameters as { maxRounds?: unknown } | undefined)?.maxRounds;
    if (state.Type === 'Task' && typeof rounds === 'number' && Number.isInteger(rounds) && rounds >= 1)
      maxRounds[name] = rounds;
  }
  return { maxRounds };
}
