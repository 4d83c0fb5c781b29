/**
 * The handlers on their own, with the fake ports: named errors on bad input and on failed jobs,
 * the bounds of the poll loops, the clean-up contract (exactly the ledger, twice, half missing)
 * and the undo of RegisterPolicies. Prepare / Act / Assess.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCleanupHandler } from '../../functions/cleanup/handler';
import {
  handler as awsNormalizeInput,
  createNormalizeInputHandler,
} from '../../functions/normalizeInput/handler';
import { createPollEndpointHandler } from '../../functions/pollEndpoint/handler';
import { createPollJobHandler } from '../../functions/pollJob/handler';
import { createRegisterPoliciesHandler } from '../../functions/registerPolicies/handler';
import { createResetEndpointHandler } from '../../functions/resetEndpoint/handler';
import { createTunePoliciesHandler } from '../../functions/tunePolicies/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import { initialIteration } from '../../shared/contract/state';
import { AwsRequestError, ResourceNotFoundError, TransientAwsError } from '../../shared/core/errors';
import { resolveInstancePricing } from '../../shared/core/instance-types';
import { runIdFor, runNames } from '../../shared/core/naming';
import { derivePlan } from '../../shared/core/plan';
import { scalingNames } from '../../shared/core/policies';
import type { JobStatus, ResourceRef } from '../../shared/core/ports';
import { ScalingRequestSchema } from '../../shared/core/request';
import type { Verdict } from '../../shared/core/types';
import { createFakePorts, exampleBenchmark } from '../fakes/ports';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const context = localLambdaContext('test');

const request = ScalingRequestSchema.parse({
  name: 'churn',
  model: {
    kind: 'modelPackage',
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3',
  },
  instanceType: 'ml.c5.large',
  vcpus: 2,
  traffic: { minRps: 70, maxRps: 500 },
  latencySlo: { ms: 10000 },
});
const names = runNames(request.name, runIdFor('handler-tests'));

describe('pollJob', () => {
  const cases: {
    name: string;
    status: JobStatus;
    round: number;
    maxRounds: number;
    error?: string;
    nextRound?: number;
  }[] = [
    { name: 'COMPLETED returns the window', status: 'COMPLETED', round: 0, maxRounds: 90, nextRound: 1 },
    {
      name: 'IN_PROGRESS below the bound counts the round',
      status: 'IN_PROGRESS',
      round: 88,
      maxRounds: 90,
      nextRound: 89,
    },
    {
      name: 'IN_PROGRESS at the bound is WaitTimeoutError',
      status: 'IN_PROGRESS',
      round: 89,
      maxRounds: 90,
      error: 'WaitTimeoutError',
    },
    {
      name: 'COMPLETED at the bound still completes',
      status: 'COMPLETED',
      round: 89,
      maxRounds: 90,
      nextRound: 90,
    },
    { name: 'FAILED is JobFailedError', status: 'FAILED', round: 3, maxRounds: 90, error: 'JobFailedError' },
    {
      name: 'STOPPED is JobFailedError',
      status: 'STOPPED',
      round: 3,
      maxRounds: 90,
      error: 'JobFailedError',
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const fake = createFakePorts({ jobStatuses: [c.status], jobFailureReason: 'ping health check failed' });
      const handler = createPollJobHandler(fake.ports);
      const act = handler(
        { jobName: names.jobName, previous: { iteration: 0, round: c.round }, maxRounds: c.maxRounds },
        context,
      );
      if (c.error) {
        await assert.rejects(act, (error: Error) => {
          assert.equal(error.name, c.error);
          if (c.error === 'JobFailedError') assert.match(error.message, /ping health check failed/);
          return true;
        });
        return;
      }
      const result = await act;
      assert.equal(result.round, c.nextRound);
      assert.equal(result.status, c.status);
      if (c.status === 'COMPLETED')
        assert.equal(result.benchmarkWindow?.endpointName, `${names.jobName}-bench`);
    });
  }

  test('a bad input is an InvalidInputError naming the field, with no port call', async () => {
    const fake = createFakePorts();
    await assert.rejects(
      createPollJobHandler(fake.ports)({ previous: { iteration: 0, round: 0 }, maxRounds: 90 }, context),
      (error: Error) => error.name === 'InvalidInputError' && error.message.includes('jobName'),
    );
    assert.deepEqual(fake.calls, []);
  });
});

describe('pollEndpoint', () => {
  test('Failed is EndpointFailedError', async () => {
    const fake = createFakePorts({ endpointStatuses: ['Failed'] });
    await assert.rejects(
      createPollEndpointHandler(fake.ports)(
        {
          endpointName: names.endpointName,
          previous: { iteration: 0, round: 0 },
          iteration: 1,
          maxRounds: 60,
        },
        context,
      ),
      { name: 'EndpointFailedError' },
    );
  });
  test('a new iteration starts counting at round 1 again', async () => {
    const fake = createFakePorts({ endpointStatuses: ['Updating'] });
    const result = await createPollEndpointHandler(fake.ports)(
      {
        endpointName: names.endpointName,
        previous: { iteration: 1, round: 7, status: 'InService' },
        iteration: 2,
        maxRounds: 60,
      },
      context,
    );
    assert.deepEqual(result, { iteration: 2, round: 1, status: 'Updating' });
  });
});

describe('cleanup', () => {
  const ledger: ResourceRef[] = [
    { kind: 'recommenderJob', name: names.jobName },
    { kind: 'model', name: names.endpointName },
    { kind: 'endpointConfig', name: names.endpointName },
    { kind: 'endpoint', name: names.endpointName },
  ];
  function fakeWithLive(refs: ResourceRef[]) {
    const fake = createFakePorts();
    for (const ref of refs) fake.live.set(`${ref.kind}:${ref.name}`, ref);
    return fake;
  }

  test('deletes exactly the ledger, newest first, and a second run finds nothing', async () => {
    const fake = fakeWithLive(ledger);
    fake.live.set('endpoint:someone-elses', { kind: 'endpoint', name: 'someone-elses' });
    const handler = createCleanupHandler(fake.ports);
    const first = await handler({ ledger, cleanup: true }, context);
    assert.deepEqual(first.deleted, [...ledger].reverse());
    assert.deepEqual([...fake.live.keys()], ['endpoint:someone-elses']);
    const second = await handler({ ledger, cleanup: true }, context);
    assert.deepEqual(second, { deleted: [], notFound: [...ledger].reverse(), retained: [] });
  });

  test('with the run names, also deletes what the ledger missed, and reports only what it found', async () => {
    // The endpoint was created on AWS but its Task failed: only the job reached the ledger.
    const jobOnly = ledger.slice(0, 1);
    const fake = fakeWithLive([...jobOnly, { kind: 'endpoint', name: names.endpointName }]);
    fake.live.set('endpoint:someone-elses', { kind: 'endpoint', name: 'someone-elses' });
    const result = await createCleanupHandler(fake.ports)(
      { ledger: jobOnly, cleanup: true, request, names, iterations: 2 },
      context,
    );
    assert.deepEqual(result, {
      deleted: [
        { kind: 'endpoint', name: names.endpointName },
        { kind: 'recommenderJob', name: names.jobName },
      ],
      notFound: [],
      retained: [],
    });
    assert.deepEqual([...fake.live.keys()], ['endpoint:someone-elses']);
    // Every name the run derives was tried, newest kind first.
    assert.deepEqual(
      fake.callsOf('cleanup.deleteResource').map((c) => {
        const ref = c.input as ResourceRef;
        return `${ref.kind}:${ref.name}`;
      }),
      [
        `evaluation:${names.base}-eval-2`,
        `evaluation:${names.base}-eval-1`,
        `alarm:scaleplan-${names.endpointName}-AllTraffic-invocations-step-alarm`,
        `scalableTarget:endpoint/${names.endpointName}/variant/AllTraffic`,
        `endpoint:${names.endpointName}`,
        `endpointConfig:${names.endpointName}`,
        `model:${names.endpointName}`,
        `recommenderJob:${names.jobName}`,
      ],
    );
  });

  test('works when half was never created', async () => {
    const fake = fakeWithLive(ledger.slice(0, 2));
    const result = await createCleanupHandler(fake.ports)({ ledger, cleanup: true }, context);
    assert.equal(result.deleted.length, 2);
    assert.equal(result.notFound.length, 2);
    assert.deepEqual([...fake.live.keys()], []);
  });

  test('throttling propagates for the state machine to retry', async () => {
    const fake = fakeWithLive(ledger);
    fake.ports.cleanup.deleteResource = async () => {
      throw new TransientAwsError('Rate exceeded');
    };
    await assert.rejects(createCleanupHandler(fake.ports)({ ledger }, context), {
      name: 'TransientAwsError',
    });
  });

  test('a refused deletion does not stop the others; one AwsRequestError names what is left', async () => {
    const fake = fakeWithLive(ledger);
    const real = fake.ports.cleanup.deleteResource;
    fake.ports.cleanup.deleteResource = async (ref) => {
      if (ref.kind === 'endpointConfig') throw new AwsRequestError('AccessDenied');
      return real(ref);
    };
    await assert.rejects(
      createCleanupHandler(fake.ports)({ ledger }, context),
      (error: Error) =>
        error.name === 'AwsRequestError' && error.message.includes(`endpointConfig ${names.endpointName}`),
    );
    assert.deepEqual([...fake.live.keys()], [`endpointConfig:${names.endpointName}`]);
  });

  test('cleanup: false keeps everything and says so', async () => {
    const fake = fakeWithLive(ledger);
    const result = await createCleanupHandler(fake.ports)({ ledger, cleanup: false }, context);
    assert.deepEqual(result.retained, ledger);
    assert.equal(fake.live.size, 4);
  });
});

describe('registerPolicies', () => {
  const plan = derivePlan(exampleBenchmark(), request);
  const input = {
    request,
    names,
    ledger: [],
    initialPolicySet: plan.policySet,
    iteration: initialIteration(),
  };

  test('records the scalable target and the step alarm once, even when run again', async () => {
    const fake = createFakePorts();
    const handler = createRegisterPoliciesHandler(fake.ports);
    const ledger = await handler(input, context);
    assert.deepEqual(
      ledger.map((ref) => ref.kind),
      ['scalableTarget', 'alarm'],
    );
    assert.equal(ledger[0]?.name, `endpoint/${names.endpointName}/variant/AllTraffic`);
    const again = await handler({ ...input, ledger }, context);
    assert.deepEqual(again, ledger);
  });

  const targetKey = `scalableTarget:endpoint/${names.endpointName}/variant/AllTraffic`;
  const alarmKey = `alarm:${scalingNames({ endpointName: names.endpointName, variantName: 'AllTraffic' }).stepAlarmName}`;
  // A TransientAwsError is retried by the state machine, so the handler keeps what it created
  // (undoing the registration would make every retry meet the same visibility race); any other
  // error undoes it. `live` is what exists on the account when the error propagates.
  const failureCases: {
    name: string;
    failing: string;
    error: Error;
    liveAfterFailure: string[];
    undone: number;
  }[] = [
    {
      name: 'a target not yet visible to PutScalingPolicy stays registered for the retry',
      failing: 'scaling.putScalingPolicy',
      error: new TransientAwsError('ValidationException: No scalable target registered'),
      liveAfterFailure: [targetKey],
      undone: 0,
    },
    {
      name: 'a throttled alarm keeps the target for the retry',
      failing: 'scaling.putMetricAlarm',
      error: new TransientAwsError('ThrottlingException: Rate exceeded'),
      liveAfterFailure: [targetKey],
      undone: 0,
    },
    {
      name: 'a refused alarm undoes the target it registered',
      failing: 'scaling.putMetricAlarm',
      error: new AwsRequestError('LimitExceeded'),
      liveAfterFailure: [],
      undone: 1,
    },
    {
      name: 'a refused policy undoes the target it registered',
      failing: 'scaling.putScalingPolicy',
      error: new AwsRequestError('LimitExceededException: 50 policies'),
      liveAfterFailure: [],
      undone: 1,
    },
  ];
  for (const c of failureCases) {
    test(`${c.name}, then the error propagates and a retry succeeds`, async () => {
      const fake = createFakePorts({ failures: { [c.failing]: [c.error] } });
      const handler = createRegisterPoliciesHandler(fake.ports);
      await assert.rejects(handler(input, context), { name: c.error.name });
      assert.deepEqual([...fake.live.keys()], c.liveAfterFailure);
      assert.equal(fake.callsOf('cleanup.deleteResource').length, c.undone);
      // The retry gets the same input (the ledger never learned of the failed attempt).
      const ledger = await handler(input, context);
      assert.deepEqual(
        ledger.map((ref) => `${ref.kind}:${ref.name}`),
        [targetKey, alarmKey],
      );
      assert.deepEqual([...fake.live.keys()].sort(), [alarmKey, targetKey].sort());
      assert.equal(fake.callsOf('scaling.registerScalableTarget').length, 2);
      assert.equal(fake.callsOf('cleanup.deleteResource').length, c.undone);
    });
  }
});

describe('tunePolicies', () => {
  const plan = derivePlan(exampleBenchmark(), request);
  const failed: Verdict = {
    passed: false,
    maxInvocationsPerMinute: 24000,
    targetInvocationsPerMinute: 30000,
    errorRate: 0,
    worstLatencyMs: 12,
    failures: [{ code: 'throughput', message: '24000 < 30000', observed: 24000, limit: 30000 }],
    reasons: [],
  };

  test('at the last iteration nothing is tried: exhausted, and the policies stay on the variant', async () => {
    const fake = createFakePorts();
    const result = await createTunePoliciesHandler(fake.ports)(
      {
        source: 'evaluation',
        request: { ...request, evaluation: { ...request.evaluation, maxIterations: 1 } },
        names,
        initialPolicySet: plan.policySet,
        iteration: initialIteration(),
        verdict: failed,
      },
      context,
    );
    assert.equal(result.exhausted, true);
    assert.equal(result.number, 1);
    assert.deepEqual(fake.calls, []);
  });

  test('after a failed evaluation: next set, the iteration recorded, target deregistered (the reset is a state of its own)', async () => {
    const fake = createFakePorts();
    fake.live.set(`scalableTarget:endpoint/${names.endpointName}/variant/AllTraffic`, {
      kind: 'scalableTarget',
      name: `endpoint/${names.endpointName}/variant/AllTraffic`,
    });
    const result = await createTunePoliciesHandler(fake.ports)(
      {
        source: 'evaluation',
        request,
        names,
        initialPolicySet: plan.policySet,
        iteration: initialIteration(),
        verdict: failed,
      },
      context,
    );
    assert.equal(result.number, 2);
    assert.equal(result.exhausted, false);
    assert.equal(result.history[0]?.outcome, 'evaluationFailed');
    assert.notDeepEqual(result.policySet, plan.policySet);
    assert.deepEqual(
      fake.calls.map((c) => `${c.port}.${c.method}`),
      ['scaling.deregisterScalableTarget'],
    );
  });

  test('a retry after the target was already deregistered counts it as done', async () => {
    const fake = createFakePorts({
      failures: { 'scaling.deregisterScalableTarget': [new ResourceNotFoundError('No scalable target')] },
    });
    const input = {
      source: 'evaluation',
      request,
      names,
      initialPolicySet: plan.policySet,
      iteration: initialIteration(),
      verdict: failed,
    };
    const result = await createTunePoliciesHandler(fake.ports)(input, context);
    assert.equal(result.number, 2);
    assert.equal(fake.callsOf('scaling.deregisterScalableTarget').length, 1);
  });
});

describe('resetEndpoint', () => {
  const plan = derivePlan(exampleBenchmark(), request);
  test('puts the endpoint back to the tuned MinCapacity and restarts the endpoint poll count', async () => {
    const fake = createFakePorts();
    const policySet = { ...plan.policySet, minCapacity: 2 };
    const result = await createResetEndpointHandler(fake.ports)(
      { request, names, iteration: { number: 2, policySet, history: [], exhausted: false } },
      context,
    );
    assert.deepEqual(result, { iteration: 2, round: 0, status: 'Updating' });
    assert.deepEqual(fake.calls, [
      {
        port: 'hosting',
        method: 'resetInstanceCount',
        input: { endpointName: names.endpointName, variantName: 'AllTraffic', instanceCount: 2 },
      },
    ]);
  });
});

describe('resolveInstancePricing', () => {
  const cases = [
    {
      name: 'the job reported a cost',
      type: 'ml.c5.large',
      reported: 0.119,
      expected: { pricePerInstanceHourUsd: 0.119, source: 'recommenderJob' },
    },
    {
      name: 'no report: the table',
      type: 'ml.c5.large',
      reported: undefined,
      expected: { pricePerInstanceHourUsd: 0.102, source: 'approximateTable' },
    },
    {
      name: 'a zero report is ignored',
      type: 'ml.c5.large',
      reported: 0,
      expected: { pricePerInstanceHourUsd: 0.102, source: 'approximateTable' },
    },
    {
      name: 'unknown type, no report',
      type: 'ml.x99.huge',
      reported: undefined,
      expected: { pricePerInstanceHourUsd: null, source: 'unknown' },
    },
  ];
  for (const c of cases)
    test(c.name, () => assert.deepEqual(resolveInstancePricing(c.type, c.reported), c.expected));
});

describe('normalizeInput: limits checked before anything is created', () => {
  const base = {
    name: 'churn',
    model: {
      kind: 'modelPackage',
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3',
    },
    instanceType: 'ml.c5.large',
    traffic: { minRps: 70, maxRps: 500 },
    latencySlo: { ms: 10000 },
  };
  const cases: { name: string; input: unknown; aws: boolean; error?: RegExp }[] = [
    {
      name: 'AWS: maxRps 501 needs MaxInvocations 30060 > 30000',
      input: { ...base, traffic: { minRps: 70, maxRps: 501 } },
      aws: true,
      error:
        /traffic\.maxRps 501 needs MaxInvocations 30060 per minute \(maxRps x 60\); Inference Recommender accepts at most 30000 \(maxRps 500\) on AWS/,
    },
    { name: 'AWS: maxRps 500 is exactly 30000: accepted', input: base, aws: true },
    {
      name: 'local: maxRps 3000 (the demo) is accepted',
      input: { ...base, model: { kind: 'local', demo: true }, traffic: { minRps: 200, maxRps: 3000 } },
      aws: false,
    },
    {
      name: 'any backend: phases of 3600 s in a 1800 s job',
      input: { ...base, evaluation: { durationSeconds: 3600, jobDurationSeconds: 1800 } },
      aws: false,
      error:
        /evaluation\.durationSeconds: 3600 s of traffic phases exceed evaluation\.jobDurationSeconds 1800 s/,
    },
  ];
  for (const c of cases)
    test(c.name, async () => {
      const fake = createFakePorts();
      const handler = createNormalizeInputHandler(fake.ports, c.aws ? { awsLimits: true } : {});
      const run = handler({ input: c.input, executionArn: 'limits' }, context);
      if (c.error) await assert.rejects(run, { name: 'InvalidInputError', message: c.error });
      else assert.equal((await run).request.traffic.maxRps, (c.input as typeof base).traffic.maxRps);
      assert.deepEqual(fake.calls, []);
    });

  test('the deployed handler refuses maxRps 600 and model.kind "local"', async () => {
    await assert.rejects(
      awsNormalizeInput(
        { input: { ...base, traffic: { minRps: 70, maxRps: 600 } }, executionArn: 'x' },
        context,
      ),
      { name: 'InvalidInputError', message: /traffic\.maxRps 600 needs MaxInvocations 36000/ },
    );
    await assert.rejects(
      awsNormalizeInput(
        { input: { ...base, model: { kind: 'local', demo: true } }, executionArn: 'x' },
        context,
      ),
      { name: 'InvalidInputError', message: /model\.kind "local"/ },
    );
  });
});
