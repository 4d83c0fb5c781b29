/**
 * A run's outputs on AWS: the S3 objects (ArtifactStorePort.putRunObjects), the EventBridge
 * events (RunEventsPort on PutEvents, FailedEntryCount included), the events' shape and size
 * (shared/core/run-events.ts), the failure handler over every shape of the failure path's state,
 * the local stand-in (events.jsonl), and the report's charting library inlined into the Lambda
 * bundle. Every request sent is checked against botocore at the end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { createPublishFailureEventHandler } from '../../functions/publishFailureEvent/handler';
import { RUN_OBJECT_CONTENT_TYPES } from '../../functions/writeRecommendation/handler';
import type { ReportAssets } from '../../functions/writeRecommendation/report-assets';
import { createAwsPorts } from '../../shared/adapters/aws';
import { createLocalRunEvents } from '../../shared/adapters/local/events';
import { localLambdaContext } from '../../shared/contract/handler';
import {
  buildFailedEvent,
  buildReadyEvent,
  eventEntryBytes,
  MAX_EVENT_ENTRY_BYTES,
  MAX_EVENT_LIST_ITEMS,
  MAX_EVENT_TEXT_CHARS,
  type RecommendationFailedDetail,
  type RunEvent,
  type RunIdentity,
  truncateText,
} from '../../shared/core/run-events';
import { createFakePorts } from '../fakes/ports';
import { awsError, BUCKET, createMockedAws } from './mocks';

const aws = createMockedAws('run-outputs');

const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:scaleplan-dev:nightly-42';
const PACKAGE_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3';
const identity: RunIdentity = {
  runId: 'churn-ab12',
  name: 'churn',
  executionArn: EXECUTION_ARN,
  modelPackageArn: PACKAGE_ARN,
};
const failed = (cause = 'the job failed') =>
  buildFailedEvent(identity, {
    error: { name: 'JobFailedError', cause },
    cleanupResult: { deleted: [{ kind: 'endpoint', name: 'churn-ab12-eval' }], notFound: [], retained: [] },
    cleanupRequested: true,
  });

describe('the events (core)', () => {
  const table: { name: string; failure: Parameters<typeof buildFailedEvent>[1]; status: string }[] = [
    {
      name: 'refused at the first state: nothing to clean',
      failure: { error: { name: 'InvalidInputError', cause: 'x' }, cleanupRequested: true },
      status: 'notNeeded',
    },
    {
      name: 'clean-up ran',
      failure: {
        error: { name: 'JobFailedError', cause: 'x' },
        cleanupResult: { deleted: [], notFound: [], retained: [] },
        cleanupRequested: true,
      },
      status: 'done',
    },
    {
      name: 'cleanup: false keeps everything',
      failure: {
        error: { name: 'JobFailedError', cause: 'x' },
        cleanupResult: { deleted: [], notFound: [], retained: [{ kind: 'endpoint', name: 'e' }] },
        cleanupRequested: false,
      },
      status: 'skipped',
    },
    {
      name: 'clean-up failed',
      failure: {
        error: { name: 'AwsRequestError', cause: 'left: endpoint e' },
        cleanupError: { name: 'AwsRequestError', cause: 'left: endpoint e' },
        cleanupRequested: true,
        recommendationUri: `s3://${BUCKET}/recommendations/churn-ab12/recommendation.json`,
      },
      status: 'failed',
    },
  ];
  for (const row of table)
    test(`Recommendation Failed, ${row.name}: cleanup.status ${row.status}`, () => {
      const event = buildFailedEvent(identity, row.failure);
      assert.equal(event.detailType, 'Recommendation Failed');
      assert.equal((event.detail as RecommendationFailedDetail).cleanup.status, row.status);
      assert.deepEqual(event.resources, [EXECUTION_ARN, PACKAGE_ARN]);
    });

  test('boundary: a cause of exactly MAX_EVENT_TEXT_CHARS is kept whole, one more is cut', () => {
    const exact = 'x'.repeat(MAX_EVENT_TEXT_CHARS);
    assert.deepEqual(truncateText(exact), { text: exact, truncated: false });
    const over = truncateText(`${exact}y`);
    assert.equal(over.truncated, true);
    assert.equal(over.text, `${exact}... (1 more characters)`);
  });

  test('the worst case stays under EventBridge 256 KiB: a 1 MB multibyte cause and 10,000 resources per list', () => {
    const refs = Array.from({ length: 10_000 }, (_, i) => ({
      kind: 'endpoint',
      name: `é-${'n'.repeat(60)}-${i}`,
    }));
    const event = buildFailedEvent(identity, {
      error: { name: 'AwsRequestError', cause: 'é'.repeat(1_000_000) },
      cleanupResult: { deleted: refs, notFound: refs, retained: refs },
      cleanupError: { name: 'AwsRequestError', cause: '€'.repeat(1_000_000) },
      cleanupRequested: true,
    });
    const detail = event.detail as RecommendationFailedDetail;
    assert.equal(detail.cleanup.deleted.items.length, MAX_EVENT_LIST_ITEMS);
    assert.equal(detail.cleanup.deleted.omitted, 10_000 - MAX_EVENT_LIST_ITEMS);
    assert.equal(detail.error.causeTruncated, true);
    const bytes = eventEntryBytes(event);
    assert.ok(bytes < MAX_EVENT_ENTRY_BYTES / 4, `${bytes} bytes`);
  });

  test('resources name only ARNs: a run without a package or execution ARN names none', () => {
    const event = buildFailedEvent(
      { runId: null, name: null, executionArn: 'local', modelPackageArn: null },
      { error: { name: 'InvalidInputError', cause: 'x' }, cleanupRequested: true },
    );
    assert.deepEqual(event.resources, []);
  });
});

describe('RunEventsPort on EventBridge', () => {
  test('one entry on the configured bus, source scaleplan, the detail as JSON', async () => {
    aws.eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'id-1' }] });
    const bus = 'arn:aws:events:us-east-1:123456789012:event-bus/mlops';
    const ports = createAwsPorts({ clients: aws.clients, config: { eventBusName: bus }, env: () => ({}) });
    const event = failed();
    assert.deepEqual(await ports.events.publish(event), { eventId: 'id-1' });
    assert.deepEqual(aws.eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input, {
      Entries: [
        {
          Source: 'scaleplan',
          DetailType: 'Recommendation Failed',
          Detail: JSON.stringify(event.detail),
          Resources: [EXECUTION_ARN, PACKAGE_ARN],
          EventBusName: bus,
        },
      ],
    });
    aws.reset();
  });

  test('FailedEntryCount 1 is TransientAwsError naming the entry error code, not success', async () => {
    aws.eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    await assert.rejects(aws.ports.events.publish(failed()), {
      name: 'TransientAwsError',
      message: /FailedEntryCount 1\): ThrottlingException: slow down$/,
    });
    aws.reset();
  });

  test('an answer without an event id is not taken for published either', async () => {
    aws.eventBridge.on(PutEventsCommand).resolves({ Entries: [{}] });
    await assert.rejects(aws.ports.events.publish(failed()), { name: 'TransientAwsError' });
    aws.reset();
  });

  test('SDK errors are translated: throttling retryable, access denied not', async () => {
    aws.eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('AccessDeniedException', 'not authorized to perform: events:PutEvents'));
    await assert.rejects(aws.ports.events.publish(failed()), {
      name: 'TransientAwsError',
      message:
        /^unable to publish "Recommendation Failed" of run churn-ab12 on event bus default: ThrottlingException/,
    });
    await assert.rejects(aws.ports.events.publish(failed()), { name: 'AwsRequestError' });
    aws.reset();
  });

  test('an entry above 256 KiB is refused before any call', async () => {
    const huge = { ...failed(), resources: ['a'.repeat(MAX_EVENT_ENTRY_BYTES)] } as RunEvent;
    await assert.rejects(aws.ports.events.publish(huge), {
      name: 'AwsRequestError',
      message: /above EventBridge's 262144$/,
    });
    assert.equal(aws.eventBridge.calls().length, 0);
  });

  test('a malformed SCALEPLAN_EVENT_BUS is a ConfigurationError naming it, with no call', async () => {
    const ports = createAwsPorts({ clients: aws.clients, env: () => ({ SCALEPLAN_EVENT_BUS: 'my bus' }) });
    await assert.rejects(ports.events.publish(failed()), {
      name: 'ConfigurationError',
      message: /^SCALEPLAN_EVENT_BUS="my bus"/,
    });
    assert.equal(aws.eventBridge.calls().length, 0);
  });
});

describe('ArtifactStorePort.putRunObjects on S3', () => {
  test('each object under the run prefix with its Content-Type, in order', async () => {
    aws.s3.on(PutObjectCommand).resolves({});
    const stored = await aws.ports.artifacts.putRunObjects('churn-ab12', [
      { name: 'report.html', body: '<!doctype html>', contentType: RUN_OBJECT_CONTENT_TYPES.report },
      { name: 'exports/scaling.tf', body: 'resource {}', contentType: RUN_OBJECT_CONTENT_TYPES.terraform },
    ]);
    assert.deepEqual(stored, [
      { name: 'report.html', uri: `s3://${BUCKET}/recommendations/churn-ab12/report.html` },
      { name: 'exports/scaling.tf', uri: `s3://${BUCKET}/recommendations/churn-ab12/exports/scaling.tf` },
    ]);
    assert.deepEqual(
      aws.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input),
      [
        {
          Bucket: BUCKET,
          Key: 'recommendations/churn-ab12/report.html',
          Body: '<!doctype html>',
          ContentType: 'text/html; charset=utf-8',
        },
        {
          Bucket: BUCKET,
          Key: 'recommendations/churn-ab12/exports/scaling.tf',
          Body: 'resource {}',
          ContentType: 'text/plain; charset=utf-8',
        },
      ],
    );
    aws.reset();
  });

  for (const name of ['../other/report.html', 'exports/../../x', '.hidden', 'a//b', '/abs'])
    test(`an object name that could leave the run prefix (${name}) is refused before any call`, async () => {
      await assert.rejects(
        aws.ports.artifacts.putRunObjects('churn-ab12', [{ name, body: '', contentType: 'text/plain' }]),
        { name: 'InvalidInputError', message: /^object name/ },
      );
      assert.equal(aws.s3.calls().length, 0);
    });
});

describe('PublishFailureEvent over each shape of the failure path state', () => {
  const run = async (state: Record<string, unknown>) => {
    const fake = createFakePorts();
    const handler = createPublishFailureEventHandler(fake.ports);
    const result = await handler(
      { state, executionArn: EXECUTION_ARN },
      localLambdaContext('publishFailureEvent'),
    );
    return { result, event: fake.inputOf<RunEvent>('events.publish') };
  };
  const request = {
    name: 'churn',
    model: { kind: 'modelPackage', modelPackageArn: PACKAGE_ARN },
    cleanup: true,
  };

  test('refused at NormalizeInput: only the input and the error', async () => {
    const { result, event } = await run({
      input: { bad: true },
      error: { Error: 'InvalidInputError', Cause: 'traffic.maxRps: expected a number' },
    });
    assert.deepEqual(result, { eventId: 'event-0' });
    const detail = event.detail as RecommendationFailedDetail;
    assert.deepEqual(
      [detail.runId, detail.error.name, detail.cleanup.status],
      [null, 'InvalidInputError', 'notNeeded'],
    );
  });

  test('failed then cleaned up: the deleted resources', async () => {
    const { event } = await run({
      request,
      names: { runId: 'churn-ab12' },
      error: { Error: 'JobFailedError', Cause: 'ping health check' },
      cleanup: { deleted: [{ kind: 'endpoint', name: 'churn-ab12-eval' }], notFound: [], retained: [] },
    });
    const detail = event.detail as RecommendationFailedDetail;
    assert.equal(detail.cleanup.status, 'done');
    assert.deepEqual(detail.cleanup.deleted.items, [{ kind: 'endpoint', name: 'churn-ab12-eval' }]);
    assert.equal(detail.modelPackageArn, PACKAGE_ARN);
  });

  test('clean-up failed after a successful run: its error, and where the recommendation is', async () => {
    const storedAt = `s3://${BUCKET}/recommendations/churn-ab12/recommendation.json`;
    const { event } = await run({
      request,
      names: { runId: 'churn-ab12' },
      recommendation: { storedAt, capacity: {} },
      cleanupError: { Error: 'AwsRequestError', Cause: 'left: endpoint churn-ab12-eval' },
    });
    const detail = event.detail as RecommendationFailedDetail;
    assert.deepEqual(
      [detail.error.name, detail.cleanup.status, detail.cleanup.error?.name, detail.recommendation],
      ['AwsRequestError', 'failed', 'AwsRequestError', storedAt],
    );
  });

  test('a state with no error to announce is InvalidInputError', async () => {
    await assert.rejects(run({ request }), {
      name: 'InvalidInputError',
      message: /neither error nor cleanupError/,
    });
  });
});

describe('the local stand-in and the Lambda bundle', () => {
  test('locally each event is a line of events.jsonl, as PutEvents would carry it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-events-'));
    const events = createLocalRunEvents(dir);
    await events.publish(failed());
    const ready = buildReadyEvent(
      identity,
      {
        instanceType: 'ml.c5.large',
        expectations: { latencySlo: { percentile: 'P95', ms: 100 } },
        // The search picked another target and Min/Max than the derivation: the event carries the pick.
        thresholds: { invocationsPerInstance: 4987, cpuTargetPercent: 100 },
        policySet: {
          minCapacity: 3,
          maxCapacity: 7,
          invocationsTargetTracking: { targetValue: 7254 },
          concurrencyTargetTracking: {},
          scheduledActions: [],
        },
        cost: { atMinCapacityPerHourUsd: 0.1, atMaxCapacityPerHourUsd: 0.8 },
        verdict: {
          passed: true,
          maxInvocationsPerMinute: 31000,
          targetInvocationsPerMinute: 30000,
          errorRate: 0,
          worstLatencyMs: 40,
        },
        iterations: [{}],
      },
      { recommendation: 'r', summary: 's', report: 'h', exports: {} },
    );
    assert.deepEqual(await events.publish(ready), { eventId: 'local-2' });
    const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.source, l['detail-type']]),
      [
        ['scaleplan', 'Recommendation Failed'],
        ['scaleplan', 'Recommendation Ready'],
      ],
    );
    assert.deepEqual(lines[1].detail.scaling, {
      minCapacity: 3,
      maxCapacity: 7,
      invocationsPerInstance: 7254,
      // No CPU policy registered: the derived CPU target.
      cpuTargetPercent: 100,
      policies: ['invocationsTargetTracking', 'concurrencyTargetTracking'],
    });
  });

  test('the Lambda bundle carries the charting library itself (no node_modules where it runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-bundle-'));
    const outfile = join(dir, 'assets.cjs');
    // The esbuild options of serverless.yml (custom.esbuild).
    await build({
      entryPoints: [join(import.meta.dirname, '../../functions/writeRecommendation/report-assets.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      outfile,
      logLevel: 'silent',
    });
    const bundled = createRequire(import.meta.url)(outfile) as { loadReportAssets(): Promise<ReportAssets> };
    const assets = await bundled.loadReportAssets();
    const modules = join(import.meta.dirname, '../../node_modules');
    assert.equal(assets.libraries.d3, readFileSync(join(modules, 'd3/dist/d3.min.js'), 'utf8'));
    assert.equal(
      assets.libraries.plot,
      readFileSync(join(modules, '@observablehq/plot/dist/plot.umd.min.js'), 'utf8'),
    );
    assert.match(assets.scaleplanVersion, /^\d+\.\d+\.\d+/);
  });
});

test('every PutEvents and PutObject request sent here is valid against botocore', (t) => {
  aws.recorder.assertAllValid(t, 4);
});
