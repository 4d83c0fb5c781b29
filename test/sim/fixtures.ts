/**
 * Hand-made inputs of the twin's tests: one instance serves at most 6000 invocations per minute
 * (100 rps); latency p50/p95/p99 10/20/30 ms when idle, 20/40/60 ms at the peak; CPU = 0.025 x
 * invocations per minute + 5 (percent over 2 vCPUs).
 */
import type { BenchmarkAnalysis, PolicySet, TargetTrackingSpec } from '../../shared/core/types';

export const ANALYSIS: BenchmarkAnalysis = {
  instanceType: 'ml.c5.large',
  vcpus: 2,
  periodSeconds: 60,
  peakInvocationsPerMinute: 6000,
  peakTimestamp: '2024-01-01T00:00:00.000Z',
  latencyAtPeak: { avgMs: 20, p95Ms: 40, p99Ms: 60 },
  cpuFit: { slopePercentPerInvocationPerMinute: 0.025, interceptPercent: 5, rSquared: 1, sampleCount: 10 },
  bottleneck: 'cpu',
  latencyCurve: [
    { invocationsPerMinute: 0, avgMs: 10, p50Ms: 10, p95Ms: 20, p99Ms: 30 },
    { invocationsPerMinute: 6000, avgMs: 20, p50Ms: 20, p95Ms: 40, p99Ms: 60 },
  ],
  reasons: [],
};

export function tt(
  targetValue: number,
  scaleOutCooldownSeconds = 300,
  scaleInCooldownSeconds = 300,
): TargetTrackingSpec {
  return { targetValue, scaleOutCooldownSeconds, scaleInCooldownSeconds, disableScaleIn: false };
}

/** Min 1, Max 10, InvocationsPerInstance target 3000 (50% of the peak), cooldowns 300/300. */
export function policies(overrides: Partial<PolicySet> = {}): PolicySet {
  return {
    minCapacity: 1,
    maxCapacity: 10,
    invocationsTargetTracking: tt(3000),
    scheduledActions: [],
    ...overrides,
  };
}

/** Per-minute counts from [minutes, countPerMinute] segments. */
export function minutesOf(...segments: [number, number][]): number[] {
  return segments.flatMap(([minutes, count]) => Array<number>(minutes).fill(count));
}
