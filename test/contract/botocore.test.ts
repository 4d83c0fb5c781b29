/**
 * The validator itself: it must catch the mistakes botocore's ParamValidator lets through
 * (enums, lengths, ranges, patterns) as well as required members, unknown keys and types.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type ContractRecord,
  dumpContractRecords,
  toContractJson,
  VALIDATOR_SCRIPT,
  validateContractRecords,
} from './botocore';

const ROLE = 'arn:aws:iam::123456789012:role/scaleplan-sagemaker';
const TARGET = {
  ServiceNamespace: 'sagemaker',
  ResourceId: 'endpoint/ep-1/variant/AllTraffic',
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
};
const goodJob = {
  JobName: 'scaleplan-run-1-default',
  JobType: 'Default',
  RoleArn: ROLE,
  InputConfig: {
    ModelPackageVersionArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1',
  },
};

interface Case {
  name: string;
  record: ContractRecord;
  /** Substrings expected in the errors, in any order; [] = valid. */
  expected: string[];
}

const cases: Case[] = [
  {
    name: 'a valid Default job',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', goodJob),
    expected: [],
  },
  {
    name: 'a JobName with an underscore breaks the pattern',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', { ...goodJob, JobName: 'run_1' }),
    expected: ["JobName: 'run_1' does not match the pattern"],
  },
  {
    name: 'JobName of 65 characters is one over the maximum',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', { ...goodJob, JobName: 'a'.repeat(65) }),
    expected: ['JobName: length 65 is above the maximum 64'],
  },
  {
    name: 'JobName of 64 characters is at the maximum',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', { ...goodJob, JobName: 'a'.repeat(64) }),
    expected: [],
  },
  {
    name: 'an unknown JobType value',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', { ...goodJob, JobType: 'Basic' }),
    expected: ["JobType: 'Basic' is not one of Default|Advanced"],
  },
  {
    name: 'a missing required member',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', { ...goodJob, RoleArn: undefined }),
    expected: ["missing required member 'RoleArn'"],
  },
  {
    name: 'an unknown key in a nested structure',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', {
      ...goodJob,
      InputConfig: { ...goodJob.InputConfig, InstanceType: 'ml.c5.large' },
    }),
    expected: ["InputConfig: unknown key 'InstanceType'"],
  },
  {
    name: 'two latency thresholds where exactly one is allowed',
    record: op('sagemaker', 'CreateInferenceRecommendationsJob', {
      ...goodJob,
      StoppingConditions: {
        ModelLatencyThresholds: [
          { Percentile: 'P95', ValueInMilliseconds: 100 },
          { Percentile: 'P99', ValueInMilliseconds: 200 },
        ],
      },
    }),
    expected: ['ModelLatencyThresholds: list length 2 is above the maximum 1'],
  },
  {
    name: 'a percentile passed as Statistic instead of ExtendedStatistic',
    record: op('cloudwatch', 'PutMetricAlarm', {
      AlarmName: 'a',
      Statistic: 'p95',
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 60,
      Threshold: 1,
    }),
    expected: ["Statistic: 'p95' is not one of SampleCount|Average|Sum|Minimum|Maximum"],
  },
  {
    name: 'EvaluationPeriods 0 is below the minimum 1',
    record: op('cloudwatch', 'PutMetricAlarm', {
      AlarmName: 'a',
      EvaluationPeriods: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
    expected: ['EvaluationPeriods: value 0 is below the minimum 1'],
  },
  {
    name: 'a string where an integer is expected',
    record: op('application-autoscaling', 'RegisterScalableTarget', { ...TARGET, MinCapacity: '1' }),
    expected: ["MinCapacity: expected an integer, got '1'"],
  },
  {
    name: 'a fractional capacity',
    record: op('application-autoscaling', 'RegisterScalableTarget', { ...TARGET, MinCapacity: 1.5 }),
    expected: ['MinCapacity: expected an integer, got 1.5'],
  },
  {
    name: 'an unknown scalable dimension',
    record: op('application-autoscaling', 'RegisterScalableTarget', {
      ...TARGET,
      ScalableDimension: 'sagemaker:variant:Instances',
    }),
    expected: ["ScalableDimension: 'sagemaker:variant:Instances' is not one of"],
  },
  {
    name: 'an unknown operation',
    record: op('sagemaker', 'CreateEverything', {}),
    expected: ['CreateEverything'],
  },
  {
    name: 'a timestamp given as an ISO string (how Dates serialise)',
    record: op('cloudwatch', 'GetMetricData', {
      StartTime: '2024-06-01T12:00:00.000Z',
      EndTime: '2024-06-01T13:00:00.000Z',
      MetricDataQueries: [{ Id: 'invocations', Expression: 'SUM(METRICS())' }],
    }),
    expected: [],
  },
  {
    name: 'a metric query id starting with an upper-case letter',
    record: op('cloudwatch', 'GetMetricData', {
      StartTime: '2024-06-01T12:00:00.000Z',
      EndTime: '2024-06-01T13:00:00.000Z',
      MetricDataQueries: [{ Id: 'Invocations', Expression: 'SUM(METRICS())' }],
    }),
    expected: ["Id: 'Invocations' must start with a lowercase letter"],
  },
  {
    name: 'a period of 90 s is not a multiple of 60',
    record: op('cloudwatch', 'GetMetricData', {
      StartTime: '2024-06-01T12:00:00.000Z',
      EndTime: '2024-06-01T13:00:00.000Z',
      MetricDataQueries: [
        {
          Id: 'invocations',
          MetricStat: {
            Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations' },
            Period: 90,
            Stat: 'Sum',
          },
        },
      ],
    }),
    expected: ['Period: 90 must be 1, 5, 10, 20, 30 or a multiple of 60'],
  },
  // Java-only patterns, translated for Python (they were skipped before): \p{Print} on PolicyName,
  // the surrogate-pair class on ResourceId and Schedule, \p{L}\p{M}\p{Z}\p{S}\p{N}\p{P} on
  // ModelPackageDescription and ModelPackageGroupDescription.
  {
    name: 'a PolicyName of printable ASCII is valid',
    record: op('application-autoscaling', 'PutScalingPolicy', {
      ...TARGET,
      PolicyName: 'scaleplan-ep-1-AllTraffic-cpu-target-tracking',
    }),
    expected: [],
  },
  {
    name: 'a PolicyName with a non-ASCII letter breaks \\p{Print}',
    record: op('application-autoscaling', 'PutScalingPolicy', {
      ...TARGET,
      PolicyName: 'scaleplan-caf\u00e9',
    }),
    expected: ["PolicyName: 'scaleplan-café' does not match the pattern \\p{Print}+"],
  },
  {
    name: 'a ResourceId with a control character breaks its pattern',
    record: op('application-autoscaling', 'RegisterScalableTarget', {
      ...TARGET,
      ResourceId: 'endpoint/ep-1\u0001/variant/AllTraffic',
    }),
    expected: ["ResourceId: 'endpoint/ep-1\\x01/variant/AllTraffic' does not match the pattern"],
  },
  {
    name: 'a Schedule with a NUL character breaks its pattern',
    record: op('application-autoscaling', 'PutScheduledAction', {
      ...TARGET,
      ScheduledActionName: 'weekday-evening',
      Schedule: 'cron(0 18 ? * MON-FRI *)\u0000',
    }),
    expected: ["Schedule: 'cron(0 18 ? * MON-FRI *)\\x00' does not match the pattern"],
  },
  {
    name: 'a ModelPackageDescription with a tab breaks the Unicode classes',
    record: op('sagemaker', 'CreateModelPackage', {
      ModelPackageGroupName: 'churn-0g9vta6',
      ModelPackageDescription: 'scaleplan\tchurn on ml.c5.large',
    }),
    expected: ["ModelPackageDescription: 'scaleplan\\tchurn on ml.c5.large' does not match the pattern"],
  },
  {
    name: 'a ModelPackageGroupDescription in any script is valid',
    record: op('sagemaker', 'CreateModelPackageGroup', {
      ModelPackageGroupName: 'churn-0g9vta6',
      ModelPackageGroupDescription: 'scaleplan run 0g9vta6 of churn, modèle français',
    }),
    expected: [],
  },
];

function op(service: ContractRecord['service'], operation: string, input: unknown): ContractRecord {
  return { service, operation, input: toContractJson(input) };
}

describe('botocore contract validator', () => {
  const outcome = validateContractRecords(cases.map((c) => c.record));
  for (const [index, c] of cases.entries()) {
    test(c.name, (t) => {
      if (outcome.status === 'skipped') return t.skip(outcome.reason);
      const errors = outcome.results[index]?.errors ?? ['no result'];
      if (c.expected.length === 0) assert.deepEqual(errors, []);
      for (const fragment of c.expected)
        assert.ok(
          errors.some((error) => error.includes(fragment)),
          `expected an error containing ${JSON.stringify(fragment)}, got ${JSON.stringify(errors)}`,
        );
    });
  }

  // A pattern with no Python translation on a field that is sent: an error in CI, a warning elsewhere.
  for (const ci of [true, false])
    test(`an untranslatable pattern is ${ci ? 'an error in CI' : 'a warning outside CI'}`, (t) => {
      if (outcome.status === 'skipped') return t.skip(outcome.reason);
      const code = [
        'import sys',
        `sys.path.insert(0, ${JSON.stringify(dirname(VALIDATOR_SCRIPT))})`,
        'import botocore_validate as v',
        'errors = []',
        "v.check_pattern('\\\\p{IsHiragana}+', 'x', 'Op.Field', errors)",
        'print(len(errors))',
      ].join('\n');
      const env = { ...process.env, CI: ci ? 'true' : '' };
      const run = spawnSync('python3', ['-c', code], { encoding: 'utf8', env });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), ci ? '1' : '0');
      if (!ci) assert.match(run.stderr, /warning: Op\.Field: the pattern .* has no Python translation/);
    });

  test('a missing python3 fails in CI', () => {
    assert.throws(
      () =>
        validateContractRecords([cases[0]!.record], {
          python: 'python3-missing-for-test',
          env: { CI: 'true' },
        }),
      /contract check is mandatory in CI/,
    );
  });

  test('a missing python3 is skipped with a message elsewhere', () => {
    const skipped = validateContractRecords([cases[0]!.record], {
      python: 'python3-missing-for-test',
      env: {},
    });
    assert.equal(skipped.status, 'skipped');
    assert.match(skipped.status === 'skipped' ? skipped.reason : '', /botocore contract check not run/);
  });

  test('records are dumped one JSON file each, Dates as ISO strings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'contract-dump-'));
    const files = dumpContractRecords(
      [
        {
          service: 'cloudwatch',
          operation: 'GetMetricData',
          input: { StartTime: new Date(Date.UTC(2024, 5, 1)) },
        },
      ],
      'validator test',
      dir,
    );
    assert.equal(files.length, 1);
    assert.deepEqual(readdirSync(dir).length, 1);
    assert.deepEqual(JSON.parse(readFileSync(files[0]!, 'utf8')), {
      service: 'cloudwatch',
      operation: 'GetMetricData',
      input: { StartTime: '2024-06-01T00:00:00.000Z' },
    });
  });
});
