/**
 * Inference Recommender's wire format of PHASES (CreateInferenceRecommendationsJob's
 * InputConfig.TrafficPattern), read and written in one place: every command's `--phases` reads it
 * with {@link IrPhasesSchema}, and the AWS evaluation driver writes it with {@link toIrPhases}.
 * Inside scaleplan a phase is a {@link TrafficPhase}.
 */
import { z } from 'zod';
import type { TrafficPhase } from './phases';

/**
 * One phase as IR takes it. The API's own bounds (InitialNumberOfUsers >= 1, SpawnRate >= 0,
 * DurationInSeconds >= 1, whole numbers); the stricter limits of the developer guide are only
 * noted ({@link phasesOutsideAwsLimits}), so a short local rehearsal can still run.
 */
export const IrPhaseSchema = z
  .object({
    InitialNumberOfUsers: z.number().int().min(1),
    /** Users added per minute. */
    SpawnRate: z.number().int().min(0),
    DurationInSeconds: z.number().int().min(1),
  })
  .strict();
export type IrPhase = z.output<typeof IrPhaseSchema>;

/** TrafficPattern.Phases: at least one phase. */
export const IrPhaseListSchema = z.array(IrPhaseSchema).min(1);

/** The whole TrafficPattern of PHASES (STAIRS is another load: refused here). */
export const IrTrafficPatternSchema = z
  .object({ TrafficType: z.literal('PHASES').optional(), Phases: IrPhaseListSchema })
  .strict();

/**
 * IR's PHASES as scaleplan's phases: the `Phases` array, or the whole `TrafficPattern` object.
 * The shape picks the schema (not a union), so an issue names the field (`[0].SpawnRate`,
 * `Phases[0].SpawnRate`) instead of "no member of the union matched".
 *
 * @example
 * IrPhasesSchema.parse([{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 120 }]);
 * // [{ initialUsers: 1, spawnRatePerMinute: 2, durationSeconds: 120 }]
 * IrPhasesSchema.parse({ TrafficType: 'PHASES', Phases: [{ InitialNumberOfUsers: 1, SpawnRate: 2, DurationInSeconds: 120 }] });
 * // the same
 */
export const IrPhasesSchema = z.unknown().transform((value, context): TrafficPhase[] => {
  const parsed = Array.isArray(value)
    ? IrPhaseListSchema.safeParse(value)
    : IrTrafficPatternSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      context.addIssue(issue as Parameters<typeof context.addIssue>[0]);
    return z.NEVER;
  }
  return fromIrPhases(Array.isArray(parsed.data) ? parsed.data : parsed.data.Phases);
});

/** IR's phases in scaleplan's names. */
export function fromIrPhases(phases: readonly IrPhase[]): TrafficPhase[] {
  return phases.map((phase) => ({
    initialUsers: phase.InitialNumberOfUsers,
    spawnRatePerMinute: phase.SpawnRate,
    durationSeconds: phase.DurationInSeconds,
  }));
}

/**
 * Scaleplan's phases in IR's names, for TrafficPattern.Phases.
 * @example toIrPhases([{ initialUsers: 1, spawnRatePerMinute: 3, durationSeconds: 3600 }]);
 * // [{ InitialNumberOfUsers: 1, SpawnRate: 3, DurationInSeconds: 3600 }]
 */
export function toIrPhases(phases: readonly TrafficPhase[]): IrPhase[] {
  return phases.map((phase) => ({
    InitialNumberOfUsers: phase.initialUsers,
    SpawnRate: phase.spawnRatePerMinute,
    DurationInSeconds: phase.durationSeconds,
  }));
}
