/**
 * An endpoint variant's CloudWatch history: AWS/SageMaker `Invocations` Sum per 60 s over the
 * last days, read with GetMetricData through the SDK's paginator, into the trace that `simulate`
 * and `search` read, with its gaps and summary (shared/core/invocation-history.ts).
 *
 * - Limits: the window is split so that no request asks for more than 100,800 datapoints
 *   (one query: 70 days of minutes, so the 15 days CloudWatch keeps per minute are one request);
 *   within a request the paginator follows NextToken.
 * - Throttling is retried by the client's own retry strategy ({@link createHistoryCloudWatchClient}:
 *   adaptive mode, {@link HISTORY_MAX_ATTEMPTS} attempts); what is left after the last attempt
 *   becomes TransientAwsError, anything else AwsRequestError (errors.ts).
 */
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
  paginateGetMetricData,
} from '@aws-sdk/client-cloudwatch';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AwsRequestError, TransientAwsError } from '../../core/errors';
import {
  buildInvocationTrace,
  chunkHistoryWindow,
  fillMinuteSeries,
  findHistoryGaps,
  HISTORY_PERIOD_SECONDS,
  type HistoryGap,
  type HistorySummary,
  type HistoryWindow,
  historyWindowOf,
  type InvocationDatapoint,
  type InvocationTraceFile,
  type MinuteSeries,
  summarizeHistory,
} from '../../core/invocation-history';
import { translateAwsError } from './errors';
import { SAGEMAKER_NAMESPACE } from './metrics';

/**
 * Attempts per GetMetricData call, the first included. A read of many pages can meet
 * CloudWatch's request rate; the SDK's default of 3 gives up after about a second of backoff.
 */
export const HISTORY_MAX_ATTEMPTS = 8;
/** The SDK's adaptive mode: standard backoff, and it slows its own sending after a throttle. */
export const HISTORY_RETRY_MODE = 'adaptive';
/** The metric query id (GetMetricData ids start with a lowercase letter). */
const QUERY_ID = 'invocations';

export interface InvocationHistoryQuery {
  endpointName: string;
  variantName: string;
  /** Whole days, 1..15 (CloudWatch keeps 1-minute datapoints for 15 days). */
  days: number;
  /** End of the window (exclusive), rounded down to the minute. */
  endTime: Date;
}

/** Progress after each page: which request of the window, and pages and datapoints so far. */
export interface HistoryPageProgress {
  /** 1-based request (piece of the window) the page belongs to. */
  request: number;
  requests: number;
  /** Pages read so far, all requests together. */
  pages: number;
  datapoints: number;
}

export interface InvocationHistoryOptions {
  onPage?: (progress: HistoryPageProgress) => void;
  /** Datapoints one request may return; the CloudWatch limit by default (tests set it lower). */
  maxDatapointsPerRequest?: number;
}

export interface InvocationHistory {
  /** The trace file's content: write it as JSON for `simulate --trace` and `search --trace`. */
  trace: InvocationTraceFile;
  /** Minutes without a datapoint (also in `trace.gaps`). */
  gaps: HistoryGap[];
  summary: HistorySummary;
  /** The per-minute series, `null` in a gap. */
  series: MinuteSeries;
  /** GetMetricData requests (pieces of the window) and pages read. */
  requests: number;
  pages: number;
}

/**
 * A CloudWatch client for a history read: credentials from the SDK's default chain (environment,
 * shared config and credentials files, SSO, web identity, container and instance metadata), with
 * `profile` chosen in those files, and the retry strategy above.
 * @param extra further client settings (tests pass a request handler)
 * @example createHistoryCloudWatchClient({ region: 'eu-west-1', profile: 'prod' })
 */
export function createHistoryCloudWatchClient(
  options: { region?: string; profile?: string },
  extra: Partial<CloudWatchClientConfig> = {},
): CloudWatchClient {
  return new CloudWatchClient({
    ...(options.region ? { region: options.region } : {}),
    // The profile also names where the client looks for its Region when --region is absent.
    ...(options.profile ? { profile: options.profile } : {}),
    credentials: fromNodeProviderChain(options.profile ? { profile: options.profile } : {}),
    maxAttempts: HISTORY_MAX_ATTEMPTS,
    retryMode: HISTORY_RETRY_MODE,
    ...extra,
  });
}

/** The GetMetricData input of one piece of the window (exported for tests and the contract check). */
export function buildHistoryRequest(
  variant: { endpointName: string; variantName: string },
  piece: HistoryWindow,
): GetMetricDataCommandInput {
  return {
    MetricDataQueries: [
      {
        Id: QUERY_ID,
        MetricStat: {
          Metric: {
            Namespace: SAGEMAKER_NAMESPACE,
            MetricName: 'Invocations',
            Dimensions: [
              { Name: 'EndpointName', Value: variant.endpointName },
              { Name: 'VariantName', Value: variant.variantName },
            ],
          },
          Period: HISTORY_PERIOD_SECONDS,
          Stat: 'Sum',
        },
        ReturnData: true,
      },
    ],
    StartTime: new Date(piece.startEpochSeconds * 1000),
    EndTime: new Date(piece.endEpochSeconds * 1000),
    ScanBy: 'TimestampAscending',
  };
}

/** The datapoints of a page; a result CloudWatch could not fill is an error, not a gap. */
function datapointsOf(results: readonly MetricDataResult[], what: string): InvocationDatapoint[] {
  const points: InvocationDatapoint[] = [];
  for (const result of results) {
    if (result.Id !== QUERY_ID) continue;
    const messages = (result.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`).join('; ');
    if (result.StatusCode === 'Forbidden')
      throw new AwsRequestError(`unable to ${what}: CloudWatch answered Forbidden ${messages}`.trim());
    if (result.StatusCode === 'InternalError')
      throw new TransientAwsError(`unable to ${what}: CloudWatch answered InternalError ${messages}`.trim());
    const values = result.Values ?? [];
    (result.Timestamps ?? []).forEach((timestamp, i) => {
      points.push({ epochSeconds: timestamp.getTime() / 1000, invocations: values[i] ?? Number.NaN });
    });
  }
  return points;
}

/**
 * Reads the variant's Invocations per minute over `query.days` days before `query.endTime`.
 * A minute without a datapoint is a gap (`null` in `series`, listed in `gaps`), never a zero.
 * @throws InvalidInputError for a bad name or number of days; TransientAwsError when throttling
 *   outlasts the retries; AwsRequestError when CloudWatch refuses the request
 * @example
 * const history = await readInvocationHistory(new CloudWatchClient({}), {
 *   endpointName: 'my-endpoint', variantName: 'AllTraffic', days: 14, endTime: new Date(),
 * });
 * writeFileSync('history.json', JSON.stringify(history.trace));
 */
export async function readInvocationHistory(
  cloudwatch: CloudWatchClient,
  query: InvocationHistoryQuery,
  options: InvocationHistoryOptions = {},
): Promise<InvocationHistory> {
  const window = historyWindowOf({ ...query, endEpochSeconds: query.endTime.getTime() / 1000 });
  const pieces = chunkHistoryWindow(
    window,
    options.maxDatapointsPerRequest !== undefined
      ? { maxDatapointsPerRequest: options.maxDatapointsPerRequest }
      : {},
  );
  const what = `get the Invocations of endpoint ${query.endpointName} variant ${query.variantName}`;
  const datapoints: InvocationDatapoint[] = [];
  let pages = 0;
  for (const [index, piece] of pieces.entries()) {
    const paginator = paginateGetMetricData(
      {
        client: cloudwatch,
        // The paginator writes NextToken into one shared input: each page's command gets its own
        // copy, so what was sent (and what a test records) is each page's own request.
        withCommand: (command) =>
          new GetMetricDataCommand({ ...(command.input as GetMetricDataCommandInput) }),
      },
      buildHistoryRequest(query, piece),
    );
    try {
      for await (const page of paginator) {
        pages += 1;
        datapoints.push(...datapointsOf(page.MetricDataResults ?? [], what));
        options.onPage?.({
          request: index + 1,
          requests: pieces.length,
          pages,
          datapoints: datapoints.length,
        });
      }
    } catch (error) {
      throw translateAwsError(error, what);
    }
  }
  const filled = fillMinuteSeries(window, datapoints);
  const gaps = findHistoryGaps(filled.series);
  const summary = summarizeHistory(filled.series, gaps);
  summary.reasons.unshift(...filled.reasons);
  return {
    trace: buildInvocationTrace(filled.series, query, summary, gaps),
    gaps,
    summary,
    series: filled.series,
    requests: pieces.length,
    pages,
  };
}
