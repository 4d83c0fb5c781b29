/**
 * RunEventsPort on EventBridge: one PutEvents entry per event, on the configured bus.
 *
 * PutEvents answers 200 even when it refused the entry: the refusal is in `FailedEntryCount` and
 * the entry's `ErrorCode`/`ErrorMessage`. Such a partial failure is not success: it becomes
 * TransientAwsError, which the state machine retries with backoff (the Task is idempotent: its
 * S3 writes put the same keys again, and nothing was published). An entry above EventBridge's
 * 256 KiB is refused before the call, as AwsRequestError (a retry would not shrink it).
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AwsRequestError, TransientAwsError } from '../../core/errors';
import type { RunEventsPort } from '../../core/ports';
import { eventEntryBytes, MAX_EVENT_ENTRY_BYTES, RUN_EVENT_SOURCE } from '../../core/run-events';
import type { AwsClientProvider } from './clients';
import type { AwsConfig } from './config';
import { callAws } from './errors';

export function createRunEvents(clients: AwsClientProvider, config: AwsConfig): RunEventsPort {
  return {
    async publish(event) {
      const bus = config.eventBusName();
      const action = `publish "${event.detailType}" of run ${event.detail.runId ?? 'unknown'} on event bus ${bus}`;
      const bytes = eventEntryBytes(event);
      if (bytes > MAX_EVENT_ENTRY_BYTES)
        throw new AwsRequestError(
          `unable to ${action}: the entry is ${bytes} bytes, above EventBridge's ${MAX_EVENT_ENTRY_BYTES}`,
        );
      const answer = await callAws(action, () =>
        clients.eventBridge().send(
          new PutEventsCommand({
            Entries: [
              {
                Source: RUN_EVENT_SOURCE,
                DetailType: event.detailType,
                Detail: JSON.stringify(event.detail),
                Resources: event.resources,
                EventBusName: bus,
              },
            ],
          }),
        ),
      );
      const entry = answer.Entries?.[0];
      if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId)
        throw new TransientAwsError(
          `unable to ${action}: EventBridge refused the entry (FailedEntryCount ${answer.FailedEntryCount ?? 'absent'}): ${entry?.ErrorCode ?? 'no error code'}: ${entry?.ErrorMessage ?? 'no event id returned'}`,
        );
      return { eventId: entry.EventId };
    },
  };
}
