/**
 * The history and the run data on the AWS adapters over mocked S3: the stored history and the
 * search's figures under recommendations/<runId>/work/, read back only from there; a history
 * trace read from the S3 URI a request names, with its gaps; and every request valid against
 * botocore.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { runDataKey } from '../../shared/adapters/aws/run-data';
import { MAX_HISTORY_TRACE_BYTES } from '../../shared/adapters/aws/traffic-history';
import { InvalidInputError } from '../../shared/core/errors';
import { BUCKET, createMockedAws } from './mocks';

/** The part of GetObject's streaming Body the adapters read. */
const body = (text: string) => ({ transformToString: async () => text }) as never;

test('run data: put under the run work prefix, get it back, refuse a key outside it', async (t) => {
  const aws = createMockedAws('run-data');
  const stored = new Map<string, string>();
  aws.s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    stored.set(input.Key, input.Body);
    return {};
  });
  aws.s3
    .on(GetObjectCommand)
    .callsFake((input: { Key: string }) => ({ Body: body(stored.get(input.Key) ?? '') }) as never);
  const { key } = await aws.ports.runData.put('k3j4h5g6f7', 'history.json', { minutes: [1, 2, null] });
  assert.equal(key, 'recommendations/k3j4h5g6f7/work/history.json');
  assert.equal(key, runDataKey('recommendations', 'k3j4h5g6f7', 'history.json'));
  assert.deepEqual(await aws.ports.runData.get(key), { minutes: [1, 2, null] });
  await assert.rejects(
    aws.ports.runData.get('recommendations/k3j4h5g6f7/recommendation.json'),
    InvalidInputError,
  );
  await assert.rejects(aws.ports.runData.get('other/k3j4h5g6f7/work/x.json'), InvalidInputError);
  const put = aws.s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
  assert.equal(put.Bucket, BUCKET);
  assert.equal(put.ContentType, 'application/json');
  aws.recorder.assertAllValid(t, 2);
});

test('an S3 history trace is read per minute, a minute missing between datapoints a gap', async (t) => {
  const aws = createMockedAws('history-s3');
  const trace = {
    formatVersion: 1,
    MetricDataResults: [
      {
        Id: 'invocations',
        Timestamps: ['2026-11-01T00:00:00Z', '2026-11-01T00:01:00Z', '2026-11-01T00:03:00Z'],
        Values: [60, 120, 30],
      },
    ],
  };
  aws.s3.on(GetObjectCommand, { Bucket: 'traces-bucket', Key: 'prod/history.json' }).resolves({
    Body: body(JSON.stringify(trace)),
  } as never);
  const read = await aws.ports.history.read(
    { s3Uri: 's3://traces-bucket/prod/history.json' },
    { variantName: 'AllTraffic', endEpochSeconds: 0 },
  );
  assert.deepEqual(read.series.invocationsPerMinute, [60, 120, null, 30]);
  assert.equal(read.series.startEpochSeconds, Date.parse('2026-11-01T00:00:00Z') / 1000);
  assert.deepEqual(aws.ports.history.sources, ['endpoint', 's3']);
  await assert.rejects(
    aws.ports.history.read({ file: 'x.json' }, { variantName: 'AllTraffic', endEpochSeconds: 0 }),
    InvalidInputError,
  );
  aws.recorder.assertAllValid(t, 1);
});

test('an S3 history trace above MAX_HISTORY_TRACE_BYTES is refused before its body is read', async (t) => {
  const aws = createMockedAws('history-s3-too-large');
  let read = false;
  let destroyed = false;
  aws.s3.on(GetObjectCommand).resolves({
    ContentLength: MAX_HISTORY_TRACE_BYTES + 1,
    Body: {
      transformToString: async () => {
        read = true;
        return '{}';
      },
      destroy: () => {
        destroyed = true;
      },
    },
  } as never);
  await assert.rejects(
    aws.ports.history.read(
      { s3Uri: 's3://traces-bucket/prod/everything.json' },
      { variantName: 'AllTraffic', endEpochSeconds: 0 },
    ),
    (e: unknown) =>
      e instanceof InvalidInputError &&
      /s3:\/\/traces-bucket\/prod\/everything\.json is 16777217 bytes; a history trace is at most 16777216/.test(
        e.message,
      ),
  );
  assert.deepEqual([read, destroyed], [false, true]);
  aws.recorder.assertAllValid(t, 1);
});
