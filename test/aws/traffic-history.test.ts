/**
 * readInvocationHistory on mocked CloudWatch: the exact GetMetricData request, NextToken
 * pagination, the window split under the datapoint limit, gaps reported (never zeros), the trace
 * read back by the simulator's reader, throttling retried by the client's own retry strategy, and
 * every request validated by botocore.
 *
 * The throttled call runs through a real CloudWatchClient with a fake HTTP handler:
 * aws-sdk-client-mock replaces `send`, which also skips the SDK's retry middleware.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, test } from 'node:test';
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  buildHistoryRequest,
  createHistoryCloudWatchClient,
  HISTORY_MAX_ATTEMPTS,
  readInvocationHistory,
} from '../../shared/adapters/aws/history';
import { readTraceFile } from '../../shared/adapters/local/traces';
import { GET_METRIC_DATA_MAX_DATAPOINTS } from '../../shared/core/invocation-history';
import { awsError, createMockedAws, REGION } from './mocks';

const aws = createMockedAws('traffic-history');
beforeEach(() => aws.reset());

const ENDPOINT = 'churn-prod';
const VARIANT = 'AllTraffic';
const END = new Date('2026-11-30T00:00:00Z');
const DAY_SECONDS = 86_400;
const endSeconds = END.getTime() / 1000;

function query(days: number, endTime = END) {
  return { endpointName: ENDPOINT, variantName: VARIANT, days, endTime };
}

function result(points: [epochSeconds: number, value: number][]): MetricDataResult {
  return {
    Id: 'invocations',
    Label: 'Invocations',
    Timestamps: points.map(([t]) => new Date(t * 1000)),
    Values: points.map(([, v]) => v),
    StatusCode: 'Complete',
  };
}

/** Every minute of [start, end) with `value(minute index)`, except the minutes `skip` names. */
function minutes(
  startSeconds: number,
  endSecondsExclusive: number,
  value: (i: number) => number,
  skip = new Set<number>(),
) {
  const points: [number, number][] = [];
  for (let t = startSeconds, i = 0; t < endSecondsExclusive; t += 60, i++)
    if (!skip.has(i)) points.push([t, value(i)]);
  return points;
}

const inputs = () =>
  aws.cloudWatch
    .commandCalls(GetMetricDataCommand)
    .map((call) => call.args[0].input as GetMetricDataCommandInput);

describe('readInvocationHistory', () => {
  test('asks for AWS/SageMaker Invocations Sum per 60 s of the variant, oldest first, over whole days', async () => {
    aws.cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [result([[endSeconds - 60, 42]])] });
    await readInvocationHistory(aws.clients.cloudWatch, query(14, new Date('2026-11-30T00:00:42Z')));

    assert.deepEqual(inputs(), [
      {
        MetricDataQueries: [
          {
            Id: 'invocations',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SageMaker',
                MetricName: 'Invocations',
                Dimensions: [
                  { Name: 'EndpointName', Value: ENDPOINT },
                  { Name: 'VariantName', Value: VARIANT },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date('2026-11-16T00:00:00Z'),
        EndTime: END,
        ScanBy: 'TimestampAscending',
        NextToken: undefined,
        MaxDatapoints: undefined,
      },
    ]);
  });

  test('follows NextToken: every page is read, each request carries the token of the page before', async () => {
    const start = endSeconds - DAY_SECONDS;
    const all = minutes(start, endSeconds, (i) => 100 + (i % 7));
    aws.cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [result(all.slice(0, 500))], NextToken: 'page-2' })
      .resolvesOnce({ MetricDataResults: [result(all.slice(500, 1000))], NextToken: 'page-3' })
      .resolvesOnce({ MetricDataResults: [result(all.slice(1000))] });
    const progress: unknown[] = [];

    const history = await readInvocationHistory(aws.clients.cloudWatch, query(1), {
      onPage: (p) => progress.push(p),
    });

    assert.deepEqual(
      inputs().map((input) => input.NextToken),
      [undefined, 'page-2', 'page-3'],
    );
    assert.equal(history.pages, 3);
    assert.equal(history.requests, 1);
    assert.deepEqual(progress, [
      { request: 1, requests: 1, pages: 1, datapoints: 500 },
      { request: 1, requests: 1, pages: 2, datapoints: 1000 },
      { request: 1, requests: 1, pages: 3, datapoints: 1440 },
    ]);
    assert.equal(history.summary.minutesWithData, 1440);
    assert.deepEqual(history.gaps, []);
    assert.equal(
      history.summary.totalInvocations,
      all.reduce((sum, [, v]) => sum + v, 0),
    );
  });

  test('15 days of minutes (21,600 datapoints) is one request under the 100,800 limit', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const history = await readInvocationHistory(aws.clients.cloudWatch, query(15));
    assert.equal(GET_METRIC_DATA_MAX_DATAPOINTS, 100_800);
    assert.equal(history.requests, 1);
    const [only] = inputs();
    assert.equal((only!.EndTime!.getTime() - only!.StartTime!.getTime()) / 60_000, 21_600);
  });

  test('splits the window so that no request asks for more datapoints than the limit, back to back', async () => {
    // A limit of 1000 datapoints: 3 days (4320 minutes) -> 1000 + 1000 + 1000 + 1000 + 320.
    aws.cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const from = input.StartTime!.getTime() / 1000;
      const to = input.EndTime!.getTime() / 1000;
      return { MetricDataResults: [result(minutes(from, to, () => 60))] };
    });

    const history = await readInvocationHistory(aws.clients.cloudWatch, query(3), {
      maxDatapointsPerRequest: 1000,
    });

    const windows = inputs().map((input) => [
      input.StartTime!.getTime() / 1000,
      input.EndTime!.getTime() / 1000,
    ]);
    assert.deepEqual(
      windows.map(([from, to]) => (to! - from!) / 60),
      [1000, 1000, 1000, 1000, 320],
    );
    assert.equal(windows[0]![0], endSeconds - 3 * DAY_SECONDS);
    assert.equal(windows.at(-1)![1], endSeconds);
    for (let i = 1; i < windows.length; i++)
      assert.equal(windows[i]![0], windows[i - 1]![1], `piece ${i} starts where ${i - 1} ended`);
    assert.equal(history.requests, 5);
    assert.equal(history.summary.minutesWithData, 4320, 'no minute read twice, none lost');
    assert.equal(history.summary.meanRps, 1);
  });

  test('a minute without a datapoint is a gap: null in the series, listed, left out of the trace and the mean', async () => {
    const start = endSeconds - DAY_SECONDS;
    // Missing: the first 2 minutes, minutes 600..629 (30), and the last minute.
    const skip = new Set([0, 1, ...Array.from({ length: 30 }, (_, i) => 600 + i), 1439]);
    aws.cloudWatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [result(minutes(start, endSeconds, () => 120, skip))] });

    const history = await readInvocationHistory(aws.clients.cloudWatch, query(1));

    assert.deepEqual(history.gaps, [
      { start: '2026-11-29T00:00:00.000Z', end: '2026-11-29T00:02:00.000Z', minutes: 2 },
      { start: '2026-11-29T10:00:00.000Z', end: '2026-11-29T10:30:00.000Z', minutes: 30 },
      { start: '2026-11-29T23:59:00.000Z', end: '2026-11-30T00:00:00.000Z', minutes: 1 },
    ]);
    assert.deepEqual(history.trace.gaps, history.gaps);
    assert.equal(history.series.invocationsPerMinute[600], null);
    assert.equal(history.series.invocationsPerMinute[599], 120);
    assert.equal(history.summary.gapMinutes, 33);
    assert.equal(
      history.summary.meanRps,
      2,
      'mean over the minutes with data: 120/min, not diluted by zeros',
    );
    const trace = history.trace.MetricDataResults[0];
    assert.equal(trace.Timestamps.length, 1440 - 33);
    assert.ok(!trace.Timestamps.includes('2026-11-29T10:00:00.000Z'));
    assert.deepEqual(
      history.summary.reasons.find((r) => r.code === 'gaps')?.message,
      '33 of 1440 minute(s) have no datapoint, in 3 gap(s): they are left out of the mean and the daily shape, not counted as zero',
    );
  });

  test('the trace file is what simulate and search read: a CloudWatch JSON trace per minute', async () => {
    const start = endSeconds - DAY_SECONDS;
    aws.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [result(minutes(start, endSeconds, (i) => (i === 700 ? 9068 : 3000)))],
    });
    const history = await readInvocationHistory(aws.clients.cloudWatch, query(1));
    const file = join(mkdtempSync(join(tmpdir(), 'scaleplan-traffic-')), 'history.json');
    writeFileSync(file, JSON.stringify(history.trace));

    const traffic = readTraceFile(file);

    assert.equal(traffic.stepSeconds, 60);
    assert.equal(traffic.startEpochSeconds, start);
    assert.equal(traffic.requests.length, 1440);
    assert.equal(traffic.requests[700], 9068);
    assert.deepEqual(history.summary.peak, {
      invocationsPerMinute: 9068,
      rps: 9068 / 60,
      at: '2026-11-29T11:40:00.000Z',
    });
    assert.deepEqual(history.summary.suggested, {
      minRps: 50,
      maxRps: 151.14,
      rule: history.summary.suggested?.rule,
    });
  });

  test('throttling that outlasts the retries becomes TransientAwsError naming the endpoint', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).rejects(awsError('Throttling', 'Rate exceeded', 400));
    await assert.rejects(readInvocationHistory(aws.clients.cloudWatch, query(1)), (error: Error) => {
      assert.equal(error.name, 'TransientAwsError');
      assert.match(
        error.message,
        /^unable to get the Invocations of endpoint churn-prod variant AllTraffic: Throttling: Rate exceeded/,
      );
      return true;
    });
  });

  test('a result CloudWatch marks Forbidden is an AwsRequestError, not a history of gaps', async () => {
    aws.cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'invocations', StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'denied' }] },
      ],
    });
    await assert.rejects(readInvocationHistory(aws.clients.cloudWatch, query(1)), {
      name: 'AwsRequestError',
    });
  });

  for (const [name, bad] of [
    ['16 days (more than CloudWatch keeps per minute)', { days: 16 }],
    ['0 days', { days: 0 }],
    ['half a day', { days: 0.5 }],
    ['an endpoint name with an underscore', { endpointName: 'churn_prod' }],
    ['an empty variant name', { variantName: '' }],
  ] as const)
    test(`refuses ${name} with InvalidInputError before any request`, async () => {
      await assert.rejects(readInvocationHistory(aws.clients.cloudWatch, { ...query(1), ...bad }), {
        name: 'InvalidInputError',
      });
      assert.equal(inputs().length, 0);
    });
});

/** A fake HTTP handler that answers in CloudWatch's JSON protocol, one response per attempt. */
function scriptedHandler(responses: { status: number; body: unknown }[]) {
  const attempts: string[] = [];
  return {
    attempts,
    handler: {
      async handle(request: { headers: Record<string, string> }) {
        attempts.push(request.headers['x-amz-target'] ?? '');
        const next = responses.shift();
        if (!next) throw new Error('no scripted response left');
        return {
          response: {
            statusCode: next.status,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(JSON.stringify(next.body))]),
          },
        };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    },
  };
}

/** Records each command's input as sent, for the botocore check. */
function recordInputs(client: CloudWatchClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      aws.recorder.add([
        {
          service: 'cloudwatch',
          operation: context.commandName?.replace(/Command$/, '') ?? 'Unknown',
          input: structuredClone(args.input),
        },
      ]);
      return next(args);
    },
    { step: 'initialize', name: 'recordContractInput' },
  );
}

describe('the client of a history read', () => {
  test('retries a throttled GetMetricData with its own retry strategy, and the read succeeds', async () => {
    const start = endSeconds - DAY_SECONDS;
    const { attempts, handler } = scriptedHandler([
      // CloudWatch's throttling code; the SDK's strategy retries it by name (and would a 429).
      { status: 400, body: { __type: 'Throttling', message: 'Rate exceeded' } },
      {
        status: 200,
        body: {
          MetricDataResults: [
            {
              Id: 'invocations',
              Label: 'Invocations',
              StatusCode: 'Complete',
              Timestamps: [start, start + 60],
              Values: [300, 360],
            },
          ],
        },
      },
    ]);
    const client = createHistoryCloudWatchClient(
      { region: REGION },
      { requestHandler: handler, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
    );
    recordInputs(client);
    assert.equal(await client.config.maxAttempts(), HISTORY_MAX_ATTEMPTS);

    const history = await readInvocationHistory(client, query(1));

    assert.deepEqual(attempts, [
      'GraniteServiceVersion20100801.GetMetricData',
      'GraniteServiceVersion20100801.GetMetricData',
    ]);
    assert.equal(history.pages, 1);
    assert.deepEqual(history.series.invocationsPerMinute.slice(0, 3), [300, 360, null]);
    assert.equal(history.summary.minutesWithData, 2);
  });

  test('buildHistoryRequest is the request of one piece, as sent', () => {
    const input = buildHistoryRequest(
      { endpointName: ENDPOINT, variantName: VARIANT },
      { startEpochSeconds: endSeconds - 3600, endEpochSeconds: endSeconds },
    );
    aws.recorder.add([{ service: 'cloudwatch', operation: 'GetMetricData', input }]);
    assert.equal(input.MetricDataQueries?.[0]?.MetricStat?.Period, 60);
    assert.equal(
      input.MetricDataQueries?.[0]?.MetricStat?.Unit,
      undefined,
      'no Unit: a mismatched one returns nothing',
    );
  });
});

test('every GetMetricData request sent in this file validates against botocore', (t) => {
  aws.recorder.assertAllValid(t, 12);
});
