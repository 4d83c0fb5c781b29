/**
 * Packaging, offline and without AWS credentials: `npx osls package` into a temporary folder,
 * cfn-lint on the template (no errors; its exit code is a bit mask: 2 errors, 4 warnings,
 * 8 informational), scripts/check-iam.ts on its IAM statements, and the facts the deployment
 * relies on (runtime, functions, stable state machine ID, outputs, trigger, PassRole scope, the
 * sweeper's dead-letter queue, the packaged definition equal to statemachines/scaleplan.asl.yml).
 * Takes ~15 s.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { FUNCTION_NAMES } from '../../functions';
import { actionsOfRole, checkIam, identityPolicies, templateOfServerlessYml } from '../../scripts/check-iam';
import { loadDefinition } from '../../shared/workflow/definition';
import { isCi } from '../contract/botocore';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Template = {
  Parameters: Record<string, { Type: string; Default: string }>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: unknown }>;
};

const outDir = mkdtempSync(join(tmpdir(), 'scaleplan-package-'));
let template: Template;
let packaging: ReturnType<typeof spawnSync>;

/** A clean clone has no credentials; osls package needs none, but the SDK chain must not look. */
const PACKAGE_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDPACKAGE',
  AWS_SECRET_ACCESS_KEY: 'package-only',
  AWS_REGION: 'us-east-1',
  AWS_SDK_LOAD_CONFIG: '0',
  SLS_TELEMETRY_DISABLED: '1',
  SLS_NOTIFICATIONS_MODE: 'off',
};

const pascal = (key: string) => `${key[0]?.toUpperCase()}${key.slice(1)}`;

before(() => {
  packaging = spawnSync(
    'npx',
    ['osls', 'package', '--stage', 'test', '--region', 'us-east-1', '--package', outDir],
    {
      env: PACKAGE_ENV,
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  if (packaging.status === 0)
    template = JSON.parse(readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
});
after(() => rmSync(outDir, { recursive: true, force: true }));

describe('npx osls package', () => {
  test('packages offline with no AWS account', () => {
    assert.equal(packaging.status, 0, `osls package failed:\n${packaging.stdout}\n${packaging.stderr}`);
    assert.match(
      String(packaging.stdout) + String(packaging.stderr),
      /State machine "scaleplan" definition is valid/,
    );
  });

  test('cfn-lint finds no error in the template', (t) => {
    const lint = spawnSync('cfn-lint', [join(outDir, 'cloudformation-template-update-stack.json')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (lint.error) {
      const reason = `cfn-lint is not installed (${lint.error.message})`;
      if (isCi()) assert.fail(`${reason}: it is mandatory in CI`);
      return t.skip(reason);
    }
    const status = lint.status ?? 1;
    // 2 = errors, 4 = warnings, 8 = informational; 1 and >= 16 mean cfn-lint itself failed.
    const failed = (status & 2) !== 0 || status === 1 || status >= 16;
    assert.ok(!failed, `cfn-lint exit ${status}:\n${lint.stdout}${lint.stderr}`);
  });

  test("check-iam: no wildcard action, iam:PassRole only on the deployment's roles, deletes scoped by tag", () => {
    const report = checkIam(template);
    assert.deepEqual(report.problems, []);
    // The three functions that pass a role: startRecommender, runEvaluation, deployEndpoint.
    assert.equal(report.passRoleStatements, 3);
    assert.ok(report.statements >= 10, `${report.statements} statements`);
  });

  test('each packaged function runs as its own role, with the actions serverless.yml gives it', () => {
    // check-iam.test.ts holds those actions to what each function's code sends.
    const declared = templateOfServerlessYml(
      parseYaml(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' }) as Parameters<
        typeof templateOfServerlessYml
      >[0],
    );
    assert.equal(template.Resources.IamRoleLambdaExecution, undefined, 'no shared role');
    for (const key of FUNCTION_NAMES) {
      const fn = template.Resources[`${pascal(key)}LambdaFunction`];
      const role = (fn?.Properties.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0];
      assert.equal(role, `${pascal(key)}Role`);
      assert.deepEqual(
        [...actionsOfRole(template as never, role ?? '')].sort(),
        [...actionsOfRole(declared, role ?? '')].sort(),
      );
    }
  });

  test('every one of the 22 functions runs nodejs22.x with its handler folder and the adapter settings', () => {
    assert.equal(FUNCTION_NAMES.length, 22);
    /** Settings of one function only. */
    const own: Record<string, string[]> = {
      normalizeInput: ['SCALEPLAN_PASS_ROLE_ARNS'],
      sweeper: ['SCALEPLAN_STATE_MACHINE_ARN'],
    };
    for (const key of FUNCTION_NAMES) {
      const fn = template.Resources[`${pascal(key)}LambdaFunction`];
      assert.ok(fn, `no function ${key}`);
      assert.equal(fn.Type, 'AWS::Lambda::Function');
      assert.equal(fn.Properties.Runtime, 'nodejs22.x');
      assert.equal(fn.Properties.Handler, `functions/${key}/handler.handler`);
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.deepEqual(
        Object.keys(variables).sort(),
        [
          'POWERTOOLS_LOG_LEVEL',
          'POWERTOOLS_SERVICE_NAME',
          'SCALEPLAN_ARTIFACT_BUCKET',
          'SCALEPLAN_ARTIFACT_PREFIX',
          'SCALEPLAN_EVENT_BUS',
          'SCALEPLAN_REQUEST_DEFAULTS',
          'SCALEPLAN_SAGEMAKER_ROLE_ARN',
          ...(own[key] ?? []),
        ].sort(),
      );
    }
  });

  test('esbuild builds the functions for the Node version of the runtime they deploy on', () => {
    // A bundle built for an older Node keeps down-levelled syntax and polyfills the runtime has.
    const config = parseYaml(readFileSync('serverless.yml', 'utf8')) as {
      provider: { runtime: string };
      custom: { esbuild: { target: string } };
    };
    const major = /^nodejs(\d+)\.x$/.exec(config.provider.runtime)?.[1];
    assert.ok(major, `runtime ${config.provider.runtime}`);
    assert.equal(config.custom.esbuild.target, `node${major}`);
  });

  test('bundles leave @aws-sdk/* to the Lambda runtime', () => {
    const zip = join(outDir, 'judge.zip');
    const listing = spawnSync('unzip', ['-l', zip], { encoding: 'utf8' });
    if (listing.status === 0) assert.doesNotMatch(listing.stdout, /node_modules\/@aws-sdk/);
    // 132 KB measured: a bundle with the SDK inlined would be several MB.
    assert.ok(statSync(zip).size < 1_000_000, `judge.zip is ${statSync(zip).size} bytes`);
  });

  test('a packaged bundle loads as CommonJS without reading AWS settings, and its handler runs', async () => {
    // Unpacked under the repository (in the ignored .esbuild folder) so that node_modules resolves.
    mkdirSync(join(process.cwd(), '.esbuild'), { recursive: true });
    const dir = mkdtempSync(join(process.cwd(), '.esbuild', 'bundle-check-'));
    const unzip = spawnSync('unzip', ['-q', join(outDir, 'normalizeInput.zip'), '-d', dir], {
      encoding: 'utf8',
    });
    assert.equal(unzip.status, 0, unzip.stderr);
    // Only @aws-sdk/* is resolved outside the bundle (the Lambda runtime has it; here: node_modules).
    const bundled = createRequire(join(process.cwd(), 'package.json'))(
      join(dir, 'functions/normalizeInput/handler.js'),
    ) as {
      handler: (event: unknown, context: unknown) => Promise<{ names: { runId: string }; ledger: unknown[] }>;
    };
    const state = await bundled.handler(
      {
        input: {
          model: {
            kind: 'modelPackage',
            modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1',
          },
          instanceType: 'ml.c5.large',
          traffic: { minRps: 70, maxRps: 500 },
          latencySlo: { ms: 100 },
        },
        executionArn: 'bundle-check',
      },
      { functionName: 'normalizeInput', awsRequestId: 'test', getRemainingTimeInMillis: () => 50_000 },
    );
    assert.equal(state.names.runId.length, 10);
    assert.deepEqual(state.ledger, []);
    rmSync(dir, { recursive: true, force: true });
  });

  test('the state machine has a stable ID, and its ARN is an output', () => {
    assert.equal(template.Resources.ScaleplanStateMachine?.Type, 'AWS::StepFunctions::StateMachine');
    assert.deepEqual(template.Outputs.ScaleplanStateMachineArn?.Value, { Ref: 'ScaleplanStateMachine' });
  });

  test('the packaged definition is statemachines/scaleplan.asl.yml with the function ARNs filled in', () => {
    const [body, placeholders] = (
      template.Resources.ScaleplanStateMachine!.Properties.DefinitionString as {
        'Fn::Sub': [string, Record<string, { 'Fn::GetAtt': [string, string] }>];
      }
    )['Fn::Sub'];
    let text = body;
    for (const [placeholder, getAtt] of Object.entries(placeholders)) {
      const logicalId = getAtt['Fn::GetAtt'][0];
      const key = logicalId.replace(/LambdaFunction$/, '');
      text = text
        .split(`\${${placeholder}}`)
        .join(`arn:aws:lambda:us-east-1:123456789012:function:${key[0]?.toLowerCase()}${key.slice(1)}`);
    }
    // The plugin writes the default `QueryLanguage: JSONPath` on every state; nothing else differs.
    const dropDefaultQueryLanguage = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(dropDefaultQueryLanguage);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key, item]) => !(key === 'QueryLanguage' && item === 'JSONPath'))
          .map(([key, item]) => [key, dropDefaultQueryLanguage(item)]),
      );
    };
    assert.deepEqual(dropDefaultQueryLanguage(JSON.parse(text)), loadDefinition());
  });

  test('the EventBridge rule starts the state machine on model package state changes of the listed groups', () => {
    const rule = template.Resources.ModelPackageStateChangeRule;
    assert.equal(rule?.Type, 'AWS::Events::Rule');
    assert.deepEqual(rule?.Properties.EventPattern, {
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      detail: {
        ModelPackageGroupName: { Ref: 'ModelPackageGroupNames' },
        ModelApprovalStatus: { Ref: 'ModelApprovalStatuses' },
      },
    });
    assert.deepEqual(rule?.Properties.Targets, [
      {
        Id: 'scaleplan',
        Arn: { Ref: 'ScaleplanStateMachine' },
        RoleArn: { 'Fn::GetAtt': ['EventBridgeStartExecutionRole', 'Arn'] },
      },
    ]);
    assert.deepEqual(template.Parameters.ModelPackageGroupNames, {
      Type: 'CommaDelimitedList',
      Description: 'Model package groups whose "SageMaker Model Package State Change" events start a run.',
      Default: 'scaleplan-models',
    });
    assert.equal(template.Parameters.ModelApprovalStatuses?.Default, 'Approved');
  });

  test("the sweeper runs on the end of this stage's executions: FAILED, TIMED_OUT or ABORTED", () => {
    const rule = template.Resources.SweeperRule!;
    assert.equal(rule.Type, 'AWS::Events::Rule');
    assert.deepEqual(rule.Properties.EventPattern, {
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        stateMachineArn: [{ Ref: 'ScaleplanStateMachine' }],
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
      },
    });
    assert.deepEqual(
      (rule.Properties.Targets as { Id: string; Arn: unknown }[]).map(({ Id, Arn }) => ({ Id, Arn })),
      [{ Id: 'sweeper', Arn: { 'Fn::GetAtt': ['SweeperLambdaFunction', 'Arn'] } }],
    );
    const permission = template.Resources.SweeperInvokePermission!;
    assert.equal(permission.Properties.Principal, 'events.amazonaws.com');
    assert.deepEqual(permission.Properties.SourceArn, { 'Fn::GetAtt': ['SweeperRule', 'Arn'] });
    const sweeper = template.Resources.SweeperLambdaFunction!.Properties;
    assert.equal(sweeper.Timeout, 900);
    const variables = (sweeper.Environment as { Variables: Record<string, unknown> }).Variables;
    assert.deepEqual(variables.SCALEPLAN_STATE_MACHINE_ARN, {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own ${} of Fn::Sub
      'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:scaleplan-test',
    });
  });

  test("the sweeper's failures land in its dead-letter queue: undelivered events and failed invocations", () => {
    const queueArn = { 'Fn::GetAtt': ['SweeperDeadLetterQueue', 'Arn'] };
    const ruleArn = { 'Fn::GetAtt': ['SweeperRule', 'Arn'] };
    // Encrypted with SQS's own keys (no KMS key to grant EventBridge or Lambda), kept 14 days.
    const queue = template.Resources.SweeperDeadLetterQueue!;
    assert.equal(queue.Type, 'AWS::SQS::Queue');
    assert.deepEqual(queue.Properties, {
      QueueName: 'scaleplan-test-sweeper-dead-letters',
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    // EventBridge: an event it cannot hand to Lambda is retried for an hour, then kept.
    const [target] = template.Resources.SweeperRule!.Properties.Targets as Record<string, unknown>[];
    assert.deepEqual(target?.DeadLetterConfig, { Arn: queueArn });
    assert.deepEqual(target?.RetryPolicy, { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 });
    // Lambda: an invocation that failed its three attempts, or aged past 6 hours, is kept too.
    const invokeConfigs = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        (r.Properties.FunctionName as { Ref?: string }).Ref === 'SweeperLambdaFunction',
    );
    assert.equal(invokeConfigs.length, 1);
    assert.deepEqual(invokeConfigs[0]?.Properties, {
      FunctionName: { Ref: 'SweeperLambdaFunction' },
      Qualifier: '$LATEST',
      DestinationConfig: { OnFailure: { Destination: queueArn } },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
    });
    // The queue's policy lets EventBridge send for SweeperRule only.
    const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SQS::QueuePolicy');
    assert.equal(policies.length, 1);
    const queuePolicy = policies[0]!.Properties;
    assert.deepEqual(queuePolicy.Queues, [{ Ref: 'SweeperDeadLetterQueue' }]);
    assert.deepEqual((queuePolicy.PolicyDocument as { Statement: unknown[] }).Statement, [
      {
        Sid: 'SweeperRuleDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ]);
    // Lambda sends with the function's role: SweeperRole may send to that queue and no other,
    // and no other role may touch SQS at all.
    const sqsStatements = identityPolicies(template).flatMap(([id, , document]) =>
      [(document as { Statement?: unknown }).Statement ?? []]
        .flat()
        .filter((st) =>
          [(st as { Action: string[] | string }).Action].flat().some((a) => a.startsWith('sqs:')),
        )
        .map((st) => ({ id, ...(st as object) })),
    );
    assert.deepEqual(sqsStatements, [
      {
        id: 'SweeperRole',
        Sid: 'SendMessageToDeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: queueArn,
      },
    ]);
    assert.deepEqual(template.Outputs.SweeperDeadLetterQueueUrl?.Value, { Ref: 'SweeperDeadLetterQueue' });
    assert.deepEqual(template.Outputs.SweeperDeadLetterQueueArn?.Value, queueArn);
  });

  test('NormalizeInput knows the roles PassRole allows, to refuse any other roleArn before anything exists', () => {
    const normalize = (
      template.Resources.NormalizeInputLambdaFunction!.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    assert.deepEqual(normalize.SCALEPLAN_PASS_ROLE_ARNS, normalize.SCALEPLAN_SAGEMAKER_ROLE_ARN);
  });

  test('iam:PassRole covers the role the functions pass to SageMaker (passRoleArns defaults to it)', () => {
    const role = template.Resources.StartRecommenderRole!.Properties.Policies as {
      PolicyDocument: { Statement: { Sid?: string; Resource: unknown }[] };
    }[];
    const passRole = role[0]?.PolicyDocument.Statement.find((s) => s.Sid === 'PassSageMakerRoles');
    const env = (
      template.Resources.JudgeLambdaFunction!.Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    assert.deepEqual(passRole?.Resource, { 'Fn::Split': [',', env.SCALEPLAN_SAGEMAKER_ROLE_ARN] });
    assert.deepEqual(env.SCALEPLAN_SAGEMAKER_ROLE_ARN, {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::',
          { Ref: 'AWS::AccountId' },
          ':role/scaleplan-sagemaker-test',
        ],
      ],
    });
  });
});
