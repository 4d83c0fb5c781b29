/**
 * The recommended policy set as an AWS CLI script (bash): each request's input is written to a
 * `--cli-input-json` file, then sent in the order that works: register the scalable target, put
 * the policies, put the step alarm with the ARN that put-scaling-policy returned for the step
 * policy (the alarm's AlarmActions cannot be known before), then the scheduled actions.
 *
 * The inputs are the core's requests field for field (the CLI's JSON input is the API input), so
 * the same botocore check that holds the workflow's requests holds them.
 */
import { type ExportInput, planExport } from './evidence';

/** The shell variable the step policy's ARN is read into. */
export const STEP_POLICY_ARN_VARIABLE = 'STEP_POLICY_ARN';

/** One CLI call of the script, in order. */
export interface CliStep {
  /** `application-autoscaling` or `cloudwatch`. */
  service: 'application-autoscaling' | 'cloudwatch';
  /** The API operation (PascalCase) and the CLI command (kebab-case). */
  operation: string;
  command: string;
  /** The --cli-input-json file the script writes. */
  file: string;
  input: Record<string, unknown>;
}

const kebab = (operation: string) => operation.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** The script's calls in order; the alarm's AlarmActions holds the shell variable of the ARN. */
export function cliSteps(input: ExportInput): CliStep[] {
  const { requests } = planExport(input);
  const step = (service: CliStep['service'], operation: string, file: string, body: object): CliStep => ({
    service,
    operation,
    command: kebab(operation),
    file,
    input: { ...body },
  });
  const steps: CliStep[] = [
    step(
      'application-autoscaling',
      'RegisterScalableTarget',
      '01-register-scalable-target.json',
      requests.registerScalableTarget,
    ),
  ];
  for (const [index, policy] of requests.putScalingPolicies.entries()) {
    const role = policy.PolicyName.endsWith('-step-scaling') ? 'step' : index + 1;
    const file = `${String(index + 2).padStart(2, '0')}-put-scaling-policy-${role}.json`;
    steps.push(step('application-autoscaling', 'PutScalingPolicy', file, policy));
  }
  let n = steps.length + 1;
  if (requests.stepAlarm)
    steps.push(
      step('cloudwatch', 'PutMetricAlarm', `${String(n++).padStart(2, '0')}-put-metric-alarm.json`, {
        ...requests.stepAlarm,
        AlarmActions: [`\${${STEP_POLICY_ARN_VARIABLE}}`],
      }),
    );
  for (const action of requests.putScheduledActions)
    steps.push(
      step(
        'application-autoscaling',
        'PutScheduledAction',
        `${String(n++).padStart(2, '0')}-put-scheduled-action.json`,
        action,
      ),
    );
  return steps;
}

/** JSON for an unquoted heredoc: `\`, `$` and backquote escaped, then the ARN variable let through. */
function heredocJson(input: Record<string, unknown>): string {
  const json = JSON.stringify(input, null, 2).replace(/[\\$`]/g, (c) => `\\${c}`);
  return json.split(`\\\${${STEP_POLICY_ARN_VARIABLE}}`).join(`\${${STEP_POLICY_ARN_VARIABLE}}`);
}

/**
 * The bash script, with the evidence as comments. Run it in an empty folder with credentials for
 * the endpoint's account and Region.
 * @example renderCliScript(input).split('\n')[0] // '#!/usr/bin/env bash'
 */
export function renderCliScript(input: ExportInput): string {
  const { evidence, requests } = planExport(input);
  const lines = [
    '#!/usr/bin/env bash',
    ...evidence.map((line) => `# ${line}`),
    '#',
    '# Writes each request to a --cli-input-json file, then sends them in order. Needs the AWS CLI v2',
    "# with credentials for the endpoint's account, and its Region in AWS_REGION.",
    'set -euo pipefail',
    '',
  ];
  for (const step of cliSteps(input)) {
    lines.push(`cat > ${step.file} <<JSON`, heredocJson(step.input), 'JSON');
    const call = `aws ${step.service} ${step.command} --cli-input-json file://${step.file}`;
    const isStepPolicy =
      step.operation === 'PutScalingPolicy' && step.input.PolicyName === requests.stepPolicyName;
    if (isStepPolicy)
      lines.push(
        '# The alarm below invokes this policy: keep the ARN it returns.',
        `${STEP_POLICY_ARN_VARIABLE}=$(${call} --query PolicyARN --output text)`,
        `echo "step scaling policy: \${${STEP_POLICY_ARN_VARIABLE}}"`,
      );
    else lines.push(`${call} > /dev/null`, `echo "${step.command}: done (${step.file})"`);
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
