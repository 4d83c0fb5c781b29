/**
 * Checks the IAM statements of the packaged CloudFormation template:
 * - no Allow statement grants a wildcard action ("*", "sagemaker:*", "s3:Put*") or uses NotAction;
 * - iam:PassRole is granted only on named roles (no "*" in its Resource) and only with an
 *   iam:PassedToService condition, so the functions pass the deployment's roles and nothing else;
 * - every delete, stop, deregister or update is scoped by an aws:ResourceTag condition or a name
 *   prefix, and alarms are only scaleplan's (`scaleplan-`) or Application Auto Scaling's own;
 * - every function has a role of its own that allows exactly what its code sends: the SDK
 *   commands traced from its handler (scripts/sdk-calls.ts), what AWS requires with them, and
 *   its logs. A missing grant fails at run time, an unused one is privilege nobody needs.
 * Usage: node --import tsx scripts/check-iam.ts [template.json]  (default: the osls package output)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type SdkOperation, traceSdkOperations } from './sdk-calls';

export const DEFAULT_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

export interface IamProblem {
  /** Logical ID of the resource holding the policy. */
  resource: string;
  /** Policy name (or "PolicyDocument") and statement index or Sid. */
  where: string;
  code:
    | 'wildcardAction'
    | 'notAction'
    | 'passRoleWildcard'
    | 'passRoleUnconditioned'
    | 'unscopedDestructive'
    | 'alarmOutsidePrefix'
    | 'malformed';
  message: string;
}

export interface IamReport {
  policies: number;
  statements: number;
  passRoleStatements: number;
  problems: IamProblem[];
}

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

type Template = { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };

const asArray = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Identity policies of the template: [logical ID, policy name, document]. */
export function identityPolicies(template: Template): [string, string, unknown][] {
  const found: [string, string, unknown][] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(props.Policies) as { PolicyName?: unknown; PolicyDocument?: unknown }[])
        found.push([id, String(policy.PolicyName ?? 'inline'), policy.PolicyDocument]);
    } else if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      found.push([
        id,
        String(props.PolicyName ?? props.ManagedPolicyName ?? 'PolicyDocument'),
        props.PolicyDocument,
      ]);
    }
  }
  return found;
}

function hasPassedToService(condition: Statement['Condition']): boolean {
  return Object.values(condition ?? {}).some((operands) =>
    Object.keys(operands ?? {}).some((key) => key.toLowerCase() === 'iam:passedtoservice'),
  );
}

/** Actions that delete, stop or change a resource: each must be scoped by tag or by name prefix. */
const DESTRUCTIVE_ACTION = /^[a-z0-9-]+:(Delete|Deregister|Stop|Update|Remove|Untag)/;
/** CloudWatch actions on alarms: only scaleplan's, and the target tracking alarms AAS makes. */
const ALARM_ACTION = /^cloudwatch:(\w*Alarm\w*|TagResource)$/;
export const ALARM_NAME_PREFIXES = ['scaleplan-', 'TargetTracking-endpoint/'];

/** The text of a Resource entry (a plain ARN or an Fn::Sub); other intrinsics name one resource. */
function resourceText(resource: unknown): string | undefined {
  if (typeof resource === 'string') return resource;
  const sub = (resource as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  if (Array.isArray(sub) && typeof sub[0] === 'string') return sub[0];
  return JSON.stringify(resource).includes('*') ? '*' : undefined;
}

/**
 * The resource-name part of an ARN pattern: after `:alarm:` for CloudWatch (alarm names hold
 * slashes), else after the resource type (`endpoint/<name>`, `model-package/<group>/<version>`).
 * @example resourceName('arn:aws:sagemaker:us-east-1:1:endpoint/*') // '*'
 * @example resourceName('arn:aws:states:us-east-1:1:execution:scaleplan-dev:*') // 'scaleplan-dev:*'
 */
export function resourceName(arn: string): string {
  const alarm = arn.indexOf(':alarm:');
  if (alarm >= 0) return arn.slice(alarm + ':alarm:'.length);
  // A Step Functions execution is `execution:<state machine>:<execution>`: the state machine names it
  // (a Distributed Map's role may stop the child executions of its own state machine).
  const execution = arn.indexOf(':execution:');
  if (execution >= 0) return arn.slice(execution + ':execution:'.length);
  const last = arn.slice(arn.lastIndexOf(':') + 1);
  return last.includes('/') ? last.slice(last.indexOf('/') + 1) : last;
}

function scopeProblems(statement: Statement, actions: unknown[]): [IamProblem['code'], string][] {
  const problems: [IamProblem['code'], string][] = [];
  const names = asArray(statement.Resource).map(resourceText);
  const named = names.every((text) => text === undefined || !resourceName(text).startsWith('*'));
  const byTag = Object.values(statement.Condition ?? {}).some((operands) =>
    Object.keys(operands ?? {}).some((key) => /^aws:ResourceTag\//i.test(key)),
  );
  const destructive = actions.filter((a): a is string => typeof a === 'string' && DESTRUCTIVE_ACTION.test(a));
  if (destructive.length > 0 && !named && !byTag)
    problems.push([
      'unscopedDestructive',
      `${destructive.join(', ')} on ${JSON.stringify(statement.Resource)}: scope it by an aws:ResourceTag condition or a name prefix`,
    ]);
  const alarmActions = actions.filter((a): a is string => typeof a === 'string' && ALARM_ACTION.test(a));
  const outside = names.filter(
    (text) =>
      text !== undefined && !ALARM_NAME_PREFIXES.some((prefix) => resourceName(text).startsWith(prefix)),
  );
  if (alarmActions.length > 0 && outside.length > 0)
    problems.push([
      'alarmOutsidePrefix',
      `${alarmActions.join(', ')} on ${outside.join(', ')}: alarms only under ${ALARM_NAME_PREFIXES.join(' or ')}`,
    ]);
  return problems;
}

/**
 * @example checkIam(template).problems // [] for the scaleplan template
 */
export function checkIam(template: Template): IamReport {
  const report: IamReport = { policies: 0, statements: 0, passRoleStatements: 0, problems: [] };
  for (const [resource, policyName, document] of identityPolicies(template)) {
    report.policies += 1;
    const statements = asArray((document as { Statement?: unknown } | undefined)?.Statement) as Statement[];
    statements.forEach((statement, index) => {
      report.statements += 1;
      const where = `${policyName} statement ${statement.Sid ?? index}`;
      const problem = (code: IamProblem['code'], message: string) =>
        report.problems.push({ resource, where, code, message });
      if (statement.Effect !== 'Allow') return;
      if (statement.NotAction !== undefined)
        problem('notAction', 'Allow with NotAction grants everything else');
      const actions = asArray(statement.Action);
      for (const action of actions) {
        if (typeof action !== 'string')
          problem('malformed', `action ${JSON.stringify(action)} is not a string`);
        else if (action.includes('*')) problem('wildcardAction', `wildcard action "${action}"`);
      }
      for (const [code, message] of scopeProblems(statement, actions)) problem(code, message);
      const passesRole = actions.some(
        (action) => typeof action === 'string' && action.toLowerCase() === 'iam:passrole',
      );
      if (!passesRole) return;
      report.passRoleStatements += 1;
      const resources = asArray(statement.Resource);
      if (resources.length === 0 || resources.some((r) => JSON.stringify(r).includes('*')))
        problem('passRoleWildcard', `iam:PassRole on ${JSON.stringify(statement.Resource)}: name the role`);
      if (!hasPassedToService(statement.Condition))
        problem('passRoleUnconditioned', 'iam:PassRole without an iam:PassedToService condition');
    });
  }
  return report;
}

/** IAM service prefix of each AWS SDK v3 client package (`@aws-sdk/<package>`). */
export const IAM_PREFIX_OF_CLIENT: Record<string, string> = {
  'client-sagemaker': 'sagemaker',
  'client-application-auto-scaling': 'application-autoscaling',
  'client-cloudwatch': 'cloudwatch',
  'client-s3': 's3',
  'client-eventbridge': 'events',
  'client-sfn': 'states',
  'client-resource-groups-tagging-api': 'tag',
};

/** Operations whose IAM action has another name (S3's, from the Service Authorization Reference). */
const ACTION_OF_OPERATION: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:HeadBucket': 's3:ListBucket',
};

/**
 * Permissions an operation needs besides its own action, each with where AWS says so. They are
 * part of what a function's code "sends": a role without them fails at run time.
 */
export const ALSO_REQUIRED: Record<string, { actions: string[]; why: string }> = {
  'sagemaker:CreateModel': { actions: ['iam:PassRole'], why: 'passes ExecutionRoleArn' },
  'sagemaker:CreateInferenceRecommendationsJob': { actions: ['iam:PassRole'], why: 'passes RoleArn' },
  'application-autoscaling:RegisterScalableTarget': {
    actions: [
      'iam:CreateServiceLinkedRole',
      'sagemaker:DescribeEndpoint',
      'sagemaker:DescribeEndpointConfig',
      'sagemaker:UpdateEndpointWeightsAndCapacities',
    ],
    why: "creates the service-linked role; checks the endpoint with the caller's permissions (SageMaker prerequisites for endpoint auto scaling)",
  },
  'application-autoscaling:PutScalingPolicy': {
    actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
    why: "creates the target tracking alarms with the caller's permissions (Application Auto Scaling identity-based policy examples)",
  },
  'application-autoscaling:DeregisterScalableTarget': {
    actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
    why: 'deletes the target tracking alarms of the policies it deletes',
  },
};

/** The action that tag-on-create needs, by service (an input with `Tags`). */
export const TAGGING_ACTION: Record<string, string> = {
  sagemaker: 'sagemaker:AddTags',
  'application-autoscaling': 'application-autoscaling:TagResource',
  cloudwatch: 'cloudwatch:TagResource',
};

/** What the Lambda runtime itself sends for every function (its logs). */
export const RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** One needed action and why (the operation that needs it, and the path to it). */
export interface NeededAction {
  action: string;
  because: string;
}

/**
 * The IAM actions a function's traced SDK operations need, with the reason for each.
 * @example neededActions([{ client: 'client-s3', operation: 'PutObject', takesTags: false, via: [] }])
 * // [{ action: 's3:PutObject', because: 'PutObject' }, ...RUNTIME_ACTIONS]
 */
export function neededActions(operations: readonly SdkOperation[]): NeededAction[] {
  const needed = new Map<string, string>();
  const add = (action: string, because: string) => {
    if (!needed.has(action)) needed.set(action, because);
  };
  for (const action of RUNTIME_ACTIONS) add(action, 'the Lambda runtime writes the logs');
  for (const op of operations) {
    const prefix = IAM_PREFIX_OF_CLIENT[op.client];
    if (!prefix)
      throw new Error(
        `check-iam: no IAM prefix known for @aws-sdk/${op.client}: add it to IAM_PREFIX_OF_CLIENT`,
      );
    const operation = `${prefix}:${op.operation}`;
    const action = ACTION_OF_OPERATION[operation] ?? operation;
    const via = op.via.length > 0 ? ` (via ${op.via.join(' > ')})` : '';
    add(action, `${op.operation}${via}`);
    for (const extra of ALSO_REQUIRED[action]?.actions ?? [])
      add(extra, `${op.operation}: ${ALSO_REQUIRED[action]?.why}`);
    const tagging = TAGGING_ACTION[prefix];
    if (op.takesTags && tagging) add(tagging, `${op.operation} with Tags`);
  }
  return [...needed]
    .map(([action, because]) => ({ action, because }))
    .sort((a, b) => a.action.localeCompare(b.action));
}

export interface RoleProblem {
  /** serverless.yml function key. */
  fn: string;
  code: 'noOwnRole' | 'sharedRole' | 'missingAction' | 'unusedAction' | 'noTrace';
  message: string;
}

type TemplateResource = { Type?: string; Properties?: Record<string, unknown> };

/** Every action an IAM role's inline and managed (same template) policies allow. */
export function actionsOfRole(template: Template, roleId: string): Set<string> {
  const resources = (template.Resources ?? {}) as Record<string, TemplateResource>;
  const props = resources[roleId]?.Properties ?? {};
  const documents: unknown[] = (asArray(props.Policies) as { PolicyDocument?: unknown }[]).map(
    (policy) => policy.PolicyDocument,
  );
  for (const arn of asArray(props.ManagedPolicyArns)) {
    // `{Ref: X}` in a packaged template; the bare `X` of `!Ref X` as a YAML parser without
    // CloudFormation's tags reads serverless.yml.
    const ref = typeof arn === 'string' ? arn : (arn as { Ref?: string }).Ref;
    if (ref && resources[ref]?.Type === 'AWS::IAM::ManagedPolicy')
      documents.push(resources[ref]?.Properties?.PolicyDocument);
  }
  const actions = new Set<string>();
  for (const document of documents)
    for (const statement of asArray((document as { Statement?: unknown })?.Statement) as Statement[])
      if (statement.Effect === 'Allow')
        for (const action of asArray(statement.Action)) if (typeof action === 'string') actions.add(action);
  return actions;
}

/** The function key of a Lambda function resource (`functions/<key>/handler.handler`). */
const functionKeyOf = (resource: TemplateResource) =>
  /^functions\/([^/]+)\/handler\.handler$/.exec(String(resource.Properties?.Handler ?? ''))?.[1];

/** The action Lambda needs, with the function's role, to send to a destination of each resource type. */
const DESTINATION_ACTIONS: Record<string, string> = {
  'AWS::SQS::Queue': 'sqs:SendMessage',
  'AWS::SNS::Topic': 'sns:Publish',
  'AWS::Lambda::Function': 'lambda:InvokeFunction',
  'AWS::Events::EventBus': 'events:PutEvents',
};

/**
 * The logical id a destination ARN names: `{ "Fn::GetAtt": [id, "Arn"] }`, `{ "Fn::GetAtt": "id.Arn" }`,
 * `"id.Arn"` (a `!GetAtt id.Arn` read without CloudFormation's tags), or `{ "Ref": id }` of a topic
 * (a topic's Ref is its ARN; a queue's is its URL).
 */
function destinationId(arn: unknown, resources: Record<string, TemplateResource>): string | undefined {
  const getAtt = (arn as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  const dotted = typeof arn === 'string' ? arn : typeof getAtt === 'string' ? getAtt : undefined;
  if (dotted !== undefined) return /^([A-Za-z0-9]+)\.Arn$/.exec(dotted)?.[1];
  if (Array.isArray(getAtt)) return getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
  const ref = (arn as { Ref?: unknown } | undefined)?.Ref;
  return typeof ref === 'string' && resources[ref]?.Type === 'AWS::SNS::Topic' ? ref : undefined;
}

/**
 * What Lambda itself sends with a function's role: the record of an asynchronous invocation to its
 * on-failure and on-success destinations (AWS Lambda, "Capturing records of Lambda asynchronous
 * invocations"), read from the template's AWS::Lambda::EventInvokeConfig of that function.
 * A destination is `{ "Fn::GetAtt": [id, "Arn"] }` (packaged) or `"id.Arn"` (serverless.yml read
 * without CloudFormation's tags).
 */
function destinationActions(
  resources: Record<string, TemplateResource>,
  functionId: string,
  fn: string,
): NeededAction[] {
  const needed: NeededAction[] = [];
  for (const config of Object.values(resources)) {
    if (config.Type !== 'AWS::Lambda::EventInvokeConfig') continue;
    if ((config.Properties?.FunctionName as { Ref?: string } | undefined)?.Ref !== functionId) continue;
    const destinations = (config.Properties?.DestinationConfig ?? {}) as Record<
      string,
      { Destination?: unknown }
    >;
    for (const [when, { Destination: arn }] of Object.entries(destinations)) {
      const id = destinationId(arn, resources);
      const action = id ? DESTINATION_ACTIONS[resources[id]?.Type ?? ''] : undefined;
      if (action) needed.push({ action, because: `Lambda's ${when} destination of ${fn} (${id})` });
    }
  }
  return needed;
}

/**
 * Checks every Lambda function of a template against what its code sends, and what Lambda sends for
 * it to its asynchronous destinations: it has a role of its own, and that role allows exactly the
 * needed actions (none missing, none unused).
 * @param traced the SDK operations of each function key (traceFunctions)
 */
export function checkFunctionRoles(
  template: Template,
  traced: Record<string, readonly SdkOperation[]>,
): RoleProblem[] {
  const problems: RoleProblem[] = [];
  const roleUsers = new Map<string, string[]>();
  const resources = (template.Resources ?? {}) as Record<string, TemplateResource>;
  for (const [functionId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const fn = functionKeyOf(resource);
    if (!fn) continue;
    const roleId = (resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.[
      'Fn::GetAtt'
    ]?.[0];
    if (!roleId || roleId === 'IamRoleLambdaExecution' || resources[roleId]?.Type !== 'AWS::IAM::Role') {
      problems.push({
        fn,
        code: 'noOwnRole',
        message: `${fn} has no role of its own: give it \`role: ${fn[0]?.toUpperCase()}${fn.slice(1)}Role\` in serverless.yml`,
      });
      continue;
    }
    roleUsers.set(roleId, [...(roleUsers.get(roleId) ?? []), fn]);
    const operations = traced[fn];
    if (!operations) {
      problems.push({ fn, code: 'noTrace', message: `${fn}: its handler was not traced` });
      continue;
    }
    const needed = [...neededActions(operations), ...destinationActions(resources, functionId, fn)];
    const granted = actionsOfRole(template, roleId);
    for (const { action, because } of needed)
      if (!granted.has(action))
        problems.push({
          fn,
          code: 'missingAction',
          message: `${roleId} lacks ${action}, needed by ${because}`,
        });
    const neededSet = new Set(needed.map((n) => n.action));
    for (const action of [...granted].sort())
      if (!neededSet.has(action))
        problems.push({
          fn,
          code: 'unusedAction',
          message: `${roleId} allows ${action}, which ${fn}'s code never sends`,
        });
  }
  for (const [roleId, users] of roleUsers)
    if (users.length > 1)
      for (const fn of users)
        problems.push({
          fn,
          code: 'sharedRole',
          message: `${roleId} serves ${users.join(', ')}: one role per function`,
        });
  return problems;
}

/**
 * The template-shaped view of serverless.yml that checkFunctionRoles needs (each function's
 * handler and role, and the resources), without packaging.
 */
export function templateOfServerlessYml(config: {
  functions?: Record<
    string,
    { handler?: string; role?: string; destinations?: Record<string, { arn?: unknown } | string> }
  >;
  resources?: { Resources?: Record<string, TemplateResource> };
}): Template {
  const resources: Record<string, TemplateResource> = { ...(config.resources?.Resources ?? {}) };
  for (const [key, fn] of Object.entries(config.functions ?? {})) {
    const name = `${key[0]?.toUpperCase()}${key.slice(1)}`;
    const id = `${name}LambdaFunction`;
    resources[id] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: fn.handler,
        Role: { 'Fn::GetAtt': [fn.role ?? 'IamRoleLambdaExecution', 'Arn'] },
      },
    };
    // As the framework renders `destinations: { onFailure, onSuccess }` (an ARN or `{ type, arn }`).
    if (fn.destinations) {
      const destination = (d: { arn?: unknown } | string) => ({
        Destination: typeof d === 'string' ? d : d.arn,
      });
      const { onFailure, onSuccess } = fn.destinations;
      resources[`${name}LambdaEvConf`] = {
        Type: 'AWS::Lambda::EventInvokeConfig',
        Properties: {
          FunctionName: { Ref: id },
          DestinationConfig: {
            ...(onFailure ? { OnFailure: destination(onFailure) } : {}),
            ...(onSuccess ? { OnSuccess: destination(onSuccess) } : {}),
          },
        },
      };
    }
  }
  return { Resources: resources } as Template;
}

/** The SDK operations of every function of a template (each `functions/<key>/handler.ts`). */
export function traceFunctions(
  template: Template,
  projectDir = process.cwd(),
): Record<string, SdkOperation[]> {
  const keys = Object.values((template.Resources ?? {}) as Record<string, TemplateResource>)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .flatMap((resource) => functionKeyOf(resource) ?? []);
  const traced = traceSdkOperations(
    keys.map((key) => `functions/${key}/handler.ts`),
    projectDir,
  );
  return Object.fromEntries(keys.map((key) => [key, traced[`functions/${key}/handler.ts`] ?? []]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv[2] ?? DEFAULT_TEMPLATE;
  let template: Template;
  try {
    template = JSON.parse(readFileSync(path, 'utf8')) as Template;
  } catch (error) {
    process.stderr.write(
      `check-iam: cannot read ${path} (${(error as Error).message}); run npx osls package first\n`,
    );
    process.exit(2);
  }
  const report = checkIam(template);
  for (const p of report.problems)
    process.stderr.write(`${p.resource} ${p.where}: ${p.code}: ${p.message}\n`);
  const roleProblems = checkFunctionRoles(template, traceFunctions(template));
  for (const p of roleProblems) process.stderr.write(`${p.fn}: ${p.code}: ${p.message}\n`);
  process.stdout.write(
    `check-iam: ${report.statements} statements in ${report.policies} policies, ${report.passRoleStatements} iam:PassRole, ${report.problems.length + roleProblems.length} problems\n`,
  );
  process.exit(report.problems.length + roleProblems.length > 0 ? 1 : 0);
}
