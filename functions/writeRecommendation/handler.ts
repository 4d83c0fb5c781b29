/**
 * WriteRecommendation: assembles the recommendation of the passing iteration (core
 * `assembleRecommendation`), stores it and what a local run writes beside it (summary.md,
 * report.html, the four exports) through the artifact store (S3 on AWS, keyed by run), then
 * announces it: the "Recommendation Ready" event carries the URIs and the key numbers, never the
 * objects. The event goes last, so a subscriber that reads the URIs finds every object there. The
 * stored recommendation, with where it and the objects went, is the execution's output.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  currentPolicySet,
  IterationStateSchema,
  PlanStateSchema,
  PredictionSchema,
  RequestSchema,
  RunNamesSchema,
  VerdictSchema,
} from '../../shared/contract/state';
import type { RunObject, WorkflowPorts } from '../../shared/core/ports';
import { assembleRecommendation, type Recommendation } from '../../shared/core/recommendation';
import type { ScalingRequest } from '../../shared/core/request';
import { buildReadyEvent, type RunObjectUris } from '../../shared/core/run-events';
import { EXPORT_FORMATS } from '../../shared/outputs/evidence';
import { EXPORT_FILE_NAMES, renderExport } from '../../shared/outputs/export';
import { renderReport } from '../../shared/outputs/report';
import { renderRunSummary } from '../../shared/outputs/summary';
import { predictedTimelines } from '../../shared/outputs/timelines';
import { loadReportAssets, type ReportAssets } from './report-assets';

export const WriteRecommendationInput = z
  .object({
    request: RequestSchema,
    names: RunNamesSchema,
    plan: PlanStateSchema,
    iteration: IterationStateSchema,
    prediction: PredictionSchema.optional(),
    verdict: VerdictSchema,
    /** `$$.Execution.Id`, named in the event. */
    executionArn: z.string().min(1).max(2048).optional(),
  })
  .strict();

/** Media type of each object a run writes (S3 serves it with that Content-Type). */
export const RUN_OBJECT_CONTENT_TYPES = {
  summary: 'text/markdown; charset=utf-8',
  report: 'text/html; charset=utf-8',
  cloudformation: 'application/yaml',
  terraform: 'text/plain; charset=utf-8',
  cdk: 'text/plain; charset=utf-8',
  cli: 'text/x-shellscript; charset=utf-8',
} as const;

/** The execution's output: the recommendation as stored, and where each object went. */
export type WriteRecommendationResult = Recommendation & { objects: RunObjectUris };

export interface WriteRecommendationOptions {
  /** The report's charting library and the scaleplan version (default: loadReportAssets). */
  reportAssets?: () => Promise<ReportAssets>;
}

/**
 * summary.md, report.html and the exports of a recommendation, as a local run would write them.
 * The exports target the endpoint named like the request (`<name>`, variant of the request): the
 * evaluation endpoint is gone; `scaleplan export --endpoint` retargets them.
 */
export function renderRunObjects(
  recommendation: Recommendation,
  request: ScalingRequest,
  folder: string,
  assets: ReportAssets,
): RunObject[] {
  const summary = renderRunSummary({
    title: `scaleplan run ${recommendation.runId}`,
    status: 'SUCCEEDED',
    error: null,
    recommendation,
    folder,
    recommendationPath: 'recommendation.json',
  });
  const report = renderReport({
    recommendation,
    timelines: predictedTimelines(recommendation, request),
    libraries: assets.libraries,
    scaleplanVersion: assets.scaleplanVersion,
  });
  const target = { endpointName: request.name, variantName: request.variantName };
  return [
    { name: 'summary.md', body: summary, contentType: RUN_OBJECT_CONTENT_TYPES.summary },
    { name: 'report.html', body: report, contentType: RUN_OBJECT_CONTENT_TYPES.report },
    ...EXPORT_FORMATS.map((format) => ({
      name: `exports/${EXPORT_FILE_NAMES[format]}`,
      body: renderExport(format, { recommendation, target, scaleplanVersion: assets.scaleplanVersion }),
      contentType: RUN_OBJECT_CONTENT_TYPES[format],
    })),
  ];
}

function uriOf(stored: { name: string; uri: string }[], name: string): string {
  const found = stored.find((object) => object.name === name);
  if (!found) throw new Error(`the artifact store did not return where ${name} went`);
  return found.uri;
}

export function createWriteRecommendationHandler(
  ports: Pick<WorkflowPorts, 'artifacts' | 'events'>,
  options: WriteRecommendationOptions = {},
): WorkflowHandler<WriteRecommendationResult> {
  const reportAssets = options.reportAssets ?? loadReportAssets;
  return defineHandler({
    name: 'writeRecommendation',
    input: WriteRecommendationInput,
    handle: async ({ request, names, plan, iteration, prediction, verdict, executionArn }, { logger }) => {
      const recommendation = assembleRecommendation({
        runId: names.runId,
        request,
        target: { endpointName: names.endpointName, variantName: request.variantName },
        benchmark: plan.benchmark,
        thresholds: plan.thresholds,
        capacity: plan.capacity,
        history: iteration.history,
        final: {
          iteration: iteration.number,
          policySet: currentPolicySet(plan.policySet, iteration),
          ...(prediction ? { prediction } : {}),
          verdict,
        },
        pricing: plan.pricing,
        ...(plan.search ? { search: plan.search } : {}),
      });
      const { uri } = await ports.artifacts.putRecommendation(names.runId, recommendation);
      const folder = uri.slice(0, uri.lastIndexOf('/') + 1);
      const objects = renderRunObjects(recommendation, request, folder, await reportAssets());
      const stored = await ports.artifacts.putRunObjects(names.runId, objects);
      const uris: RunObjectUris = {
        recommendation: uri,
        summary: uriOf(stored, 'summary.md'),
        report: uriOf(stored, 'report.html'),
        exports: Object.fromEntries(
          EXPORT_FORMATS.map((format) => [format, uriOf(stored, `exports/${EXPORT_FILE_NAMES[format]}`)]),
        ),
      };
      const identity = {
        runId: names.runId,
        name: request.name,
        executionArn: executionArn ?? null,
        modelPackageArn: request.model.kind === 'modelPackage' ? request.model.modelPackageArn : null,
      };
      const { eventId } = await ports.events.publish(buildReadyEvent(identity, recommendation, uris));
      logger.info('recommendation stored and announced', { uri, objects: stored.length + 1, eventId });
      return { ...recommendation, storedAt: uri, objects: uris };
    },
  });
}

export const handler = createWriteRecommendationHandler(createAwsPorts());
