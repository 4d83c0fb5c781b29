import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildScalingRequests } from '../../shared/core/policies';
import {
  compressLevels,
  forecastCandidates,
  MAX_SCHEDULED_ACTIONS_PER_TARGET,
  seasonalForecast,
} from '../../shared/core/sim/forecast';
import { splitIntoWindows } from '../../shared/core/sim/holdout';
import { simulate } from '../../shared/core/sim/results';
import { scheduledRuns } from '../../shared/core/sim/schedule';
import { countsTraffic } from '../../shared/core/sim/traffic';
import { validateContractRecords } from '../contract/botocore';
import { ANALYSIS, policies } from './fixtures';

const DAY = 86400;
/** Minute of the day the synthetic peak starts (14:00 UTC) and its length. */
const PEAK_START_MINUTE = 14 * 60;
const PEAK_MINUTES = 120;

/** `days` days of per-minute counts: 1500/min, and 20,000/min from 14:00 to 16:00 UTC every day. */
function periodic(days: number) {
  const counts: number[] = [];
  for (let d = 0; d < days; d++)
    for (let m = 0; m < 1440; m++)
      counts.push(m >= PEAK_START_MINUTE && m < PEAK_START_MINUTE + PEAK_MINUTES ? 20000 : 1500);
  return countsTraffic(counts, { stepSeconds: 60 });
}

describe('seasonal forecast -> scheduled actions', () => {
  const base = policies({ minCapacity: 1, maxCapacity: 6 });
  const training = splitIntoWindows(periodic(3));
  const forecast = seasonalForecast(training, base, {
    peakInvocationsPerMinute: ANALYSIS.peakInvocationsPerMinute,
    utilization: 0.9,
    quantile: 0.75,
  });

  it('raises MinCapacity before each peak and lowers it after', () => {
    assert.equal(forecast.season, 'daily');
    // 20,000 / (6000 x 0.9) -> 4 instances from 14:00, 1 otherwise; changes 5 minutes early
    const next4Days = scheduledRuns(forecast.actions, 3 * DAY, 7 * DAY);
    for (let d = 3; d < 7; d++) {
      const peakStart = d * DAY + PEAK_START_MINUTE * 60;
      const before = next4Days.filter((r) => r.epochSeconds <= peakStart);
      const inForce = before.at(-1)!;
      assert.equal(inForce.action.minCapacity, 4, `day ${d}: MinCapacity in force at the peak`);
      assert.ok(peakStart - inForce.epochSeconds >= 240, 'raised at least the start-up time before the peak');
      assert.ok(peakStart - inForce.epochSeconds < 3600, 'raised within the hour before the peak');
      const after = next4Days.find((r) => r.epochSeconds > peakStart)!;
      assert.equal(after.action.minCapacity, 1);
      assert.ok(after.epochSeconds >= peakStart + PEAK_MINUTES * 60 - 300);
    }
    assert.equal(forecast.actions.length, 2);
    assert.deepEqual(
      forecast.actions.map((a) => a.schedule),
      ['cron(55 13 * * ? *)', 'cron(55 15 * * ? *)'],
    );
  });

  it("in the twin, the forecast serves the next day's peak that target tracking alone misses", () => {
    const nextDay = splitIntoWindows(periodic(4))[3]!.traffic;
    const [withForecast, alone] = [forecast.actions, []].map(
      (scheduledActions) =>
        simulate({
          policySet: { ...base, scheduledActions },
          analysis: ANALYSIS,
          traffic: nextDay,
          latencySloMs: 100,
        }).summary,
    );
    assert.ok(withForecast!.sloAttainment > alone!.sloAttainment);
    assert.ok(withForecast!.sloAttainment >= 0.999, String(withForecast!.sloAttainment));
  });

  it('keeps a day within maxChangesPerDay, and weekly profiles within the AAS quota', () => {
    // [1 1][3][2][5][1]: merging 3 and 2 costs 1 slot; then [1 1][3 3] costs 4 as do the others (first wins)
    assert.deepEqual(compressLevels([1, 1, 3, 2, 5, 1], 3), [
      { startSlot: 0, level: 3 },
      { startSlot: 4, level: 5 },
      { startSlot: 5, level: 1 },
    ]);
    const weekly = seasonalForecast(splitIntoWindows(periodic(14)), base, {
      peakInvocationsPerMinute: ANALYSIS.peakInvocationsPerMinute,
      season: 'weekly',
      maxChangesPerDay: 6,
    });
    assert.equal(weekly.season, 'weekly');
    // per weekday: the midnight level (run at 23:55 the day before), up before 14:00, down after 16:00
    assert.equal(weekly.actions.length, 21);
    assert.ok(weekly.actions.length <= MAX_SCHEDULED_ACTIONS_PER_TARGET);
    assert.deepEqual(
      weekly.actions.slice(0, 3).map((a) => a.schedule),
      ['cron(55 23 ? * SAT *)', 'cron(55 13 ? * SUN *)', 'cron(55 15 ? * SUN *)'],
    );
  });

  it('raises MaxCapacity with MinCapacity only when a level exceeds the base MaxCapacity', () => {
    const small = seasonalForecast(training, policies({ maxCapacity: 3 }), {
      peakInvocationsPerMinute: ANALYSIS.peakInvocationsPerMinute,
    });
    assert.deepEqual(
      small.actions.map((a) => [a.minCapacity, a.maxCapacity]),
      [
        [4, 4],
        [1, 3],
      ],
    );
    assert.ok(forecast.actions.every((a) => a.maxCapacity === undefined));
  });

  it('builds exact PutScheduledAction requests that botocore accepts', (t) => {
    const candidates = forecastCandidates(training, base, ANALYSIS.peakInvocationsPerMinute);
    const requests = candidates.flatMap(
      (c) =>
        buildScalingRequests({ endpointName: 'ep-1', variantName: 'AllTraffic' }, c.policySet)
          .putScheduledActions,
    );
    assert.ok(requests.length > 0);
    assert.deepEqual(requests[0], {
      ServiceNamespace: 'sagemaker',
      ResourceId: 'endpoint/ep-1/variant/AllTraffic',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ScheduledActionName: requests[0]!.ScheduledActionName,
      Schedule: requests[0]!.Schedule,
      ScalableTargetAction: requests[0]!.ScalableTargetAction,
    });
    const outcome = validateContractRecords(
      requests.map((input) => ({
        service: 'application-autoscaling',
        operation: 'PutScheduledAction',
        input,
      })),
    );
    if (outcome.status === 'skipped') return t.skip(outcome.reason);
    for (const r of outcome.results) assert.deepEqual(r.errors, [], JSON.stringify(r.record.input));
  });
});
