/**
 * The pure parts of the history read: the window, its split under the datapoint limit, the
 * per-minute series with its gaps, the summary and the minRps/maxRps rule, with boundary rows at
 * each limit and rounding edge.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildInvocationTrace,
  chunkHistoryWindow,
  fillMinuteSeries,
  findHistoryGaps,
  HISTORY_END_LAG_MINUTES,
  historyEndEpochSeconds,
  historyWindowOf,
  MAX_HISTORY_DAYS,
  type MinuteSeries,
  summarizeHistory,
} from '../../shared/core/invocation-history';

const DAY = 86_400;
const series = (values: (number | null)[], startEpochSeconds = 0): MinuteSeries => ({
  startEpochSeconds,
  stepSeconds: 60,
  invocationsPerMinute: values,
});
/** A whole UTC day of minutes, each hour at its own rate per minute. */
const dayOf = (perMinuteOfHour: (hour: number) => number | null) =>
  series(Array.from({ length: 1440 }, (_, m) => perMinuteOfHour(Math.floor(m / 60))));

describe('historyWindowOf and historyEndEpochSeconds', () => {
  const base = { endpointName: 'churn-prod', variantName: 'AllTraffic', days: 1, endEpochSeconds: 10 * DAY };
  const rows = [
    { name: 'boundary: 1 day', query: { days: 1 }, start: 9 * DAY },
    {
      name: `boundary: ${MAX_HISTORY_DAYS} days`,
      query: { days: MAX_HISTORY_DAYS },
      start: (10 - MAX_HISTORY_DAYS) * DAY,
    },
    { name: 'end rounded down to the minute', query: { endEpochSeconds: 10 * DAY + 59 }, start: 9 * DAY },
    { name: 'a 63-character endpoint name', query: { endpointName: 'a'.repeat(63) }, start: 9 * DAY },
  ];
  for (const row of rows)
    test(row.name, () => {
      assert.equal(historyWindowOf({ ...base, ...row.query }).startEpochSeconds, row.start);
    });
  const refused = [
    {
      name: `boundary: ${MAX_HISTORY_DAYS + 1} days`,
      query: { days: MAX_HISTORY_DAYS + 1 },
      message: /^days: expected a whole number of days 1\.\.15/,
    },
    { name: 'boundary: 0 days', query: { days: 0 }, message: /^days:/ },
    { name: '1.5 days', query: { days: 1.5 }, message: /^days:/ },
    {
      name: 'a 64-character endpoint name',
      query: { endpointName: 'a'.repeat(64) },
      message: /^endpointName: expected a SageMaker name/,
    },
    {
      name: 'a trailing hyphen in the variant',
      query: { variantName: 'AllTraffic-' },
      message: /^variantName:/,
    },
    { name: 'no end time', query: { endEpochSeconds: Number.NaN }, message: /^endTime:/ },
  ];
  for (const row of refused)
    test(`refuses ${row.name}`, () => {
      assert.throws(() => historyWindowOf({ ...base, ...row.query }), {
        name: 'InvalidInputError',
        message: row.message,
      });
    });

  test(`the window ends ${HISTORY_END_LAG_MINUTES} minutes before the current minute`, () => {
    assert.equal(
      historyEndEpochSeconds(Date.parse('2026-12-01T10:07:30Z') / 1000),
      Date.parse('2026-12-01T10:02:00Z') / 1000,
    );
  });
});

describe('chunkHistoryWindow', () => {
  const window = { startEpochSeconds: 0, endEpochSeconds: 3 * DAY };
  const rows = [
    { name: 'under the default limit: one piece', options: {}, minutes: [4320] },
    {
      name: 'boundary: the limit equals the window',
      options: { maxDatapointsPerRequest: 4320 },
      minutes: [4320],
    },
    {
      name: 'boundary: one datapoint under the window',
      options: { maxDatapointsPerRequest: 4319 },
      minutes: [4319, 1],
    },
    { name: 'one day per piece', options: { maxDatapointsPerRequest: 1440 }, minutes: [1440, 1440, 1440] },
    {
      name: 'two queries halve a piece',
      options: { maxDatapointsPerRequest: 2880, queries: 2 },
      minutes: [1440, 1440, 1440],
    },
    {
      name: 'the limit is not a whole number of queries',
      options: { maxDatapointsPerRequest: 2881, queries: 2 },
      minutes: [1440, 1440, 1440],
    },
  ];
  for (const row of rows)
    test(row.name, () => {
      const pieces = chunkHistoryWindow(window, row.options);
      assert.deepEqual(
        pieces.map((p) => (p.endEpochSeconds - p.startEpochSeconds) / 60),
        row.minutes,
      );
      assert.equal(pieces[0]!.startEpochSeconds, 0);
      assert.equal(pieces.at(-1)!.endEpochSeconds, 3 * DAY);
    });
  test('refuses a limit that cannot hold one minute of the queries', () => {
    assert.throws(() => chunkHistoryWindow(window, { maxDatapointsPerRequest: 1, queries: 2 }), {
      name: 'InvalidInputError',
    });
  });
});

describe('fillMinuteSeries and findHistoryGaps', () => {
  test('places datapoints on their minutes, null elsewhere; leaves out and counts strays and repeats', () => {
    const { series: s, reasons } = fillMinuteSeries({ startEpochSeconds: 600, endEpochSeconds: 900 }, [
      { epochSeconds: 600, invocations: 1 },
      { epochSeconds: 780, invocations: 4 },
      { epochSeconds: 780, invocations: 9 },
      { epochSeconds: 900, invocations: 5 },
      { epochSeconds: 540, invocations: 5 },
      { epochSeconds: 660, invocations: Number.NaN },
    ]);
    assert.deepEqual(s.invocationsPerMinute, [1, null, null, 4, null]);
    assert.deepEqual(
      reasons.map((r) => r.code),
      ['datapointsOutsideWindow', 'repeatedMinutes'],
    );
    assert.match(reasons[0]!.message, /^3 datapoint/);
  });
  const rows = [
    { name: 'no gap', values: [1, 2, 0], gaps: [] },
    { name: 'a zero is data, not a gap', values: [0, 0], gaps: [] },
    { name: 'boundary: the first minute', values: [null, 2], gaps: [[0, 60, 1]] },
    { name: 'boundary: the last minute', values: [1, null], gaps: [[60, 120, 1]] },
    {
      name: 'two runs',
      values: [null, null, 3, null],
      gaps: [
        [0, 120, 2],
        [180, 240, 1],
      ],
    },
    { name: 'all missing', values: [null, null, null], gaps: [[0, 180, 3]] },
  ];
  for (const row of rows)
    test(`gaps: ${row.name}`, () => {
      const iso = (s: number) => new Date(s * 1000).toISOString();
      assert.deepEqual(
        findHistoryGaps(series(row.values)),
        row.gaps.map(([start, end, minutes]) => ({ start: iso(start!), end: iso(end!), minutes })),
      );
    });
});

describe('summarizeHistory: peak, mean, daily shape and the minRps/maxRps rule', () => {
  test('the daily shape is the mean per hour of the day (UTC) over minutes with data, across days', () => {
    // Two days: hour 3 at 60/min then 180/min -> 2 rps; hour 4 has data on day 1 only.
    const values = [
      ...dayOf((h) => (h === 3 ? 60 : h === 4 ? 600 : 120)).invocationsPerMinute,
      ...dayOf((h) => (h === 3 ? 180 : h === 4 ? null : 120)).invocationsPerMinute,
    ];
    const summary = summarizeHistory(series(values));
    assert.equal(summary.hourOfDay.length, 24);
    assert.deepEqual(summary.hourOfDay[3], { hourUtc: 3, meanRps: 2, minutesWithData: 120 });
    assert.deepEqual(summary.hourOfDay[4], { hourUtc: 4, meanRps: 10, minutesWithData: 60 });
    assert.equal(summary.gapMinutes, 60);
    assert.equal(summary.minutesWithData, 2820);
  });

  const rows = [
    {
      name: 'the AWS sample numbers: quiet hour 70 rps, busiest minute 30,000',
      s: dayOf((h) => (h === 14 ? 30_000 : h === 3 ? 4200 : 12_000)),
      minRps: 70,
      maxRps: 500,
    },
    {
      name: 'boundary: maxRps rounds up to 0.01',
      s: dayOf((h) => (h === 0 ? 601 : 60)),
      minRps: 1,
      maxRps: 10.02,
    },
    { name: 'boundary: minRps rounds down to 0.01', s: dayOf(() => 59.9), minRps: 0.99, maxRps: 1 },
    {
      name: 'boundary: an idle hour raises minRps to 0.01',
      s: dayOf((h) => (h === 5 ? 0 : 60)),
      minRps: 0.01,
      maxRps: 1,
    },
    {
      name: 'an hour without any datapoint does not count for minRps',
      s: dayOf((h) => (h === 5 ? null : 60)),
      minRps: 1,
      maxRps: 1,
    },
    {
      name: 'boundary: 0.005 rps rounds down then up to 0.01',
      s: dayOf(() => 0.3),
      minRps: 0.01,
      maxRps: 0.01,
    },
  ];
  for (const row of rows)
    test(row.name, () => {
      const summary = summarizeHistory(row.s);
      assert.equal(summary.suggested?.minRps, row.minRps);
      assert.equal(summary.suggested?.maxRps, row.maxRps);
      assert.ok(summary.suggested!.minRps <= summary.suggested!.maxRps);
      assert.ok(summary.suggested!.minRps > 0, 'the request schema needs minRps > 0');
    });

  test('the reasons carry the arithmetic of the rule', () => {
    const summary = summarizeHistory(dayOf((h) => (h === 14 ? 30_000 : h === 3 ? 4200 : 12_000)));
    assert.equal(
      summary.reasons.find((r) => r.code === 'suggestedTraffic')?.message,
      'maxRps 500 = the busiest minute, 500.00 rps; minRps 70 = the mean of the quietest hour of the day, 03:00 UTC, 70.00 rps',
    );
    assert.deepEqual(summary.peak, {
      invocationsPerMinute: 30_000,
      rps: 500,
      at: '1970-01-01T14:00:00.000Z',
    });
  });

  test('no datapoint: no peak, no mean, no suggestion, and a reason', () => {
    const summary = summarizeHistory(series([null, null]));
    assert.equal(summary.peak, null);
    assert.equal(summary.meanRps, null);
    assert.equal(summary.suggested, null);
    assert.deepEqual(
      summary.reasons.map((r) => r.code),
      ['gaps', 'noData'],
    );
  });
});

test('buildInvocationTrace keeps only the minutes with data, in GetMetricData order, with the gaps', () => {
  const trace = buildInvocationTrace(series([5, null, 7], 120), {
    endpointName: 'ep',
    variantName: 'AllTraffic',
  });
  assert.deepEqual(trace.MetricDataResults[0].Timestamps, [
    '1970-01-01T00:02:00.000Z',
    '1970-01-01T00:04:00.000Z',
  ]);
  assert.deepEqual(trace.MetricDataResults[0].Values, [5, 7]);
  assert.deepEqual(trace.gaps, [
    { start: '1970-01-01T00:03:00.000Z', end: '1970-01-01T00:04:00.000Z', minutes: 1 },
  ]);
  assert.equal(trace.source.start, '1970-01-01T00:02:00.000Z');
  assert.equal(trace.source.end, '1970-01-01T00:05:00.000Z');
});
