/**
 * Checks of the definition itself: every error name it matches exists in the code, every Task has
 * a timeout, the standard retry set with backoff and jitter and a Catch into clean-up, every Task
 * names a function that exists, wait loops are bounded, and asl-validator accepts it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FUNCTION_NAMES, OUTSIDE_THE_DEFINITION } from '../../functions/index';
import { ERROR_NAMES } from '../../shared/core/errors';
import { EvaluationSettingsSchema } from '../../shared/core/request';
import {
  DEFINITION_PATH,
  FAKE_LAMBDA_ARN_PREFIX,
  loadDefinition,
  readRawDefinition,
  taskFunctionKeys,
} from '../../shared/workflow/definition';

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}
interface State {
  Type: string;
  Resource?: unknown;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  Parameters?: Record<string, unknown>;
  Seconds?: number;
  Next?: string;
  Choices?: { Next: string }[];
  Default?: string;
}

const raw = readRawDefinition() as unknown as { States: Record<string, State>; TimeoutSeconds: number };
const states = raw.States;
const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');

const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

function aslValidator(args: string[]): { status: number | null; output: string } {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'asl-validator');
  const result = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('state machine definition', () => {
  test('every error name in ErrorEquals exists in ERROR_NAMES or is a States.* / Lambda.* name', () => {
    const names = new Set<string>();
    for (const [, state] of Object.entries(states)) {
      for (const block of [...(state.Retry ?? []), ...(state.Catch ?? [])])
        for (const name of block.ErrorEquals) names.add(name);
    }
    assert.ok(names.has('TransientAwsError'));
    for (const name of names) {
      const known =
        (ERROR_NAMES as readonly string[]).includes(name) ||
        name.startsWith('States.') ||
        name.startsWith('Lambda.');
      assert.ok(known, `${name} is matched by the definition but not declared in shared/core/errors.ts`);
    }
  });

  test('the failure recorded for an evaluation that never passed is a declared error name', () => {
    const record = states.RecordEvaluationFailure;
    assert.equal(record?.Parameters?.Error, 'EvaluationFailedError');
    assert.ok((ERROR_NAMES as readonly string[]).includes('EvaluationFailedError'));
  });

  for (const [name, state] of tasks) {
    test(`${name}: timeout, Lambda retry set and TransientAwsError with backoff and full jitter, Catch into clean-up`, () => {
      assert.ok(
        (state.TimeoutSeconds ?? 0) > 0 && (state.TimeoutSeconds ?? 0) <= 900,
        'TimeoutSeconds in 1..900',
      );
      const lambda = state.Retry?.find((r) => LAMBDA_ERRORS.every((e) => r.ErrorEquals.includes(e)));
      assert.ok(lambda, 'the standard Lambda retry set');
      assert.ok((lambda.BackoffRate ?? 1) > 1);
      assert.equal(lambda.JitterStrategy, 'FULL');
      const transient = state.Retry?.find((r) => r.ErrorEquals.includes('TransientAwsError'));
      assert.ok(transient, 'TransientAwsError is retried');
      assert.ok((transient.BackoffRate ?? 1) > 1);
      assert.ok((transient.MaxAttempts ?? 0) >= 3);
      assert.equal(transient.JitterStrategy, 'FULL');
      const catcher = state.Catch?.[0];
      assert.ok(catcher, 'a Catch');
      assert.deepEqual(catcher.ErrorEquals, ['States.ALL']);
      // The failure path: nothing to clean before NormalizeInput; after Cleanup, the failure
      // event's own failure leaves the execution's error as it was.
      const expected =
        name === 'NormalizeInput' || name === 'ReadHistory'
          ? { ResultPath: '$.error', Next: 'PublishFailureEvent' }
          : name === 'Cleanup'
            ? { ResultPath: '$.cleanupError', Next: 'DidCleanupFollowAnError' }
            : name === 'PublishFailureEvent'
              ? { ResultPath: '$.failureEventError', Next: 'FailExecution' }
              : name === 'PublishCleanupFailureEvent'
                ? { ResultPath: '$.failureEventError', Next: 'FailCleanup' }
                : { ResultPath: '$.error', Next: 'Cleanup' };
      assert.deepEqual({ ResultPath: catcher.ResultPath, Next: catcher.Next }, expected);
    });
  }

  test('every Task names a function of functions/index.ts and every function is used', () => {
    const keys = taskFunctionKeys();
    // Plus EvaluateCandidateBatch, the Task inside SearchPolicies' ItemProcessor.
    assert.equal(Object.keys(keys).length, tasks.length + 1);
    assert.equal(keys.EvaluateCandidateBatch, 'searchPoliciesBatch');
    for (const key of Object.values(keys))
      assert.ok((FUNCTION_NAMES as readonly string[]).includes(key), key);
    assert.deepEqual(
      [...new Set(Object.values(keys))].sort(),
      FUNCTION_NAMES.filter((key) => !OUTSIDE_THE_DEFINITION.includes(key)).sort(),
    );
    // Two states share tunePolicies: before paying and after a failed evaluation.
    assert.equal(keys.TuneBeforeEvaluation, 'tunePolicies');
    assert.equal(keys.TunePolicies, 'tunePolicies');
  });

  test('loadDefinition replaces each Fn::GetAtt with a fake Lambda ARN', () => {
    const loaded = loadDefinition() as { States: Record<string, State> };
    assert.equal(loaded.States.PollJob?.Resource, `${FAKE_LAMBDA_ARN_PREFIX}pollJob`);
    assert.equal(
      (
        loadDefinition({
          lambdaArnPrefix: 'arn:aws:lambda:eu-west-1:111122223333:function:scaleplan-dev-',
        }) as {
          States: Record<string, State>;
        }
      ).States.Cleanup?.Resource,
      'arn:aws:lambda:eu-west-1:111122223333:function:scaleplan-dev-cleanup',
    );
    assert.ok(!JSON.stringify(loaded).includes('Fn::GetAtt'));
  });

  // Each loop: Wait seconds x maxRounds, and the longest the awaited thing may take.
  const loops = [
    { wait: 'WaitForJob', poll: 'PollJob', atLeastSeconds: 45 * 60 },
    { wait: 'WaitForEndpoint', poll: 'PollEndpoint', atLeastSeconds: 15 * 60 },
    { wait: 'WaitBeforeReset', poll: 'PollEndpointBeforeReset', atLeastSeconds: 15 * 60 },
    { wait: 'WaitForEvaluation', poll: 'PollEvaluation', atLeastSeconds: 18000 },
  ];
  for (const loop of loops) {
    test(`${loop.wait} -> ${loop.poll} is bounded and the bound covers ${loop.atLeastSeconds} s`, () => {
      const wait = states[loop.wait];
      const poll = states[loop.poll];
      assert.equal(wait?.Next, loop.poll);
      const maxRounds = poll?.Parameters?.maxRounds;
      assert.equal(typeof maxRounds, 'number');
      const boundSeconds = (wait?.Seconds ?? 0) * (maxRounds as number);
      assert.ok(boundSeconds >= loop.atLeastSeconds, `${boundSeconds} s < ${loop.atLeastSeconds} s`);
    });
  }

  // The longest one entry into a Task can take: every attempt runs to its TimeoutSeconds, every
  // retrier is spent (MaxAttempts, 3 when absent) and every backoff is at its unjittered maximum
  // (IntervalSeconds x BackoffRate^n, capped at MaxDelaySeconds; FULL jitter only shortens it).
  const taskBoundSeconds = (name: string): number => {
    const state = states[name];
    let attempts = 1;
    let backoffSeconds = 0;
    for (const retrier of state?.Retry ?? []) {
      const maxAttempts = retrier.MaxAttempts ?? 3;
      attempts += maxAttempts;
      for (let retry = 0; retry < maxAttempts; retry++)
        backoffSeconds += Math.min(
          (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** retry,
          retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY,
        );
    }
    return (state?.TimeoutSeconds ?? 0) * attempts + backoffSeconds;
  };
  // No state is entered more often per execution than maxIterations (each tuning counts one; the
  // schema caps it at 10) times, except a loop's Wait and poll, entered maxRounds times per entry
  // into the loop. So everything x 10 is an upper bound, loops at maxRounds x (Wait + poll bound).
  const MAX_ITERATIONS = 10;
  const YEAR_SECONDS = 365 * 24 * 3600;

  test('a Task entry is bounded by 13 attempts at its TimeoutSeconds and 126 + 275 s of backoff', () => {
    assert.equal(
      taskBoundSeconds('PollJob'),
      60 * 13 + (2 + 4 + 8 + 16 + 32 + 64) + (5 + 10 + 20 + 40 + 80 + 120),
    );
    // Cleanup has its own TransientAwsError budget: 24 retries, 10 s x2 up to 300 s.
    assert.equal(taskBoundSeconds('Cleanup'), 600 * 31 + 126 + (10 + 20 + 40 + 80 + 160 + 19 * 300));
  });

  test('the execution timeout is a backstop above the longest execution at 10 iterations', () => {
    assert.equal(EvaluationSettingsSchema.safeParse({ maxIterations: MAX_ITERATIONS }).success, true);
    assert.equal(EvaluationSettingsSchema.safeParse({ maxIterations: MAX_ITERATIONS + 1 }).success, false);
    const polls = new Set<string>();
    let loopsSeconds = 0;
    for (const state of Object.values(states)) {
      if (state.Type !== 'Wait' || !state.Next) continue;
      polls.add(state.Next);
      const maxRounds = states[state.Next]?.Parameters?.maxRounds as number;
      loopsSeconds += maxRounds * ((state.Seconds ?? 0) + taskBoundSeconds(state.Next));
    }
    const tasksSeconds = tasks
      .filter(([name]) => !polls.has(name))
      .reduce((sum, [name]) => sum + taskBoundSeconds(name), 0);
    const boundSeconds = MAX_ITERATIONS * (loopsSeconds + tasksSeconds);
    // Loops: 540 rounds x 1181 s of poll + 28,800 s of Waits = 666,540 s; Tasks outside loops:
    // 60,814 s (Cleanup's own retry budget, the two failure events' 1181 s each, ReadHistory's
    // 4301 s, PlanSearch's 1181 s and PickRobustPolicySet's 1961 s included); x 10 = 7,273,540 s
    // (84.2 days), below TimeoutSeconds (90 days). SearchPolicies is a Map, not a Task: its
    // children (at most 2000 candidates: 42 batches of 48, 16 at once, 3 waves of 4301 s) add
    // 12,903 s per entry, 129,030 s at 10 entries, still within the backstop (7,402,570 s, 85.7 days).
    assert.deepEqual([...polls].sort(), [
      'PollEndpoint',
      'PollEndpointBeforeReset',
      'PollEvaluation',
      'PollJob',
    ]);
    assert.equal(loopsSeconds, 540 * 1181 + (90 * 60 + 60 * 30 + 330 * 60 + 60 * 30));
    assert.equal(tasksSeconds, 60814);
    assert.equal(boundSeconds, 7273540);
    assert.ok(raw.TimeoutSeconds > boundSeconds + MAX_ITERATIONS * 3 * 4301);
    assert.ok(raw.TimeoutSeconds > boundSeconds, `${raw.TimeoutSeconds} s <= ${boundSeconds} s`);
    assert.ok(raw.TimeoutSeconds <= YEAR_SECONDS, 'a Standard workflow runs at most one year');
  });

  test('asl-validator accepts the YAML as written and the definition with ARNs', () => {
    const yaml = aslValidator(['--yaml-path', DEFINITION_PATH]);
    assert.equal(yaml.status, 0, yaml.output);
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-asl-'));
    const resolved = join(dir, 'scaleplan.asl.json');
    writeFileSync(resolved, JSON.stringify(loadDefinition()));
    const json = aslValidator(['--json-path', resolved]);
    assert.equal(json.status, 0, json.output);
  });

  test('asl-validator rejects a broken copy (a Next to a state that does not exist)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-asl-'));
    const broken = join(dir, 'broken.asl.yml');
    writeFileSync(
      broken,
      readFileSync(DEFINITION_PATH, 'utf8').replace('Next: StartRecommenderJob', 'Next: StartJobTypo'),
    );
    const result = aslValidator(['--yaml-path', broken]);
    assert.notEqual(result.status, 0);
  });
});
