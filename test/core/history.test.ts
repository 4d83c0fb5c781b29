/**
 * The history a run stores (shared/core/history.ts): its length bounds (at least MIN_HISTORY_DAYS
 * days, at most MAX_HISTORY_MINUTES, with boundary rows just inside and outside each), and a
 * trace file's span refused before its minutes are allocated.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidInputError } from '../../shared/core/errors';
import {
  type HistorySeries,
  historySeriesOfTraceJson,
  MAX_HISTORY_MINUTES,
  MIN_HISTORY_DAYS,
  storedHistoryOf,
} from '../../shared/core/history';

const START = Date.parse('2026-11-01T00:00:00Z') / 1000;
const series = (minutes: number, value: number | null = 60): HistorySeries => ({
  startEpochSeconds: START,
  stepSeconds: 60,
  invocationsPerMinute: Array.from({ length: minutes }, () => value),
});

test('storedHistoryOf: length bounds, with rows at each edge', () => {
  const cases: { name: string; minutes: number; value?: number | null; refused: RegExp | null }[] = [
    {
      name: 'boundary: one minute short of 2 days',
      minutes: MIN_HISTORY_DAYS * 1440 - 1,
      refused: /at least 2/,
    },
    { name: 'boundary: exactly 2 days', minutes: MIN_HISTORY_DAYS * 1440, refused: null },
    { name: '14 days', minutes: 14 * 1440, refused: null },
    { name: 'boundary: exactly 15 days', minutes: MAX_HISTORY_MINUTES, refused: null },
    {
      name: 'boundary: one minute past 15 days',
      minutes: MAX_HISTORY_MINUTES + 1,
      refused: /covers 15\.00 days; at most 15 are searched on \(21600 minutes\)/,
    },
    { name: '92 days (a whole WorldCup98 trace)', minutes: 92 * 1440, refused: /covers 92\.00 days/ },
    { name: 'no invocation at all', minutes: 3 * 1440, value: 0, refused: /holds no invocation/ },
    { name: 'only gaps', minutes: 3 * 1440, value: null, refused: /holds no invocation/ },
  ];
  for (const c of cases) {
    const run = () => storedHistoryOf(series(c.minutes, c.value === undefined ? 60 : c.value), 'trace.json');
    if (c.refused) {
      assert.throws(
        run,
        (e: unknown) => e instanceof InvalidInputError && c.refused!.test(e.message),
        c.name,
      );
    } else {
      const stored = run();
      assert.equal(stored.invocationsPerMinute.length, c.minutes, c.name);
      assert.equal(stored.source, 'trace.json', c.name);
    }
  }
});

test('historySeriesOfTraceJson: a span past 15 days is refused before its minutes exist; one inside is read with its gaps', () => {
  const trace = (timestamps: string[]) => ({
    MetricDataResults: [{ Id: 'invocations', Timestamps: timestamps, Values: timestamps.map(() => 5) }],
  });
  // Two datapoints 26 years apart: 13.7 million minutes, never allocated.
  assert.throws(
    () => historySeriesOfTraceJson(trace(['2000-01-01T00:00:00Z', '2026-01-01T00:00:00Z']), 's3://b/t.json'),
    (e: unknown) =>
      e instanceof InvalidInputError && /s3:\/\/b\/t\.json covers 9497\.00 days; at most 15/.test(e.message),
  );
  const last = new Date((START + (MAX_HISTORY_MINUTES - 1) * 60) * 1000).toISOString();
  assert.throws(
    () =>
      historySeriesOfTraceJson(
        trace(['2026-11-01T00:00:00Z', new Date((START + MAX_HISTORY_MINUTES * 60) * 1000).toISOString()]),
        't.json',
      ),
    InvalidInputError,
    'boundary: 21,601 minutes from the first to the last',
  );
  const inside = historySeriesOfTraceJson(trace(['2026-11-01T00:00:00Z', last]), 't.json');
  assert.equal(inside.invocationsPerMinute.length, MAX_HISTORY_MINUTES, 'boundary: 21,600 minutes');
  assert.equal(inside.invocationsPerMinute.filter((v) => v === null).length, MAX_HISTORY_MINUTES - 2);
});

test('storedHistoryOf: at least 2 UTC days must hold an invocation, whatever the span', () => {
  // 3 days read, the endpoint serving only since the last midnight: days 1 and 2 are gaps.
  const lastDayOnly = series(3 * 1440, null);
  for (let m = 2 * 1440; m < 3 * 1440; m++) lastDayOnly.invocationsPerMinute[m] = 60;
  assert.throws(
    () => storedHistoryOf(lastDayOnly, 'churn-prod/AllTraffic'),
    (e: unknown) =>
      e instanceof InvalidInputError &&
      /covers 3\.00 days but only 1 UTC day holds an invocation; at least 2 are needed/.test(e.message),
  );
  // boundary: one minute of traffic on the day before is a second day.
  lastDayOnly.invocationsPerMinute[2 * 1440 - 1] = 1;
  assert.equal(storedHistoryOf(lastDayOnly, 'churn-prod/AllTraffic').invocationsPerMinute.length, 3 * 1440);
  // Idle nights are not gaps in days: traffic 08:00-20:00 only, on 2 days.
  const daytime = series(2 * 1440, null);
  for (let m = 0; m < 2 * 1440; m++)
    if (m % 1440 >= 480 && m % 1440 < 1200) daytime.invocationsPerMinute[m] = 60;
  assert.equal(storedHistoryOf(daytime, 'x').invocationsPerMinute.length, 2 * 1440);
});
