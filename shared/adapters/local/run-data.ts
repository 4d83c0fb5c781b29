/**
 * RunDataPort in the run folder: `<runDir>/work/<name>`, so a local run keeps what it searched
 * on beside its recommendation. Keys are paths relative to the run folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { InvalidInputError, ResourceNotFoundError } from '../../core/errors';
import type { RunDataPort } from '../../core/ports';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function createLocalRunData(runDir: string): RunDataPort {
  return {
    async put(_runId, name, value) {
      if (!NAME_PATTERN.test(name))
        throw new InvalidInputError(
          `run data name "${name}" must be 1..100 lowercase letters, digits, '.', '_' or '-'`,
        );
      mkdirSync(join(runDir, 'work'), { recursive: true });
      const key = `work/${name}`;
      writeFileSync(join(runDir, key), JSON.stringify(value));
      return { key };
    },
    async get(key) {
      const relative = normalize(key);
      if (!relative.startsWith('work/') || relative.includes('..'))
        throw new InvalidInputError(`run data key "${key}" is not under the run folder's work/`);
      const path = join(runDir, relative);
      if (!existsSync(path)) throw new ResourceNotFoundError(`run data ${path} does not exist`);
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as unknown;
      } catch (error) {
        throw new InvalidInputError(`${path} is not JSON`, { cause: error });
      }
    },
  };
}
