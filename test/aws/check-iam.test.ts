/**
 * scripts/check-iam.ts on small templates (each rule with a case that breaks it and one that
 * keeps it), the SDK-call trace of scripts/sdk-calls.ts on a small project, and the real check:
 * every function of serverless.yml against the commands its handler sends.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import {
  actionsOfRole,
  checkFunctionRoles,
  checkIam,
  type IamProblem,
  neededActions,
  templateOfServerlessYml,
  traceFunctions,
} from '../../scripts/check-iam';
import { traceSdkOperations } from '../../scripts/sdk-calls';

const ROLE = 'arn:aws:iam::123456789012:role/sm';
const SM_ANY_ENDPOINT = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/*';
const roleWith = (statements: object[]) => ({
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      },
    },
  },
});
const passRole = (extra: object = {}) => ({
  Effect: 'Allow',
  Action: 'iam:PassRole',
  Resource: ROLE,
  Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  ...extra,
});

const cases: { name: string; statements: object[]; codes: IamProblem['code'][] }[] = [
  {
    name: 'named actions on "*" resources are fine',
    statements: [{ Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' }],
    codes: [],
  },
  {
    name: 'Action "*"',
    statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    codes: ['wildcardAction'],
  },
  {
    name: 'a service wildcard',
    statements: [{ Effect: 'Allow', Action: ['sagemaker:*'], Resource: '*' }],
    codes: ['wildcardAction'],
  },
  {
    name: 'a prefix wildcard',
    statements: [{ Effect: 'Allow', Action: ['s3:Put*'], Resource: '*' }],
    codes: ['wildcardAction'],
  },
  {
    name: 'NotAction',
    statements: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }],
    codes: ['notAction'],
  },
  {
    name: 'a Deny with "*" is not a grant',
    statements: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
    codes: [],
  },
  { name: 'PassRole on one role with a service condition', statements: [passRole()], codes: [] },
  { name: 'PassRole on "*"', statements: [passRole({ Resource: '*' })], codes: ['passRoleWildcard'] },
  {
    name: 'PassRole on a role path wildcard',
    statements: [passRole({ Resource: 'arn:aws:iam::123456789012:role/*' })],
    codes: ['passRoleWildcard'],
  },
  {
    name: 'PassRole without a condition',
    statements: [passRole({ Condition: undefined })],
    codes: ['passRoleUnconditioned'],
  },
  {
    name: 'a delete on every endpoint',
    statements: [{ Effect: 'Allow', Action: ['sagemaker:DeleteEndpoint'], Resource: SM_ANY_ENDPOINT }],
    codes: ['unscopedDestructive'],
  },
  {
    name: 'a delete on "*"',
    statements: [
      { Effect: 'Allow', Action: ['application-autoscaling:DeregisterScalableTarget'], Resource: '*' },
    ],
    codes: ['unscopedDestructive'],
  },
  {
    name: 'a delete on endpoints tagged by the state machine',
    statements: [
      {
        Effect: 'Allow',
        Action: ['sagemaker:DeleteEndpoint', 'sagemaker:StopInferenceRecommendationsJob'],
        Resource: { 'Fn::Sub': 'arn:aws:sagemaker:us-east-1:123456789012:*' },
        Condition: { StringEquals: { 'aws:ResourceTag/scaleplan:state-machine': 'arn:aws:states:::sm' } },
      },
    ],
    codes: [],
  },
  {
    name: 'a delete on a name prefix',
    statements: [
      {
        Effect: 'Allow',
        Action: ['sagemaker:DeleteEndpoint'],
        Resource: `${SM_ANY_ENDPOINT.slice(0, -1)}team-*`,
      },
    ],
    codes: [],
  },
  {
    name: "alarms under scaleplan's prefix and Application Auto Scaling's",
    statements: [
      {
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
        Resource: [
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:scaleplan-*',
          'arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-endpoint/*',
        ],
      },
    ],
    codes: [],
  },
  {
    name: 'every alarm',
    statements: [
      {
        Effect: 'Allow',
        Action: ['cloudwatch:PutMetricAlarm'],
        Resource: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:*',
      },
    ],
    codes: ['alarmOutsidePrefix'],
  },
  {
    name: 'deleting every alarm',
    statements: [{ Effect: 'Allow', Action: ['cloudwatch:DeleteAlarms'], Resource: '*' }],
    codes: ['unscopedDestructive', 'alarmOutsidePrefix'],
  },
  {
    name: 'reading metrics on "*" is no alarm action',
    statements: [{ Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' }],
    codes: [],
  },
];

for (const c of cases) {
  test(`check-iam: ${c.name}`, () => {
    const report = checkIam(roleWith(c.statements));
    assert.deepEqual(
      report.problems.map((p) => p.code),
      c.codes,
    );
    assert.equal(report.statements, c.statements.length);
  });
}

test('check-iam reads AWS::IAM::Policy documents too', () => {
  const report = checkIam({
    Resources: {
      P: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'x',
          PolicyDocument: { Statement: { Effect: 'Allow', Action: 'ec2:*', Resource: '*' } },
        },
      },
    },
  });
  assert.deepEqual(report.problems, [
    { resource: 'P', where: 'x statement 0', code: 'wildcardAction', message: 'wildcard action "ec2:*"' },
  ]);
});

/** A small project on disk: a port, an adapter with two methods, handlers that call one each. */
function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-trace-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, module: 'Preserve', moduleResolution: 'Bundler', target: 'ES2022' },
    }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const SMALL_PROJECT = {
  'ports.ts': `export interface HostingPort {
  createEndpoint(name: string): Promise<void>;
  describeEndpoint(name: string): Promise<string>;
  /** Optional members are ports too. */
  resetEndpoint?(name: string): Promise<void>;
}
export interface HistoryPort { read(name: string): Promise<number> }`,
  'adapter.ts': `import { CreateEndpointCommand, DescribeEndpointCommand, UpdateEndpointWeightsAndCapacitiesCommand as Update, type DeleteEndpointCommandInput } from '@aws-sdk/client-sagemaker';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { HistoryPort, HostingPort } from './ports';
declare const send: (command: unknown) => Promise<any>;
const call = async <T>(label: string, fn: () => Promise<T>) => fn();
export function createHosting(): HostingPort {
  const unused = () => send(new Update({}));
  return {
    async createEndpoint(name) { await call('create', () => send(new CreateEndpointCommand({ EndpointName: name }))); },
    describeEndpoint: async (name) => (await send(new DescribeEndpointCommand({ EndpointName: name }))).EndpointStatus,
    resetEndpoint: async (name) => { await send(new Update({ EndpointName: name })); },
  };
}
export async function readMetrics(name: string): Promise<number> { return (await send(new GetMetricDataCommand({}))).length; }
export function createHistory(read: (name: string) => Promise<number>): HistoryPort { return { read: (name) => read(name) }; }
export function createPorts() { return { hosting: createHosting(), history: createHistory(readMetrics) }; }`,
  'functions/deploy/handler.ts': `import { createPorts } from '../../adapter';
import type { HostingPort } from '../../ports';
export const create = (ports: { hosting: HostingPort }) => ({ handle: (name: string) => ports.hosting.createEndpoint(name) });
export const handler = create(createPorts());`,
  'functions/poll/handler.ts': `import { createPorts } from '../../adapter';
const ports = createPorts();
export const handler = (name: string) => ports.hosting.describeEndpoint(name);`,
  'functions/history/handler.ts': `import { createPorts } from '../../adapter';
const ports = createPorts();
export const handler = (name: string) => ports.history.read(name);`,
  'functions/pure/handler.ts': `export const handler = (x: number) => x * 2;`,
};

test('the trace counts the port methods a handler calls, not every method its adapters build', () => {
  const dir = writeProject(SMALL_PROJECT);
  try {
    const traced = traceSdkOperations(
      [
        'functions/deploy/handler.ts',
        'functions/poll/handler.ts',
        'functions/history/handler.ts',
        'functions/pure/handler.ts',
      ],
      dir,
    );
    const names = (file: string) => traced[file]?.map((op) => `${op.client}:${op.operation}`);
    assert.deepEqual(names('functions/deploy/handler.ts'), ['client-sagemaker:CreateEndpoint']);
    assert.deepEqual(names('functions/poll/handler.ts'), ['client-sagemaker:DescribeEndpoint']);
    // A function passed by name counts where its parameter is used: only the history handler.
    assert.deepEqual(names('functions/history/handler.ts'), ['client-cloudwatch:GetMetricData']);
    assert.deepEqual(names('functions/pure/handler.ts'), []);
    assert.match(
      traced['functions/deploy/handler.ts']?.[0]?.via.join(' > ') ?? '',
      /ports\.ts:createEndpoint/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('neededActions: each operation, what AWS requires with it, tagging on create, and the logs', () => {
  const needed = neededActions([
    { client: 'client-sagemaker', operation: 'CreateModel', takesTags: true, via: [] },
    {
      client: 'client-application-auto-scaling',
      operation: 'RegisterScalableTarget',
      takesTags: true,
      via: [],
    },
  ]).map((n) => n.action);
  assert.deepEqual(needed, [
    'application-autoscaling:RegisterScalableTarget',
    'application-autoscaling:TagResource',
    'iam:CreateServiceLinkedRole',
    'iam:PassRole',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'sagemaker:AddTags',
    'sagemaker:CreateModel',
    'sagemaker:DescribeEndpoint',
    'sagemaker:DescribeEndpointConfig',
    'sagemaker:UpdateEndpointWeightsAndCapacities',
  ]);
  assert.throws(
    () => neededActions([{ client: 'client-ec2', operation: 'RunInstances', takesTags: true, via: [] }]),
    /no IAM prefix known for @aws-sdk\/client-ec2/,
  );
});

const serverlessYml = () =>
  parseYaml(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' }) as Parameters<
    typeof templateOfServerlessYml
  >[0];

test('every function of serverless.yml has its own role, allowing exactly what its code sends', () => {
  const config = serverlessYml();
  const template = templateOfServerlessYml(config);
  const traced = traceFunctions(template);
  const problems = checkFunctionRoles(template, traced);
  // Lambda itself sends the record of a failed asynchronous invocation to the function's
  // on-failure destination, with the function's role (AWS Lambda, "Capturing records of Lambda
  // asynchronous invocations"): check-iam counts that as needed. Only the sweeper has a
  // destination, its dead-letter queue, and its role may send to that queue (package.test.ts
  // checks the packaged scope).
  const destinations = Object.entries(
    (config as { functions: Record<string, { destinations?: unknown }> }).functions,
  ).flatMap(([key, fn]) => (fn.destinations === undefined ? [] : [[key, fn.destinations]]));
  assert.deepEqual(destinations, [
    ['sweeper', { onFailure: { type: 'sqs', arn: 'SweeperDeadLetterQueue.Arn' } }],
  ]);
  const sweeperPolicies = (config.resources?.Resources?.SweeperRole?.Properties?.Policies ?? []) as {
    PolicyDocument: { Statement: { Sid?: string }[] };
  }[];
  const deadLetterGrant = sweeperPolicies[0]?.PolicyDocument.Statement.find(
    (statement) => statement.Sid === 'SendMessageToDeadLetterQueue',
  );
  // (The bare `X.Arn` is how a YAML parser without CloudFormation's tags reads `!GetAtt X.Arn`.)
  assert.deepEqual(deadLetterGrant, {
    Sid: 'SendMessageToDeadLetterQueue',
    Effect: 'Allow',
    Action: ['sqs:SendMessage'],
    Resource: 'SweeperDeadLetterQueue.Arn',
  });
  assert.deepEqual(
    problems.map((p) => `${p.fn}: ${p.message}`),
    [],
  );
  // Without its destination, the same grant is one the function never needs.
  const { destinations: _, ...sweeperWithout } = (config as { functions: Record<string, object> }).functions
    .sweeper as { destinations?: unknown };
  const without = templateOfServerlessYml({
    ...config,
    functions: { ...(config as { functions: Record<string, object> }).functions, sweeper: sweeperWithout },
  } as Parameters<typeof templateOfServerlessYml>[0]);
  assert.deepEqual(
    checkFunctionRoles(without, traced).map((p) => `${p.fn}: ${p.message}`),
    ["sweeper: SweeperRole allows sqs:SendMessage, which sweeper's code never sends"],
  );
  // And a destination the role may not send to is a missing action.
  const denied = structuredClone(template) as {
    Resources: Record<string, { Properties?: Record<string, unknown> }>;
  };
  const sweeperRole = denied.Resources.SweeperRole!.Properties!.Policies as {
    PolicyDocument: { Statement: { Sid?: string }[] };
  }[];
  sweeperRole[0]!.PolicyDocument.Statement = sweeperRole[0]!.PolicyDocument.Statement.filter(
    (statement) => statement.Sid !== 'SendMessageToDeadLetterQueue',
  );
  assert.deepEqual(
    checkFunctionRoles(denied as Parameters<typeof checkFunctionRoles>[0], traced).map(
      (p) => `${p.fn}: ${p.message}`,
    ),
    [
      "sweeper: SweeperRole lacks sqs:SendMessage, needed by Lambda's OnFailure destination of sweeper (SweeperDeadLetterQueue)",
    ],
  );
  // Every handler folder is a function of serverless.yml, so the check sees new ones.
  const folders = readdirSync('functions').filter((name) =>
    existsSync(join('functions', name, 'handler.ts')),
  );
  assert.deepEqual(Object.keys(traced).sort(), folders.sort());
  // The trace is no blanket: a poller only describes, the twin sends nothing.
  assert.deepEqual(
    traced.pollJob?.map((op) => op.operation),
    ['DescribeInferenceRecommendationsJob'],
  );
  assert.deepEqual(traced.simulatePolicies, []);
  assert.ok(!traced.pollEndpoint?.some((op) => op.operation.startsWith('Delete')));
  // The sweeper reads the ended execution's history, deletes as Cleanup does, and announces what is left.
  const sweeper = new Set(traced.sweeper?.map((op) => op.operation));
  for (const operation of ['GetExecutionHistory', 'DeleteEndpoint', 'DeregisterScalableTarget', 'PutEvents'])
    assert.ok(sweeper.has(operation), `sweeper sends ${operation}`);
  assert.ok(!sweeper.has('ListExecutions') && !sweeper.has('CreateEndpoint'));
});

test('checkFunctionRoles names a missing grant, an unused one, a shared role and a function without one', () => {
  const config = serverlessYml();
  const template = templateOfServerlessYml(config);
  const resources = (template.Resources ?? {}) as Record<string, { Properties?: Record<string, unknown> }>;
  const traced = {
    pollJob: [
      {
        client: 'client-sagemaker',
        operation: 'DescribeInferenceRecommendationsJob',
        takesTags: false,
        via: [],
      },
    ],
    pollEndpoint: [{ client: 'client-sagemaker', operation: 'DescribeEndpoint', takesTags: false, via: [] }],
  };
  const only = (keep: string[]) => ({
    Resources: Object.fromEntries(
      Object.entries(resources).filter(([id]) => keep.includes(id) || !id.endsWith('LambdaFunction')),
    ),
  });
  assert.deepEqual(
    checkFunctionRoles(only(['PollJobLambdaFunction', 'PollEndpointLambdaFunction']), traced),
    [],
  );
  const lessTraced = { ...traced, pollJob: [] };
  assert.deepEqual(
    checkFunctionRoles(only(['PollJobLambdaFunction']), lessTraced).map((p) => p.code),
    ['unusedAction'],
  );
  const moreTraced = {
    ...traced,
    pollJob: [
      ...traced.pollJob,
      {
        client: 'client-sagemaker',
        operation: 'StopInferenceRecommendationsJob',
        takesTags: false,
        via: ['x'],
      },
    ],
  };
  const missing = checkFunctionRoles(only(['PollJobLambdaFunction']), moreTraced);
  assert.deepEqual(
    missing.map((p) => p.code),
    ['missingAction'],
  );
  assert.match(
    missing[0]?.message ?? '',
    /PollJobRole lacks sagemaker:StopInferenceRecommendationsJob, needed by StopInferenceRecommendationsJob \(via x\)/,
  );
  const shared = structuredClone(only(['PollJobLambdaFunction', 'PollEndpointLambdaFunction']));
  (shared.Resources.PollEndpointLambdaFunction as { Properties: Record<string, unknown> }).Properties.Role = {
    'Fn::GetAtt': ['PollJobRole', 'Arn'],
  };
  assert.ok(checkFunctionRoles(shared, traced).some((p) => p.code === 'sharedRole'));
  const withoutRole = templateOfServerlessYml({
    ...config,
    functions: { pollJob: { handler: 'functions/pollJob/handler.handler' } },
  });
  assert.deepEqual(
    checkFunctionRoles(withoutRole, traced).map((p) => p.code),
    ['noOwnRole'],
  );
  assert.ok(
    actionsOfRole(template, 'PollJobRole').has('logs:PutLogEvents'),
    'the logs come from the shared managed policy',
  );
});

test("checkFunctionRoles needs what Lambda sends to a function's destinations, in each form a template names them", () => {
  const template = {
    Resources: {
      NotifyLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Handler: 'functions/notify/handler.handler',
          Role: { 'Fn::GetAtt': ['NotifyRole', 'Arn'] },
        },
      },
      NotifyRole: { Type: 'AWS::IAM::Role', Properties: { Policies: [] } },
      Failures: { Type: 'AWS::SQS::Queue', Properties: {} },
      Done: { Type: 'AWS::SNS::Topic', Properties: {} },
      NotifyLambdaEvConf: {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: 'NotifyLambdaFunction' },
          DestinationConfig: {
            OnFailure: { Destination: { 'Fn::GetAtt': 'Failures.Arn' } },
            OnSuccess: { Destination: { Ref: 'Done' } },
          },
        },
      },
    },
  };
  assert.deepEqual(
    checkFunctionRoles(template, { notify: [] })
      .map((p) => p.message)
      .filter((m) => !m.includes('logs:')),
    [
      "NotifyRole lacks sqs:SendMessage, needed by Lambda's OnFailure destination of notify (Failures)",
      "NotifyRole lacks sns:Publish, needed by Lambda's OnSuccess destination of notify (Done)",
    ],
  );
});
