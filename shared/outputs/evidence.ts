/**
 * What every export carries besides the policies: the recommendation's requests rebuilt for the
 * user's endpoint, and the evidence behind them (benchmark peak, thresholds, verdict, the twin's
 * figures) as plain lines that each format turns into its own comments.
 *
 * `recommendation.requests` names the evaluation endpoint (`<name>-<run>-eval`), which the run
 * deleted, and leaves the step alarm's AlarmActions to run time: an export is rebuilt from the
 * recommended policy set by the same core builders, so the names, bounds and alarm are exactly
 * what the workflow applied, on the endpoint the user names.
 */
import type { ScalingRequests } from '../core/aws-requests';
import { InvalidInputError } from '../core/errors';
import { buildScalingRequests, type EndpointVariant } from '../core/policies';
import type { Recommendation } from '../core/recommendation';

export type ExportFormat = 'cloudformation' | 'terraform' | 'cdk' | 'cli';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['cloudformation', 'terraform', 'cdk', 'cli'];

export interface ExportInput {
  recommendation: Recommendation;
  /** The user's endpoint variant the policies are applied to. */
  target: EndpointVariant;
  /** The scaleplan version that wrote the export (package.json). */
  scaleplanVersion: string;
}

/** The requests for the user's endpoint and the evidence lines, shared by every format. */
export interface ExportPlan {
  requests: ScalingRequests;
  evidence: string[];
}

/**
 * Rebuilds the recommended policy set's requests for `target`.
 * @throws InvalidInputError when the endpoint or variant name is not a SageMaker name
 * @example planExport({ recommendation, target: { endpointName: 'prod', variantName: 'AllTraffic' }, scaleplanVersion: '0.1.0' })
 *   .requests.registerScalableTarget.ResourceId // 'endpoint/prod/variant/AllTraffic'
 */
export function planExport(input: ExportInput): ExportPlan {
  const { recommendation, target } = input;
  if (recommendation.policySet === undefined || recommendation.benchmark === undefined)
    throw new InvalidInputError('the recommendation has no policySet or benchmark to export');
  return {
    requests: buildScalingRequests(target, recommendation.policySet),
    evidence: evidenceLines(input),
  };
}

const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : String(round(value, digits));

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * The evidence as sentences, one per line, without comment markers.
 * @example evidenceLines(input)[0] // 'scaleplan 0.1.0: recommendation of run abc123 (demo), format version 1'
 */
export function evidenceLines(input: ExportInput): string[] {
  const { recommendation: r, target } = input;
  const b = r.benchmark;
  const t = r.thresholds;
  const v = r.verdict;
  const final = r.iterations.at(-1);
  const twin = final?.prediction?.simulation;
  const lines = [
    `scaleplan ${input.scaleplanVersion}: recommendation of run ${r.runId} (${r.name}), format version ${r.formatVersion}`,
    `applies to endpoint ${target.endpointName}, variant ${target.variantName} (evaluated on ${r.evaluatedOn.endpointName}/${r.evaluatedOn.variantName}, deleted after the run)`,
    `benchmark: one ${r.instanceType} (${b.vcpus} vCPU) peaked at ${b.peakInvocationsPerMinute} invocations/min, latency at the peak avg ${fmt(b.latencyAtPeak.avgMs)} ms, p95 ${fmt(b.latencyAtPeak.p95Ms)} ms, p99 ${fmt(b.latencyAtPeak.p99Ms)} ms, bottleneck ${b.bottleneck}`,
    `thresholds: InvocationsPerInstance ${t.invocationsPerInstance} per minute from ${t.chosen} at ${t.targetPercent}% (${t.goal}); peakShare ${t.peakShare.invocationsPerInstance}, cpuOverlay ${t.cpuOverlay.invocationsPerInstance ?? 'none'}; CPU target ${t.cpuTargetPercent}%`,
    `capacity: MinCapacity ${r.policySet.minCapacity}, MaxCapacity ${r.policySet.maxCapacity} (${fmt(r.capacity.rpsPerInstance)} requests/s per instance at the target; traffic ${r.expectations.minRps} to ${r.expectations.maxRps} requests/s, growth x${r.expectations.growthFactor})`,
    `verdict: ${v.passed ? 'passed' : 'failed'}, ${fmt(v.maxInvocationsPerMinute, 0)} invocations/min reached of ${fmt(v.targetInvocationsPerMinute, 0)} expected, error rate ${fmt(v.errorRate * 100, 3)}%, worst ${r.expectations.latencySlo.percentile} ${fmt(v.worstLatencyMs)} ms against the ${r.expectations.latencySlo.ms} ms SLO, after ${r.iterations.length} iteration(s)`,
  ];
  if (twin)
    lines.push(
      `digital twin (iteration ${final?.iteration}): ${fmt(twin.maxInvocationsPerMinute, 0)} invocations/min at most, p95 ${fmt(twin.p95LatencyMs)} ms, p99 ${fmt(twin.p99LatencyMs)} ms, ${fmt(twin.errorCount, 0)} errors, ${fmt(twin.instanceHours, 2)} instance-hours (oracle ${fmt(twin.oracleInstanceHours, 2)}), ${twin.scalingActivities} scaling activities, ${twin.minInServiceInstances} to ${twin.maxInServiceInstances} instances`,
    );
  lines.push(
    `cost: ${fmt(r.cost.atMinCapacityPerHourUsd, 2)} to ${fmt(r.cost.atMaxCapacityPerHourUsd, 2)} USD per hour at Min and Max capacity (${r.cost.source})`,
  );
  if (r.reasons.some((reason) => reason.code === 'evaluationByDigitalTwin'))
    lines.push(
      'the evaluation was done by the digital twin on the local backend: nothing was deployed or measured on SageMaker',
    );
  return lines;
}
