/**
 * EventBridge "SageMaker Model Package State Change" -> ScalingRequest, and the example inputs
 * validated against the schemas the state machine uses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createNormalizeInputHandler } from '../../functions/normalizeInput/handler';
import { localLambdaContext } from '../../shared/contract/handler';
import type { InitialState } from '../../shared/contract/state';
import { InvalidInputError } from '../../shared/core/errors';
import {
  eventNeedsDescribe,
  isModelPackageStateChangeEvent,
  type ModelPackageStateChangeEvent,
  ModelPackageStateChangeEventSchema,
  type RequestDefaults,
  requestFromModelPackageEvent,
} from '../../shared/core/event';
import { ScalingRequestSchema } from '../../shared/core/request';
import { createFakePorts } from '../fakes/ports';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

function readExample(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8'));
}

const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgboost/4';

function eventWith(detail: Partial<ModelPackageStateChangeEvent['detail']>): ModelPackageStateChangeEvent {
  return ModelPackageStateChangeEventSchema.parse({
    source: 'aws.sagemaker',
    'detail-type': 'SageMaker Model Package State Change',
    detail: { ModelPackageArn: ARN, ModelPackageGroupName: 'churn-xgboost', ...detail },
  });
}

const STAGE: RequestDefaults = {
  instanceType: 'ml.m5.large',
  traffic: { minRps: 10, maxRps: 100 },
  latencySlo: { percentile: 'P99', ms: 200 },
  evaluation: { maxIterations: 1 },
};

describe('requestFromModelPackageEvent', () => {
  const cases: {
    name: string;
    detail: Partial<ModelPackageStateChangeEvent['detail']>;
    expected: {
      instanceType: string;
      minRps: number;
      maxRps: number;
      ms: number;
      percentile?: string;
      name: string;
      goal?: unknown;
      maxIterations: number;
    };
  }[] = [
    {
      name: 'no metadata: the stage defaults, the package group as name',
      detail: {},
      expected: {
        instanceType: 'ml.m5.large',
        minRps: 10,
        maxRps: 100,
        ms: 200,
        percentile: 'P99',
        name: 'churn-xgboost',
        maxIterations: 1,
      },
    },
    {
      name: 'metadata overrides the defaults field by field',
      detail: { CustomerMetadataProperties: { 'scaleplan:maxRps': '500', 'scaleplan:latencyMs': '100' } },
      expected: {
        instanceType: 'ml.m5.large',
        minRps: 10,
        maxRps: 500,
        ms: 100,
        percentile: 'P99',
        name: 'churn-xgboost',
        maxIterations: 1,
      },
    },
    {
      name: 'the first supported real-time instance type beats the default',
      detail: {
        InferenceSpecification: { SupportedRealtimeInferenceInstanceTypes: ['ml.c5.large', 'ml.c5.xlarge'] },
      },
      expected: {
        instanceType: 'ml.c5.large',
        minRps: 10,
        maxRps: 100,
        ms: 200,
        percentile: 'P99',
        name: 'churn-xgboost',
        maxIterations: 1,
      },
    },
    {
      name: 'metadata instance type, name, numeric goal and iterations beat everything',
      detail: {
        InferenceSpecification: { SupportedRealtimeInferenceInstanceTypes: ['ml.c5.large'] },
        CustomerMetadataProperties: {
          'scaleplan:instanceType': 'ml.c5.xlarge',
          'scaleplan:name': 'churn-prod',
          'scaleplan:goal': '55',
          'scaleplan:maxIterations': '3',
          'scaleplan:latencyPercentile': 'P95',
        },
      },
      expected: {
        instanceType: 'ml.c5.xlarge',
        minRps: 10,
        maxRps: 100,
        ms: 200,
        percentile: 'P95',
        name: 'churn-prod',
        goal: 55,
        maxIterations: 3,
      },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const { value } = requestFromModelPackageEvent(eventWith(c.detail), { defaults: STAGE });
      const request = ScalingRequestSchema.parse(value);
      assert.equal(request.instanceType, c.expected.instanceType);
      assert.equal(request.traffic.minRps, c.expected.minRps);
      assert.equal(request.traffic.maxRps, c.expected.maxRps);
      assert.equal(request.latencySlo.ms, c.expected.ms);
      assert.equal(request.latencySlo.percentile, c.expected.percentile);
      assert.equal(request.name, c.expected.name);
      assert.equal(request.evaluation.maxIterations, c.expected.maxIterations);
      if (c.expected.goal !== undefined) assert.equal(request.goal, c.expected.goal);
      assert.deepEqual(request.model, { kind: 'modelPackage', modelPackageArn: ARN });
    });
  }

  test('a metadata number that does not parse is an InvalidInputError naming the key', () => {
    assert.throws(
      () =>
        requestFromModelPackageEvent(
          eventWith({ CustomerMetadataProperties: { 'scaleplan:maxRps': 'lots' } }),
          {
            defaults: STAGE,
          },
        ),
      (error: unknown) => error instanceof InvalidInputError && error.message.includes('scaleplan:maxRps'),
    );
  });

  test('no instance type anywhere is an InvalidInputError', () => {
    assert.throws(
      () => requestFromModelPackageEvent(eventWith({}), { defaults: {} }),
      (error: unknown) => error instanceof InvalidInputError,
    );
  });

  test('eventNeedsDescribe only when the detail has no scaleplan: metadata', () => {
    assert.equal(eventNeedsDescribe(eventWith({})), true);
    assert.equal(eventNeedsDescribe(eventWith({ CustomerMetadataProperties: { team: 'ml' } })), true);
    assert.equal(
      eventNeedsDescribe(eventWith({ CustomerMetadataProperties: { 'scaleplan:maxRps': '9' } })),
      false,
    );
  });
});

describe('normalizeInput with events', () => {
  const otherEvents = [
    {
      source: 'aws.sagemaker',
      'detail-type': 'SageMaker Endpoint State Change',
      detail: { EndpointName: 'x' },
    },
    {
      source: 'aws.ec2',
      'detail-type': 'SageMaker Model Package State Change',
      detail: { ModelPackageArn: ARN },
    },
    { source: 'aws.s3', 'detail-type': 'Object Created', detail: {} },
  ];
  for (const event of otherEvents)
    test(`an event of another type (${event.source} "${event['detail-type']}") is UnsupportedEventError, describing nothing`, async () => {
      const fake = createFakePorts();
      const handler = createNormalizeInputHandler(fake.ports, { requestDefaults: () => ({}) });
      await assert.rejects(
        handler({ input: event, executionArn: 'e-1' }, localLambdaContext('normalizeInput')),
        (error: Error) => {
          assert.equal(error.name, 'UnsupportedEventError');
          assert.match(error.message, /^detail-type: unsupported event/);
          assert.ok(error.message.includes(JSON.stringify(event['detail-type'])));
          return true;
        },
      );
      assert.deepEqual(fake.calls, []);
    });

  for (const input of [null, [], 'hello', 42, true])
    test(`a non-object input (${JSON.stringify(input)}) is InvalidInputError at the top level`, async () => {
      const fake = createFakePorts();
      const handler = createNormalizeInputHandler(fake.ports);
      await assert.rejects(handler({ input, executionArn: 'e-1' }, localLambdaContext('normalizeInput')), {
        name: 'InvalidInputError',
        message: /^\(top level\): the execution input must be a JSON object/,
      });
    });

  test('an event without metadata describes the package once and uses what it read', async () => {
    const fake = createFakePorts({
      describedPackage: {
        modelPackageArn: ARN,
        modelPackageGroupName: 'churn-xgboost',
        customerMetadataProperties: {
          'scaleplan:minRps': '70',
          'scaleplan:maxRps': '500',
          'scaleplan:latencyMs': '100',
        },
        supportedRealtimeInstanceTypes: ['ml.c5.large'],
      },
    });
    const handler = createNormalizeInputHandler(fake.ports, { requestDefaults: () => ({}) });
    const state = (await handler(
      {
        input: {
          source: 'aws.sagemaker',
          'detail-type': 'SageMaker Model Package State Change',
          detail: { ModelPackageArn: ARN },
        },
        executionArn: 'e-1',
      },
      localLambdaContext('normalizeInput'),
    )) as InitialState;
    assert.deepEqual(
      fake.calls.map((c) => `${c.port}.${c.method}`),
      ['registry.describeModelPackage'],
    );
    assert.equal(state.request.traffic.maxRps, 500);
    assert.equal(state.request.instanceType, 'ml.c5.large');
    assert.equal(state.request.vcpus, 2);
    assert.equal(state.names.base, `churn-xgboost-${state.names.runId}`);
  });

  test('a plain request makes no port call and resolves vCPUs from the table', async () => {
    const fake = createFakePorts();
    const handler = createNormalizeInputHandler(fake.ports);
    const state = (await handler(
      { input: readExample('request.model-package.json'), executionArn: 'e-2' },
      localLambdaContext('normalizeInput'),
    )) as InitialState;
    assert.deepEqual(fake.calls, []);
    assert.equal(state.request.vcpus, 2);
    assert.deepEqual(state.ledger, []);
    assert.deepEqual(state.iteration, { number: 1, history: [], exhausted: false });
  });

  test('a backend that cannot run a model kind refuses it at the first state', async () => {
    const handler = createNormalizeInputHandler(createFakePorts().ports, {
      allowedModelKinds: ['modelPackage', 'container'],
    });
    await assert.rejects(
      handler(
        {
          input: {
            ...(readExample('request.model-package.json') as object),
            model: { kind: 'local', demo: true },
          },
          executionArn: 'e',
        },
        localLambdaContext('normalizeInput'),
      ),
      { name: 'InvalidInputError' },
    );
  });
});

describe('example inputs', () => {
  for (const file of ['request.model-package.json', 'request.container.json']) {
    test(`${file} is a valid ScalingRequest`, () => {
      const parsed = ScalingRequestSchema.safeParse(readExample(file));
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
      assert.equal(parsed.data.traffic.maxRps, 500);
    });
  }

  test('event.model-package-state-change.json is a Model Package State Change event giving a valid request', () => {
    const raw = readExample('event.model-package-state-change.json');
    assert.equal(isModelPackageStateChangeEvent(raw), true);
    const event = ModelPackageStateChangeEventSchema.parse(raw);
    assert.equal(eventNeedsDescribe(event), false);
    const request = ScalingRequestSchema.parse(requestFromModelPackageEvent(event, { defaults: {} }).value);
    assert.deepEqual(
      [
        request.instanceType,
        request.traffic.minRps,
        request.traffic.maxRps,
        request.latencySlo.ms,
        request.name,
      ],
      ['ml.c5.large', 70, 500, 100, 'churn-xgboost'],
    );
  });
});
