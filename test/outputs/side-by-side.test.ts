/** The prediction and the measurement of each iteration, side by side in the run's summary. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureEvaluation } from '../../shared/core/judge';
import type { Recommendation } from '../../shared/core/recommendation';
import type { Verdict } from '../../shared/core/types';
import { predictionVsMeasurement } from '../../shared/outputs/side-by-side';

const start = Date.parse('2026-01-01T00:00:00Z');
const point = (minute: number, invocations: number, instanceCount: number) => ({
  timestamp: new Date(start + minute * 60_000).toISOString(),
  invocations,
  invocation4xxErrors: 0,
  invocation5xxErrors: 0,
  modelLatencyP95Us: 40_000,
  instanceCount,
});

function verdict(passed: boolean, measurement: Verdict['measurement']): Verdict {
  return {
    passed,
    maxInvocationsPerMinute: 210,
    targetInvocationsPerMinute: 210,
    errorRate: 0,
    worstLatencyMs: 40,
    failures: [],
    reasons: [],
    ...(measurement ? { measurement } : {}),
  };
}

describe('prediction and measurement side by side', () => {
  it('splits instance-hours at the end of the load, and lists every activity with its minute', () => {
    // 3 minutes of load (1, 4, 4 instances), then 2 minutes kept to watch the scale-in (4, 1).
    const measured = measureEvaluation({
      periodSeconds: 60,
      points: [point(0, 50, 1), point(1, 200, 4), point(2, 210, 4), point(3, 0, 4), point(4, 0, 1)],
      activities: [
        { atSeconds: 45, fromCapacity: 1, toCapacity: 4, cause: 'step' },
        { atSeconds: 250, fromCapacity: 4, toCapacity: 1, cause: 'tt' },
      ],
      loadEndedAtSeconds: 180,
      measuredOn: 'the local endpoint',
    });
    assert.equal(measured.instanceHours, Math.round(((1 + 4 + 4) / 60) * 1e4) / 1e4);
    assert.equal(measured.instanceHoursAfterLoad, Math.round(((4 + 1) / 60) * 1e4) / 1e4);
    assert.equal(measured.maxInstances, 4);
    const predicted = measureEvaluation({
      periodSeconds: 60,
      points: [point(0, 50, 1), point(1, 210, 4)],
      activities: [{ atSeconds: 60, fromCapacity: 1, toCapacity: 4, cause: 'step' }],
      measuredOn: 'the digital twin',
    });
    const recommendation = {
      expectations: { latencySlo: { percentile: 'P95', ms: 300 } },
      iterations: [
        {
          iteration: 1,
          outcome: 'passed',
          prediction: { verdict: verdict(true, predicted) },
          verdict: verdict(true, measured),
        },
      ],
    } as unknown as Recommendation;

    const lines = predictionVsMeasurement(recommendation, 'the local endpoint');

    assert.equal(lines[0], '## Prediction and measurement');
    assert.ok(lines.includes('| 1 | verdict | pass | pass |'));
    assert.ok(lines.includes('| 1 | instance-hours during the load | 0.083 | 0.150 |'));
    assert.ok(lines.includes('| 1 | scaling activities | +1.0 min 1→4 | +0.8 min 1→4, +4.2 min 4→1 |'));
    assert.ok(lines.includes('| 1 | instance-hours after the load (scale-in) | - | 0.083 |'));
    assert.match(lines[2] ?? '', /\(the local endpoint\)/);
  });

  it('says nothing for recommendations whose verdicts carry no measurement', () => {
    const recommendation = {
      expectations: { latencySlo: { percentile: 'P95', ms: 50 } },
      iterations: [{ iteration: 1, outcome: 'passed', verdict: verdict(true, undefined) }],
    } as unknown as Recommendation;
    assert.deepEqual(predictionVsMeasurement(recommendation), []);
  });
});
