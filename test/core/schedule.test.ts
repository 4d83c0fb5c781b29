/**
 * The Schedule checker of scheduled actions (shared/core/schedule.ts): AWS's at/rate/cron
 * dialect, a table of accepted expressions (AWS documentation examples) and of refusals, each
 * with the words its problem must contain.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scheduleProblems } from '../../shared/core/schedule';

const VALID = [
  'cron(0 18 ? * MON-FRI *)',
  'cron(0 10 * * ? *)',
  'cron(15 12 * * ? *)',
  'cron(0/15 * * * ? *)',
  'cron(0/10 * ? * MON-FRI *)',
  'cron(0/5 8-17 ? * MON-FRI *)',
  'cron(0 9 ? * 2#1 *)',
  'cron(0 8 1 * ? *)',
  'cron(0 8 L * ? *)',
  'cron(0 8 LW * ? *)',
  'cron(0 8 15W * ? *)',
  'cron(0 8 ? * 6L *)',
  'cron(0 8 ? * L 2027)',
  'cron(30 6 ? JAN,JUL MON,WED,FRI 2026-2030)',
  'cron(0 0 1 1 ? 2199)',
  'cron(*/30 * * * ? *)',
  'rate(1 minute)',
  'rate(5 minutes)',
  'rate(1 hour)',
  'rate(12 hours)',
  'rate(7 days)',
  'at(2027-03-01T08:00:00)',
  'at(2028-02-29T23:59:59)',
];

const INVALID: { schedule: string; says: RegExp }[] = [
  { schedule: 'cron(0 18 * * MON-FRI *)', says: /exactly one of Day-of-month/ },
  { schedule: 'cron(0 18 ? * ? *)', says: /exactly one of Day-of-month/ },
  { schedule: 'cron(0 18 * * *)', says: /5 field\(s\); AWS expects 6/ },
  { schedule: 'cron(0 0 18 ? * MON-FRI *)', says: /7 field\(s\)/ },
  { schedule: 'cron(60 * * * ? *)', says: /Minutes '60'.*0-59/ },
  { schedule: 'cron(0 24 * * ? *)', says: /Hours '24'/ },
  { schedule: 'cron(0 0 32 * ? *)', says: /Day-of-month '32'/ },
  { schedule: 'cron(0 0 0 * ? *)', says: /Day-of-month '0'/ },
  { schedule: 'cron(0 0 ? 13 MON *)', says: /Month '13'/ },
  { schedule: 'cron(0 0 ? * 8 *)', says: /Day-of-week '8'/ },
  { schedule: 'cron(0 0 ? * MON-FOO *)', says: /'FOO' is not a Day-of-week value/ },
  { schedule: 'cron(0 0 * * ? 1969)', says: /Year '1969'/ },
  { schedule: 'cron(0 0 * * ? 2200)', says: /Year '2200'/ },
  { schedule: 'cron(0 ? * * ? *)', says: /Hours: '\?' is only allowed/ },
  { schedule: 'cron(0/0 * * * ? *)', says: /increment after '\/' must be 1\.\.59/ },
  { schedule: 'cron(0/x * * * ? *)', says: /increment/ },
  { schedule: 'cron(0 17-9 * * ? *)', says: /range must ascend/ },
  { schedule: 'cron(0 1-2-3 * * ? *)', says: /a range is two values/ },
  { schedule: 'cron(0 1,,2 * * ? *)', says: /empty item/ },
  { schedule: 'cron(0 8 ? * 2#6 *)', says: /'2#6' is not a Day-of-week value/ },
  { schedule: 'cron(0 8 32W * ? *)', says: /Day-of-month '32W'/ },
  { schedule: 'cron(L 8 * * ? *)', says: /Minutes 'L'/ },
  { schedule: 'rate(0 minutes)', says: /positive whole number/ },
  { schedule: 'rate(-5 minutes)', says: /positive whole number/ },
  { schedule: 'rate(1.5 hours)', says: /positive whole number/ },
  { schedule: 'rate(5 weeks)', says: /unit 'weeks'/ },
  { schedule: 'rate(5)', says: /needs a value and a unit/ },
  { schedule: 'rate(99999999999 minutes)', says: /at most 9 digits/ },
  { schedule: 'at(2027-02-29T08:00:00)', says: /day 29 is not in month 2 of 2027/ },
  { schedule: 'at(2027-13-01T08:00:00)', says: /month 13/ },
  { schedule: 'at(2027-03-01T24:00:00)', says: /not a time of day/ },
  { schedule: 'at(2027-03-01 08:00:00)', says: /yyyy-mm-ddThh:mm:ss/ },
  { schedule: 'at(tomorrow)', says: /yyyy-mm-ddThh:mm:ss/ },
  { schedule: 'every day', says: /expected at\(/ },
  { schedule: 'cron(0 18 ? * MON-FRI *) ', says: /expected at\(/ },
];

describe('scheduleProblems: AWS at/rate/cron', () => {
  for (const schedule of VALID)
    test(`accepts ${schedule}`, () => {
      assert.deepEqual(scheduleProblems(schedule), []);
    });
  for (const c of INVALID)
    test(`refuses ${c.schedule}`, () => {
      const problems = scheduleProblems(c.schedule);
      assert.ok(problems.length > 0, 'refused');
      assert.match(problems.join('; '), c.says);
    });
});
