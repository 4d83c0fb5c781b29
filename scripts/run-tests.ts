/**
 * Runs every `test/**\/*.test.ts` file with node's test runner through tsx.
 * Node 20 does not expand globs itself, so the list is built here.
 * Extra arguments are passed through (for example a single file path).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function listTestFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return listTestFiles(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : listTestFiles('test').sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--import', './test/setup.ts', '--test', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
