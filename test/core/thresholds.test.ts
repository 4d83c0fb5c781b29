import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../shared/core/errors';
import type { Goal } from '../../shared/core/request';
import { deriveThresholds, goalPercent, type ThresholdMethod } from '../../shared/core/thresholds';
import type { BenchmarkAnalysis, CpuFit } from '../../shared/core/types';

/** The AWS sample's instance: peak 9068/min on a 2-vCPU ml.c5.large; CPU = 0.02 x rate + 2. */
function analysisOf(peak = 9068, fit: Partial<CpuFit> = {}, vcpus = 2): BenchmarkAnalysis {
  return {
    instanceType: 'ml.c5.large',
    vcpus,
    periodSeconds: 60,
    peakInvocationsPerMinute: peak,
    peakTimestamp: '2026-01-01T00:21:00Z',
    latencyAtPeak: { avgMs: 6.8 },
    cpuFit: {
      slopePercentPerInvocationPerMinute: 0.02,
      interceptPercent: 2,
      rSquared: 0.99,
      sampleCount: 20,
      ...fit,
    },
    bottleneck: 'cpu',
    latencyCurve: [],
    reasons: [],
  };
}

describe('deriveThresholds: the AWS sample', () => {
  it('peak 9068/min at 55 % -> InvocationsPerInstance 4987 (peakShare)', () => {
    const t = deriveThresholds(analysisOf(), 55, 'peakShare');
    assert.equal(t.peakShare.invocationsPerInstance, 4987);
    assert.equal(t.invocationsPerInstance, 4987);
    assert.equal(t.peakShare.formula, 'floor(9068 x 55 %) = floor(4987.4) = 4987');
    assert.equal(t.chosen, 'peakShare');
  });

  it('CPU target 100 on 2 vCPUs at 50 % (balanced)', () => {
    const t = deriveThresholds(analysisOf(), 'balanced');
    assert.equal(t.cpuTargetPercent, 100);
    assert.equal(t.cpuOverlay.cpuTargetPercent, 100);
    // (100 - 2) / 0.02 = 4900 invocations/min where the fitted CPU reaches 100 %.
    assert.equal(t.cpuOverlay.invocationsPerInstance, 4900);
    assert.equal(t.peakShare.invocationsPerInstance, 4534);
    assert.equal(t.chosen, 'peakShare');
    assert.equal(t.invocationsPerInstance, 4534);
  });
});

describe('deriveThresholds: goals', () => {
  const cases: {
    name: string;
    goal: Goal;
    percent: number;
    peakShare: number;
    cpuTarget: number;
    /** null: the fitted CPU never falls to the target (intercept above it), so no overlay. */
    overlay: number | null;
  }[] = [
    {
      name: 'availability 40 %',
      goal: 'availability',
      percent: 40,
      peakShare: 3627,
      cpuTarget: 80,
      overlay: 3900,
    },
    { name: 'balanced 50 %', goal: 'balanced', percent: 50, peakShare: 4534, cpuTarget: 100, overlay: 4900 },
    { name: 'cost 70 %', goal: 'cost', percent: 70, peakShare: 6347, cpuTarget: 140, overlay: 6900 },
    { name: 'explicit 55 %', goal: 55, percent: 55, peakShare: 4987, cpuTarget: 110, overlay: 5400 },
    { name: 'boundary: explicit 0.5 %', goal: 0.5, percent: 0.5, peakShare: 45, cpuTarget: 1, overlay: null },
    {
      name: 'boundary: explicit 99.9 %',
      goal: 99.9,
      percent: 99.9,
      peakShare: 9058,
      cpuTarget: 199.8,
      overlay: 9890,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = deriveThresholds(analysisOf(), c.goal);
      assert.equal(t.targetPercent, c.percent);
      assert.equal(t.peakShare.invocationsPerInstance, c.peakShare);
      assert.equal(t.cpuTargetPercent, c.cpuTarget);
      assert.equal(t.cpuOverlay.invocationsPerInstance, c.overlay);
    });
  }

  const invalid: { name: string; goal: Goal }[] = [
    { name: 'boundary: 0 %', goal: 0 },
    { name: 'boundary: 100 %', goal: 100 },
    { name: 'negative', goal: -5 },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => goalPercent(c.goal), InvalidInputError);
      assert.throws(() => deriveThresholds(analysisOf(), c.goal), /goal must be .* in \(0, 100\)/);
    });
  }
});

describe('deriveThresholds: method choice', () => {
  const cases: {
    name: string;
    fit?: Partial<CpuFit>;
    peak?: number;
    method?: ThresholdMethod;
    chosen: 'peakShare' | 'cpuOverlay';
    invocationsPerInstance: number;
    overlay: number | null;
    reason?: string;
  }[] = [
    {
      name: 'conservative picks the CPU overlay when it is lower (CPU-heavy model)',
      fit: { slopePercentPerInvocationPerMinute: 0.03, interceptPercent: 10 },
      chosen: 'cpuOverlay',
      invocationsPerInstance: 3000, // (100 - 10) / 0.03
      overlay: 3000,
    },
    {
      name: 'conservative picks peakShare when the overlay is higher',
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: 4900,
    },
    {
      name: 'boundary: equal values keep peakShare',
      fit: { slopePercentPerInvocationPerMinute: 0.02, interceptPercent: 9.32 },
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: 4534,
    },
    {
      name: 'peakShare requested even when the overlay is lower',
      fit: { slopePercentPerInvocationPerMinute: 0.03, interceptPercent: 10 },
      method: 'peakShare',
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: 3000,
    },
    {
      name: 'cpuOverlay requested even when higher',
      method: 'cpuOverlay',
      chosen: 'cpuOverlay',
      invocationsPerInstance: 4900,
      overlay: 4900,
    },
    {
      name: 'cpuOverlay requested but the CPU is flat: falls back to peakShare',
      fit: { slopePercentPerInvocationPerMinute: 0, interceptPercent: 30, rSquared: 0 },
      method: 'cpuOverlay',
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: null,
      reason: 'methodFallback',
    },
    {
      name: 'boundary: r² 0.5 is good enough',
      fit: { rSquared: 0.5 },
      method: 'cpuOverlay',
      chosen: 'cpuOverlay',
      invocationsPerInstance: 4900,
      overlay: 4900,
    },
    {
      name: 'boundary: r² 0.4999 is too poor',
      fit: { rSquared: 0.4999 },
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: null,
      reason: 'cpuOverlayUnavailable',
    },
    {
      name: 'intercept above the CPU target: no overlay',
      fit: { interceptPercent: 120 },
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: null,
      reason: 'cpuOverlayUnavailable',
    },
    {
      name: 'overlay above the measured peak is kept but flagged as extrapolated',
      fit: { slopePercentPerInvocationPerMinute: 0.005, interceptPercent: 0 },
      chosen: 'peakShare',
      invocationsPerInstance: 4534,
      overlay: 20000,
      reason: 'cpuOverlayExtrapolated',
    },
    {
      name: 'boundary: a peak of 1/min at 50 % is raised to the smallest target, 1',
      peak: 1,
      chosen: 'peakShare',
      invocationsPerInstance: 1,
      overlay: null,
      fit: { slopePercentPerInvocationPerMinute: 0, rSquared: 0 },
      reason: 'clampedToOne',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = deriveThresholds(
        analysisOf(c.peak ?? 9068, c.fit ?? {}),
        'balanced',
        c.method ?? 'conservative',
      );
      assert.equal(t.chosen, c.chosen);
      assert.equal(t.invocationsPerInstance, c.invocationsPerInstance);
      assert.equal(t.cpuOverlay.invocationsPerInstance, c.overlay);
      assert.equal(t.cpuTargetPercent, 100);
      if (c.reason)
        assert.ok(
          t.reasons.some((r) => r.code === c.reason),
          JSON.stringify(t.reasons),
        );
      assert.ok(t.reasons.length >= 2);
    });
  }

  it('scales the CPU target with vCPUs: 50 % of 4 vCPUs is 200', () => {
    assert.equal(deriveThresholds(analysisOf(9068, {}, 4), 'balanced').cpuTargetPercent, 200);
  });
});

describe('deriveThresholds properties', () => {
  const arbitraryFit = fc.record({
    slopePercentPerInvocationPerMinute: fc.double({ min: -0.1, max: 0.2, noNaN: true }),
    interceptPercent: fc.double({ min: 0, max: 50, noNaN: true }),
    rSquared: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('conservative is never above either method, and at least 1', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.double({ min: 1, max: 99, noNaN: true }),
        arbitraryFit,
        (peak, percent, fit) => {
          const t = deriveThresholds(analysisOf(peak, fit), percent);
          assert.ok(t.invocationsPerInstance >= 1);
          assert.ok(t.invocationsPerInstance <= t.peakShare.invocationsPerInstance);
          if (t.cpuOverlay.invocationsPerInstance !== null)
            assert.ok(t.invocationsPerInstance <= t.cpuOverlay.invocationsPerInstance);
          assert.ok(Number.isInteger(t.invocationsPerInstance));
        },
      ),
      { numRuns: 500, seed: 11 },
    );
  });

  it('peakShare is monotone in the goal percent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.double({ min: 1, max: 98, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (peak, low, delta) => {
          const lower = deriveThresholds(analysisOf(peak), low).peakShare.invocationsPerInstance;
          const higher = deriveThresholds(analysisOf(peak), low + delta).peakShare.invocationsPerInstance;
          assert.ok(lower <= higher);
        },
      ),
      { numRuns: 300, seed: 12 },
    );
  });
});
