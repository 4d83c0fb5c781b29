/**
 * Cleanup: deletes what the ledger lists and what this execution may have created without the
 * ledger learning of it (a create that succeeded on AWS but whose Task failed afterwards: see
 * `resourcesNamedByRun`), newest kind first (evaluations and alarms before the scalable target,
 * the endpoint before its config and model, the package before its group).
 * Something already gone counts as done, so clean-up works when half was never created and can
 * run twice. Every resource is tried on every attempt: a throttled or still-settling one (an
 * endpoint that is Creating or Updating) does not stop the others. When anything is left, the
 * error lists every resource left by ARN, with why: TransientAwsError while one of them may still
 * go (the state machine retries Cleanup with its own budget of about 50 minutes, at most 100, and
 * the retry is idempotent), else AwsRequestError. With `cleanup: false` in the request nothing is deleted and
 * the ledger is returned as retained. Only resources that carry the run's tags are deleted: one
 * of a derived name without them (another run's, or another team's) is reported as `notOwned`.
 */
import { z } from 'zod';
import { createAwsPorts } from '../../shared/adapters/aws';
import { defineHandler, type WorkflowHandler } from '../../shared/contract/handler';
import {
  LedgerSchema,
  RequestSchema,
  RunNamesSchema,
  resourcesNamedByRun,
  withNamedResources,
} from '../../shared/contract/state';
import { AwsRequestError, ResourceNotFoundError, TransientAwsError } from '../../shared/core/errors';
import { ownerOf } from '../../shared/core/ownership';
import type { ResourceRef, WorkflowPorts } from '../../shared/core/ports';

export const CleanupInput = z
  .object({
    ledger: LedgerSchema,
    cleanup: z.boolean().default(true),
    /** With `names` and `iterations`: the resources the run names, tried even when not in the ledger. */
    request: RequestSchema.optional(),
    names: RunNamesSchema.optional(),
    /** The iteration reached (`$.iteration.number`): evaluations 1..iterations are tried. */
    iterations: z.number().int().min(0).optional(),
    /** `$$.Execution.Id`: its partition, Region and account give the ARNs of what is left. */
    executionArn: z.string().min(1).max(2048).optional(),
  })
  .strict();

/** Partition, Region and account of the execution (`arn:aws:states:us-east-1:123456789012:execution:...`). */
function accountOf(executionArn: string | undefined) {
  const parts = executionArn?.split(':') ?? [];
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return { partition: parts[1] ?? 'aws', region: parts[3] ?? '', account: parts[4] ?? '' };
}

const SAGEMAKER_ARN_TYPES: Partial<Record<ResourceRef['kind'], string>> = {
  modelPackageGroup: 'model-package-group',
  model: 'model',
  endpointConfig: 'endpoint-config',
  endpoint: 'endpoint',
  recommenderJob: 'inference-recommendations-job',
  evaluation: 'inference-recommendations-job',
};

/**
 * The ARN of a resource left behind, for the error that names it. SageMaker ARNs carry the name in
 * lower case; a scalable target's ARN is assigned by AWS, so it is named by its ResourceId.
 * @example resourceArnOf({ kind: 'endpoint', name: 'Churn-ab12-eval' }, 'arn:aws:states:us-east-1:123456789012:execution:sp:x')
 * // 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-ab12-eval'
 */
export function resourceArnOf(ref: ResourceRef, executionArn: string | undefined): string {
  if (ref.arn) return ref.arn;
  const where = accountOf(executionArn);
  if (ref.kind === 'scalableTarget') return `scalable target sagemaker ${ref.name}`;
  if (!where) return `${ref.kind} ${ref.name}`;
  const { partition, region, account } = where;
  if (ref.kind === 'alarm') return `arn:${partition}:cloudwatch:${region}:${account}:alarm:${ref.name}`;
  const type = SAGEMAKER_ARN_TYPES[ref.kind];
  return type
    ? `arn:${partition}:sagemaker:${region}:${account}:${type}/${ref.name.toLowerCase()}`
    : `${ref.kind} ${ref.name}`;
}

export interface CleanupResult {
  deleted: ResourceRef[];
  notFound: ResourceRef[];
  retained: ResourceRef[];
  /** Of the run's names, but without the run's tags: another run's (or team's), left alone. Present when any. */
  notOwned?: ResourceRef[];
}

export function createCleanupHandler(ports: Pick<WorkflowPorts, 'cleanup'>): WorkflowHandler<CleanupResult> {
  return defineHandler({
    name: 'cleanup',
    input: CleanupInput,
    handle: async ({ ledger, cleanup, request, names, iterations, executionArn }, { logger }) => {
      if (!cleanup) {
        logger.info('clean-up skipped by the request', { retained: ledger.length });
        return { deleted: [], notFound: [], retained: ledger };
      }
      const named = request && names ? resourcesNamedByRun(request, names, iterations ?? 0) : [];
      const inLedger = (ref: ResourceRef) =>
        ledger.some((known) => known.kind === ref.kind && known.name === ref.name);
      const targets = withNamedResources(ledger, named);
      const result: CleanupResult = { deleted: [], notFound: [], retained: [] };
      // With the run's names, only what carries the run's tags is deleted (shared/core/ownership.ts).
      const owner = names ? ownerOf(names) : undefined;
      const left: string[] = [];
      let mayStillGo = false;
      for (const ref of [...targets].reverse()) {
        // A named resource that is not there was never created: nothing to report.
        const missing = () => {
          if (inLedger(ref)) result.notFound.push(ref);
        };
        try {
          const outcome = await ports.cleanup.deleteResource(ref, owner);
          if (outcome === 'notFound') missing();
          else if (outcome === 'notOwned') {
            result.notOwned = [...(result.notOwned ?? []), ref];
            logger.warn("left a resource of the run's name that is not the run's", { ref });
          } else {
            result.deleted.push(ref);
            if (!inLedger(ref)) logger.warn('deleted a resource the ledger missed', { ref });
          }
        } catch (error) {
          if (error instanceof ResourceNotFoundError) {
            missing();
            continue;
          }
          // Throttled, or an endpoint still settling: the others are tried first, then the retry.
          if (error instanceof TransientAwsError) mayStillGo = true;
          result.retained.push(ref);
          left.push(
            `${resourceArnOf(ref, executionArn)} (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`,
          );
        }
      }
      logger.info('clean-up done', {
        deleted: result.deleted.length,
        notFound: result.notFound.length,
        notOwned: result.notOwned?.length ?? 0,
        left: left.length,
      });
      if (left.length > 0) {
        const message = `clean-up could not delete ${left.length} resource(s), left: ${left.join('; ')}`;
        throw mayStillGo ? new TransientAwsError(message) : new AwsRequestError(message);
      }
      return result;
    },
  });
}

export const handler = createCleanupHandler(createAwsPorts());
