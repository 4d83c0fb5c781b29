/**
 * The twin of a fleet on a compressed clock (SimSettings.timeScale): the local endpoint runs every
 * AWS duration timeScale times faster but serves requests in real time, so a queue drains in
 * AWS seconds while the latency it adds is real. bench:fleet found the twin 60 times too slow
 * there: a backlog the instance serves in 24 AWS seconds gave a p99 of 24 s in the twin and about
 * 0.4 s on the fleet.
 *
 * Worked numbers (fixtures: one instance, peak 6000/min = 100 rps, idle latency 10 ms avg):
 * - open: 2 minutes at 7200/min leave 2 x 1200 = 2400 queued; the last of them waits 2400 / 100 =
 *   24 AWS s, which is 24 s of latency at timeScale 1 and 24 / 60 = 0.4 s at 60;
 * - errors come from the invocation timeout in AWS seconds (backlog above 100 rps x 60 s = 6000),
 *   so 3 minutes at 9000/min fail as many requests at both scales;
 * - closed, 1 user: S = 60,000 / (6000 x timeScale) ms, D = 10 - S; X(1) = 1 / (D + S) = 1 per
 *   10 ms of latency = 100 per real second, which is 100 x 60 / timeScale per AWS minute: 6000 at 1,
 *   100 at 60. Saturated (600 users, ten times N* = (D + S) / S = 60), the server does 1 / S per ms: the peak, 6000 per AWS minute,
 *   at both scales.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError } from '../../shared/core/errors';
import { minuteSeries, simulate } from '../../shared/core/sim/results';
import { countsTraffic, type Traffic } from '../../shared/core/sim/traffic';
import { ANALYSIS, minutesOf } from './fixtures';

const ONE_INSTANCE = { minCapacity: 1, maxCapacity: 1, scheduledActions: [] };

function run(traffic: Traffic, timeScale: number) {
  return simulate({
    policySet: ONE_INSTANCE,
    analysis: ANALYSIS,
    traffic,
    latencySloMs: 100,
    settings: { timeScale },
  });
}

const closed = (users: number, minutes: number): Traffic => ({
  kind: 'closed',
  startEpochSeconds: 0,
  stepSeconds: 60,
  users: new Float64Array(minutes).fill(users),
});

describe('twin on a compressed clock (timeScale)', () => {
  const backlog = countsTraffic(minutesOf([2, 7200], [3, 0]), { stepSeconds: 60 });

  it('timeScale 1: the queue of 2400 requests adds up to 24 s of latency', () => {
    const { summary } = run(backlog, 1);
    assert.ok(summary.p99LatencyMs > 18_000 && summary.p99LatencyMs < 24_200, `p99 ${summary.p99LatencyMs}`);
    assert.equal(summary.errorCount, 0);
  });

  it('timeScale 60: the same queue adds 24 / 60 = 0.4 s, and the same requests are served', () => {
    const slow = run(backlog, 1).summary;
    const { summary } = run(backlog, 60);
    assert.ok(summary.p99LatencyMs > 300 && summary.p99LatencyMs < 470, `p99 ${summary.p99LatencyMs}`);
    assert.equal(summary.answeredRequests, slow.answeredRequests);
    assert.equal(summary.errorCount, 0);
  });

  it('boundary: the invocation timeout is in AWS seconds, so errors do not depend on the scale', () => {
    const overload = countsTraffic(minutesOf([3, 9000], [2, 0]), { stepSeconds: 60 });
    const atOne = run(overload, 1).summary;
    const atSixty = run(overload, 60).summary;
    assert.ok(atOne.errorCount > 0, 'the overload must pass the timeout');
    assert.equal(atSixty.errorCount, atOne.errorCount);
  });

  for (const c of [
    { name: 'closed, 1 user at timeScale 1: 1 per 10 ms, 6000 per minute', users: 1, k: 1, perMinute: 6000 },
    { name: 'closed, 1 user at timeScale 60: 100 per AWS minute', users: 1, k: 60, perMinute: 100 },
    { name: 'closed, 600 users at timeScale 60: saturated at the peak', users: 600, k: 60, perMinute: 6000 },
  ])
    it(c.name, () => {
      const minutes = minuteSeries(run(closed(c.users, 3), c.k));
      const middle = minutes[1]!.invocations;
      assert.ok(Math.abs(middle - c.perMinute) <= 0.01 * c.perMinute, `${middle} per minute`);
    });

  it('refuses a time scale below 1', () => {
    assert.throws(() => run(backlog, 0.5), InvalidInputError);
  });
});
