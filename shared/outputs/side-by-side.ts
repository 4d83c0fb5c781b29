/**
 * The twin's prediction and the evaluation's measurement of each iteration, side by side: what
 * a reader needs to trust (or not) a verdict, and to see where the twin is wrong.
 */
import type { IterationRecord, Recommendation } from '../core/recommendation';
import type { EvaluationActivity, Verdict } from '../core/types';

function activitiesText(activities: readonly EvaluationActivity[] | undefined): string {
  if (!activities || activities.length === 0) return 'none';
  return activities
    .map((a) => `+${(a.atSeconds / 60).toFixed(1)} min ${a.fromCapacity}→${a.toCapacity}`)
    .join(', ');
}

function cells(verdict: Verdict | undefined): string[] {
  if (!verdict) return ['not run', '-', '-', '-', '-'];
  const m = verdict.measurement;
  return [
    verdict.passed ? 'pass' : 'fail',
    Math.round(verdict.maxInvocationsPerMinute).toLocaleString('en-US'),
    `${(verdict.errorRate * 100).toFixed(2)} %`,
    verdict.worstLatencyMs === null ? 'n/a' : `${verdict.worstLatencyMs.toFixed(1)} ms`,
    m?.instanceHours === null || m?.instanceHours === undefined ? 'n/a' : m.instanceHours.toFixed(3),
  ];
}

function iterationRows(iteration: IterationRecord, percentile: string): string[] {
  const predicted = cells(iteration.prediction?.verdict);
  const measured = cells(iteration.verdict);
  const names = [
    'verdict',
    'max invocations/min',
    'errors',
    `worst ${percentile} latency`,
    'instance-hours during the load',
  ];
  const rows = names.map(
    (name, i) => `| ${iteration.iteration} | ${name} | ${predicted[i]} | ${measured[i]} |`,
  );
  rows.push(
    `| ${iteration.iteration} | scaling activities | ${activitiesText(iteration.prediction?.verdict.measurement?.activities)} | ${activitiesText(iteration.verdict?.measurement?.activities)} |`,
  );
  const after = iteration.verdict?.measurement?.instanceHoursAfterLoad;
  if (after)
    rows.push(
      `| ${iteration.iteration} | instance-hours after the load (scale-in) | - | ${after.toFixed(3)} |`,
    );
  return rows;
}

/**
 * The section, in Markdown: one block of rows per iteration whose prediction or evaluation
 * carries a measurement; empty when none does. Times are AWS time since the evaluation started; on the local endpoint, minutes of
 * its scaled clock.
 *
 * @example
 * predictionVsMeasurement(recommendation, 'the local endpoint');
 * // ['## Prediction and measurement', '', '| iteration | | twin (predicted) | the local endpoint (measured) |', ...]
 */
export function predictionVsMeasurement(recommendation: Recommendation, measuredBy = 'evaluation'): string[] {
  // Only iterations whose verdicts carry a measurement (recommendations written before they did have none).
  const iterations = recommendation.iterations.filter(
    (i) => i.verdict?.measurement || i.prediction?.verdict.measurement,
  );
  if (iterations.length === 0) return [];
  const percentile = recommendation.expectations?.latencySlo.percentile ?? 'P95';
  const measuredOn = iterations.map((i) => i.verdict?.measurement?.measuredOn).find(Boolean);
  return [
    '## Prediction and measurement',
    '',
    `The digital twin predicts each policy set before it is evaluated; the evaluation then measures it${measuredOn ? ` (${measuredOn})` : ''}. Activity times are minutes since the evaluation started.`,
    '',
    `| iteration | | twin (predicted) | ${measuredBy} (measured) |`,
    '|---|---|---|---|',
    ...iterations.flatMap((iteration) => iterationRows(iteration, percentile)),
  ];
}
