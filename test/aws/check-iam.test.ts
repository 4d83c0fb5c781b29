/** scripts/check-iam.ts on small templates: each rule with a case that breaks it and one that keeps it. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { actionsGranted, actionsUsedBy, checkIam, type IamProblem } from '../../scripts/check-iam';

const ROLE = 'arn:aws:iam::123456789012:role/sm';
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

test('every SDK operation the AWS adapters call is granted in serverless.yml', () => {
  const dir = 'shared/adapters/aws';
  const used = readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => actionsUsedBy(readFileSync(join(dir, file), 'utf8')));
  const granted = actionsGranted(readFileSync('serverless.yml', 'utf8'));
  assert.ok(used.length >= 25, `only ${used.length} actions found`);
  assert.deepEqual(
    [...new Set(used)].filter((action) => !granted.has(action)),
    [],
    'actions called but not granted',
  );
  // The prerequisite of endpoint auto scaling that no adapter calls itself.
  assert.ok(granted.has('sagemaker:DescribeEndpointConfig'));
});

test('actionsUsedBy reads value imports of client packages, not type imports', () => {
  const source = `import {
  CreateEndpointCommand,
  type CreateEndpointCommandInput,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutScalingPolicyCommand } from '@aws-sdk/client-application-auto-scaling';`;
  assert.deepEqual(actionsUsedBy(source), [
    'application-autoscaling:PutScalingPolicy',
    'sagemaker:CreateEndpoint',
  ]);
});
