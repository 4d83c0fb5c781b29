/**
 * Scheduled actions: when each one runs within a simulated window, at one-minute resolution as
 * Application Auto Scaling runs them. Supports `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` (first
 * run at the window's start, then every period) and six-field `cron(min hour dom month dow year)`
 * with `*`, `?`, numbers, names, ranges, lists and `/` steps (not `L`, `W` or `#`). Times are UTC;
 * another Timezone is refused, as the twin has no time zone database.
 */
import { InvalidInputError } from '../errors';
import type { ScheduledActionSpecResolved } from '../types';

export interface ScheduledRun {
  epochSeconds: number;
  action: ScheduledActionSpecResolved;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function parseField(
  field: string,
  min: number,
  max: number,
  names: string[],
  base: number,
  what: string,
): Set<number> {
  const out = new Set<number>();
  const value = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const v = named >= 0 ? named + base : Number(token);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new InvalidInputError(`cron ${what}: '${token}' is not in ${min}..${max}`);
    return v;
  };
  for (const part of field.split(',')) {
    if (/[LW#]/.test(part)) throw new InvalidInputError(`cron ${what}: '${part}' (L, W, #) is not supported`);
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new InvalidInputError(`cron ${what}: bad step in '${part}'`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else if (range?.includes('-')) {
      const [a, b] = range.split('-');
      lo = value(a ?? '');
      hi = value(b ?? '');
    } else {
      lo = value(range ?? '');
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

type CronMatcher = (epochSeconds: number) => boolean;

function parseCron(body: string): CronMatcher {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new InvalidInputError(
      `cron(${body}): six fields expected (minutes hours day-of-month month day-of-week year)`,
    );
  const [mi, ho, dom, mo, dow, yr] = fields as [string, string, string, string, string, string];
  const minutes = parseField(mi, 0, 59, [], 0, 'minutes');
  const hours = parseField(ho, 0, 23, [], 0, 'hours');
  const days = parseField(dom, 1, 31, [], 1, 'day-of-month');
  const months = parseField(mo, 1, 12, MONTHS, 1, 'month');
  const weekdays = parseField(dow, 1, 7, DAYS, 1, 'day-of-week');
  const years = yr === '*' ? null : parseField(yr, 1970, 2199, [], 0, 'year');
  const anyDom = dom === '*' || dom === '?';
  const anyDow = dow === '*' || dow === '?';
  return (epochSeconds) => {
    const d = new Date(epochSeconds * 1000);
    if (!minutes.has(d.getUTCMinutes()) || !hours.has(d.getUTCHours())) return false;
    if (!months.has(d.getUTCMonth() + 1)) return false;
    if (years && !years.has(d.getUTCFullYear())) return false;
    const domOk = days.has(d.getUTCDate());
    const dowOk = weekdays.has(d.getUTCDay() + 1);
    if (anyDom) return dowOk;
    if (anyDow) return domOk;
    return domOk && dowOk;
  };
}

const RATE_UNITS: Record<string, number> = {
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
  day: 86400,
  days: 86400,
};

/**
 * Every run of the actions in [startEpochSeconds, endEpochSeconds), in time order (ties keep the
 * actions' order). Throws InvalidInputError on an expression it cannot read.
 *
 * @example
 * // cron(0 18 ? * MON-FRI *) over Monday 1970-01-05 00:00Z .. +1 day -> one run at 18:00Z
 * scheduledRuns([{ name: 'evening', schedule: 'cron(0 18 ? * MON-FRI *)', minCapacity: 4 }], 345600, 432000);
 * // [{ epochSeconds: 410400, action: ... }]
 */
export function scheduledRuns(
  actions: ScheduledActionSpecResolved[],
  startEpochSeconds: number,
  endEpochSeconds: number,
): ScheduledRun[] {
  const runs: ScheduledRun[] = [];
  const firstMinute = Math.ceil(startEpochSeconds / 60) * 60;
  for (const action of actions) {
    if (action.timezone && !/^(UTC|Etc\/UTC|GMT)$/i.test(action.timezone))
      throw new InvalidInputError(
        `scheduled action ${action.name}: the twin supports UTC only, not ${action.timezone}`,
      );
    const match = /^(at|rate|cron)\((.+)\)$/.exec(action.schedule.trim());
    if (!match)
      throw new InvalidInputError(`scheduled action ${action.name}: cannot read '${action.schedule}'`);
    const [, kind, body] = match as unknown as [string, string, string];
    if (kind === 'at') {
      const at = Date.parse(`${body}Z`) / 1000;
      if (!Number.isFinite(at))
        throw new InvalidInputError(`scheduled action ${action.name}: bad at(${body})`);
      if (at >= startEpochSeconds && at < endEpochSeconds) runs.push({ epochSeconds: at, action });
    } else if (kind === 'rate') {
      const [valueText, unit] = body.trim().split(/\s+/);
      const every = Number(valueText) * (RATE_UNITS[unit ?? ''] ?? Number.NaN);
      if (!(every >= 60)) throw new InvalidInputError(`scheduled action ${action.name}: bad rate(${body})`);
      for (let t = firstMinute; t < endEpochSeconds; t += every) runs.push({ epochSeconds: t, action });
    } else {
      const matches = parseCron(body);
      for (let t = firstMinute; t < endEpochSeconds; t += 60)
        if (matches(t)) runs.push({ epochSeconds: t, action });
    }
  }
  return runs.sort((a, b) => a.epochSeconds - b.epochSeconds);
}
