/**
 * The reasons of the search's pick (pickRobustCandidate) on hand-made figures: what the reason
 * about the derived policy set says when it misses the SLO level and when it misses the error budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DERIVED_CANDIDATE_LABEL,
  pickRobustCandidate,
  type SearchSpec,
} from '../../shared/core/sim/search-map';
import type { PolicySet } from '../../shared/core/types';
import { AWS_SAMPLE_ANALYSIS } from '../fixtures/aws-sample';

const policySet = (targetValue: number): PolicySet => ({
  minCapacity: 1,
  maxCapacity: 4,
  invocationsTargetTracking: {
    targetValue,
    scaleOutCooldownSeconds: 300,
    scaleInCooldownSeconds: 300,
    disableScaleIn: false,
  },
  scheduledActions: [],
});

const spec: SearchSpec = {
  analysis: AWS_SAMPLE_ANALYSIS,
  candidates: [
    { label: DERIVED_CANDIDATE_LABEL, policySet: policySet(4987) },
    { label: 'inv 70%', policySet: policySet(6347) },
  ],
  latencySloMs: 100,
  sloTarget: 0.95,
  allowedErrorRate: 0.001,
};
const days = ['d1', 'd2', 'd3'];
const day = (sloAttainment: number, errorRate = 0) => ({
  instanceHours: 24,
  costUsd: 2.4,
  sloAttainment,
  errorRate,
});

const derivedReason = (derivedDays: ReturnType<typeof day>[]) =>
  pickRobustCandidate({
    spec,
    windowNames: days,
    figures: [
      { index: 0, perWindow: derivedDays },
      { index: 1, perWindow: [day(1), day(1), day(1)] },
    ],
  }).reasons.find((r) => r.code.startsWith('Derived'))!;

describe('the reason about the derived policy set', () => {
  it('names the required level it misses, then what its worst day served', () => {
    const reason = derivedReason([day(1), day(0.9), day(1)]);
    assert.equal(reason.code, 'DerivedMissesHistory');
    assert.match(
      reason.message,
      /^the derived policy set misses the required \d+\.\d{3}% on a training day: its worst day serves 90\.000% within the SLO/,
    );
  });

  it('names the error budget when it is the error rate, not the level, that misses', () => {
    const reason = derivedReason([day(1), day(1, 0.01), day(1)]);
    assert.equal(reason.code, 'DerivedMissesHistory');
    assert.match(
      reason.message,
      /^the derived policy set misses the error budget on a training day: its worst error rate is 1\.000%, 0\.100% allowed/,
    );
  });

  it('says it meets the level on every training day when it does', () => {
    const reason = derivedReason([day(1), day(0.99), day(1)]);
    assert.equal(reason.code, 'DerivedMeetsHistory');
    assert.match(
      reason.message,
      /meets the required \d+\.\d{3}% on every training day: its worst day serves 99\.000%/,
    );
  });
});
