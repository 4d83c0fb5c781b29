/**
 * The Markdown summary of a run: a short, human reading of the recommendation (which holds
 * everything) and of how the run ended. Pure: the caller says where the run's files are and how
 * its evaluation was done (the local backend's twin, for one).
 */
import type { Recommendation } from '../core/recommendation';
import { pullRequestSections } from './pr-sections';
import { predictionVsMeasurement } from './side-by-side';

/** What the summary reads: the run's end and, when it succeeded, its recommendation. */
export interface RunSummaryInput {
  status: 'SUCCEEDED' | 'FAILED';
  /** The execution's error when it failed. */
  error: { name: string; cause: string } | null;
  /** Names of the states entered, in order; absent where the writer cannot know them (a Lambda). */
  states?: string[];
  /** The recommendation as stored; read only when the run SUCCEEDED. */
  recommendation: Recommendation | null;
  /** Where the run's files are. */
  folder: string;
  /** The benchmark's still-rising warning, when its throughput was still rising at the end. */
  benchmarkWarning?: string;
  /** How the evaluations were done, shown once an evaluation ran (e.g. "done by the digital twin..."). */
  evaluationNote?: string;
  /** What an iteration's evaluation is called, e.g. "twin evaluation"; default "evaluation". */
  evaluationLabel?: string;
  /**
   * Where recommendation.json is, when the run wrote one: adds the sections a pull request needs
   * (verdict, policy table, cost per month, the export commands; shared/outputs/pr-sections.ts).
   */
  recommendationPath?: string;
  /** The heading; default "scaleplan local run". */
  title?: string;
  /** What measured the evaluations, as the column of the prediction-and-measurement table names it. */
  measuredBy?: string;
}

/**
 * @example
 * renderRunSummary({ status: 'FAILED', error: { name: 'InvalidInputError', cause: 'x' }, states: ['NormalizeInput'],
 *   recommendation: null, folder: 'out/run-1' });
 * // '# scaleplan local run\n\n- status: FAILED\n- folder: out/run-1\n- error: InvalidInputError: x\n- states: 1 entered, last NormalizeInput\n'
 */
export function renderRunSummary(run: RunSummaryInput): string {
  const lines = [
    `# ${run.title ?? 'scaleplan local run'}`,
    '',
    `- status: ${run.status}`,
    `- folder: ${run.folder}`,
  ];
  if (run.benchmarkWarning) lines.push(`- warning: the benchmark's ${run.benchmarkWarning}`);
  if (run.status === 'FAILED' && run.error) lines.push(`- error: ${run.error.name}: ${run.error.cause}`);
  if (run.status === 'FAILED' && run.evaluationNote && run.states?.includes('RunEvaluation'))
    lines.push(`- evaluation: ${run.evaluationNote}`);
  if (run.status === 'SUCCEEDED' && run.recommendation)
    lines.push(...recommendationLines(run.recommendation, run));
  if (run.states) lines.push(`- states: ${run.states.length} entered, last ${run.states.at(-1) ?? 'none'}`);
  if (run.status === 'SUCCEEDED' && run.recommendation && run.recommendationPath)
    lines.push('', ...pullRequestSections(run.recommendation, run.recommendationPath));
  if (run.status === 'SUCCEEDED' && run.recommendation) {
    const table = predictionVsMeasurement(run.recommendation, run.measuredBy);
    if (table.length > 0) lines.push('', ...table);
  }
  return `${lines.join('\n')}\n`;
}

function recommendationLines(
  recommendation: Recommendation,
  { evaluationNote, evaluationLabel = 'evaluation' }: RunSummaryInput,
): string[] {
  const { benchmark, thresholds, capacity, iterations, cost } = recommendation;
  const lines = [
    `- benchmark: peak ${benchmark.peakInvocationsPerMinute} invocations/min per instance, p95 at peak ${benchmark.latencyAtPeak.p95Ms ?? 'n/a'} ms, bottleneck ${benchmark.bottleneck}`,
    `- thresholds: InvocationsPerInstance ${thresholds.invocationsPerInstance} (${thresholds.chosen}, ${thresholds.targetPercent}%), CPU target ${thresholds.cpuTargetPercent}`,
    `- capacity: MinCapacity ${capacity.minCapacity}, MaxCapacity ${capacity.maxCapacity}`,
    `- cost: ${cost.atMinCapacityPerHourUsd ?? 'n/a'} to ${cost.atMaxCapacityPerHourUsd ?? 'n/a'} USD per hour at Min and Max capacity of ${cost.instanceType} (${cost.source})`,
  ];
  if (evaluationNote) lines.push(`- evaluation: ${evaluationNote}`);
  for (const iteration of iterations) {
    const predicted = iteration.prediction?.verdict.passed;
    const evaluated = iteration.verdict ? (iteration.verdict.passed ? 'passed' : 'failed') : 'not run';
    const failures = (iteration.verdict ?? iteration.prediction?.verdict)?.failures
      .map((f) => f.message)
      .join('; ');
    lines.push(
      `- iteration ${iteration.iteration}: predicted ${predicted === undefined ? 'n/a' : predicted ? 'pass' : 'fail'}, ${evaluationLabel} ${evaluated}${failures ? ` (${failures})` : ''}`,
    );
  }
  return lines;
}
