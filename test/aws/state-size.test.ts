/**
 * Bounded state: the largest request the schema allows, run through the real definition and
 * handlers (fake ports) to maxIterations with every evaluation failing, never makes a state input
 * or output larger than the budget. Step Functions refuses more than 256 KiB with
 * States.DataLimitExceeded, which `States.ALL` does not catch: Cleanup would never run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_SCHEDULE_LENGTH,
  MAX_SCHEDULED_ACTION_NAME_LENGTH,
  MAX_SCHEDULED_ACTIONS,
  ScalingRequestSchema,
} from '../../shared/core/request';
import { createFakePorts, evaluationMetricsOf } from '../fakes/ports';
import { machineOver } from './machine';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
/** The longest role ARN the schema allows, as one the deployment may pass (NormalizeInput refuses others). */
const LONGEST_ROLE_ARN = `arn:aws:iam::123456789012:role/r${'x'.repeat(2048 - 32)}`;
process.env.SCALEPLAN_PASS_ROLE_ARNS = LONGEST_ROLE_ARN;

/** The state budget, bytes of JSON: well under Step Functions' 256 KiB (262,144 bytes). */
export const STATE_BUDGET_BYTES = 160 * 1024;

/** A valid cron of MAX_SCHEDULE_LENGTH characters: a long Minutes list. */
const LONGEST_CRON = (() => {
  const tail = ' 8 ? * MON-FRI *)';
  const minutes: number[] = [];
  while (`cron(${[...minutes, minutes.length].join(',')}${tail}`.length <= MAX_SCHEDULE_LENGTH)
    minutes.push(minutes.length);
  return `cron(${minutes.join(',')}${tail}`;
})();

/** Every list at its schema maximum and every string at its maximum length. */
function largestRequest(): Record<string, unknown> {
  const pad = (prefix: string, length: number) => (prefix + 'x'.repeat(length)).slice(0, length);
  return {
    name: pad('big', 40),
    model: {
      kind: 'modelPackage',
      // The ARN at its longest (the schema allows 2048 characters after model-package/).
      modelPackageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${pad('g', 2046)}/1`,
    },
    instanceType: 'ml.c5.large',
    variantName: pad('v', 63),
    roleArn: LONGEST_ROLE_ARN,
    traffic: { minRps: 70, maxRps: 500, growthFactor: 1.2, pattern: 'spiky' },
    latencySlo: { percentile: 'P95', ms: 10000 },
    evaluation: { maxIterations: 10, durationSeconds: 600, jobDurationSeconds: 1200 },
    policies: {
      stepScaling: {
        steps: Array.from({ length: 20 }, (_, i) => ({
          lower: i * 100,
          upper: i === 19 ? null : (i + 1) * 100,
          adjustment: 1,
        })),
      },
      scheduledActions: Array.from({ length: MAX_SCHEDULED_ACTIONS }, (_, i) => ({
        name: pad(`action-${i}-`, MAX_SCHEDULED_ACTION_NAME_LENGTH),
        schedule: LONGEST_CRON,
        // The twin simulates UTC schedules only (a longer zone is refused at SimulatePolicies).
        timezone: 'UTC',
        minCapacity: 1,
        maxCapacity: 20,
      })),
    },
    maxInstancesLimit: 20,
    maxInstanceHours: 1000,
  };
}

test(`the largest valid request, failing every evaluation to maxIterations, stays under ${STATE_BUDGET_BYTES} bytes`, async () => {
  const input = largestRequest();
  const parsed = ScalingRequestSchema.safeParse(input);
  assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues.slice(0, 2)));
  assert.ok(LONGEST_CRON.length >= MAX_SCHEDULE_LENGTH - 3, LONGEST_CRON);
  const fake = createFakePorts({
    // Every evaluation reaches half of maxRps x 60: the verdict fails and tuning goes on.
    evaluationMetrics: (_, evaluation) =>
      evaluationMetricsOf({ peakPerMinute: evaluation.maxInvocationsPerMinute * 0.5 }),
  });
  const run = machineOver(fake.ports);
  const result = await run(input, 'state-size');
  const iterations = result.states.filter((s) => s === 'TunePolicies' || s === 'TuneBeforeEvaluation').length;
  console.log(
    `largest state: ${result.largest.bytes} bytes at ${result.largest.state}; ${result.status} ${result.error?.name ?? ''} ${result.error?.cause.slice(0, 300) ?? ''}; tunings ${iterations}; input ${Buffer.byteLength(JSON.stringify(input))} bytes`,
  );
  assert.equal(result.error?.name, 'EvaluationFailedError');
  assert.equal(iterations, 9, 'tuned up to maxIterations (10 policy sets)');
  assert.ok(
    result.largest.bytes <= STATE_BUDGET_BYTES,
    `largest state ${result.largest.bytes} bytes at ${result.largest.state}`,
  );
});
