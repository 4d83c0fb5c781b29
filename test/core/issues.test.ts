import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { describeIssues, MAX_ISSUES_NAMED } from '../../shared/core/issues';

const Schema = z
  .object({
    vcpus: z.number().int().positive(),
    percentile: z.enum(['P95', 'P99']),
    points: z.array(z.object({ at: z.iso.datetime({ offset: true }), n: z.number().min(0) })).min(1),
    name: z.string().max(3).optional(),
    note: z
      .string()
      .refine((s) => !s.includes('x'), 'no x\n  please')
      .optional(),
  })
  .strict();

function lineFor(input: unknown): string {
  const parsed = Schema.safeParse(input);
  assert.ok(!parsed.success);
  return describeIssues(parsed.error.issues, input);
}

const good = { vcpus: 2, percentile: 'P95', points: [{ at: '2026-01-01T00:00:00Z', n: 1 }] };

describe('describeIssues', () => {
  const rows: { name: string; input: unknown; line: string }[] = [
    {
      name: 'a missing field',
      input: { ...good, vcpus: undefined },
      line: 'vcpus: missing (expected a number)',
    },
    {
      name: 'a wrong type quotes the value',
      input: { ...good, vcpus: 'two' },
      line: 'vcpus: expected a number, got "two"',
    },
    { name: 'an integer', input: { ...good, vcpus: 1.5 }, line: 'vcpus: expected an integer, got 1.5' },
    {
      name: 'boundary: 0 is not positive',
      input: { ...good, vcpus: 0 },
      line: 'vcpus: expected a number > 0, got 0',
    },
    {
      name: 'a choice',
      input: { ...good, percentile: 'P90' },
      line: 'percentile: expected "P95" or "P99", got "P90"',
    },
    {
      name: 'an item of a list, by index',
      input: { ...good, points: [{ at: '2026-01-01T00:00:00Z', n: -1 }] },
      line: 'points[0].n: expected a number >= 0, got -1',
    },
    {
      name: 'an empty list',
      input: { ...good, points: [] },
      line: 'points: expected at least 1 item(s), got []',
    },
    {
      name: 'a long string',
      input: { ...good, name: 'abcd' },
      line: 'name: expected at most 3 character(s), got "abcd"',
    },
    {
      name: 'a date-time',
      input: { ...good, points: [{ at: 'today', n: 1 }] },
      line: 'points[0].at: expected an ISO 8601 date-time with offset like "2026-01-01T00:00:00Z", got "today"',
    },
    {
      name: 'an unknown field',
      input: { ...good, colour: 'red' },
      line: '(top level): unknown field(s) "colour"',
    },
    { name: 'not an object', input: 7, line: '(top level): expected an object, got 7' },
    { name: 'a custom message stays on one line', input: { ...good, note: 'x' }, line: 'note: no x please' },
  ];
  for (const row of rows)
    it(row.name, () => {
      assert.equal(lineFor(row.input), row.line);
    });

  it(`names the first ${MAX_ISSUES_NAMED} problems and counts the others`, () => {
    const line = lineFor({ colour: 'red' });
    assert.equal(
      line,
      'vcpus: missing (expected a number); percentile: missing (expected "P95" or "P99"); points: missing (expected an array) (and 1 more problem(s))',
    );
  });
});
