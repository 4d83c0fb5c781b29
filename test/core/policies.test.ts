import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidInputError } from '../../shared/core/errors';
import {
  buildDeregisterScalableTarget,
  buildScalingRequests,
  buildScheduledAction,
  buildStepAlarm,
  scalableTargetResourceId,
  scalingNames,
  validateStepAdjustments,
  withAlarmAction,
} from '../../shared/core/policies';
import type { PolicySet, StepAdjustment, StepScalingSpec } from '../../shared/core/types';
import { awsSamplePolicySet, awsSampleStepScaling } from '../fixtures/aws-sample';

const target = { endpointName: 'xgboost-eval', variantName: 'AllTraffic' };
const ref = {
  ServiceNamespace: 'sagemaker',
  ResourceId: 'endpoint/xgboost-eval/variant/AllTraffic',
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
} as const;

/** The sample's step policy with its bounds read as percent of 4987 ('scaled'): 249 and 3990. */
const stepScaling: StepScalingSpec = awsSampleStepScaling({
  steps: [
    { lower: 0, upper: 249, adjustment: 1 },
    { lower: 249, upper: 3990, adjustment: 3 },
    { lower: 3990, upper: null, adjustment: 4 },
  ],
});

/** The AWS sample's third run: Min 1, Max 8, invocations 4987, CPU 100, step +1/+3/+4, plus a schedule. */
const samplePolicySet: PolicySet = awsSamplePolicySet({
  stepScaling,
  scheduledActions: [
    {
      name: 'weekday-morning',
      schedule: 'cron(0 8 ? * MON-FRI *)',
      timezone: 'Europe/Paris',
      minCapacity: 3,
    },
  ],
});

describe('buildScalingRequests: exact AWS request inputs', () => {
  const requests = buildScalingRequests(target, samplePolicySet);

  it('registers the variant as a scalable target with Min 1, Max 8', () => {
    assert.deepEqual(requests.registerScalableTarget, { ...ref, MinCapacity: 1, MaxCapacity: 8 });
  });

  it('tracks SageMakerVariantInvocationsPerInstance at 4987 with cooldowns 10 s out / 100 s in', () => {
    assert.deepEqual(requests.putScalingPolicies[0], {
      ...ref,
      PolicyName: 'scaleplan-xgboost-eval-AllTraffic-invocations-target-tracking',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 4987,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleOutCooldown: 10,
        ScaleInCooldown: 100,
        DisableScaleIn: false,
      },
    });
  });

  it('tracks CPUUtilization (customized metric, /aws/sagemaker/Endpoints, Average, Percent) at 100', () => {
    assert.deepEqual(requests.putScalingPolicies[1], {
      ...ref,
      PolicyName: 'scaleplan-xgboost-eval-AllTraffic-cpu-target-tracking',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 100,
        CustomizedMetricSpecification: {
          MetricName: 'CPUUtilization',
          Namespace: '/aws/sagemaker/Endpoints',
          Dimensions: [
            { Name: 'EndpointName', Value: 'xgboost-eval' },
            { Name: 'VariantName', Value: 'AllTraffic' },
          ],
          Statistic: 'Average',
          Unit: 'Percent',
        },
        ScaleOutCooldown: 10,
        ScaleInCooldown: 100,
        DisableScaleIn: false,
      },
    });
  });

  it('puts the step policy (ChangeInCapacity, the last step open-ended) last', () => {
    assert.equal(requests.putScalingPolicies.length, 3);
    assert.deepEqual(requests.putScalingPolicies[2], {
      ...ref,
      PolicyName: 'scaleplan-xgboost-eval-AllTraffic-invocations-step-scaling',
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 249, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 249, MetricIntervalUpperBound: 3990, ScalingAdjustment: 3 },
          { MetricIntervalLowerBound: 3990, ScalingAdjustment: 4 },
        ],
        Cooldown: 10,
        MetricAggregationType: 'Average',
      },
    });
    assert.equal(requests.stepPolicyName, 'scaleplan-xgboost-eval-AllTraffic-invocations-step-scaling');
  });

  it('builds the alarm that invokes the step policy (InvocationsPerInstance, Sum, 60 s, >= 4987)', () => {
    assert.deepEqual(requests.stepAlarm, {
      AlarmName: 'scaleplan-xgboost-eval-AllTraffic-invocations-step-alarm',
      AlarmDescription:
        'scaleplan: invokes step scaling policy scaleplan-xgboost-eval-AllTraffic-invocations-step-scaling when InvocationsPerInstance >= 4987 per minute',
      Namespace: 'AWS/SageMaker',
      MetricName: 'InvocationsPerInstance',
      Dimensions: [
        { Name: 'EndpointName', Value: 'xgboost-eval' },
        { Name: 'VariantName', Value: 'AllTraffic' },
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 4987,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('puts the scheduled action with its timezone', () => {
    assert.deepEqual(requests.putScheduledActions, [
      {
        ...ref,
        ScheduledActionName: 'weekday-morning',
        Schedule: 'cron(0 8 ? * MON-FRI *)',
        Timezone: 'Europe/Paris',
        ScalableTargetAction: { MinCapacity: 3 },
      },
    ]);
  });

  it('leaves out what the policy set does not use', () => {
    const bare = buildScalingRequests(target, { minCapacity: 2, maxCapacity: 4, scheduledActions: [] });
    assert.deepEqual(bare.putScalingPolicies, []);
    assert.equal(bare.stepAlarm, null);
    assert.equal(bare.stepPolicyName, null);
    assert.deepEqual(bare.putScheduledActions, []);
  });

  it('wires the alarm to the step policy ARN', () => {
    const arn =
      'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:11111111-2222-3333-4444-555555555555:resource/sagemaker/endpoint/xgboost-eval/variant/AllTraffic:policyName/x';
    const alarm = withAlarmAction(requests.stepAlarm!, arn);
    assert.deepEqual(alarm.AlarmActions, [arn]);
    assert.equal(alarm.Threshold, 4987);
    assert.throws(() => withAlarmAction(requests.stepAlarm!, ''), InvalidInputError);
  });

  it('deregisters the same target', () => {
    assert.deepEqual(buildDeregisterScalableTarget(target), ref);
  });
});

describe('names', () => {
  it('derives every name from the endpoint and the variant', () => {
    assert.equal(scalableTargetResourceId('ep-1', 'v1'), 'endpoint/ep-1/variant/v1');
    assert.deepEqual(scalingNames({ endpointName: 'ep-1', variantName: 'v1' }), {
      invocationsPolicyName: 'scaleplan-ep-1-v1-invocations-target-tracking',
      cpuPolicyName: 'scaleplan-ep-1-v1-cpu-target-tracking',
      concurrencyPolicyName: 'scaleplan-ep-1-v1-concurrency-target-tracking',
      stepPolicyName: 'scaleplan-ep-1-v1-invocations-step-scaling',
      stepAlarmName: 'scaleplan-ep-1-v1-invocations-step-alarm',
    });
  });

  it('boundary: 63-character endpoint and variant names give names inside the API limits', () => {
    const long = { endpointName: 'e'.repeat(63), variantName: 'v'.repeat(63) };
    const names = scalingNames(long);
    for (const name of Object.values(names)) {
      assert.ok(name.length <= 255, `${name.length}`);
      assert.match(name, /^[\x20-\x7e]+$/);
    }
    assert.equal(names.invocationsPolicyName.length, 10 + 63 + 1 + 63 + 28);
  });

  const invalid: { name: string; endpointName: string; variantName: string }[] = [
    { name: 'boundary: 64-character endpoint name', endpointName: 'e'.repeat(64), variantName: 'AllTraffic' },
    { name: 'empty variant', endpointName: 'ep', variantName: '' },
    { name: 'slash in the endpoint', endpointName: 'ep/x', variantName: 'AllTraffic' },
    { name: 'trailing hyphen', endpointName: 'ep-', variantName: 'AllTraffic' },
    { name: 'underscore in the variant', endpointName: 'ep', variantName: 'All_Traffic' },
  ];
  for (const c of invalid) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => scalingNames(c), /must be 1..63 letters, digits and hyphens/);
      assert.throws(() => buildScalingRequests(c, samplePolicySet), InvalidInputError);
    });
  }

  const actionNames: { name: string; actionName: string; valid: boolean }[] = [
    { name: 'plain', actionName: 'weekday-morning', valid: true },
    { name: 'spaces inside', actionName: 'black friday', valid: true },
    { name: 'boundary: 256 characters', actionName: 'a'.repeat(256), valid: true },
    { name: 'boundary: 257 characters', actionName: 'a'.repeat(257), valid: false },
    { name: 'colon', actionName: 'a:b', valid: false },
    { name: 'slash', actionName: 'a/b', valid: false },
    { name: 'pipe', actionName: 'a|b', valid: false },
    { name: 'leading space', actionName: ' a', valid: false },
    { name: 'a control character', actionName: 'a\tb', valid: false },
  ];
  for (const c of actionNames) {
    it(`scheduled action name: ${c.name} is ${c.valid ? 'valid' : 'refused'}`, () => {
      const build = () =>
        buildScheduledAction(target, { name: c.actionName, schedule: 'rate(1 day)', maxCapacity: 4 });
      if (c.valid) assert.equal(build().ScheduledActionName, c.actionName);
      else assert.throws(build, /ScheduledActionName/);
    });
  }

  it('refuses duplicate scheduled action names and a schedule that is not at/rate/cron', () => {
    const twice = {
      ...samplePolicySet,
      scheduledActions: [samplePolicySet.scheduledActions[0]!, samplePolicySet.scheduledActions[0]!],
    };
    assert.throws(
      () => buildScalingRequests(target, twice),
      /duplicate scheduled action name 'weekday-morning'/,
    );
    assert.throws(
      () => buildScheduledAction(target, { name: 'x', schedule: 'every day', maxCapacity: 2 }),
      /Schedule 'every day' must be at/,
    );
    assert.throws(
      () => buildScheduledAction(target, { name: 'x', schedule: 'rate(1 day)' }),
      /needs minCapacity or maxCapacity/,
    );
  });
});

describe('validation of values', () => {
  const cases: { name: string; set: Partial<PolicySet>; message: RegExp }[] = [
    {
      name: 'boundary: MinCapacity 0',
      set: { minCapacity: 0 },
      message: /MinCapacity must be an integer >= 1, got 0/,
    },
    {
      name: 'MaxCapacity below MinCapacity',
      set: { minCapacity: 3, maxCapacity: 2 },
      message: /MaxCapacity must be an integer >= MinCapacity 3, got 2/,
    },
    {
      name: 'boundary: target value 0',
      set: { invocationsTargetTracking: { ...samplePolicySet.invocationsTargetTracking!, targetValue: 0 } },
      message: /TargetValue must be > 0, got 0/,
    },
    {
      name: 'negative cooldown',
      set: { cpuTargetTracking: { ...samplePolicySet.cpuTargetTracking!, scaleInCooldownSeconds: -1 } },
      message: /scaleInCooldownSeconds must be an integer >= 0, got -1/,
    },
    {
      name: 'datapointsToAlarm above evaluationPeriods',
      set: { stepScaling: { ...stepScaling, datapointsToAlarm: 2 } },
      message: /1 <= datapointsToAlarm <= evaluationPeriods/,
    },
    {
      name: 'boundary: alarm threshold 0',
      set: { stepScaling: { ...stepScaling, alarmThresholdInvocationsPerInstance: 0 } },
      message: /step alarm threshold must be > 0/,
    },
    {
      name: 'a gap between steps',
      set: {
        stepScaling: {
          ...stepScaling,
          steps: [
            { lower: 0, upper: 10, adjustment: 1 },
            { lower: 20, upper: null, adjustment: 2 },
          ],
        },
      },
      message: /bounds must be contiguous \(10 vs 20\)/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      assert.throws(() => buildScalingRequests(target, { ...samplePolicySet, ...c.set }), c.message);
    });
  }

  const stepCases: { name: string; steps: StepAdjustment[]; problems: number; first?: RegExp }[] = [
    { name: 'the default shape', steps: stepScaling.steps, problems: 0 },
    { name: 'one open step', steps: [{ lower: 0, upper: null, adjustment: 2 }], problems: 0 },
    { name: 'no step', steps: [], problems: 1, first: /at least one step/ },
    {
      name: 'below the threshold',
      steps: [{ lower: -10, upper: null, adjustment: 1 }],
      problems: 1,
      first: /lower >= 0/,
    },
    {
      name: 'an overlap',
      steps: [
        { lower: 0, upper: 10, adjustment: 1 },
        { lower: 5, upper: null, adjustment: 2 },
      ],
      problems: 1,
      first: /contiguous/,
    },
    {
      name: 'an open step before another',
      steps: [
        { lower: 0, upper: null, adjustment: 1 },
        { lower: 5, upper: null, adjustment: 2 },
      ],
      problems: 1,
      first: /only the last step/,
    },
    {
      name: 'a zero adjustment',
      steps: [{ lower: 0, upper: null, adjustment: 0 }],
      problems: 1,
      first: /non-zero integer/,
    },
    {
      name: 'an empty interval',
      steps: [
        { lower: 5, upper: 5, adjustment: 1 },
        { lower: 5, upper: null, adjustment: 1 },
      ],
      problems: 1,
      first: /upper 5 must be above lower 5/,
    },
    {
      name: 'boundary: 20 steps',
      steps: Array.from({ length: 20 }, (_, i) => ({
        lower: i,
        upper: i === 19 ? null : i + 1,
        adjustment: 1,
      })),
      problems: 0,
    },
    {
      name: 'boundary: 21 steps',
      steps: Array.from({ length: 21 }, (_, i) => ({
        lower: i,
        upper: i === 20 ? null : i + 1,
        adjustment: 1,
      })),
      problems: 1,
      first: /at most 20 steps/,
    },
  ];
  for (const c of stepCases) {
    it(`steps: ${c.name}`, () => {
      const problems = validateStepAdjustments(c.steps);
      assert.equal(problems.length, c.problems, problems.join('; '));
      if (c.first) assert.match(problems[0]!, c.first);
    });
  }

  it('buildStepAlarm alone uses the spec numbers', () => {
    const alarm = buildStepAlarm(target, {
      ...stepScaling,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      alarmThresholdInvocationsPerInstance: 3000,
    });
    assert.equal(alarm.EvaluationPeriods, 3);
    assert.equal(alarm.DatapointsToAlarm, 2);
    assert.equal(alarm.Threshold, 3000);
  });
});

/**
 * Validates request inputs against the botocore models of their operations (required members,
 * unknown keys, types, enums, lengths, ranges, patterns). botocore comes with the machine's
 * python3; in CI its absence fails the test, elsewhere the test is skipped with a note.
 */
const BOTOCORE_CHECK = String.raw`
import json, re, sys
import botocore.session
session = botocore.session.get_session()
def pattern_ok(pattern, value):
    if pattern == '\\p{Print}+': pattern = '[\\x20-\\x7e]+'
    try:
        return re.fullmatch(pattern, value, re.S) is not None
    except re.error:
        return True
def check(shape, value, path, problems):
    t = shape.type_name
    meta = shape.metadata
    if t == 'structure':
        if not isinstance(value, dict): problems.append(f'{path}: expected structure'); return
        for name in shape.required_members:
            if name not in value: problems.append(f'{path}.{name}: required')
        for key, item in value.items():
            if key not in shape.members: problems.append(f'{path}.{key}: unknown member'); continue
            check(shape.members[key], item, f'{path}.{key}', problems)
    elif t == 'list':
        if not isinstance(value, list): problems.append(f'{path}: expected list'); return
        if 'min' in meta and len(value) < meta['min']: problems.append(f'{path}: fewer than {meta["min"]} items')
        if 'max' in meta and len(value) > meta['max']: problems.append(f'{path}: more than {meta["max"]} items')
        for i, item in enumerate(value): check(shape.member, item, f'{path}[{i}]', problems)
    elif t == 'string':
        if not isinstance(value, str): problems.append(f'{path}: expected string'); return
        if 'enum' in meta and value not in meta['enum']: problems.append(f'{path}: {value!r} not in enum')
        if 'min' in meta and len(value) < meta['min']: problems.append(f'{path}: shorter than {meta["min"]}')
        if 'max' in meta and len(value) > meta['max']: problems.append(f'{path}: longer than {meta["max"]}')
        if 'pattern' in meta and not pattern_ok(meta['pattern'], value): problems.append(f'{path}: does not match {meta["pattern"]}')
    elif t in ('integer', 'long'):
        if not isinstance(value, int) or isinstance(value, bool): problems.append(f'{path}: expected integer'); return
        if 'min' in meta and value < meta['min']: problems.append(f'{path}: below {meta["min"]}')
    elif t in ('double', 'float'):
        if not isinstance(value, (int, float)) or isinstance(value, bool): problems.append(f'{path}: expected number')
    elif t == 'boolean':
        if not isinstance(value, bool): problems.append(f'{path}: expected boolean')
result = []
for call in json.load(sys.stdin):
    model = session.get_service_model(call['service'])
    problems = []
    check(model.operation_model(call['operation']).input_shape, call['input'], call['operation'], problems)
    result.append(problems)
print(json.dumps(result))
`;

function botocoreProblems(
  calls: { service: string; operation: string; input: unknown }[],
): string[][] | null {
  const run = spawnSync('python3', ['-c', BOTOCORE_CHECK], {
    input: JSON.stringify(calls),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.error || run.status !== 0) {
    if (process.env.CI)
      assert.fail(`python3 with botocore is needed in CI: ${run.error?.message ?? run.stderr}`);
    return null;
  }
  return JSON.parse(run.stdout) as string[][];
}

function callsFor(policySet: PolicySet, endpoint = target) {
  const requests = buildScalingRequests(endpoint, policySet);
  const arn = `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:uuid:resource/sagemaker/${scalableTargetResourceId(endpoint.endpointName, endpoint.variantName)}:policyName/${requests.stepPolicyName}`;
  return [
    {
      service: 'application-autoscaling',
      operation: 'RegisterScalableTarget',
      input: requests.registerScalableTarget,
    },
    ...requests.putScalingPolicies.map((input) => ({
      service: 'application-autoscaling',
      operation: 'PutScalingPolicy',
      input,
    })),
    ...(requests.stepAlarm
      ? [
          {
            service: 'cloudwatch',
            operation: 'PutMetricAlarm',
            input: withAlarmAction(requests.stepAlarm, arn),
          },
        ]
      : []),
    ...requests.putScheduledActions.map((input) => ({
      service: 'application-autoscaling',
      operation: 'PutScheduledAction',
      input,
    })),
    {
      service: 'application-autoscaling',
      operation: 'DeregisterScalableTarget',
      input: buildDeregisterScalableTarget(endpoint),
    },
  ];
}

describe('the requests against the botocore models', () => {
  it('every request of the AWS sample policy set is valid for its operation', (t) => {
    const calls = callsFor(samplePolicySet);
    const problems = botocoreProblems(calls);
    if (problems === null) return t.skip('python3 with botocore not found: botocore check skipped');
    assert.equal(calls.length, 7);
    assert.deepEqual(
      problems,
      calls.map(() => []),
    );
  });

  it('the checker itself catches a bad request (unknown key, bad enum, too long a name)', (t) => {
    const problems = botocoreProblems([
      {
        service: 'application-autoscaling',
        operation: 'PutScalingPolicy',
        input: {
          ...ref,
          ServiceNamespace: 'sagemakerx',
          PolicyName: 'x'.repeat(257),
          PolicyType: 'StepScaling',
          Extra: 1,
        },
      },
    ]);
    if (problems === null) return t.skip('python3 with botocore not found: botocore check skipped');
    assert.deepEqual(problems[0]?.sort(), [
      'PutScalingPolicy.Extra: unknown member',
      'PutScalingPolicy.PolicyName: longer than 256',
      "PutScalingPolicy.ServiceNamespace: 'sagemakerx' not in enum",
    ]);
  });

  it('random valid names and numbers always give valid requests', (t) => {
    const name = fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){0,40}$/);
    const sets = fc.sample(
      fc.record({
        endpointName: name,
        variantName: name,
        min: fc.integer({ min: 1, max: 10 }),
        extra: fc.integer({ min: 0, max: 50 }),
        target: fc.integer({ min: 1, max: 100_000 }),
        cpu: fc.double({ min: 1, max: 800, noNaN: true }),
        cooldown: fc.integer({ min: 0, max: 3600 }),
      }),
      { numRuns: 25, seed: 5 },
    );
    const calls = sets.flatMap((s) =>
      callsFor(
        {
          ...samplePolicySet,
          minCapacity: s.min,
          maxCapacity: s.min + s.extra,
          invocationsTargetTracking: {
            ...samplePolicySet.invocationsTargetTracking!,
            targetValue: s.target,
            scaleOutCooldownSeconds: s.cooldown,
          },
          cpuTargetTracking: { ...samplePolicySet.cpuTargetTracking!, targetValue: s.cpu },
          stepScaling: { ...stepScaling, alarmThresholdInvocationsPerInstance: s.target },
        },
        { endpointName: s.endpointName, variantName: s.variantName },
      ),
    );
    const problems = botocoreProblems(calls);
    if (problems === null) return t.skip('python3 with botocore not found: botocore check skipped');
    assert.deepEqual(problems.flat(), []);
  });
});
