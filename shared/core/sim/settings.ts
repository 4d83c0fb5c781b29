/**
 * Settings of the digital twin. Every constant whose AWS value is not documented by AWS is a
 * setting here, with its default and where the default comes from, so a team that measures its
 * own endpoint can correct it without touching the model.
 */

export interface SimSettings {
  /**
   * Length of one simulation step, seconds; must divide 60. 10 s keeps a 7-day run of
   * per-second traffic fast (60,480 steps) and resolves the 60 s invocation timeout.
   */
  stepSeconds: number;
  /**
   * Seconds from a scale-out decision to the new instances being InService (endpoint status
   * Updating meanwhile). [unconfirmed] AWS does not publish it; a few minutes is what users report
   * for CPU instances. Default 240.
   */
  startupSeconds: number;
  /**
   * Seconds the endpoint stays Updating after a scale-in decision; the removed instances serve
   * (and are billed) until it ends. [unconfirmed] Default 60.
   */
  scaleInUpdateSeconds: number;
  /**
   * Seconds after the end of a one-minute period before its datapoint is visible to alarms.
   * [unconfirmed] CloudWatch standard-resolution metrics of SageMaker arrive about a minute late.
   * Default 60.
   */
  metricDelaySeconds: number;
  /** Target tracking high alarm: datapoints above target, out of evaluation periods (3 of 3, observed). */
  highAlarmDatapoints: number;
  highAlarmEvaluationPeriods: number;
  /** Target tracking low alarm: datapoints below lowAlarmFactor x target, out of periods (15 of 15, observed). */
  lowAlarmDatapoints: number;
  lowAlarmEvaluationPeriods: number;
  /** Low alarm threshold as a share of the target (0.9, observed in the console). */
  lowAlarmFactor: number;
  /**
   * Seconds per datapoint of the high-resolution ConcurrentRequestsPerModel metric that target
   * tracking on SageMakerVariantConcurrentRequestsPerModelHighResolution reads (10, AWS docs);
   * its alarms are evaluated at every datapoint. stepSeconds must divide it.
   */
  highResolutionPeriodSeconds: number;
  /**
   * Seconds after a high-resolution period ends before its datapoint is visible to alarms.
   * [unconfirmed] AWS says scale-out detection is "up to 6x faster"; default 10.
   */
  highResolutionMetricDelaySeconds: number;
  /**
   * Its high alarm: 3 of 3 datapoints above the target ("for 3 datapoints within 30 seconds");
   * its low alarm: 90 of 90 below lowAlarmFactor x target ("90 datapoints within 15 minutes").
   * Both as the AWS sample prints the alarms AAS creates (AWS-documented: scale-in no faster
   * than with standard metrics).
   */
  highResolutionHighAlarmDatapoints: number;
  highResolutionHighAlarmEvaluationPeriods: number;
  highResolutionLowAlarmDatapoints: number;
  highResolutionLowAlarmEvaluationPeriods: number;
  /**
   * True: an alarm that stays in ALARM invokes its policy again at every evaluation (each minute),
   * as Application Auto Scaling retries; false: only on the transition to ALARM. [unconfirmed] Default true.
   */
  alarmRepeatsWhileInAlarm: boolean;
  /**
   * True: a target tracking scale-in is blocked during a scale-out cooldown. AWS documents only the
   * reverse case. [unconfirmed] Default true (the conservative reading).
   */
  scaleInBlockedDuringScaleOutCooldown: boolean;
  /**
   * The capacity a target tracking scale-out multiplies the datapoint by (desired =
   * ceil(base x metric / target)). InvocationsPerInstance divides by the InService instances, and
   * AWS says that during a scale-out cooldown "capacity added by the initiating scale-out counts
   * toward the next calculation", but not which capacity the rule starts from [unconfirmed]:
   * - 'datapointDuringCooldown' (default): during the scale-out cooldown, the instances the
   *   datapoint was measured on (its Invocations / InvocationsPerInstance), so a datapoint that
   *   predates the new instances asks for no more than the initiating scale-out set and only a
   *   larger scale-out passes; outside the cooldown, the current desired capacity (the commonly
   *   assumed rule), so a cooldown shorter than start-up plus publication lets lagged datapoints
   *   scale out again, as AWS warns for SageMaker;
   * - 'datapointAlways': always the datapoint's instances (the cooldown then rarely binds);
   * - 'desiredCapacity': always the current desired capacity (the cooldown only blocks a result
   *   not larger than the initiating scale-out's).
   * Scale-in always starts from the current desired capacity.
   */
  scaleOutCapacityBase: 'datapointDuringCooldown' | 'datapointAlways' | 'desiredCapacity';
  /**
   * When a policy's cooldown starts: 'decision' (default: when the desired capacity changes) or
   * 'completion' (when the endpoint update ends, i.e. the new instances are InService or the
   * removed ones gone). AWS says "after a scale-out activity completes"; when SageMaker counts an
   * activity complete is not documented [unconfirmed].
   */
  cooldownStartsAt: 'decision' | 'completion';
  /** InvokeEndpoint timeout, seconds: a request that would wait longer is a 5XX error (60 s on SageMaker). */
  invocationTimeoutSeconds: number;
  /**
   * Price of one instance-hour, USD. null (default): the approximate us-east-1 list price of the
   * benchmarked instance type (`analysis.instanceType`) from the instance table
   * (shared/core/instance-types.ts: 0.102 for ml.c5.large); costs are NaN (null in JSON) when the
   * table does not know the type. `simulate` and `search` set the Default job's CostPerHour here
   * when the recommendation has one, or `--price-per-hour`.
   */
  pricePerInstanceHourUsd: number | null;
  /** New instances are billed from the scale-out decision, not from InService. Default true. */
  billStartingInstances: boolean;
  /**
   * How closed-loop users (IR PHASES/STAIRS) are served. 'queueingModel' (default): each instance
   * is a server with a service time and a fixed delay, solved by mean value analysis (see
   * queueing.ts); checked against the demo model by `npm run bench:twin`. 'latencyCurve': the
   * earlier model, X = users / mean latency(X) read off the benchmark's latency curve, which
   * includes the calibration run's own queueing. Open traffic always uses the latency curve.
   */
  closedLoopModel: 'queueingModel' | 'latencyCurve';
  /** Service time of one request on one instance, ms; null: 60,000 / peak invocations per minute. */
  serviceTimeMs: number | null;
  /**
   * Per-request delay that never queues (client, network, serialization), ms; null: the curve's
   * average at its lowest load minus the service time, floored at 0.
   */
  fixedDelayMs: number | null;
  /**
   * p95 (p99) of the closed-loop queueing wait divided by its mean, a ratio >= 1; null: measured
   * on the benchmark's curve (growth of p95 over growth of the average from its lowest to its
   * busiest point), else an exponential wait (ln 20 = 3.0, ln 100 = 4.6).
   */
  waitP95ToMeanRatio: number | null;
  waitP99ToMeanRatio: number | null;
  /**
   * AWS seconds per second of latency, >= 1. 1 (default) on SageMaker: the clock and the
   * latencies run at the same speed. The local endpoint compresses every AWS duration by its
   * timeScale but serves requests in real time, so when the twin predicts that fleet the
   * benchmark's per-minute counts are per scaled minute while its latencies are real: a backlog of
   * N requests drains in N / (capacity x timeScale) seconds of latency, a request's service time is
   * 60,000 / (peak per minute x timeScale) ms, and a closed-loop user sends timeScale times fewer
   * requests per AWS second than its real response time says. At 60, a queue that an instance
   * serves in one AWS minute adds 1 s of latency, not 60 s (bench:fleet measured the difference).
   */
  timeScale: number;
}

/** Defaults: see each field of SimSettings for the source of the value. */
export const DEFAULT_SIM_SETTINGS: SimSettings = {
  stepSeconds: 10,
  startupSeconds: 240,
  scaleInUpdateSeconds: 60,
  metricDelaySeconds: 60,
  highAlarmDatapoints: 3,
  highAlarmEvaluationPeriods: 3,
  lowAlarmDatapoints: 15,
  lowAlarmEvaluationPeriods: 15,
  lowAlarmFactor: 0.9,
  highResolutionPeriodSeconds: 10,
  highResolutionMetricDelaySeconds: 10,
  highResolutionHighAlarmDatapoints: 3,
  highResolutionHighAlarmEvaluationPeriods: 3,
  highResolutionLowAlarmDatapoints: 90,
  highResolutionLowAlarmEvaluationPeriods: 90,
  alarmRepeatsWhileInAlarm: true,
  scaleInBlockedDuringScaleOutCooldown: true,
  scaleOutCapacityBase: 'datapointDuringCooldown',
  cooldownStartsAt: 'decision',
  invocationTimeoutSeconds: 60,
  pricePerInstanceHourUsd: null,
  billStartingInstances: true,
  closedLoopModel: 'queueingModel',
  serviceTimeMs: null,
  fixedDelayMs: null,
  waitP95ToMeanRatio: null,
  waitP99ToMeanRatio: null,
  timeScale: 1,
};

/** Merges partial settings over the defaults. */
export function resolveSimSettings(partial: Partial<SimSettings> = {}): SimSettings {
  return { ...DEFAULT_SIM_SETTINGS, ...partial };
}
