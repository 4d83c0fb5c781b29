/**
 * A small search grid for tests that run SearchPolicies through the workflow: 2 targets x 2
 * MinCapacity offsets, every other axis at one value, so the derived set and 4 candidates make one
 * batch and the twin runs take seconds (the default grid holds 1261 candidates).
 */
import type { SearchGrid } from '../../shared/core/sim/search';

export const SMALL_SEARCH_GRID: Partial<SearchGrid> = {
  targetSharesOfPeak: [0.4, 0.55],
  scaleOutCooldownSeconds: [10],
  scaleInCooldownSeconds: [300],
  stepThresholdsOverTarget: [null],
  concurrencySharesOfPeak: [null],
  minCapacityOffsets: [0, 2],
  maxCapacityOffsets: [0],
};
