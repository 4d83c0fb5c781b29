/**
 * ReadHistory: reads the endpoint's own traffic (`traffic.history`) through the history port,
 * stores it per minute beside the run's results (the state keeps only its key: 14 days of minutes
 * would fill most of the state's budget), and fills minRps/maxRps when the request left them out
 * (the history's busiest minute and quietest hour, by the rule of `summarizeHistory`). The filled
 * request is validated as every later Task reads it, and on AWS against what the backend can
 * evaluate, before anything is paid for.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, parseOrThrow, type WorkflowHandler } from '../../shared/contract/handler';
import { RunNamesSchema } from '../../shared/contract/state';
import { InvalidInputError, type Reason } from '../../shared/core/errors';
import {
  describeHistorySource,
  fillTrafficRates,
  type HistoryRef,
  historyRefOf,
  storedHistoryOf,
} from '../../shared/core/history';
import { summarizeHistory } from '../../shared/core/invocation-history';
import type { WorkflowPorts } from '../../shared/core/ports';
import {
  awsRequestLimitProblems,
  ScalingRequestDraftSchema,
  ScalingRequestSchema,
  type TrafficExpectation,
} from '../../shared/core/request';

/** Name of the stored history in the run's working data. */
export const HISTORY_OBJECT_NAME = 'history.json';

export const ReadHistoryInput = z
  .object({
    /** The request as NormalizeInput wrote it: minRps/maxRps may still be absent. */
    request: ScalingRequestDraftSchema,
    names: RunNamesSchema,
    /** `$$.Execution.StartTime`: the history of an endpoint ends there, so a retry reads the same window. */
    startTime: z.iso.datetime({ offset: true }),
  })
  .strict();

export interface ReadHistoryResult {
  /** Where the history is stored, and its span; never its minutes. */
  ref: HistoryRef;
  /** The request's traffic with minRps and maxRps (UseHistoryTraffic puts it into `$.request.traffic`). */
  traffic: TrafficExpectation;
  reasons: Reason[];
}

export interface ReadHistoryOptions {
  /** Refuse what the AWS backend cannot evaluate once the rates are known (as NormalizeInput does). */
  awsLimits?: boolean;
}

export function createReadHistoryHandler(
  ports: Pick<WorkflowPorts, 'history' | 'runData'>,
  options: ReadHistoryOptions = {},
): WorkflowHandler<ReadHistoryResult> {
  return defineHandler({
    name: 'readHistory',
    input: ReadHistoryInput,
    handle: async ({ request, names, startTime }, { logger }) => {
      const source = request.traffic.history;
      if (!source) throw new InvalidInputError('readHistory: request.traffic.history is absent');
      const endEpochSeconds = Math.floor(Date.parse(startTime) / 1000 / 60) * 60;
      const read = await ports.history.read(source, { variantName: request.variantName, endEpochSeconds });
      const stored = storedHistoryOf(read.series, read.source);
      const { key } = await ports.runData.put(names.runId, HISTORY_OBJECT_NAME, stored);
      const summary = summarizeHistory(read.series);
      const filled = fillTrafficRates(
        request,
        summary.suggested,
        describeHistorySource(source, request.variantName),
      );
      const resolved = parseOrThrow(
        ScalingRequestSchema,
        { ...request, traffic: filled.traffic },
        'ScalingRequest with the traffic from the history',
      );
      if (options.awsLimits) {
        const problems = awsRequestLimitProblems(resolved);
        if (problems.length > 0) throw new InvalidInputError(`ScalingRequest: ${problems.join('; ')}`);
      }
      const ref = historyRefOf(stored, key);
      logger.info('history read', { key, minutes: ref.minutes, gapMinutes: ref.gapMinutes });
      return {
        ref,
        traffic: resolved.traffic,
        reasons: [
          {
            code: 'HistoryRead',
            message: `${ref.minutes} minutes of ${read.source} from ${ref.start} to ${ref.end} (${ref.gapMinutes} without a datapoint), stored at ${key}`,
          },
          ...summary.reasons,
          ...filled.reasons,
        ],
      };
    },
  });
}

export const handler = createReadHistoryHandler(createAwsPorts(), { awsLimits: true });
