/**
 * One execution per model package version at a time: a second execution for a version that
 * already has one running (started twice, or a duplicate EventBridge delivery, which AWS allows:
 * EventBridge delivers at least once) would pay for a second benchmark and a second endpoint to
 * learn the same thing. NormalizeInput refuses it before anything exists.
 *
 * Two executions started within the same second both see each other running; exactly one must
 * go on, so the earlier start wins, and on a tie the smaller execution ARN.
 */
import type { RunningExecution } from './ports';

/**
 * The versioned model package an execution input names: `model.modelPackageArn` of a
 * ScalingRequest, or `detail.ModelPackageArn` of a "SageMaker Model Package State Change" event;
 * undefined for a container (each run registers its own version) or anything unreadable.
 * @example modelVersionOfInput({ detail: { ModelPackageArn: 'arn:aws:sagemaker:us-east-1:1:model-package/g/3' } })
 * // 'arn:aws:sagemaker:us-east-1:1:model-package/g/3'
 */
export function modelVersionOfInput(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as { model?: unknown; detail?: unknown };
  const model = record.model as { kind?: unknown; modelPackageArn?: unknown } | undefined;
  if (model?.kind === 'modelPackage' && typeof model.modelPackageArn === 'string')
    return model.modelPackageArn;
  const detail = record.detail as { ModelPackageArn?: unknown } | undefined;
  if (typeof detail?.ModelPackageArn === 'string') return detail.ModelPackageArn;
  return undefined;
}

/** Whether `a` started before `b`: by start time, then by ARN (a total order, so one run goes on). */
function startedBefore(a: RunningExecution, b: { executionArn: string; startMs: number }): boolean {
  const aMs = Date.parse(a.startDate);
  if (aMs !== b.startMs) return aMs < b.startMs;
  return a.executionArn < b.executionArn;
}

/**
 * The running execution that makes `self` a duplicate: another execution of the same model
 * package version that started before it. `self` may be missing from `running` (the list is
 * eventually consistent): then every other running one for the version came first.
 *
 * @param modelPackageArn the version `self` runs
 * @returns the execution to name in the refusal, or undefined when `self` goes on
 */
export function earlierRunOf(
  selfArn: string,
  modelPackageArn: string,
  running: readonly RunningExecution[],
): RunningExecution | undefined {
  const self = running.find((execution) => execution.executionArn === selfArn);
  const selfStart = {
    executionArn: selfArn,
    startMs: self ? Date.parse(self.startDate) : Number.POSITIVE_INFINITY,
  };
  return running
    .filter((execution) => execution.executionArn !== selfArn)
    .filter((execution) => modelVersionOfInput(execution.input) === modelPackageArn)
    .filter((execution) => startedBefore(execution, selfStart))
    .sort((a, b) => Date.parse(a.startDate) - Date.parse(b.startDate))[0];
}
