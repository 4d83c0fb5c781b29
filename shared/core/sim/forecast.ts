/**
 * Forecast -> scheduled actions. Application Auto Scaling has no predictive scaling for SageMaker
 * (only ECS, AWS-FACTS §8), so the daily (and weekly) shape of the history becomes
 * PutScheduledAction changes of MinCapacity, with target tracking still scaling above them.
 *
 * Method: a seasonal profile, the plainest forecast that a daily shape supports.
 * 1. For each slot of the day (default one hour, UTC) and each training day, the busiest minute
 *    of the slot (requests per minute).
 * 2. The slot's forecast is the `quantile` of those values over the training days (1 = the
 *    busiest day seen; 0.5 = the median day). Weekly: with at least two weeks of history, only
 *    the days of the same weekday count (the profile is then per weekday).
 * 3. The slot's MinCapacity = ceil(forecast / (peak per instance x utilization)), at least the
 *    base MinCapacity.
 * 4. Adjacent slots of equal level merge; while a day has more than `maxChangesPerDay` levels,
 *    the adjacent pair whose merge (at the higher level) adds the fewest instance-hours merges.
 * 5. Each change runs `leadSeconds` (default the start-up time, rounded up to a minute) before
 *    its slot, so the instances are InService when the slot begins, as a cron of the UTC day
 *    (`cron(m h * * ? *)`, or `cron(m h ? * MON *)` per weekday). MaxCapacity is raised with
 *    MinCapacity only when a level exceeds the base MaxCapacity (AAS would refuse Min > Max).
 * The number of actions stays far within the AAS quota of 200 scheduled actions per scalable
 * target (AWS-FACTS §3.1): at most maxChangesPerDay, or 7 x maxChangesPerDay weekly.
 */
import { InvalidInputError } from '../errors';
import type { PolicySet, ScheduledActionSpecResolved } from '../types';
import type { HistoryWindow } from './holdout';

/** AAS quota: scheduled actions per scalable target (AWS-FACTS §3.1). */
export const MAX_SCHEDULED_ACTIONS_PER_TARGET = 200;

const DAY_SECONDS = 86400;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export interface ForecastOptions {
  /** Invocations per minute one instance serves at its peak (the benchmark's). */
  peakInvocationsPerMinute: number;
  /** Share of the peak a scheduled instance is planned for, 0..1 (default 0.9). */
  utilization?: number;
  /** Quantile over the training days of each slot's busiest minute, 0..1 (default 0.75). */
  quantile?: number;
  /** Slot length, seconds; divides a day (default 3600). */
  slotSeconds?: number;
  /** At most this many MinCapacity changes a day (default 6). */
  maxChangesPerDay?: number;
  /** Each change runs this long before its slot, seconds (default 300: start-up plus a minute). */
  leadSeconds?: number;
  /** 'auto' (default): weekly with at least 14 training days, else daily. */
  season?: 'daily' | 'weekly' | 'auto';
}

/** The forecast per slot (busiest minute, requests per minute) and the schedule built from it. */
export interface SeasonalForecast {
  season: 'daily' | 'weekly';
  slotSeconds: number;
  /** Per profile (one, or seven from Sunday), per slot: forecast requests per minute. */
  profiles: number[][];
  /** Per profile, per slot: MinCapacity before merging. */
  levels: number[][];
  actions: ScheduledActionSpecResolved[];
  /**
   * MinCapacity in force at 00:00 UTC (the lowest over weekdays when weekly): the action of the
   * first slot runs `leadSeconds` before midnight, so a run that starts at midnight registers it.
   */
  midnightMinCapacity: number;
}

function quantileOf(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (pos - lo) * (s[hi]! - s[lo]!);
}

/** Busiest minute of each slot of one window, keyed by the window's UTC day. */
function slotPeaks(
  window: HistoryWindow,
  slotSeconds: number,
): { day: number; peaks: Map<number, number> }[] {
  const t = window.traffic;
  if (t.kind !== 'open') throw new InvalidInputError('forecast: the history must be open traffic (a trace)');
  const perMinute = new Map<number, number>();
  for (let i = 0; i < t.requests.length; i++) {
    const minute = Math.floor((t.startEpochSeconds + i * t.stepSeconds) / 60);
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + t.requests[i]!);
  }
  const byDay = new Map<number, Map<number, number>>();
  for (const [minute, count] of perMinute) {
    const seconds = minute * 60;
    const day = Math.floor(seconds / DAY_SECONDS);
    const slot = Math.floor((seconds - day * DAY_SECONDS) / slotSeconds);
    const peaks = byDay.get(day) ?? new Map<number, number>();
    peaks.set(slot, Math.max(peaks.get(slot) ?? 0, count));
    byDay.set(day, peaks);
  }
  return [...byDay].map(([day, peaks]) => ({ day, peaks }));
}

/** Merges adjacent equal levels, then the cheapest adjacent pairs until at most `max` remain. */
export function compressLevels(levels: number[], max: number): { startSlot: number; level: number }[] {
  const segments = levels.map((level, slot) => ({ startSlot: slot, slots: 1, level }));
  const merge = (i: number) => {
    const a = segments[i]!;
    const b = segments[i + 1]!;
    segments.splice(i, 2, {
      startSlot: a.startSlot,
      slots: a.slots + b.slots,
      level: Math.max(a.level, b.level),
    });
  };
  for (let i = 0; i < segments.length - 1; )
    if (segments[i]!.level === segments[i + 1]!.level) merge(i);
    else i++;
  while (segments.length > Math.max(1, max)) {
    let best = 0;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let i = 0; i < segments.length - 1; i++) {
      const a = segments[i]!;
      const b = segments[i + 1]!;
      const top = Math.max(a.level, b.level);
      const cost = (top - a.level) * a.slots + (top - b.level) * b.slots;
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
    }
    merge(best);
    for (let i = 0; i < segments.length - 1; )
      if (segments[i]!.level === segments[i + 1]!.level) merge(i);
      else i++;
  }
  return segments.map(({ startSlot, level }) => ({ startSlot, level }));
}

/**
 * The seasonal forecast of the training windows and its scheduled actions (see the file comment).
 * Throws InvalidInputError on bad options or an empty history.
 *
 * @example
 * // 3 days peaking at 14:00 UTC: MinCapacity rises at 13:55 (cron(55 13 * * ? *)) and falls after the peak
 * seasonalForecast(windows, base, { peakInvocationsPerMinute: 6000 }).actions;
 */
export function seasonalForecast(
  windows: HistoryWindow[],
  base: PolicySet,
  options: ForecastOptions,
): SeasonalForecast {
  const utilization = options.utilization ?? 0.9;
  const quantile = options.quantile ?? 0.75;
  const slotSeconds = options.slotSeconds ?? 3600;
  const maxChanges = options.maxChangesPerDay ?? 6;
  const lead = options.leadSeconds ?? 300;
  if (windows.length === 0) throw new InvalidInputError('forecast: the history has no window');
  if (!(utilization > 0 && utilization <= 1))
    throw new InvalidInputError('forecast: utilization must be in (0, 1]');
  if (!(quantile >= 0 && quantile <= 1)) throw new InvalidInputError('forecast: quantile must be in [0, 1]');
  if (!(slotSeconds >= 60) || DAY_SECONDS % slotSeconds !== 0 || slotSeconds % 60 !== 0)
    throw new InvalidInputError('forecast: slotSeconds must be whole minutes dividing a day');
  if (!(Number.isInteger(maxChanges) && maxChanges >= 1))
    throw new InvalidInputError('forecast: maxChangesPerDay must be an integer >= 1');
  if (!(lead >= 0 && lead < DAY_SECONDS))
    throw new InvalidInputError('forecast: leadSeconds must be in [0, 86400)');
  const days = windows.flatMap((w) => slotPeaks(w, slotSeconds));
  const distinctDays = new Set(days.map((d) => d.day)).size;
  const season =
    options.season === 'weekly' || (options.season !== 'daily' && distinctDays >= 14) ? 'weekly' : 'daily';
  const slots = DAY_SECONDS / slotSeconds;
  const perInstance = options.peakInvocationsPerMinute * utilization;
  const profileCount = season === 'weekly' ? 7 : 1;
  const profiles: number[][] = [];
  const levels: number[][] = [];
  const actions: ScheduledActionSpecResolved[] = [];
  let midnight = Number.POSITIVE_INFINITY;
  for (let p = 0; p < profileCount; p++) {
    // 1970-01-01 was a Thursday: weekday = (day + 4) % 7 with Sunday = 0.
    const sample = season === 'weekly' ? days.filter((d) => (d.day + 4) % 7 === p) : days;
    const profile = Array.from({ length: slots }, (_, s) =>
      quantileOf(
        sample.filter((d) => d.peaks.has(s)).map((d) => d.peaks.get(s)!),
        quantile,
      ),
    );
    const level = profile.map((rpm) => Math.max(base.minCapacity, Math.ceil(rpm / perInstance - 1e-9)));
    profiles.push(profile);
    levels.push(level);
    const highest = Math.max(...level);
    const segments = compressLevels(level, maxChanges);
    midnight = Math.min(midnight, segments[0]!.level);
    // Daily: a first segment at the level of the last is the same level across midnight.
    const wraps = season === 'daily' && segments.length > 1 && segments[0]!.level === segments.at(-1)!.level;
    for (const segment of wraps ? segments.slice(1) : segments) {
      const offset = segment.startSlot * slotSeconds - lead;
      // A change due before midnight runs on the previous day (of the week).
      const at = ((offset % DAY_SECONDS) + DAY_SECONDS) % DAY_SECONDS;
      const minute = Math.floor(at / 60) % 60;
      const hour = Math.floor(at / 3600);
      const hhmm = `${String(hour).padStart(2, '0')}${String(minute).padStart(2, '0')}`;
      const dow = season === 'weekly' ? WEEKDAYS[(p + (offset < 0 ? 6 : 0)) % 7]! : null;
      actions.push({
        name: dow ? `scaleplan-forecast-${dow}-${hhmm}` : `scaleplan-forecast-${hhmm}`,
        schedule: dow ? `cron(${minute} ${hour} ? * ${dow} *)` : `cron(${minute} ${hour} * * ? *)`,
        minCapacity: segment.level,
        ...(highest > base.maxCapacity ? { maxCapacity: Math.max(base.maxCapacity, segment.level) } : {}),
      });
    }
  }
  if (actions.length > MAX_SCHEDULED_ACTIONS_PER_TARGET)
    throw new InvalidInputError(
      `forecast: ${actions.length} scheduled actions exceed the quota of ${MAX_SCHEDULED_ACTIONS_PER_TARGET} per scalable target`,
    );
  return { season, slotSeconds, profiles, levels, actions, midnightMinCapacity: midnight };
}

/** The forecast's grid, searched like any other candidate. */
export interface ForecastGrid {
  quantiles: number[];
  utilizations: number[];
  /** Target tracking above the schedule: InvocationsPerInstance target as a share of the peak. */
  targetSharesOfPeak: number[];
  scaleOutCooldownSeconds: number[];
  scaleInCooldownSeconds: number[];
}

export const DEFAULT_FORECAST_GRID: ForecastGrid = {
  quantiles: [0.5, 0.75, 1],
  utilizations: [0.8, 0.9],
  targetSharesOfPeak: [0.7, 0.8, 0.9],
  scaleOutCooldownSeconds: [300],
  scaleInCooldownSeconds: [300, 900],
};

/**
 * Candidates of forecast schedules combined with target tracking, built from the training windows
 * only (never the test window). Labels name the training range, as the schedule depends on it.
 */
export function forecastCandidates(
  training: HistoryWindow[],
  base: PolicySet,
  peakInvocationsPerMinute: number,
  grid: ForecastGrid = DEFAULT_FORECAST_GRID,
  options: Omit<ForecastOptions, 'peakInvocationsPerMinute' | 'quantile' | 'utilization'> = {},
): { label: string; policySet: PolicySet }[] {
  const range = `${training[0]?.name}..${training.at(-1)?.name}`;
  const out: { label: string; policySet: PolicySet }[] = [];
  for (const quantile of grid.quantiles)
    for (const utilization of grid.utilizations) {
      const f = seasonalForecast(training, base, {
        ...options,
        peakInvocationsPerMinute,
        quantile,
        utilization,
      });
      const maxCapacity = Math.max(base.maxCapacity, ...f.actions.map((a) => a.maxCapacity ?? 0));
      for (const share of grid.targetSharesOfPeak)
        for (const outCd of grid.scaleOutCooldownSeconds)
          for (const inCd of grid.scaleInCooldownSeconds)
            out.push({
              label: `forecast q${quantile} u${utilization} (${f.season}, ${f.actions.length} actions, from ${range}) + inv ${Math.round(share * 100)}% out ${outCd}s in ${inCd}s`,
              policySet: {
                minCapacity: Math.min(maxCapacity, f.midnightMinCapacity),
                maxCapacity,
                invocationsTargetTracking: {
                  targetValue: Math.floor(share * peakInvocationsPerMinute),
                  scaleOutCooldownSeconds: outCd,
                  scaleInCooldownSeconds: inCd,
                  disableScaleIn: false,
                },
                scheduledActions: f.actions,
              },
            });
    }
  return out;
}
