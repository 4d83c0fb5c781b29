/**
 * The evaluation's traffic pattern on AWS: STAIRS goes to CreateInferenceRecommendationsJob as
 * TrafficType STAIRS with its Stairs, exactly as the API model says (every request of this file
 * is checked against botocore's sagemaker model, enums and ranges included), a replay of a trace
 * is refused with no call (and at NormalizeInput before anything exists), and botocore itself
 * rejects a Stairs outside its bounds, so the check can fail.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { CreateInferenceRecommendationsJobCommand } from '@aws-sdk/client-sagemaker';
import { createNormalizeInputHandler } from '../../functions/normalizeInput/handler';
import { buildEvaluationJobRequest } from '../../shared/adapters/aws/evaluation-recommender';
import { localLambdaContext } from '../../shared/contract/handler';
import { buildEvaluationInput, initialIteration } from '../../shared/contract/state';
import { runNames } from '../../shared/core/naming';
import type { EvaluationInput } from '../../shared/core/ports';
import { ScalingRequestSchema } from '../../shared/core/request';
import { validateContractRecords } from '../contract/botocore';
import { createFakePorts } from '../fakes/ports';
import { ACCOUNT, createMockedAws, ROLE_ARN } from './mocks';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const aws = createMockedAws('evaluation-traffic');
beforeEach(() => aws.reset());

const PACKAGE_ARN = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/demo-run1/1`;
const STAIRS = { durationSeconds: 1800, numberOfSteps: 6, usersPerStep: 3 };
const EVALUATION: EvaluationInput = {
  evaluationName: 'demo-run1-eval-1',
  modelPackageArn: PACKAGE_ARN,
  endpointName: 'demo-run1-eval',
  variantName: 'AllTraffic',
  instanceType: 'ml.c5.large',
  phases: [],
  trafficPattern: { trafficType: 'STAIRS', stairs: STAIRS },
  jobDurationSeconds: 7200,
  maxInvocationsPerMinute: 500 * 60,
  latencySlo: { percentile: 'P95', ms: 10000 },
  policySet: { minCapacity: 1, maxCapacity: 8, scheduledActions: [] },
};

describe('STAIRS on Inference Recommender', () => {
  test('start sends TrafficType STAIRS with DurationInSeconds, NumberOfSteps and UsersPerStep, and no Phases', async () => {
    aws.sagemaker.on(CreateInferenceRecommendationsJobCommand).resolves({ JobArn: 'arn:eval' });
    await aws.ports.evaluation.start(EVALUATION);
    const input = aws.sagemaker.commandCalls(CreateInferenceRecommendationsJobCommand)[0]?.args[0].input;
    assert.deepEqual(input?.InputConfig?.TrafficPattern, {
      TrafficType: 'STAIRS',
      Stairs: { DurationInSeconds: 1800, NumberOfSteps: 6, UsersPerStep: 3 },
    });
    assert.equal(input?.InputConfig?.JobDurationInSeconds, 7200);
  });

  test('a request with trafficType STAIRS becomes that EvaluationInput (RunEvaluation and Judge agree)', () => {
    const request = ScalingRequestSchema.parse({
      model: { kind: 'modelPackage', modelPackageArn: PACKAGE_ARN },
      instanceType: 'ml.c5.large',
      traffic: { minRps: 70, maxRps: 500 },
      latencySlo: { ms: 10000 },
      evaluation: { trafficType: 'STAIRS', stairs: STAIRS },
    });
    const input = buildEvaluationInput({
      request,
      names: runNames('demo', 'run1'),
      ledger: [],
      iteration: initialIteration(),
      policySet: EVALUATION.policySet,
    });
    assert.deepEqual(input.phases, []);
    assert.deepEqual(input.trafficPattern, { trafficType: 'STAIRS', stairs: STAIRS });
  });

  const badStarts: [string, EvaluationInput, RegExp][] = [
    [
      'stairs longer than the job',
      { ...EVALUATION, jobDurationSeconds: 1200 },
      /the traffic stairs last 1800 s, longer than jobDurationSeconds 1200/,
    ],
    [
      'UsersPerStep 4',
      { ...EVALUATION, trafficPattern: { trafficType: 'STAIRS', stairs: { ...STAIRS, usersPerStep: 4 } } },
      /stairs\.usersPerStep must be a whole number from 1 to 3, got 4/,
    ],
    [
      'a trace replay',
      {
        ...EVALUATION,
        trafficPattern: { trafficType: 'REPLAY', replay: { traceFile: 'day.csv', peakRps: 500 } },
      },
      /a trace replay \(day\.csv\) runs on the local endpoint only; Inference Recommender takes TrafficType PHASES or STAIRS/,
    ],
  ];
  for (const [name, input, message] of badStarts)
    test(`start with ${name} is InvalidInputError with no call`, async () => {
      await assert.rejects(aws.ports.evaluation.start(input), { name: 'InvalidInputError', message });
      assert.equal(aws.sagemaker.calls().length, 0);
    });

  test('NormalizeInput on AWS refuses a replay before anything exists', async () => {
    const fake = createFakePorts();
    const handler = createNormalizeInputHandler(fake.ports, { awsLimits: true });
    await assert.rejects(
      handler(
        {
          input: {
            model: { kind: 'modelPackage', modelPackageArn: PACKAGE_ARN },
            instanceType: 'ml.c5.large',
            traffic: { minRps: 70, maxRps: 500 },
            latencySlo: { ms: 10000 },
            evaluation: { replay: { traceFile: 'day.csv' } },
          },
          executionArn: 'replay',
        },
        localLambdaContext('test'),
      ),
      {
        name: 'InvalidInputError',
        message: /evaluation\.replay \(day\.csv\) runs on the local endpoint only/,
      },
    );
    assert.deepEqual(fake.calls, []);
  });

  test('the oracle can fail: botocore rejects UsersPerStep 4 and an unknown TrafficType', (t) => {
    const good = buildEvaluationJobRequest(EVALUATION, ROLE_ARN);
    const records = [
      { service: 'sagemaker' as const, operation: 'CreateInferenceRecommendationsJob', input: good },
      {
        service: 'sagemaker' as const,
        operation: 'CreateInferenceRecommendationsJob',
        input: {
          ...good,
          InputConfig: {
            ...good.InputConfig,
            TrafficPattern: {
              TrafficType: 'STEPS',
              Stairs: { DurationInSeconds: 1800, NumberOfSteps: 6, UsersPerStep: 4 },
            },
          },
        },
      },
    ];
    const outcome = validateContractRecords(records);
    if (outcome.status === 'skipped') return t.skip(outcome.reason);
    assert.deepEqual(outcome.results[0]?.errors, []);
    const errors = outcome.results[1]?.errors.join('\n') ?? '';
    assert.match(errors, /UsersPerStep/);
    assert.match(errors, /TrafficType/);
  });
});

test('every request sent in this file validates against botocore', (t) => {
  aws.recorder.assertAllValid(t, 1);
});
