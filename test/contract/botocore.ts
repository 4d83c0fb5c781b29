/**
 * Checks AWS request inputs against the botocore model of their operation, through
 * `scripts/botocore_validate.py` (one python3 process per batch). When python3 or botocore is
 * missing the check fails in CI (CI=true) and is skipped with a message elsewhere.
 * When SCALEPLAN_CONTRACT_DUMP names a folder, each record is also written there as one JSON file
 * `{ service, operation, input }`, so that any other validator can be run on them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ContractService =
  | 'sagemaker'
  | 'application-autoscaling'
  | 'cloudwatch'
  | 's3'
  | 'sfn'
  | 'events';

/** One request as sent: the service, the operation (PascalCase, as in the API) and its input. */
export interface ContractRecord {
  service: ContractService;
  operation: string;
  input: unknown;
}

export interface ContractResult {
  record: ContractRecord;
  errors: string[];
}

export type ContractOutcome =
  | { status: 'checked'; botocoreVersion: string; results: ContractResult[] }
  | { status: 'skipped'; reason: string };

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VALIDATOR_SCRIPT = join(REPO_ROOT, 'scripts', 'botocore_validate.py');

/** Converts an SDK input to plain JSON: Dates to ISO 8601, byte arrays to base64. */
export function toContractJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toContractJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = toContractJson(item);
    return out;
  }
  return value;
}

/** True when the environment says this is CI: a missing oracle is then an error. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/**
 * Validates a batch of records in one python3 process.
 * @throws Error in CI when python3/botocore is missing, or when the validator cannot run at all
 */
export function validateContractRecords(
  records: readonly ContractRecord[],
  options: { python?: string; env?: NodeJS.ProcessEnv } = {},
): ContractOutcome {
  const payload = JSON.stringify(
    records.map((record) => ({ ...record, input: toContractJson(record.input) })),
  );
  const run = spawnSync(options.python ?? 'python3', [VALIDATOR_SCRIPT], {
    input: payload,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const missing =
    run.error !== undefined
      ? `python3 could not be started (${run.error.message})`
      : run.status === 3
        ? run.stderr.trim()
        : undefined;
  if (missing !== undefined) {
    const reason = `botocore contract check not run: ${missing}`;
    if (isCi(options.env)) throw new Error(`${reason} (CI=true: the contract check is mandatory in CI)`);
    return { status: 'skipped', reason };
  }
  if (run.status !== 0 && run.status !== 1)
    throw new Error(`botocore validator failed (exit ${run.status}): ${run.stderr.trim()}`);
  const parsed = JSON.parse(run.stdout) as {
    botocore: string;
    results: { index: number; errors: string[] }[];
  };
  return {
    status: 'checked',
    botocoreVersion: parsed.botocore,
    results: parsed.results.map((result) => ({
      record: records[result.index] as ContractRecord,
      errors: result.errors,
    })),
  };
}

let dumpSequence = 0;

/**
 * Writes each record to `dir` as `<label>-<n>-<service>-<operation>.json` when `dir` is set
 * (by default from SCALEPLAN_CONTRACT_DUMP). Returns the files written.
 */
export function dumpContractRecords(
  records: readonly ContractRecord[],
  label: string,
  dir: string | undefined = process.env.SCALEPLAN_CONTRACT_DUMP,
): string[] {
  if (!dir) return [];
  mkdirSync(dir, { recursive: true });
  const safeLabel = label.replace(/[^A-Za-z0-9_-]+/g, '-');
  return records.map((record) => {
    dumpSequence += 1;
    const file = join(
      dir,
      `${safeLabel}-${process.pid}-${String(dumpSequence).padStart(4, '0')}-${record.service}-${record.operation}.json`,
    );
    const body = {
      service: record.service,
      operation: record.operation,
      input: toContractJson(record.input),
    };
    writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
    return file;
  });
}

/** One line per invalid record, for assertion messages. */
export function describeFailures(results: readonly ContractResult[]): string {
  return results
    .filter((result) => result.errors.length > 0)
    .map((result) => `${result.record.service} ${result.record.operation}: ${result.errors.join('; ')}`)
    .join('\n');
}
