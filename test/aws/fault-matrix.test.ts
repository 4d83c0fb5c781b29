/**
 * The fault matrix: every Task state of the real definition (statemachines/scaleplan.asl.yml), run
 * by aws-local-stepfunctions with the real handlers (functions/index.ts) over the real AWS adapters
 * on createMockedAws's clients, behind a consistent fake account (test/aws/fake-account.ts) that
 * keeps an inventory, answers from it, refuses what AWS refuses, and holds another team's and
 * another run's resources. Each cell is one execution with one fault at one state:
 *
 * - throttled once: the state's first AWS request answers ThrottlingException;
 * - throttled 10 min: every AWS request of the account answers ThrottlingException for 10 virtual
 *   minutes from the state's first request (Cleanup's included);
 * - AccessDenied: the state's first operation (Cleanup: DeleteEndpoint) is denied to its function;
 * - 500 after effect: the state's first mutating request (Cleanup: DeleteEndpoint) takes effect,
 *   then answers InternalFailure 500;
 * - lost Lambda response: the handler runs with all its side effects, then Step Functions sees
 *   Lambda.SdkClientException instead of its result (the definition retries it);
 * - job FAILED / job STOPPED: the job being polled ends so (PollJob, PollEvaluation);
 * - endpoint Failed: the endpoint being polled turns Failed (PollEndpoint, PollEndpointBeforeReset);
 * - DeleteEndpoint refused while Creating: the Task fails for good with States.Timeout after its
 *   handler ran, with the endpoint Creating or Updating for 15 more minutes (DeleteEndpoint refused
 *   meanwhile); in the Cleanup row the endpoint is Updating when Cleanup starts;
 * - never-ending wait: the job never ends (stopped only by Cleanup), or the endpoint stays Creating
 *   (or Updating) for 60 minutes, SageMaker's longest container start-up health check (botocore:
 *   ContainerStartupHealthCheckTimeoutInSeconds <= 3600), then turns Failed (InService after an update).
 *
 * Time. Waits and retry intervals are 0 ms locally, so the fake account keeps a virtual clock
 * that this file advances by what Step Functions would wait: a Wait state's Seconds when the poll
 * after it starts, one second per Lambda invocation, and before every retry the state's own Retry
 * read from the definition, IntervalSeconds x BackoffRate^n capped by MaxDelaySeconds, times a FULL
 * jitter draw in [0, 1) from a PRNG seeded per cell (deterministic, and as short as AWS may make
 * it). Retry counters are per retrier and reset when the state is entered anew, as in Step Functions.
 *
 * Rows. Every Task runs on `main` (evaluation 1 fails, is tuned and the endpoint reset, evaluation 2
 * passes), TuneBeforeEvaluation on `predicted` (the twin predicts a miss first), NormalizeInput on
 * `package` (the user's existing version: the one-run-per-version check lists the executions). The failure
 * path's rows add a base failure: PublishFailureEvent follows a FAILED Default job (its fault must
 * not change JobFailedError); PublishCleanupFailureEvent follows a successful run whose Cleanup is
 * denied DeleteEndpoint. The four states of the history search (ReadHistory, PlanSearch, the Map's
 * EvaluateCandidateBatch, PickRobustPolicySet) run on `history`: a two-day S3 trace of the
 * account's owner and a small search grid (one batch); a batch that fails for good fails the map
 * with States.ExceedToleratedFailureThreshold.
 *
 * Every cell asserts: the fault was injected; nothing of the run is left in the account (no
 * endpoint, running job, model, config, package, group, alarm, target, policy or scheduled action
 * that carries the run's id); when the docs say something may be left (Cleanup denied), each one
 * left is named by ARN in the error's cause; every foreign resource is as it was; and the outcome
 * docs/aws.md gives. A cell that does not apply is skipped and shown as n/a. The matrix is printed
 * as a table. Every request sent is checked against botocore.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSearchPoliciesPlanHandler } from '../../functions/searchPoliciesPlan/handler';
import { runIdFor, runNames } from '../../shared/core/naming';
import { loadDefinition } from '../../shared/workflow/definition';
import { localExecutionArn } from '../../shared/workflow/local-runner';
import { describeFailures, validateContractRecords } from '../contract/botocore';
import { SMALL_SEARCH_GRID } from '../fakes/search-grid';
import { FakeAccount, type Fault, type Leftover, seedForeign } from './fake-account';
import { machineOver } from './machine';
import { ACCOUNT, awsError, BUCKET, createMockedAws } from './mocks';
import { sageMakerArn } from './tagged-account';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:scaleplan`;
const USER_GROUP = 'churn-models';
const OTHER_RUN_ID = 'otherrun00';
const THROTTLE_WINDOW_SECONDS = 600;
/** How long the endpoint stays Creating/Updating in the DeleteEndpoint-refused column. */
const UNSETTLED_SECONDS = 900;
/** A never-ending endpoint wait: SageMaker's longest container start-up health check. */
const HEALTH_CHECK_LIMIT_SECONDS = 3600;

const CONTAINER = {
  kind: 'container',
  image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1`,
  modelDataUrl: 's3://models/churn/model.tar.gz',
  samplePayloadUrl: 's3://models/churn/payload.tar.gz',
  framework: 'XGBOOST',
  frameworkVersion: '1.5-1',
  nearestModelName: 'xgboost',
  modelPackageGroupName: USER_GROUP,
};

/** A request and how its evaluations go: the n-th Advanced job's peak, invocations per minute. */
interface Scenario {
  request: Record<string, unknown>;
  evaluationPeak: (index: number) => number;
  /** Objects of the account's owner, put before the run (a traffic trace). */
  objects?: Record<string, string>;
}

/**
 * The cells' requests: a container registered into the user's own group (the ClientToken case).
 * `main`: two iterations, the first paid evaluation at 24000/min (below 500 rps x 60) is tuned and
 * the endpoint reset before the second passes. `predicted`: a P95 SLO of 25 ms the twin predicts
 * to miss, tuned before paying (TuneBeforeEvaluation), then evaluated at the last iteration and
 * passed. Between them every Task state outside the history search is entered.
 */
/** The request with a P95 SLO of `p95Ms` and two iterations. */
const requestWithSlo = (p95Ms: number) => ({
  name: 'churn',
  model: CONTAINER,
  instanceType: 'ml.c5.large',
  traffic: { minRps: 70, maxRps: 500 },
  latencySlo: { percentile: 'P95', ms: p95Ms },
  evaluation: { maxIterations: 2 },
});

/**
 * Two UTC days of a trace as `scaleplan traffic` writes it: 600 invocations a minute with a
 * 20-minute burst to 24,000 every 4 hours (so maxRps comes out at 400).
 */
function traceFile(): string {
  const start = Date.parse('2026-11-01T00:00:00Z') / 60_000;
  const minutes = Array.from({ length: 2 * 1440 }, (_, i) => start + i);
  return JSON.stringify({
    formatVersion: 1,
    MetricDataResults: [
      {
        Id: 'invocations',
        Label: 'Invocations',
        Timestamps: minutes.map((m) => new Date(m * 60_000).toISOString()),
        Values: minutes.map((m) => (m % 240 < 20 ? 24_000 : 600)),
      },
    ],
  });
}
const TRACE_KEY = 'traces/history.json';

const SCENARIOS: Record<'main' | 'predicted' | 'history' | 'package', Scenario> = {
  main: { request: requestWithSlo(10000), evaluationPeak: (index) => (index === 1 ? 24000 : 31000) },
  predicted: { request: requestWithSlo(25), evaluationPeak: () => 31000 },
  history: {
    request: {
      ...requestWithSlo(10000),
      traffic: { history: { s3Uri: `s3://${BUCKET}/${TRACE_KEY}` } },
      evaluation: { maxIterations: 1 },
    },
    evaluationPeak: () => 31000,
    objects: { [`${BUCKET}/${TRACE_KEY}`]: traceFile() },
  },
  // The user's own version 1 (seeded): NormalizeInput then lists the running executions for it.
  package: {
    request: {
      ...requestWithSlo(10000),
      model: { kind: 'modelPackage', modelPackageArn: sageMakerArn('model-package', `${USER_GROUP}/1`) },
      evaluation: { maxIterations: 1 },
    },
    evaluationPeak: () => 31000,
  },
};
/** The rows that run on `predicted` (every other row runs on `main`). */
const PREDICTED_ROWS = new Set(['TuneBeforeEvaluation']);
/** The rows that run on `package` (a versioned model package: the one-run-per-version check). */
const PACKAGE_ROWS = new Set(['NormalizeInput']);
/** The rows of the history search, which run on `history`. */
const HISTORY_ROWS = new Set(['ReadHistory', 'PlanSearch', 'EvaluateCandidateBatch', 'PickRobustPolicySet']);

type Json = Record<string, unknown>;
interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

/** The Task states with their Retry, and the Wait before each poll, from the definition. */
function readDefinition() {
  const states = (loadDefinition() as { States: Record<string, Json> }).States;
  const retries = new Map<string, Retrier[]>();
  const waitBefore = new Map<string, number>();
  const tasks: string[] = [];
  const collect = (all: Record<string, Json>) => {
    for (const [name, state] of Object.entries(all)) {
      const processor = state.ItemProcessor as { States?: Record<string, Json> } | undefined;
      if (processor?.States) collect(processor.States);
      if (state.Type === 'Task') {
        tasks.push(name);
        retries.set(name, (state.Retry as Retrier[] | undefined) ?? []);
      }
      if (state.Type === 'Wait') waitBefore.set(String(state.Next), Number(state.Seconds ?? 0));
    }
  };
  collect(states);
  return { tasks, retries, waitBefore };
}
const DEFINITION = readDefinition();

/** mulberry32: a small seeded PRNG for the jitter draws. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per Task invocation: what a cell does before the handler and what Step Functions sees after it. */
interface TaskHook {
  before?: () => void;
  /** An error that replaces the handler's result (its side effects stay). */
  after?: () => Error | undefined;
}

/**
 * The clock-keeping wrapper of every Task: advances the account's clock by the Wait before a poll,
 * one second per invocation and the Retry backoff before each retry, and runs the cell's hook on
 * the state's first invocation.
 */
class TaskClock {
  account = new FakeAccount();
  random = seeded(1);
  hooks = new Map<string, TaskHook>();
  /** The states whose hook ran in this cell. */
  readonly fired = new Set<string>();
  private readonly counters = new Map<string, number[]>();
  private readonly invoked = new Set<string>();

  reset(account: FakeAccount, seed: number) {
    this.account = account;
    this.random = seeded(seed);
    this.hooks.clear();
    this.fired.clear();
    this.counters.clear();
    this.invoked.clear();
  }

  readonly around = async <T>(state: string, invoke: () => Promise<T>): Promise<T> => {
    const account = this.account;
    if (!this.counters.has(state)) {
      this.counters.set(
        state,
        (DEFINITION.retries.get(state) ?? []).map(() => 0),
      );
      account.advance(DEFINITION.waitBefore.get(state) ?? 0);
    }
    account.advance(1);
    const hook = this.invoked.has(state) ? undefined : this.hooks.get(state);
    this.invoked.add(state);
    if (hook) this.fired.add(state);
    account.currentState = state;
    try {
      hook?.before?.();
      const output = await invoke();
      const replaced = hook?.after?.();
      if (replaced) throw replaced;
      this.counters.delete(state);
      return output;
    } catch (error) {
      this.backoff(state, error instanceof Error ? error.name : 'Error');
      throw error;
    } finally {
      account.currentState = undefined;
    }
  };

  /** Advances the clock as Step Functions would before retrying `errorName`, or ends the entry. */
  private backoff(state: string, errorName: string) {
    const retriers = DEFINITION.retries.get(state) ?? [];
    const counters = this.counters.get(state) ?? [];
    const index = retriers.findIndex(
      (r) => r.ErrorEquals.includes(errorName) || r.ErrorEquals.includes('States.ALL'),
    );
    const retrier = retriers[index];
    const attempts = counters[index] ?? 0;
    if (!retrier || attempts >= (retrier.MaxAttempts ?? 3)) {
      this.counters.delete(state);
      return;
    }
    const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempts;
    const capped = Math.min(interval, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    counters[index] = attempts + 1;
    this.account.advance(capped * this.random());
  }
}

const aws = createMockedAws('fault-matrix');
const clock = new TaskClock();
clock.account.wire(aws, () => clock.account);
const run = machineOver(aws.ports, clock.around, {
  searchPoliciesPlan: createSearchPoliciesPlanHandler(aws.ports, { grid: SMALL_SEARCH_GRID }),
});

interface CellRun {
  status: string;
  error: { name: string; cause: string } | null;
  states: string[];
  account: FakeAccount;
  left: Leftover[];
  foreignChanged: string[];
}

let executions = 0;

/** One execution on a freshly seeded account, `arm` setting the cell's faults. */
async function execute(
  scenario: Scenario,
  arm: (account: FakeAccount, names: ReturnType<typeof runNames>) => void,
): Promise<CellRun> {
  executions += 1;
  const executionName = `matrix-${executions}`;
  const names = runNames(String(scenario.request.name), runIdFor(localExecutionArn(executionName)));
  const account = new FakeAccount();
  account.runId = names.runId;
  seedForeign(account, {
    userGroup: USER_GROUP,
    otherRunId: OTHER_RUN_ID,
    stateMachineArn: STATE_MACHINE_ARN,
  });
  account.evaluationPeak = scenario.evaluationPeak;
  for (const [key, body] of Object.entries(scenario.objects ?? {})) account.objects.set(key, body);
  const foreign = account.snapshot();
  clock.reset(account, executions);
  arm(account, names);
  const result = await run(scenario.request, executionName);
  // Long enough for whatever was deleted or stopped to be gone (Deleting, STOPPING).
  account.faultFor = () => undefined;
  account.advance(3600);
  const after = account.snapshot();
  const foreignChanged = [...foreign].filter(([key, value]) => after.get(key) !== value).map(([key]) => key);
  return { ...result, account, left: account.leftBy(names.runId), foreignChanged };
}

const throttled = () => awsError('ThrottlingException', 'Rate exceeded');
const lambdaError = (name: string, message: string) => Object.assign(new Error(message), { name });
const MUTATING = /^(Create|Put|Register|Update|Delete|Deregister|Stop)/;
const POLLS_OF_JOBS = ['PollJob', 'PollEvaluation'];
const POLLS_OF_ENDPOINT = ['PollEndpoint', 'PollEndpointBeforeReset'];

interface Baseline {
  states: string[];
  operations: Map<string, string[]>;
}

/** What a cell needs of the row: the operations the state sends in the baseline run. */
interface Row {
  state: string;
  scenario: Scenario;
  operations: string[];
  /** The endpoint exists when the state first runs (from DeployEndpoint on). */
  endpointExists: boolean;
  /** The base failure a row of the failure path adds, and the error it ends with. */
  base?: { arm: (account: FakeAccount) => void; error: string; denied?: boolean };
}

interface FaultColumn {
  label: string;
  /** Why the cell does not apply, or undefined when it does. */
  notApplicable: (row: Row) => string | undefined;
  arm: (row: Row, account: FakeAccount, names: ReturnType<typeof runNames>) => void;
  /** The outcome docs/aws.md gives: SUCCEEDED, or the error name the execution fails with. */
  expected: (row: Row) => string;
}

const firstOperation = (row: Row, mutating = false) =>
  row.state === 'Cleanup' ? 'DeleteEndpoint' : row.operations.find((op) => !mutating || MUTATING.test(op));

const noAwsCall = (row: Row) => (row.operations.length === 0 ? 'sends no AWS request' : undefined);
/**
 * The outcome of a row: the base failure's error on the failure path's rows; a child of the
 * search's Distributed Map that fails for good fails the map with
 * States.ExceedToleratedFailureThreshold (its only batch is above the 10% tolerated).
 */
const failedOr = (row: Row, name: string) =>
  row.base?.error ??
  (row.state === 'EvaluateCandidateBatch' && name !== 'SUCCEEDED'
    ? 'States.ExceedToleratedFailureThreshold'
    : name);

/** The run's endpoint is made to stay unsettled for a while (Creating stays Creating). */
function unsettle(account: FakeAccount, endpointName: string, seconds: number, creatingThen = 'InService') {
  const endpoint = account.endpoints.get(endpointName);
  if (!endpoint) return;
  const status = endpoint.status === 'Creating' ? 'Creating' : 'Updating';
  account.setEndpointStatus(endpointName, status, {
    status: status === 'Creating' ? creatingThen : 'InService',
    seconds,
    ...(creatingThen === 'Failed'
      ? { reason: 'The primary container did not pass the ping health check.' }
      : {}),
  });
}

const COLUMNS: FaultColumn[] = [
  {
    label: 'throttled once',
    notApplicable: noAwsCall,
    arm: (row, account) => {
      let done = false;
      account.faultFor = (call) => {
        if (done || call.state !== row.state) return undefined;
        done = true;
        return { error: throttled() };
      };
    },
    expected: (row) => failedOr(row, 'SUCCEEDED'),
  },
  {
    label: 'throttled 10 min',
    notApplicable: noAwsCall,
    arm: (row, account) => {
      let startMs: number | undefined;
      account.faultFor = (call) => {
        if (startMs === undefined && call.state === row.state) startMs = call.nowMs;
        if (startMs === undefined || call.nowMs >= startMs + THROTTLE_WINDOW_SECONDS * 1000) return undefined;
        return { error: throttled() };
      };
    },
    // Only Cleanup's own budget (about 50 minutes unjittered) outlasts 10 minutes.
    expected: (row) => failedOr(row, row.state === 'Cleanup' ? 'SUCCEEDED' : 'TransientAwsError'),
  },
  {
    label: 'AccessDenied',
    notApplicable: noAwsCall,
    arm: (row, account) => {
      const operation = firstOperation(row);
      account.faultFor = (call) =>
        call.state === row.state && call.operation === operation
          ? {
              error: awsError(
                'AccessDeniedException',
                `User: arn:aws:sts::${ACCOUNT}:assumed-role/scaleplan-${row.state} is not authorized to perform: ${call.operation}`,
              ),
            }
          : undefined;
    },
    expected: (row) => failedOr(row, 'AwsRequestError'),
  },
  {
    label: '500 after effect',
    notApplicable: (row) => (firstOperation(row, true) ? undefined : 'sends no mutating request'),
    arm: (row, account) => {
      const operation = firstOperation(row, true);
      let done = false;
      account.faultFor = (call): Fault | undefined => {
        if (done || call.state !== row.state || call.operation !== operation) return undefined;
        done = true;
        return { after: true, error: awsError('InternalFailure', 'We encountered an internal error.', 500) };
      };
    },
    expected: (row) => failedOr(row, 'SUCCEEDED'),
  },
  {
    label: 'lost Lambda response',
    notApplicable: () => undefined,
    arm: (row) => {
      clock.hooks.set(row.state, {
        after: () => lambdaError('Lambda.SdkClientException', 'Unable to read the response of the function.'),
      });
    },
    expected: (row) => failedOr(row, 'SUCCEEDED'),
  },
  ...(['FAILED', 'STOPPED'] as const).map(
    (outcome): FaultColumn => ({
      label: `job ${outcome}`,
      notApplicable: (row) => (POLLS_OF_JOBS.includes(row.state) ? undefined : 'polls no job'),
      arm: (row, account) => {
        clock.hooks.set(row.state, {
          before: () => {
            const job = account.latestRunJob(row.state === 'PollJob' ? 'Default' : 'Advanced');
            if (job) account.endJob(job, outcome);
          },
        });
      },
      expected: () => 'JobFailedError',
    }),
  ),
  {
    label: 'endpoint Failed',
    notApplicable: (row) => (POLLS_OF_ENDPOINT.includes(row.state) ? undefined : 'polls no endpoint'),
    arm: (row, account, names) => {
      clock.hooks.set(row.state, {
        before: () =>
          account.setEndpointStatus(names.endpointName, 'Failed', {
            status: 'Failed',
            seconds: 0,
            reason: 'Instance failed its health check.',
          }),
      });
    },
    expected: () => 'EndpointFailedError',
  },
  {
    label: 'DeleteEndpoint refused while Creating',
    notApplicable: (row) =>
      row.base ? 'a failure-path row' : row.endpointExists ? undefined : 'no endpoint exists yet',
    arm: (row, account, names) => {
      if (row.state === 'Cleanup') {
        clock.hooks.set(row.state, {
          before: () => unsettle(account, names.endpointName, UNSETTLED_SECONDS),
        });
        return;
      }
      clock.hooks.set(row.state, {
        after: () => {
          unsettle(account, names.endpointName, UNSETTLED_SECONDS);
          return lambdaError('States.Timeout', 'Task timed out.');
        },
      });
    },
    expected: (row) => (row.state === 'Cleanup' ? 'SUCCEEDED' : 'States.Timeout'),
  },
  {
    label: 'never-ending wait',
    notApplicable: (row) =>
      [...POLLS_OF_JOBS, ...POLLS_OF_ENDPOINT].includes(row.state) ? undefined : 'waits for nothing',
    arm: (row, account, names) => {
      clock.hooks.set(row.state, {
        before: () => {
          if (POLLS_OF_ENDPOINT.includes(row.state))
            unsettle(account, names.endpointName, HEALTH_CHECK_LIMIT_SECONDS, 'Failed');
          else {
            const job = account.latestRunJob(row.state === 'PollJob' ? 'Default' : 'Advanced');
            if (job) account.holdJob(job);
          }
        },
      });
    },
    expected: () => 'WaitTimeoutError',
  },
];

/** Cells by row and column: ✓, ✗ or n/a. */
const table = new Map<string, Map<string, string>>();
const counts = { run: 0, passed: 0, notApplicable: 0 };
const mark = (state: string, column: string, value: string) => {
  const row = table.get(state) ?? new Map<string, string>();
  row.set(column, value);
  table.set(state, row);
};

/** The cell's assertions: the outcome, nothing of the run left (or each left named), foreign intact. */
function assertCell(cell: CellRun, expected: string, mayLeave = false) {
  const outcome = cell.status === 'SUCCEEDED' ? 'SUCCEEDED' : (cell.error?.name ?? 'FAILED');
  const cause = (cell.error?.cause ?? '').toLowerCase();
  assert.deepEqual(cell.foreignChanged, [], 'foreign resources changed or gone');
  const unnamed = cell.left.filter((left) => !cause.includes(left.arn.toLowerCase()));
  assert.deepEqual(
    unnamed.map((left) => `${left.kind} ${left.arn}`),
    [],
    `left by the run and not named in the cause (${outcome}: ${cause.slice(0, 400)})`,
  );
  const path = cell.states.filter((state) => !/^(Wait|Is|Did|Can)/.test(state)).join(' ');
  assert.equal(outcome, expected, `${cell.error?.cause?.slice(0, 600) ?? ''}\nstates: ${path.slice(-1500)}`);
  // Only a clean-up that is denied its deletes may leave something (each named above).
  if (!mayLeave) assert.deepEqual(cell.left, [], 'nothing of the run is left');
  else assert.ok(cell.left.length > 0, 'a denied clean-up leaves what it could not delete');
}

const baselines = new Map<string, Baseline>();

for (const [key, scenario] of Object.entries(SCENARIOS))
  test(`baseline ${key}: the run succeeds and leaves nothing, every request answered by the account`, async () => {
    const cell = await execute(scenario, () => {});
    assertCell(cell, 'SUCCEEDED');
    const operations = new Map<string, string[]>();
    for (const call of cell.account.calls)
      if (call.state)
        operations.set(call.state, [...new Set([...(operations.get(call.state) ?? []), call.operation])]);
    baselines.set(key, { states: cell.states, operations });
    const expectedStates = {
      main: ['TunePolicies', 'PollEndpointBeforeReset', 'ResetEndpoint'],
      predicted: ['TuneBeforeEvaluation'],
      history: [...HISTORY_ROWS],
      package: ['NormalizeInput'],
    }[key];
    for (const state of expectedStates ?? [])
      assert.ok(cell.states.includes(state), `${state} entered: ${cell.states.join(', ')}`);
    assert.deepEqual(
      cell.account.events.map((event) => event.detailType),
      ['Recommendation Ready'],
    );
  });

test('fault matrix: every Task state x every fault', async (t) => {
  assert.equal(baselines.size, Object.keys(SCENARIOS).length, 'the baselines ran');
  // The failure path's rows: a failed job before the failure event; a denied endpoint delete
  // after a run that succeeded, before the clean-up failure event.
  const jobFails = (account: FakeAccount) =>
    clock.hooks.set('PollJob', {
      before: () => {
        const job = account.latestRunJob('Default');
        if (job) account.endJob(job, 'FAILED');
      },
    });
  const cleanupDenied = (account: FakeAccount) => {
    const previous = account.faultFor;
    account.faultFor = (call) =>
      previous(call) ??
      (call.state === 'Cleanup' && call.operation === 'DeleteEndpoint'
        ? { error: awsError('AccessDeniedException', 'not authorized to perform: DeleteEndpoint') }
        : undefined);
  };
  for (const state of DEFINITION.tasks) {
    const base =
      state === 'PublishFailureEvent'
        ? { arm: jobFails, error: 'JobFailedError' }
        : state === 'PublishCleanupFailureEvent'
          ? { arm: cleanupDenied, error: 'AwsRequestError', denied: true }
          : undefined;
    const scenarioKey = PREDICTED_ROWS.has(state)
      ? 'predicted'
      : HISTORY_ROWS.has(state)
        ? 'history'
        : PACKAGE_ROWS.has(state)
          ? 'package'
          : 'main';
    const baseline = baselines.get(scenarioKey) as Baseline;
    const entered = new Set(baseline.states);
    const deployAt = baseline.states.indexOf('DeployEndpoint');
    const row: Row = {
      state,
      scenario: SCENARIOS[scenarioKey],
      operations: baseline.operations.get(state) ?? (base ? ['PutEvents'] : []),
      endpointExists: deployAt >= 0 && baseline.states.indexOf(state) >= deployAt,
      ...(base ? { base } : {}),
    };
    for (const column of COLUMNS) {
      const name = `${state} x ${column.label}`;
      assert.ok(entered.has(state) || base, `${state} is never entered by its scenario`);
      const why = column.notApplicable(row);
      if (why) {
        counts.notApplicable += 1;
        mark(state, column.label, 'n/a');
        await t.test(name, { skip: `n/a: ${state} ${why}` }, () => {});
        continue;
      }
      counts.run += 1;
      await t.test(name, async () => {
        mark(state, column.label, '✗');
        const cell = await execute(row.scenario, (account, names) => {
          // The fault of the column first, then the row's base failure (which wraps faultFor).
          column.arm(row, account, names);
          row.base?.arm(account);
        });
        // The fault happened: a request of the account answered with it, or the state's hook ran.
        assert.ok(
          cell.account.calls.some((call) => call.faulted && call.state === state) || clock.fired.has(state),
          `the fault of ${name} was never injected`,
        );
        const denied = (state === 'Cleanup' && column.label === 'AccessDenied') || row.base?.denied === true;
        assertCell(cell, column.expected(row), denied);
        mark(state, column.label, '✓');
        counts.passed += 1;
      });
    }
  }
});

test('the matrix, printed, and every request valid against botocore', (t) => {
  const columns = COLUMNS.map((c) => c.label);
  const width = Math.max(...DEFINITION.tasks.map((s) => s.length));
  const lines = [
    `${'state'.padEnd(width)} | ${columns.join(' | ')}`,
    `${'-'.repeat(width)} | ${columns.map((c) => '-'.repeat(c.length)).join(' | ')}`,
    ...DEFINITION.tasks.map(
      (state) =>
        `${state.padEnd(width)} | ${columns.map((c) => (table.get(state)?.get(c) ?? '?').padEnd(c.length)).join(' | ')}`,
    ),
    `cells: ${counts.run} run, ${counts.passed} passed, ${counts.run - counts.passed} failed, ${counts.notApplicable} not applicable; ${executions} executions`,
  ];
  console.log(lines.join('\n'));
  aws.recorder.harvest();
  const unique = [...new Map(aws.recorder.records.map((r) => [JSON.stringify(r), r])).values()];
  assert.ok(unique.length > 100, `${unique.length} distinct requests`);
  const outcome = validateContractRecords(unique);
  if (outcome.status === 'skipped') {
    t.skip(outcome.reason);
    return;
  }
  const failures = describeFailures(outcome.results);
  assert.equal(failures, '', `requests that botocore ${outcome.botocoreVersion} rejects:\n${failures}`);
});
