/**
 * `--phases`, the same for every command (bench, simulate, search): Inference Recommender's PHASES
 * in IR's own field names, as CreateInferenceRecommendationsJob takes them, so a traffic pattern
 * can be copied between a job, a local rehearsal and the twin. JSON inline or `@file`; the
 * `Phases` array or the whole `TrafficPattern` object:
 *
 *   --phases '[{"InitialNumberOfUsers":1,"SpawnRate":2,"DurationInSeconds":120}]'
 *   --phases '{"TrafficType":"PHASES","Phases":[{"InitialNumberOfUsers":1,"SpawnRate":2,"DurationInSeconds":120}]}'
 *   --phases @phases.json
 *
 * SpawnRate is users added per minute. The wire format is read by shared/core/load/ir-phases.ts.
 */
import { InvalidArgumentError } from 'commander';
import { IrPhasesSchema } from '../shared/core/load/ir-phases';
import type { TrafficPhase } from '../shared/core/load/phases';
import { jsonOrFile } from './options';

/** One phase in IR's names: what every --phases refusal shows as the expected form. */
export const PHASES_EXAMPLE = '[{"InitialNumberOfUsers":1,"SpawnRate":2,"DurationInSeconds":120}]';

/** The help text of --phases, shared by the commands. */
export const PHASES_HELP = `Inference Recommender PHASES in IR's field names (the Phases array or the whole TrafficPattern), JSON or @file, e.g. '${PHASES_EXAMPLE}'`;

const readPhases = jsonOrFile(IrPhasesSchema);

/**
 * The commander parser of `--phases`: the phases, or one line naming what is wrong and the form
 * expected (commander prefixes the option; the CLI exits with code 2).
 *
 * @example
 * parsePhases('[{"InitialNumberOfUsers":1,"SpawnRate":2,"DurationInSeconds":120}]');
 * // [{ initialUsers: 1, spawnRatePerMinute: 2, durationSeconds: 120 }]
 * parsePhases('[{"initialUsers":1}]');
 * // throws InvalidArgumentError "[0].InitialNumberOfUsers: missing (expected a number); ... (expected IR's Phases array or TrafficPattern, e.g. '[...]')"
 */
export function parsePhases(text: string): TrafficPhase[] {
  try {
    return readPhases(text);
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    throw new InvalidArgumentError(
      `${error.message} (expected IR's Phases array or TrafficPattern, e.g. '${PHASES_EXAMPLE}')`,
    );
  }
}
