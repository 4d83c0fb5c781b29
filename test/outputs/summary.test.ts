import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Recommendation } from '../../shared/core/recommendation';
import { type RunSummaryInput, renderRunSummary } from '../../shared/outputs/summary';

const TWIN_NOTE = 'done by the digital twin on the local backend';

/** The fields the summary reads of a recommendation, with the numbers a run would have. */
const recommendation = {
  benchmark: { peakInvocationsPerMinute: 9068, latencyAtPeak: { avgMs: 4, p95Ms: 7.5 }, bottleneck: 'cpu' },
  thresholds: { invocationsPerInstance: 4534, chosen: 'peakShare', targetPercent: 50, cpuTargetPercent: 50 },
  capacity: { minCapacity: 2, maxCapacity: 12 },
  cost: {
    atMinCapacityPerHourUsd: 0.204,
    atMaxCapacityPerHourUsd: 1.224,
    instanceType: 'ml.c5.large',
    source: 'built-in table',
  },
  iterations: [
    {
      iteration: 1,
      prediction: { verdict: { passed: false, failures: [{ message: 'p95 60 ms over the SLO 50 ms' }] } },
    },
    {
      iteration: 2,
      prediction: { verdict: { passed: true, failures: [] } },
      verdict: { passed: true, failures: [] },
    },
  ],
} as unknown as Recommendation;

const failed = (states: string[]): RunSummaryInput => ({
  status: 'FAILED',
  error: { name: 'EvaluationFailedError', cause: 'p95 over the SLO' },
  states,
  recommendation: null,
  folder: '/tmp/run',
  evaluationNote: TWIN_NOTE,
});

describe('the Markdown summary of a run', () => {
  const cases = [
    {
      name: 'a run whose evaluation failed says how the evaluation was done',
      run: failed(['NormalizeInput', 'RunEvaluation', 'Judge', 'Cleanup', 'FailExecution']),
      expected: [
        /- status: FAILED/,
        /- error: EvaluationFailedError: p95/,
        /- evaluation: done by the digital twin/,
      ],
      absent: [/- benchmark:/],
    },
    {
      name: 'a run that failed before any evaluation says nothing of one',
      run: failed(['NormalizeInput', 'StartRecommenderJob', 'Cleanup', 'FailExecution']),
      expected: [/- status: FAILED/, /- states: 4 entered, last FailExecution/],
      absent: [/- evaluation:/],
    },
    {
      name: 'a benchmark still rising at its end is a warning at the top',
      run: {
        ...failed(['NormalizeInput']),
        benchmarkWarning: 'throughput was still rising when the run ended',
      },
      expected: [
        /- folder: \/tmp\/run\n- warning: the benchmark's throughput was still rising when the run ended\n/,
      ],
      absent: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = renderRunSummary(c.run);
      for (const pattern of c.expected) assert.match(text, pattern);
      for (const pattern of c.absent) assert.doesNotMatch(text, pattern);
    });
  }

  it('renders a succeeded run line by line from its recommendation', () => {
    const text = renderRunSummary({
      status: 'SUCCEEDED',
      error: null,
      states: ['NormalizeInput', 'WriteRecommendation', 'Cleanup', 'Succeeded'],
      recommendation,
      folder: '/tmp/run',
      evaluationNote: TWIN_NOTE,
      evaluationLabel: 'twin evaluation',
    });
    assert.equal(
      text,
      [
        '# scaleplan local run',
        '',
        '- status: SUCCEEDED',
        '- folder: /tmp/run',
        '- benchmark: peak 9068 invocations/min per instance, p95 at peak 7.5 ms, bottleneck cpu',
        '- thresholds: InvocationsPerInstance 4534 (peakShare, 50%), CPU target 50',
        '- capacity: MinCapacity 2, MaxCapacity 12',
        '- cost: 0.204 to 1.224 USD per hour at Min and Max capacity of ml.c5.large (built-in table)',
        `- evaluation: ${TWIN_NOTE}`,
        '- iteration 1: predicted fail, twin evaluation not run (p95 60 ms over the SLO 50 ms)',
        '- iteration 2: predicted pass, twin evaluation passed',
        '- states: 4 entered, last Succeeded',
        '',
      ].join('\n'),
    );
  });
});
