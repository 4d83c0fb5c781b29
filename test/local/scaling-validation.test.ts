import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  validatePutMetricAlarm,
  validatePutScheduledAction,
  validateRegisterScalableTarget,
  validateStepAdjustments,
} from '../../shared/adapters/local/scaling-validation';

const target = {
  ServiceNamespace: 'sagemaker',
  ResourceId: 'endpoint/demo/variant/AllTraffic',
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
} as const;

describe('validateRegisterScalableTarget', () => {
  const cases = [
    { name: 'min 1 max 8 is valid', min: 1, max: 8, problems: 0 },
    { name: 'min equal to max is valid (boundary)', min: 3, max: 3, problems: 0 },
    { name: 'min 0 is refused for an instance-based variant', min: 0, max: 3, problems: 1 },
    { name: 'max below min is refused', min: 4, max: 3, problems: 1 },
    { name: 'fractional capacity is refused', min: 1.5, max: 3, problems: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = validateRegisterScalableTarget({ ...target, MinCapacity: c.min, MaxCapacity: c.max });
      assert.equal(problems.length, c.problems, problems.join('; '));
    });
  }
  it('refuses a malformed ResourceId', () => {
    assert.match(
      validateRegisterScalableTarget({
        ...target,
        ResourceId: 'endpoint/demo',
        MinCapacity: 1,
        MaxCapacity: 2,
      }).join(),
      /ResourceId/,
    );
  });
});

describe('validateStepAdjustments', () => {
  const cases = [
    {
      name: "the blog's steps [0,5) +1, [5,80) +3, [80,inf) +4",
      steps: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 5, MetricIntervalUpperBound: 80, ScalingAdjustment: 3 },
        { MetricIntervalLowerBound: 80, ScalingAdjustment: 4 },
      ],
      expected: null,
    },
    {
      name: 'a gap between 5 and 6',
      steps: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 6, ScalingAdjustment: 3 },
      ],
      expected: /gap or overlap/,
    },
    {
      name: 'two open upper bounds',
      steps: [
        { MetricIntervalLowerBound: 0, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 5, ScalingAdjustment: 3 },
      ],
      expected: /only one step may have no upper bound/,
    },
    { name: 'no step at all', steps: [], expected: /at least one step/ },
    {
      name: '21 steps exceed the quota of 20',
      steps: Array.from({ length: 21 }, (_, i) => ({
        MetricIntervalLowerBound: i,
        ...(i < 20 ? { MetricIntervalUpperBound: i + 1 } : {}),
        ScalingAdjustment: 1,
      })),
      expected: /at most 20/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = validateStepAdjustments(c.steps);
      if (c.expected === null) assert.deepEqual(problems, []);
      else assert.match(problems.join('; '), c.expected);
    });
  }
});

describe('validatePutScheduledAction', () => {
  const base = {
    ...target,
    ScheduledActionName: 'weekday-peak',
    ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 8 },
  };
  const cases = [
    { name: 'cron', schedule: 'cron(0 18 ? * MON-FRI *)', expected: null },
    { name: 'rate', schedule: 'rate(5 minutes)', expected: null },
    { name: 'at', schedule: 'at(2026-01-01T08:00:00)', expected: null },
    { name: 'a bare time is refused', schedule: '18:00', expected: /Schedule/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problems = validatePutScheduledAction({ ...base, Schedule: c.schedule }, 0);
      if (c.expected === null) assert.deepEqual(problems, []);
      else assert.match(problems.join('; '), c.expected);
    });
  }
  it("refuses ':' in the name and min above max", () => {
    const problems = validatePutScheduledAction(
      {
        ...base,
        ScheduledActionName: 'a:b',
        Schedule: 'rate(1 hour)',
        ScalableTargetAction: { MinCapacity: 5, MaxCapacity: 2 },
      },
      0,
    );
    assert.equal(problems.length, 2);
  });
});

describe('validatePutMetricAlarm', () => {
  const alarm = {
    AlarmName: 'a',
    Namespace: 'AWS/SageMaker',
    MetricName: 'InvocationsPerInstance',
    Dimensions: [],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    Threshold: 4987,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: ['arn:policy'],
  } as const;
  it('accepts a 60 s alarm invoking a known policy', () => {
    assert.deepEqual(
      validatePutMetricAlarm(
        { ...alarm, AlarmActions: ['arn:policy'], Dimensions: [] },
        new Set(['arn:policy']),
      ),
      [],
    );
  });
  it('refuses a 45 s period, more datapoints than periods and an unknown action', () => {
    const problems = validatePutMetricAlarm(
      { ...alarm, AlarmActions: ['arn:policy'], Dimensions: [], Period: 45, DatapointsToAlarm: 2 },
      new Set(),
    );
    assert.equal(problems.length, 3, problems.join('; '));
  });
});
