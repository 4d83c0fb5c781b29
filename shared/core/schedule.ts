/**
 * The Schedule of an Application Auto Scaling scheduled action, checked before anything is paid
 * for (AWS-FACTS 3.5, AAS API reference PutScheduledAction):
 *
 *   at(yyyy-mm-ddThh:mm:ss)   one time, a real calendar date and time
 *   rate(value unit)          value a positive integer, unit minute(s), hour(s) or day(s)
 *   cron(Minutes Hours Day-of-month Month Day-of-week Year)
 *
 * The cron dialect is AWS's (the EventBridge/Quartz one): six fields, no seconds, a Year field
 * (1970-2199), `?` in exactly one of Day-of-month and Day-of-week (a value or `*` in one means `?`
 * in the other), `L` and `W` in Day-of-month (`L`, `LW`, `15W`), `L` and `#` in Day-of-week (`L`,
 * `5L`, `3#2`), month and weekday names (JAN-DEC, SUN-SAT, Sunday = 1). The common npm cron
 * parsers read the five- or six-field Unix/seconds dialects, which accept what AWS refuses and the
 * reverse, so this is a small parser of its own, tested field by field
 * (test/core/schedule.test.ts). Stricter than AWS in one place: a range must ascend (`MON-FRI`,
 * not `FRI-MON`).
 */

/** One cron field's domain: its numeric range and the names it accepts (value = index + offset). */
interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const CRON_FIELDS: readonly CronField[] = [
  { name: 'Minutes', min: 0, max: 59 },
  { name: 'Hours', min: 0, max: 23 },
  { name: 'Day-of-month', min: 1, max: 31 },
  { name: 'Month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'Day-of-week', min: 1, max: 7, names: DAY_NAMES },
  { name: 'Year', min: 1970, max: 2199 },
];
const DAY_OF_MONTH = 2;
const DAY_OF_WEEK = 4;

/** A value of the field (a number or, for Month and Day-of-week, a name), or undefined. */
function cronValue(field: CronField, text: string): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.min;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

/** Problems of one comma-separated item: `*`, `v`, `a-b`, each optionally `/step`. */
function cronItemProblems(field: CronField, item: string): string[] {
  const [base = '', step, extra] = item.split('/');
  if (extra !== undefined) return [`'${item}' has more than one '/'`];
  const where = `${field.name} '${item}'`;
  const problems: string[] = [];
  if (step !== undefined) {
    const increment = /^\d{1,4}$/.test(step) ? Number(step) : Number.NaN;
    if (!(increment >= 1 && increment <= field.max))
      problems.push(`${where}: the increment after '/' must be 1..${field.max}`);
  }
  if (base === '*') return problems;
  const [from = '', to, more] = base.split('-');
  if (more !== undefined) return [...problems, `${where}: a range is two values, 'a-b'`];
  const start = cronValue(field, from);
  if (start === undefined)
    return [...problems, `${where}: '${from}' is not a ${field.name} value (${describeField(field)})`];
  if (to === undefined) return problems;
  const end = cronValue(field, to);
  if (end === undefined)
    return [...problems, `${where}: '${to}' is not a ${field.name} value (${describeField(field)})`];
  if (end < start) problems.push(`${where}: the range must ascend (${from} is after ${to})`);
  return problems;
}

function describeField(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
  return `${field.min}-${field.max}${names}`;
}

/** Day-of-month's and Day-of-week's single special forms (`L`, `LW`, `15W`, `5L`, `3#2`). */
function isSpecialDayItem(fieldIndex: number, item: string): boolean {
  const upper = item.toUpperCase();
  if (fieldIndex === DAY_OF_MONTH) {
    if (upper === 'L' || upper === 'LW') return true;
    const weekday = /^(\d{1,2})W$/.exec(upper);
    return weekday !== null && Number(weekday[1]) >= 1 && Number(weekday[1]) <= 31;
  }
  if (fieldIndex === DAY_OF_WEEK) {
    if (upper === 'L') return true;
    const last = /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)L$/.exec(upper);
    if (last) return true;
    const nth = /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)#([1-5])$/.exec(upper);
    return nth !== null;
  }
  return false;
}

function cronProblems(body: string): string[] {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6)
    return [
      `cron(...) has ${fields.length} field(s); AWS expects 6: Minutes Hours Day-of-month Month Day-of-week Year, e.g. cron(0 18 ? * MON-FRI *)`,
    ];
  const problems: string[] = [];
  const dayOfMonth = fields[DAY_OF_MONTH];
  const dayOfWeek = fields[DAY_OF_WEEK];
  if ((dayOfMonth === '?') === (dayOfWeek === '?'))
    problems.push(
      `exactly one of Day-of-month ('${dayOfMonth}') and Day-of-week ('${dayOfWeek}') must be '?'`,
    );
  fields.forEach((text, index) => {
    const field = CRON_FIELDS[index] as CronField;
    if (text === '?') {
      if (index !== DAY_OF_MONTH && index !== DAY_OF_WEEK)
        problems.push(`${field.name}: '?' is only allowed in Day-of-month or Day-of-week`);
      return;
    }
    if (isSpecialDayItem(index, text)) return;
    for (const item of text.split(',')) {
      if (item === '') problems.push(`${field.name} '${text}': an empty item between commas`);
      else problems.push(...cronItemProblems(field, item));
    }
  });
  return problems;
}

const RATE_UNITS = new Set(['minute', 'minutes', 'hour', 'hours', 'day', 'days']);

function rateProblems(body: string): string[] {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(body);
  if (!match) return ["rate(...) needs a value and a unit, e.g. 'rate(5 minutes)'"];
  const [, value = '', unit = ''] = match;
  const problems: string[] = [];
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    problems.push(`rate value '${value}' must be a positive whole number (at most 9 digits)`);
  if (!RATE_UNITS.has(unit)) problems.push(`rate unit '${unit}' must be minute(s), hour(s) or day(s)`);
  return problems;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function atProblems(body: string): string[] {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) return [`at(${body}) must be at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-03-01T08:00:00)`];
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const problems: string[] = [];
  if (!(month! >= 1 && month! <= 12)) problems.push(`at(${body}): month ${month} is not 01..12`);
  else if (!(day! >= 1 && day! <= daysInMonth(year!, month!)))
    problems.push(`at(${body}): day ${day} is not in month ${month} of ${year}`);
  if (hour! > 23 || minute! > 59 || second! > 59)
    problems.push(`at(${body}): the time ${hour}:${minute}:${second} is not a time of day`);
  return problems;
}

/**
 * Problems AWS would report for a scheduled action's Schedule; empty when it is valid.
 * @example scheduleProblems('cron(0 18 ? * MON-FRI *)') // []
 * @example scheduleProblems('cron(0 18 * * MON-FRI *)')
 * // ["exactly one of Day-of-month ('*') and Day-of-week ('MON-FRI') must be '?'"]
 */
export function scheduleProblems(schedule: string): string[] {
  const match = /^(at|rate|cron)\((.*)\)$/s.exec(schedule);
  if (!match)
    return [
      'expected at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)',
    ];
  const [, kind, body = ''] = match;
  if (kind === 'at') return atProblems(body);
  if (kind === 'rate') return rateProblems(body);
  return cronProblems(body);
}
