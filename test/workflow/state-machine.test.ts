/**
 * The real definition (statemachines/scaleplan.asl.yml) executed by aws-local-stepfunctions with
 * the real handlers wired to in-memory fake ports. Each scenario asserts the sequence of states,
 * the error name (never the Cause text) and that clean-up removed every created resource.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsRequestError, TransientAwsError } from '../../shared/core/errors';
import { evaluationName, runIdFor, runNames } from '../../shared/core/naming';
import type { Recommendation } from '../../shared/core/recommendation';
import type { ScalingRequestInput } from '../../shared/core/request';
import type { RunEvent } from '../../shared/core/run-events';
import type { Verdict } from '../../shared/core/types';
import { localExecutionArn, runWorkflowLocally } from '../../shared/workflow/local-runner';
import { createFakePorts, evaluationMetricsOf, type FakePorts, type FakeScript } from '../fakes/ports';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const PACKAGE_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3';

/** The AWS sample's expectations: min 70 rps, max 500 rps, growth 1.2, P95 within 10 s. */
function sampleRequest(overrides: Partial<ScalingRequestInput> = {}): ScalingRequestInput {
  return {
    name: 'churn',
    model: { kind: 'modelPackage', modelPackageArn: PACKAGE_ARN },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500, growthFactor: 1.2 },
    latencySlo: { percentile: 'P95', ms: 10000 },
    ...overrides,
  };
}

async function run(input: unknown, script: FakeScript = {}) {
  const fake = createFakePorts(script);
  const result = await runWorkflowLocally(input, { ports: fake.ports, executionName: 'test-execution' });
  return { fake, result };
}

/** States entered, without the Wait and Choice states of the poll loops (asserted separately). */
function mainStates(states: string[]): string[] {
  return states.filter((state) => !/^(WaitFor|Is[A-Z])/.test(state));
}

function assertEverythingCleanedUp(fake: FakePorts): void {
  assert.deepEqual([...fake.live.keys()], [], 'resources left after clean-up');
  const deleted = fake.callsOf('cleanup.deleteResource').map((call) => call.input);
  for (const ref of fake.created)
    assert.ok(
      deleted.some((d) => JSON.stringify(d) === JSON.stringify(ref)),
      `${ref.kind} ${ref.name} was not deleted`,
    );
}

/** Kinds of the deletions that hit something the run had created, in order. */
function existingDeleted(fake: FakePorts): string[] {
  const created = new Set(fake.created.map((ref) => `${ref.kind}:${ref.name}`));
  return fake
    .callsOf('cleanup.deleteResource')
    .map((c) => c.input as { kind: string; name: string })
    .filter((ref) => created.has(`${ref.kind}:${ref.name}`))
    .map((ref) => ref.kind);
}

const HEAD = [
  'ReceiveInput',
  'NormalizeInput',
  'CreateModelPackage',
  'StartRecommenderJob',
  'PollJob',
  'DeriveThresholds',
  'DeployEndpoint',
  'PollEndpoint',
];
const ONE_PASSING_ITERATION = [
  'RegisterPolicies',
  'SimulatePolicies',
  'DidPredictionPass',
  'RunEvaluation',
  'PollEvaluation',
  'Judge',
  'DidEvaluationPass',
];
const SUCCESS_TAIL = ['WriteRecommendation', 'Cleanup', 'DidExecutionFail', 'Succeeded'];

describe('state machine, executed locally', () => {
  test('happy path: one iteration passes, the recommendation is the output, everything is deleted', async () => {
    const { fake, result } = await run(sampleRequest(), { jobCostPerHourUsd: 0.115 });
    assert.equal(result.status, 'SUCCEEDED');
    assert.equal(result.error, null);
    assert.deepEqual(result.states, [
      'ReceiveInput',
      'NormalizeInput',
      'IsHistoryGiven',
      'CreateModelPackage',
      'StartRecommenderJob',
      'WaitForJob',
      'PollJob',
      'IsJobComplete',
      'DeriveThresholds',
      'IsHistoryRead',
      'DeployEndpoint',
      'WaitForEndpoint',
      'PollEndpoint',
      'IsEndpointInService',
      'RegisterPolicies',
      'SimulatePolicies',
      'DidPredictionPass',
      'RunEvaluation',
      'WaitForEvaluation',
      'PollEvaluation',
      'IsEvaluationComplete',
      'Judge',
      'DidEvaluationPass',
      ...SUCCESS_TAIL,
    ]);
    const recommendation = result.output as Recommendation;
    // Example benchmark: peak 9068/min; balanced 50 % -> floor(4534); 500 rps / 75.57 x 1.2 -> 8.
    assert.equal(recommendation.benchmark.peakInvocationsPerMinute, 9068);
    assert.equal(recommendation.thresholds.invocationsPerInstance, 4534);
    assert.equal(recommendation.thresholds.cpuTargetPercent, 100);
    assert.equal(recommendation.capacity.minCapacity, 1);
    assert.equal(recommendation.capacity.maxCapacity, 8);
    assert.deepEqual(recommendation.cost, {
      instanceType: 'ml.c5.large',
      pricePerInstanceHourUsd: 0.115,
      source: 'recommenderJob',
      // Kept to 1/100 cent (the renderers round for display): 1 x 0.115 and 8 x 0.115.
      atMinCapacityPerHourUsd: 0.115,
      atMaxCapacityPerHourUsd: 0.92,
    });
    assert.equal(recommendation.iterations.length, 1);
    assert.equal(recommendation.iterations[0]?.outcome, 'passed');
    assert.equal(recommendation.iterations[0]?.prediction?.verdict.passed, true);
    // The twin's prediction is priced like the recommendation: the job's 0.115, not the table's 0.102.
    const predicted = recommendation.iterations[0]?.prediction?.simulation;
    assert.ok(predicted && predicted.instanceHours > 0);
    assert.ok(Math.abs(predicted.costUsd - predicted.instanceHours * 0.115) < 1e-9, `${predicted.costUsd}`);
    assert.equal(
      recommendation.storedAt,
      `s3://scaleplan-test/recommendations/${recommendation.runId}/recommendation.json`,
    );
    // A reused package: nothing registered, the job and the endpoint use the given ARN.
    assert.equal(fake.created.filter((ref) => ref.kind.startsWith('modelPackage')).length, 0);
    assert.equal(
      fake.inputOf<{ modelPackageArn: string }>('jobs.startDefaultJob').modelPackageArn,
      PACKAGE_ARN,
    );
    // The endpoint starts at MinCapacity; the evaluation expects maxRps x 60 = 30000 per minute.
    assert.equal(
      fake.inputOf<{ initialInstanceCount: number }>('hosting.createEndpoint').initialInstanceCount,
      1,
    );
    assert.equal(fake.evaluations[0]?.maxInvocationsPerMinute, 30000);
    // The step alarm invokes the step policy's ARN (the AWS sample forgot this alarm).
    const stepPolicy = fake
      .callsOf('scaling.putScalingPolicy')
      .map((c) => c.input as { PolicyName: string; PolicyType: string })
      .find((p) => p.PolicyType === 'StepScaling');
    assert.ok(stepPolicy);
    const alarm = fake.inputOf<{ AlarmActions: string[] }>('scaling.putMetricAlarm');
    assert.equal(alarm.AlarmActions.length, 1);
    assert.ok(alarm.AlarmActions[0]?.endsWith(`:policyName/${stepPolicy.PolicyName}`));
    assertEverythingCleanedUp(fake);
    // Deleted newest first: the evaluation, the alarm and the target before the endpoint, the job last.
    assert.deepEqual(
      fake.callsOf('cleanup.deleteResource').map((c) => (c.input as { kind: string }).kind),
      ['evaluation', 'alarm', 'scalableTarget', 'endpoint', 'endpointConfig', 'model', 'recommenderJob'],
    );
  });

  test('a container request registers a package and group, and clean-up deletes them last', async () => {
    const { fake, result } = await run(
      sampleRequest({
        model: {
          kind: 'container',
          image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1',
          modelDataUrl: 's3://bucket/model.tar.gz',
          samplePayloadUrl: 's3://bucket/payload.tar.gz',
          framework: 'XGBOOST',
          frameworkVersion: '1.5-1',
        },
      }),
    );
    assert.equal(result.status, 'SUCCEEDED');
    const kinds = fake.callsOf('cleanup.deleteResource').map((c) => (c.input as { kind: string }).kind);
    assert.deepEqual(kinds.slice(-3), ['recommenderJob', 'modelPackage', 'modelPackageGroup']);
    assertEverythingCleanedUp(fake);
  });

  test('poll loops of several rounds: 4 job polls, 3 endpoint polls, 3 evaluation polls', async () => {
    const { fake, result } = await run(sampleRequest(), {
      jobStatuses: ['PENDING', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED'],
      endpointStatuses: ['Creating', 'Creating', 'InService'],
      evaluationStatuses: () => ['PENDING', 'IN_PROGRESS', 'COMPLETED'],
    });
    assert.equal(result.status, 'SUCCEEDED');
    const jobLoop = result.states.slice(5, 5 + 12);
    assert.deepEqual(
      jobLoop,
      Array.from({ length: 4 }, () => ['WaitForJob', 'PollJob', 'IsJobComplete']).flat(),
    );
    assert.equal(result.states.filter((s) => s === 'PollJob').length, 4);
    assert.equal(result.states.filter((s) => s === 'PollEndpoint').length, 3);
    assert.equal(result.states.filter((s) => s === 'PollEvaluation').length, 3);
    assert.equal(fake.callsOf('jobs.describeJob').length, 4);
    assertEverythingCleanedUp(fake);
  });

  test('a poll loop is bounded: a job that never finishes fails with WaitTimeoutError after 90 polls', async () => {
    const { fake, result } = await run(sampleRequest(), { jobStatuses: ['IN_PROGRESS'] });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'WaitTimeoutError');
    assert.equal(fake.callsOf('jobs.describeJob').length, 90);
    assert.deepEqual(result.states.slice(-4), [
      'Cleanup',
      'DidExecutionFail',
      'PublishFailureEvent',
      'FailExecution',
    ]);
    // The running job was in the ledger: clean-up stopped it. It also tried every name the run
    // derives (nothing else existed: each answered not found).
    assert.deepEqual(
      fake.callsOf('cleanup.deleteResource').map((c) => (c.input as { kind: string }).kind),
      ['evaluation', 'alarm', 'scalableTarget', 'endpoint', 'endpointConfig', 'model', 'recommenderJob'],
    );
    assert.deepEqual(existingDeleted(fake), ['recommenderJob']);
    assertEverythingCleanedUp(fake);
  });

  test('throttled calls are retried: TransientAwsError then success, and a Lambda throttle', async () => {
    const { fake, result } = await run(sampleRequest(), {
      failures: {
        'jobs.startDefaultJob': [new TransientAwsError('Rate exceeded')],
        'scaling.putScalingPolicy': [
          new TransientAwsError('Rate exceeded'),
          new TransientAwsError('Rate exceeded'),
        ],
        'hosting.describeEndpoint': [
          Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' }),
        ],
      },
    });
    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(result.retries, [
      { state: 'StartRecommenderJob', error: 'TransientAwsError' },
      { state: 'PollEndpoint', error: 'Lambda.TooManyRequestsException' },
      { state: 'RegisterPolicies', error: 'TransientAwsError' },
      { state: 'RegisterPolicies', error: 'TransientAwsError' },
    ]);
    assert.deepEqual(mainStates(result.states), [...HEAD, ...ONE_PASSING_ITERATION, ...SUCCESS_TAIL]);
    assert.equal(fake.callsOf('jobs.startDefaultJob').length, 2);
    // A RegisterPolicies that fails with a retryable error keeps the target it registered (no
    // undo: undoing it would meet the same not-yet-visible race on every retry); each retry
    // registers it again in place, and Cleanup deletes it once.
    assert.equal(fake.callsOf('scaling.registerScalableTarget').length, 3);
    assert.equal(
      fake
        .callsOf('cleanup.deleteResource')
        .filter((c) => (c.input as { kind: string }).kind === 'scalableTarget').length,
      1,
    );
    assertEverythingCleanedUp(fake);
  });

  for (const status of ['FAILED', 'STOPPED'] as const) {
    test(`a ${status} recommender job fails the execution with JobFailedError after clean-up`, async () => {
      const { fake, result } = await run(sampleRequest(), {
        jobStatuses: ['IN_PROGRESS', status],
        jobFailureReason: 'ClientError: endpoint failed to pass the ping health check',
      });
      assert.equal(result.status, 'FAILED');
      assert.equal(result.error?.name, 'JobFailedError');
      assert.deepEqual(mainStates(result.states), [
        'ReceiveInput',
        'NormalizeInput',
        'CreateModelPackage',
        'StartRecommenderJob',
        'PollJob',
        'PollJob',
        'Cleanup',
        'DidExecutionFail',
        'PublishFailureEvent',
        'FailExecution',
      ]);
      assert.equal(fake.callsOf('metrics.getBenchmarkSeries').length, 0);
      assertEverythingCleanedUp(fake);
    });
  }

  test('a driver that names its evaluation its own way is polled, judged and cleaned up by that name', async () => {
    const fake = createFakePorts();
    const inner = fake.ports.evaluation;
    const own = (name: string) => `loadgen-${name}`;
    const innerName = (name: string) => name.replace(/^loadgen-/, '');
    const seen: string[] = [];
    fake.ports.evaluation = {
      start: async (input) => ({ ...(await inner.start(input)), name: own(input.evaluationName) }),
      describe: async (name) => {
        seen.push(`describe ${name}`);
        return inner.describe(innerName(name));
      },
      collectMetrics: async (name, input) => {
        seen.push(`collectMetrics ${name} ${input.evaluationName}`);
        return inner.collectMetrics(innerName(name), input);
      },
      stop: async (name) => inner.stop(innerName(name)),
    };
    const result = await runWorkflowLocally(sampleRequest(), {
      ports: fake.ports,
      executionName: 'test-execution',
    });
    assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
    const evaluation = own(
      evaluationName(runNames('churn', runIdFor(localExecutionArn('test-execution'))), 1),
    );
    assert.deepEqual(seen, [`describe ${evaluation}`, `collectMetrics ${evaluation} ${evaluation}`]);
    assert.ok(
      fake
        .callsOf('cleanup.deleteResource')
        .some((c) => JSON.stringify(c.input).includes(`"name":"${evaluation}"`)),
      "clean-up deletes the evaluation by the driver's name",
    );
  });

  test('a clean-up that fails after another error keeps that error name; the cause adds what was left', async () => {
    const { result } = await run(sampleRequest(), {
      jobStatuses: ['IN_PROGRESS', 'FAILED'],
      jobFailureReason: 'ClientError: ping health check',
      failures: { 'cleanup.deleteResource': [new AwsRequestError('AccessDeniedException: not allowed')] },
    });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'JobFailedError');
    assert.match(result.error?.cause ?? '', /ClientError: ping health check/);
    assert.match(
      result.error?.cause ?? '',
      /clean-up failed too: AwsRequestError: .*clean-up could not delete 1 resource/,
    );
    assert.deepEqual(mainStates(result.states).slice(-6), [
      'PollJob',
      'Cleanup',
      'DidCleanupFollowAnError',
      'RecordCleanupFailure',
      'PublishFailureEvent',
      'FailExecution',
    ]);
  });

  test('Cleanup has its own retry budget: throttled for more than the standard 6 retries, it still deletes everything', async () => {
    // Every deletion throttled, 60 in a row: each attempt tries every resource (7 here), so 9 attempts.
    const throttled = Array.from({ length: 60 }, () => new TransientAwsError('Rate exceeded'));
    const { fake, result } = await run(sampleRequest(), {
      failures: { 'cleanup.deleteResource': throttled },
    });
    assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result.error));
    const cleanupRetries = result.retries.filter((r) => r.state === 'Cleanup').length;
    assert.ok(cleanupRetries > 6 && cleanupRetries <= 14, `${cleanupRetries} retries`);
    assertEverythingCleanedUp(fake);
  });

  test('an endpoint that never settles: every other resource is deleted, then the error lists the endpoint by ARN', async () => {
    const fake = createFakePorts();
    const deleteResource = fake.ports.cleanup.deleteResource.bind(fake.ports.cleanup);
    let endpointAttempts = 0;
    fake.ports.cleanup.deleteResource = async (ref) => {
      if (ref.kind === 'endpoint') {
        endpointAttempts++;
        throw new TransientAwsError(`endpoint ${ref.name} is Creating: clean-up deletes it once it settles`);
      }
      return deleteResource(ref);
    };
    const result = await runWorkflowLocally(sampleRequest(), {
      ports: fake.ports,
      executionName: 'test-execution',
    });
    const names = runNames('churn', runIdFor(localExecutionArn('test-execution')));
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'TransientAwsError');
    // 1 attempt + 24 retries of Cleanup's own budget.
    assert.equal(endpointAttempts, 25);
    const endpointArn = `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${names.endpointName.toLowerCase()}`;
    assert.match(result.error?.cause ?? '', /clean-up could not delete 1 resource\(s\), left: /);
    assert.ok(result.error?.cause.includes(endpointArn), result.error?.cause);
    assert.deepEqual(result.states.slice(-4), [
      'Cleanup',
      'DidCleanupFollowAnError',
      'PublishCleanupFailureEvent',
      'FailCleanup',
    ]);
    assert.deepEqual([...fake.live.keys()], [`endpoint:${names.endpointName}`], 'only the endpoint is left');
  });

  test('a clean-up that fails after a successful run fails with the clean-up error', async () => {
    const { result } = await run(sampleRequest(), {
      failures: { 'cleanup.deleteResource': [new AwsRequestError('AccessDeniedException: not allowed')] },
    });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'AwsRequestError');
    assert.match(result.error?.cause ?? '', /clean-up could not delete 1 resource/);
    assert.deepEqual(result.states.slice(-4), [
      'Cleanup',
      'DidCleanupFollowAnError',
      'PublishCleanupFailureEvent',
      'FailCleanup',
    ]);
  });

  test('an evaluation that fails once is tuned, the endpoint reset once InService, and the second passes', async () => {
    const { fake, result } = await run(sampleRequest(), {
      // Deploy: Creating, InService. After the load test: Updating twice (scaling), then InService,
      // and only then the reset; after the reset: Updating, InService.
      endpointStatuses: [
        'Creating',
        'InService',
        'Updating',
        'Updating',
        'InService',
        'Updating',
        'InService',
      ],
      evaluationMetrics: (index, input) =>
        evaluationMetricsOf({ peakPerMinute: input.maxInvocationsPerMinute * (index === 1 ? 0.8 : 1.2) }),
    });
    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(mainStates(result.states), [
      ...HEAD,
      'PollEndpoint',
      'RegisterPolicies',
      'SimulatePolicies',
      'DidPredictionPass',
      'RunEvaluation',
      'PollEvaluation',
      'Judge',
      'DidEvaluationPass',
      'TunePolicies',
      'CanTuneAfterEvaluation',
      'WaitBeforeReset',
      'PollEndpointBeforeReset',
      'WaitBeforeReset',
      'PollEndpointBeforeReset',
      'WaitBeforeReset',
      'PollEndpointBeforeReset',
      'ResetEndpoint',
      'PollEndpoint',
      'PollEndpoint',
      ...ONE_PASSING_ITERATION,
      ...SUCCESS_TAIL,
    ]);
    const recommendation = result.output as Recommendation;
    assert.deepEqual(
      recommendation.iterations.map((i) => [i.iteration, i.outcome]),
      [
        [1, 'evaluationFailed'],
        [2, 'passed'],
      ],
    );
    const first = recommendation.iterations[0];
    assert.equal(first?.verdict?.passed, false);
    assert.equal(first?.verdict?.maxInvocationsPerMinute, 24000);
    assert.ok(first?.tuning?.step);
    assert.notDeepEqual(recommendation.policySet, first?.policySet);
    // Between evaluations: policies off the variant, wait for InService, back to the next
    // MinCapacity, wait for InService. The reset comes after the 5th describe (the first InService
    // after the load test), never while Updating.
    const hostingCalls = fake.calls
      .filter((c) => c.port === 'hosting' && c.method !== 'createEndpoint')
      .map((c) => c.method);
    assert.deepEqual(hostingCalls, [
      ...Array.from({ length: 5 }, () => 'describeEndpoint'),
      'resetInstanceCount',
      'describeEndpoint',
      'describeEndpoint',
    ]);
    assert.equal(fake.callsOf('scaling.deregisterScalableTarget').length, 1);
    assert.deepEqual(
      fake
        .callsOf('hosting.resetInstanceCount')
        .map((c) => (c.input as { instanceCount: number }).instanceCount),
      [recommendation.policySet.minCapacity],
    );
    assert.deepEqual(
      fake.evaluations.map((e) => e.evaluationName),
      [`churn-${recommendation.runId}-eval-1`, `churn-${recommendation.runId}-eval-2`],
    );
    assertEverythingCleanedUp(fake);
  });

  test('an evaluation that never passes fails with EvaluationFailedError and the last verdict, after clean-up', async () => {
    const { fake, result } = await run(sampleRequest({ evaluation: { maxIterations: 2 } }), {
      evaluationMetrics: (_index, input) =>
        evaluationMetricsOf({ peakPerMinute: input.maxInvocationsPerMinute * 0.5 }),
    });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'EvaluationFailedError');
    const verdict = JSON.parse(result.error?.cause ?? '{}') as Verdict;
    assert.equal(verdict.passed, false);
    assert.equal(verdict.maxInvocationsPerMinute, 15000);
    assert.equal(verdict.targetInvocationsPerMinute, 30000);
    assert.deepEqual(mainStates(result.states).slice(-9), [
      'RunEvaluation',
      'PollEvaluation',
      'Judge',
      'DidEvaluationPass',
      'RecordEvaluationFailure',
      'Cleanup',
      'DidExecutionFail',
      'PublishFailureEvent',
      'FailExecution',
    ]);
    assert.equal(result.states.filter((s) => s === 'Judge').length, 2);
    assert.equal(fake.evaluations.length, 2);
    assert.equal(fake.callsOf('artifacts.putRecommendation').length, 0);
    assertEverythingCleanedUp(fake);
  });

  test('a failed prediction is tuned before paying; at the last iteration the evaluation decides', async () => {
    // P95 within 25 ms: the twin sees the queueing of a spike exceed it.
    const { fake, result } = await run(sampleRequest({ latencySlo: { percentile: 'P95', ms: 25 } }));
    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(mainStates(result.states), [
      ...HEAD,
      'RegisterPolicies',
      'SimulatePolicies',
      'DidPredictionPass',
      'TuneBeforeEvaluation',
      'CanTuneBeforeEvaluation',
      'RegisterPolicies',
      'SimulatePolicies',
      'DidPredictionPass',
      'TuneBeforeEvaluation',
      'CanTuneBeforeEvaluation',
      ...ONE_PASSING_ITERATION,
      ...SUCCESS_TAIL,
    ]);
    // Only one paid evaluation; no endpoint reset for predictions.
    assert.equal(fake.evaluations.length, 1);
    assert.equal(fake.callsOf('hosting.resetInstanceCount').length, 0);
    const recommendation = result.output as Recommendation;
    assert.deepEqual(
      recommendation.iterations.map((i) => i.outcome),
      ['predictedFailure', 'predictedFailure', 'passed'],
    );
    assertEverythingCleanedUp(fake);
  });

  test('a failure halfway (the endpoint cannot be created) deletes only what exists', async () => {
    const denied = Object.assign(new Error('ResourceLimitExceeded'), { name: 'AwsRequestError' });
    const { fake, result } = await run(
      sampleRequest({
        model: {
          kind: 'container',
          image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1',
          modelDataUrl: 's3://bucket/model.tar.gz',
          samplePayloadUrl: 's3://bucket/payload.tar.gz',
          framework: 'XGBOOST',
          frameworkVersion: '1.5-1',
        },
      }),
      { failures: { 'hosting.createEndpoint': [denied] } },
    );
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'AwsRequestError');
    assert.deepEqual(mainStates(result.states).slice(-6), [
      'DeriveThresholds',
      'DeployEndpoint',
      'Cleanup',
      'DidExecutionFail',
      'PublishFailureEvent',
      'FailExecution',
    ]);
    assert.deepEqual(existingDeleted(fake), ['recommenderJob', 'modelPackage', 'modelPackageGroup']);
    // The endpoint's names were tried too, in case CreateEndpoint had succeeded on AWS.
    assert.deepEqual(
      fake
        .callsOf('cleanup.deleteResource')
        .map((c) => c.input as { kind: string; name: string })
        .filter((ref) => ['endpoint', 'endpointConfig', 'model'].includes(ref.kind))
        .map((ref) => `${ref.kind}:${ref.name}`),
      ['endpoint', 'endpointConfig', 'model'].map(
        (kind) => `${kind}:${runNames('churn', runIdFor(localExecutionArn('test-execution'))).endpointName}`,
      ),
    );
    assertEverythingCleanedUp(fake);
  });

  test('a bad input fails at the first state with InvalidInputError; the only port call announces it', async () => {
    const { fake, result } = await run({ ...sampleRequest(), traffic: { minRps: 600, maxRps: 500 } });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.error?.name, 'InvalidInputError');
    assert.deepEqual(result.states, [
      'ReceiveInput',
      'NormalizeInput',
      'PublishFailureEvent',
      'FailExecution',
    ]);
    assert.deepEqual(
      fake.calls.map((call) => `${call.port}.${call.method}`),
      ['events.publish'],
    );
    const event = fake.inputOf<RunEvent>('events.publish');
    assert.equal(event.detailType, 'Recommendation Failed');
    assert.equal(event.detail.runId, null);
    if (event.detailType !== 'Recommendation Failed') return;
    assert.equal(event.detail.error.name, 'InvalidInputError');
    assert.equal(event.detail.cleanup.status, 'notNeeded');
    assert.deepEqual(fake.created, []);
  });

  test('an EventBridge model package event runs the workflow on that package', async () => {
    const { readFileSync } = await import('node:fs');
    const event = JSON.parse(
      readFileSync(new URL('../../examples/event.model-package-state-change.json', import.meta.url), 'utf8'),
    );
    const { fake, result } = await run(event);
    assert.equal(result.status, 'SUCCEEDED');
    const recommendation = result.output as Recommendation;
    assert.equal(recommendation.expectations.maxRps, 500);
    assert.equal(recommendation.instanceType, 'ml.c5.large');
    assert.equal(
      fake.inputOf<{ modelPackageArn: string }>('jobs.startDefaultJob').modelPackageArn,
      event.detail.ModelPackageArn,
    );
    assertEverythingCleanedUp(fake);
  });
});
