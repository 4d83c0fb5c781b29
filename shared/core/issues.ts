/**
 * The one rendering of validation issues (zod's) for people: every file, request, option value and
 * handler input that fails its schema is reported in this shape, on one line, naming the field, what
 * is expected and what was given:
 * `points[3].invocations: expected a number >= 0, got -1; vcpus: missing (expected a number)`.
 */
import type { z } from 'zod';

/** Issues named in full before the rest is counted: a file with 1000 bad points stays one line. */
export const MAX_ISSUES_NAMED = 3;

/** `points[3].invocations` from zod's path; `(top level)` for the value itself. */
export function issuePath(path: readonly PropertyKey[]): string {
  const text = path.reduce<string>(
    (joined, key) =>
      typeof key === 'number' ? `${joined}[${key}]` : joined ? `${joined}.${String(key)}` : String(key),
    '',
  );
  return text || '(top level)';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

function sizeBound(
  issue: { origin: string; inclusive?: boolean },
  word: 'least' | 'most',
  bound: unknown,
): string {
  if (issue.origin === 'array') return `at ${word} ${String(bound)} item(s)`;
  if (issue.origin === 'string') return `at ${word} ${String(bound)} character(s)`;
  const sign = word === 'least' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `a number ${sign} ${String(bound)}`;
}

/**
 * One issue as `where: expected ..., got ...`; `input` is the value that was validated, so the line
 * can quote what was given at the issue's path (cut to 40 characters).
 * @example describeIssue({ code: 'too_small', origin: 'number', minimum: 0, inclusive: true, path: ['vcpus'], message: '', input: -1 }, { vcpus: -1 })
 * // 'vcpus: expected a number >= 0, got -1'
 */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issuePath(issue.path);
  const received = valueAt(input, issue.path);
  const got = received === undefined ? 'missing' : `got ${JSON.stringify(received)?.slice(0, 40)}`;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'an integer' : article(issue.expected);
      return received === undefined
        ? `${where}: missing (expected ${expected})`
        : `${where}: expected ${expected}, ${got}`;
    }
    case 'too_small':
      return `${where}: expected ${sizeBound(issue, 'least', issue.minimum)}, ${got}`;
    case 'too_big':
      return `${where}: expected ${sizeBound(issue, 'most', issue.maximum)}, ${got}`;
    case 'invalid_format':
      return issue.format === 'datetime'
        ? `${where}: expected an ISO 8601 date-time with offset like "2026-01-01T00:00:00Z", ${got}`
        : `${where}: expected ${issue.format} format, ${got}`;
    case 'invalid_value': {
      const expected = issue.values.map((v) => JSON.stringify(v)).join(' or ');
      return received === undefined
        ? `${where}: missing (expected ${expected})`
        : `${where}: expected ${expected}, ${got}`;
    }
    case 'unrecognized_keys':
      return `${where}: unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    default:
      // Union and custom messages may span lines; the report is one line.
      return `${where}: ${issue.message.replace(/\s*\n\s*/g, ' ')}`;
  }
}

/**
 * All issues on one line, the first {@link MAX_ISSUES_NAMED} named and the rest counted.
 * @example describeIssues(ScalingRequestSchema.safeParse(raw).error!.issues, raw)
 * // 'latencySlo.percentile: expected "P95" or "P99", got "P90"'
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  if (issues.length === 0) return '(top level): invalid';
  const named = issues.slice(0, MAX_ISSUES_NAMED).map((issue) => describeIssue(issue, input));
  const more = issues.length - named.length;
  return `${named.join('; ')}${more > 0 ? ` (and ${more} more problem(s))` : ''}`;
}
