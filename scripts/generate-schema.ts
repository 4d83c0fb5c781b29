/**
 * Writes schemas/scaling-request.schema.json from the zod ScalingRequestDraftSchema, the single source
 * of the execution input (zod 4's z.toJSONSchema, input side: fields with defaults are optional).
 * `npm run schema` rewrites it; `npm run schema -- --check` exits 1 when the committed file is stale.
 * Cross-field rules (minRps <= maxRps, ...) live only in the zod refinements: `scaleplan start`
 * validates with zod before calling AWS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ScalingRequestDraftSchema } from '../shared/core/request';

export const SCHEMA_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'schemas',
  'scaling-request.schema.json',
);

/** The JSON Schema of the ScalingRequest as users write it. */
export function buildScalingRequestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ScalingRequestDraftSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    title: 'ScalingRequest',
    description:
      'Input of the scaleplan state machine and of `scaleplan run`: the model, the instance type, the traffic expectations, the goal and the latency SLO.',
    ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
  };
}

/** The exact text committed in schemas/ (2-space JSON, trailing newline). */
export function renderScalingRequestJsonSchema(): string {
  return `${JSON.stringify(buildScalingRequestJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderScalingRequestJsonSchema();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(SCHEMA_PATH, 'utf8');
    } catch {
      // Reported below as stale.
    }
    if (committed !== text) {
      process.stderr.write(`${SCHEMA_PATH} is stale: run npm run schema\n`);
      process.exit(1);
    }
    process.stdout.write(`${SCHEMA_PATH} is up to date\n`);
  } else {
    writeFileSync(SCHEMA_PATH, text);
    process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
  }
}
