/**
 * The cost guard `maxInstanceHours`: NormalizeInput on the AWS wiring refuses a request whose
 * worst-case instance-hours exceed it, before the first paid step and without any AWS call; the
 * bounds it counts are the definition's own wait bounds.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AWS_NORMALIZE_INPUT_OPTIONS,
  createNormalizeInputHandler,
} from '../../functions/normalizeInput/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import {
  DEFAULT_MAX_INSTANCE_HOURS,
  PAID_WAIT_BOUNDS_SECONDS,
  type ScalingRequestInput,
  ScalingRequestSchema,
  worstCaseInstanceHours,
} from '../../shared/core/request';
import { loadDefinition } from '../../shared/workflow/definition';
import { ACCOUNT, createMockedAws } from './mocks';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

function requestOf(overrides: Partial<ScalingRequestInput> = {}): ScalingRequestInput {
  return {
    model: {
      kind: 'modelPackage',
      modelPackageArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/g/1`,
    },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500 },
    latencySlo: { ms: 100 },
    ...overrides,
  };
}

describe('worstCaseInstanceHours', () => {
  const cases = [
    { name: 'the default request', overrides: {}, hours: 1.5 + 3 * 20 * (2 + 1.5) },
    {
      name: 'ten iterations',
      overrides: { evaluation: { maxIterations: 10 } },
      hours: 1.5 + 10 * 20 * (2 + 1.5),
    },
    {
      name: 'a job longer than the evaluation poll bound counts the bound (5.5 h)',
      overrides: { evaluation: { jobDurationSeconds: 18000, durationSeconds: 3600 }, maxInstancesLimit: 4 },
      hours: 1.5 + 3 * 4 * (5 + 1.5),
    },
  ];
  for (const c of cases)
    test(c.name, () => {
      const worst = worstCaseInstanceHours(ScalingRequestSchema.parse(requestOf(c.overrides)));
      assert.equal(worst.hours, c.hours);
    });

  test('the default guard admits the default request', () => {
    const request = ScalingRequestSchema.parse(requestOf());
    assert.equal(request.maxInstanceHours, DEFAULT_MAX_INSTANCE_HOURS);
    assert.ok(worstCaseInstanceHours(request).hours <= DEFAULT_MAX_INSTANCE_HOURS);
  });

  test("the bounds it counts are the definition's wait loops (maxRounds x Wait Seconds)", () => {
    const states = (
      loadDefinition() as {
        States: Record<string, { Seconds?: number; Parameters?: { maxRounds?: number } }>;
      }
    ).States;
    const loop = (wait: string, poll: string) =>
      (states[wait]?.Seconds ?? 0) * (states[poll]?.Parameters?.maxRounds ?? 0);
    assert.deepEqual(PAID_WAIT_BOUNDS_SECONDS, {
      benchmarkJob: loop('WaitForJob', 'PollJob'),
      endpointInService: loop('WaitForEndpoint', 'PollEndpoint'),
      evaluationJob: loop('WaitForEvaluation', 'PollEvaluation'),
      beforeReset: loop('WaitBeforeReset', 'PollEndpointBeforeReset'),
      afterReset: loop('WaitForEndpoint', 'PollEndpoint'),
    });
  });
});

describe('NormalizeInput on AWS refuses a request above maxInstanceHours, creating nothing', () => {
  const worstOfTen = 1.5 + 10 * 20 * 3.5; // 701.5
  const cases = [
    {
      name: 'ten iterations under the default guard',
      overrides: { evaluation: { maxIterations: 10 } },
      refused: true,
    },
    {
      name: 'boundary: a guard just below the worst case',
      overrides: { evaluation: { maxIterations: 10 }, maxInstanceHours: worstOfTen - 0.01 },
      refused: true,
    },
    {
      name: 'boundary: a guard equal to the worst case',
      overrides: { evaluation: { maxIterations: 10 }, maxInstanceHours: worstOfTen },
      refused: false,
    },
    { name: 'the default request', overrides: {}, refused: false },
  ];
  for (const c of cases)
    test(c.name, async () => {
      const aws = createMockedAws(`cost-guard-${c.name}`);
      const handler = createNormalizeInputHandler(aws.ports, AWS_NORMALIZE_INPUT_OPTIONS);
      const call = handler(
        {
          input: requestOf(c.overrides),
          executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sp:x',
        },
        localLambdaContext('normalizeInput'),
      );
      if (c.refused)
        await assert.rejects(call, {
          name: 'InvalidInputError',
          message:
            /maxInstanceHours [\d.]+: the worst case of this run is 1\.5 h \+ 10 x 20 x \(2 \+ 1\.5\) h = 701\.5/,
        });
      else await call;
      assert.equal(
        aws.sagemaker.calls().length + aws.autoScaling.calls().length + aws.cloudWatch.calls().length,
        0,
      );
    });

  test('the local backend has no paid instance: the guard does not apply there', async () => {
    const aws = createMockedAws('cost-guard-local');
    const handler = createNormalizeInputHandler(aws.ports);
    await handler(
      {
        input: requestOf({ evaluation: { maxIterations: 10 } }),
        executionArn: 'arn:aws:states:us-east-1:1:execution:sp:x',
      },
      localLambdaContext('normalizeInput'),
    );
  });
});
