/**
 * TrafficHistoryPort on AWS: a production variant's CloudWatch `Invocations` (per minute, the
 * `days` whole days before the execution started, read by `readInvocationHistory`, the reader
 * `scaleplan traffic` uses), or a trace file in S3 as `scaleplan traffic` writes it.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { InvalidInputError } from '../../core/errors';
import { describeHistorySource, type HistorySeries, historySeriesOfTraceJson } from '../../core/history';
import type { TrafficHistoryPort } from '../../core/ports';
import type { AwsClientProvider } from './clients';
import { callAws } from './errors';

/** The CloudWatch reader's shape (shared/adapters/aws/history.ts), injectable for tests. */
export type ReadInvocationHistory = (
  cloudwatch: CloudWatchClient,
  query: { endpointName: string; variantName: string; days: number; endTime: Date },
) => Promise<{ series: HistorySeries }>;

/**
 * Bytes of an S3 history trace read at most: 15 days of minutes as `scaleplan traffic` writes
 * them are about 0.8 MB; far larger is another file, refused before its body is read into memory.
 */
export const MAX_HISTORY_TRACE_BYTES = 16 * 1024 * 1024;

/** `s3://bucket/key` -> its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new InvalidInputError(`"${uri}" is not an s3://bucket/key URI`);
  return { bucket: match[1]!, key: match[2]! };
}

export function createAwsTrafficHistory(
  clients: AwsClientProvider,
  readInvocationHistory: ReadInvocationHistory,
): TrafficHistoryPort {
  return {
    sources: ['endpoint', 's3'],
    async read(source, input) {
      if ('endpointName' in source) {
        const variantName = source.variantName ?? input.variantName;
        const { series } = await readInvocationHistory(clients.cloudWatch(), {
          endpointName: source.endpointName,
          variantName,
          days: source.days,
          endTime: new Date(input.endEpochSeconds * 1000),
        });
        return { series, source: describeHistorySource(source, variantName) };
      }
      if ('s3Uri' in source) {
        const { bucket, key } = parseS3Uri(source.s3Uri);
        const text = await callAws(`read the history trace ${source.s3Uri}`, async () => {
          const answer = await clients.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          if ((answer.ContentLength ?? 0) > MAX_HISTORY_TRACE_BYTES) {
            // The body is not read: release its connection.
            (answer.Body as { destroy?: () => void } | undefined)?.destroy?.();
            throw new InvalidInputError(
              `${source.s3Uri} is ${answer.ContentLength} bytes; a history trace is at most ${MAX_HISTORY_TRACE_BYTES} (15 days of minutes are about 0.8 MB): give the file \`scaleplan traffic\` writes`,
            );
          }
          return (await answer.Body?.transformToString('utf-8')) ?? '';
        });
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (error) {
          throw new InvalidInputError(
            `${source.s3Uri} is not JSON: give the file \`scaleplan traffic\` writes`,
            {
              cause: error,
            },
          );
        }
        return { series: historySeriesOfTraceJson(json, source.s3Uri), source: source.s3Uri };
      }
      throw new InvalidInputError(
        'traffic.history: on AWS give { "endpointName", "days" } or { "s3Uri" }; a local file is read by the local backend only',
      );
    },
  };
}
