/**
 * RunEventsPort on this machine: there is no EventBridge, so each event the run would announce
 * on AWS is appended to `<runDir>/events.jsonl`, as the entry PutEvents would carry (source,
 * detail-type, resources, detail), so a pipeline's handling can be tried on a local run.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEventsPort } from '../../core/ports';
import { RUN_EVENT_SOURCE } from '../../core/run-events';

/** File of the run's events, one JSON object per line. */
export const LOCAL_EVENTS_FILE = 'events.jsonl';

export function createLocalRunEvents(runDir: string): RunEventsPort {
  let published = 0;
  return {
    async publish(event) {
      published += 1;
      const eventId = `local-${published}`;
      mkdirSync(runDir, { recursive: true });
      const entry = {
        id: eventId,
        source: RUN_EVENT_SOURCE,
        'detail-type': event.detailType,
        resources: event.resources,
        detail: event.detail,
      };
      appendFileSync(join(runDir, LOCAL_EVENTS_FILE), `${JSON.stringify(entry)}\n`);
      return { eventId };
    },
  };
}
