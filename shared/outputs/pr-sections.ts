/**
 * The parts of summary.md that make it fit for a pull request: the verdict in one line, the
 * policy table, the cost per month at minimum, typical and maximum traffic, and how to export the
 * policies to the endpoint's own tool. Markdown, pure.
 */
import type { Recommendation } from '../core/recommendation';
import { monthlyCosts } from './monthly-cost';

const cell = (value: string | number | null | undefined) => String(value ?? 'n/a').replace(/\|/g, '\\|');
const table = (header: string[], rows: (string | number | null | undefined)[][]) => [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
];

/**
 * One row per policy and scheduled action of a policy set: policy, metric or schedule, target,
 * cooldown (the summary's and the report's policy tables).
 */
export function policyRows(set: Recommendation['policySet']): string[][] {
  const cooldowns = (t: { scaleOutCooldownSeconds: number; scaleInCooldownSeconds: number }) =>
    `out ${t.scaleOutCooldownSeconds} s, in ${t.scaleInCooldownSeconds} s`;
  const rows: string[][] = [];
  if (set.invocationsTargetTracking)
    rows.push([
      'target tracking',
      'SageMakerVariantInvocationsPerInstance',
      `${set.invocationsTargetTracking.targetValue} per instance per minute`,
      cooldowns(set.invocationsTargetTracking),
    ]);
  if (set.cpuTargetTracking)
    rows.push([
      'target tracking',
      'CPUUtilization (Average, % over vCPUs)',
      `${set.cpuTargetTracking.targetValue}%`,
      cooldowns(set.cpuTargetTracking),
    ]);
  if (set.concurrencyTargetTracking)
    rows.push([
      'target tracking (scale-out only)',
      'SageMakerVariantConcurrentRequestsPerModelHighResolution (10 s)',
      `${set.concurrencyTargetTracking.targetValue} concurrent requests per instance`,
      set.concurrencyTargetTracking.disableScaleIn
        ? `out ${set.concurrencyTargetTracking.scaleOutCooldownSeconds} s`
        : cooldowns(set.concurrencyTargetTracking),
    ]);
  if (set.stepScaling)
    rows.push([
      'step scaling',
      `InvocationsPerInstance >= ${set.stepScaling.alarmThresholdInvocationsPerInstance}/min (${set.stepScaling.datapointsToAlarm} of ${set.stepScaling.evaluationPeriods})`,
      set.stepScaling.steps.map((s) => `[${s.lower}, ${s.upper ?? '∞'}) +${s.adjustment}`).join(', '),
      `${set.stepScaling.cooldownSeconds} s`,
    ]);
  for (const action of set.scheduledActions)
    rows.push([
      'scheduled',
      `${action.schedule} ${action.timezone ?? 'UTC'}`,
      `Min ${action.minCapacity ?? '-'}, Max ${action.maxCapacity ?? '-'}`,
      '-',
    ]);
  return rows;
}

/** The policy table: one row per policy and scheduled action, then Min/Max. */
export function policyTable(recommendation: Recommendation): string[] {
  const set = recommendation.policySet;
  const rows = [
    ...policyRows(set),
    ['capacity', 'MinCapacity / MaxCapacity', `${set.minCapacity} / ${set.maxCapacity}`, '-'],
  ];
  return table(['policy', 'metric or schedule', 'target', 'cooldown'], rows);
}

/**
 * The pull-request sections, as Markdown lines.
 * @example pullRequestSections(recommendation, 'out/run/recommendation.json')[0] // '## Verdict'
 */
export function pullRequestSections(recommendation: Recommendation, recommendationPath: string): string[] {
  const v = recommendation.verdict;
  const slo = recommendation.expectations.latencySlo;
  const { rows, reasons } = monthlyCosts(recommendation);
  return [
    '## Verdict',
    '',
    `**${v.passed ? 'passed' : 'failed'}**: ${Math.round(v.maxInvocationsPerMinute)} invocations/min reached of ${Math.round(v.targetInvocationsPerMinute)} expected, error rate ${Math.round(v.errorRate * 1e5) / 1e3}%, worst ${slo.percentile} ${v.worstLatencyMs === null ? 'n/a' : Math.round(v.worstLatencyMs * 10) / 10} ms against the ${slo.ms} ms SLO, on ${recommendation.instanceType}.`,
    '',
    '## Policies',
    '',
    ...policyTable(recommendation),
    '',
    '## Cost per month',
    '',
    ...table(
      ['traffic', 'requests/s', 'instances', 'USD per month'],
      rows.map((r) => [
        r.traffic,
        Math.round(r.requestsPerSecond * 10) / 10,
        r.instances,
        r.usdPerMonth === null ? 'n/a' : r.usdPerMonth.toFixed(2),
      ]),
    ),
    '',
    ...reasons.map((r) => `_${r.message}_`),
    '',
    '## Apply it',
    '',
    '```bash',
    ...(['cloudformation', 'terraform', 'cdk', 'cli'] as const).map(
      (format) =>
        `npx scaleplan export --recommendation ${recommendationPath} --endpoint YOUR-ENDPOINT --format ${format}`,
    ),
    '```',
    '',
    'The report with every chart: `report.html` beside this file (`npx scaleplan report` writes it again).',
  ];
}
