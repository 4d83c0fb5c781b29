/**
 * Checks the IAM statements of the packaged CloudFormation template:
 * - no Allow statement grants a wildcard action ("*", "sagemaker:*", "s3:Put*") or uses NotAction;
 * - iam:PassRole is granted only on named roles (no "*" in its Resource) and only with an
 *   iam:PassedToService condition, so the functions can pass the SageMaker role and nothing else.
 * Usage: node --import tsx scripts/check-iam.ts [template.json]  (default: the osls package output)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

export interface IamProblem {
  /** Logical ID of the resource holding the policy. */
  resource: string;
  /** Policy name (or "PolicyDocument") and statement index or Sid. */
  where: string;
  code: 'wildcardAction' | 'notAction' | 'passRoleWildcard' | 'passRoleUnconditioned' | 'malformed';
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
function identityPolicies(template: Template): [string, string, unknown][] {
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

/** IAM service prefix of each AWS SDK v3 client package the adapters use. */
export const IAM_PREFIX_OF_CLIENT: Record<string, string> = {
  '@aws-sdk/client-sagemaker': 'sagemaker',
  '@aws-sdk/client-application-auto-scaling': 'application-autoscaling',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-s3': 's3',
};

/**
 * The IAM actions a source file's SDK calls need: each `XCommand` imported (as a value) from a
 * client package becomes `<prefix>:X`. S3's PutObject is `s3:PutObject`, SageMaker's
 * CreateEndpoint `sagemaker:CreateEndpoint`: for these services the action is the operation.
 */
export function actionsUsedBy(source: string): string[] {
  const actions = new Set<string>();
  const imports = /import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/client-[a-z0-9-]+)'/g;
  for (const match of source.matchAll(imports)) {
    const prefix = IAM_PREFIX_OF_CLIENT[match[2] ?? ''];
    if (!prefix) continue;
    for (const item of (match[1] ?? '').split(',')) {
      const name = item.trim();
      if (name.startsWith('type ')) continue;
      const command = /^([A-Z][A-Za-z0-9]*)Command$/.exec(name);
      if (command?.[1]) actions.add(`${prefix}:${command[1]}`);
    }
  }
  return [...actions].sort();
}

/** The actions `serverless.yml` grants, read from its `- <prefix>:<Action>` list items. */
export function actionsGranted(serverlessYml: string): Set<string> {
  return new Set(
    [...serverlessYml.matchAll(/^\s*-\s*([a-z0-9-]+:[A-Za-z0-9]+)\s*$/gm)].map((m) => m[1] ?? ''),
  );
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
  process.stdout.write(
    `check-iam: ${report.statements} statements in ${report.policies} policies, ${report.passRoleStatements} iam:PassRole, ${report.problems.length} problems\n`,
  );
  process.exit(report.problems.length > 0 ? 1 : 0);
}
