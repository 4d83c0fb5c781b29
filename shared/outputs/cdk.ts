/**
 * The recommended policy set as an AWS CDK construct (TypeScript, aws-cdk-lib v2). It uses the L1
 * classes (`CfnScalableTarget`, `CfnScalingPolicy`, `CfnAlarm`), which map one to one onto the
 * CloudFormation export: the L2 step scaling helper creates alarms of its own design, and CDK's
 * L2 lagged behind the API before (the high-resolution metric types), so the exact requests go in
 * as they were evaluated.
 */
import { type ExportResource, exportResources, type ResourceRef } from './cloudformation';
import { type ExportInput, planExport } from './evidence';

/** The construct's class name in the generated file. */
export const CDK_CONSTRUCT_NAME = 'ScaleplanEndpointScaling';

const CLASS_OF: Record<ExportResource['type'], string> = {
  'AWS::ApplicationAutoScaling::ScalableTarget': 'appscaling.CfnScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'appscaling.CfnScalingPolicy',
  'AWS::CloudWatch::Alarm': 'cloudwatch.CfnAlarm',
};

const camel = (key: string) => `${key[0]?.toLowerCase()}${key.slice(1)}`;
const field = (logicalId: string) => camel(logicalId);

function isRef(value: unknown): value is ResourceRef {
  return typeof value === 'object' && value !== null && 'Ref' in value && Object.keys(value).length === 1;
}

/** A CloudFormation property value as a TypeScript expression with the L1 props' camelCase keys. */
function tsValue(value: unknown, indent: string): string {
  if (isRef(value)) return `this.${field(value.Ref)}.ref`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const inner = `${indent}  `;
    return `[\n${value.map((item) => `${inner}${tsValue(item, inner)},`).join('\n')}\n${indent}]`;
  }
  const inner = `${indent}  `;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  return `{\n${entries.map(([key, item]) => `${inner}${camel(key)}: ${tsValue(item, inner)},`).join('\n')}\n${indent}}`;
}

/**
 * The construct's source, with the evidence as comments.
 * @example renderCdk(input).includes('export class ScaleplanEndpointScaling extends Construct') // true
 */
export function renderCdk(input: ExportInput): string {
  const plan = planExport(input);
  const resources = exportResources(plan);
  const fields = resources.map(
    (r) => `  /** ${r.comment} */\n  readonly ${field(r.logicalId)}: ${CLASS_OF[r.type]};`,
  );
  const constructs = resources.map((r) => {
    const lines = [
      `    this.${field(r.logicalId)} = new ${CLASS_OF[r.type]}(this, '${r.logicalId}', ${tsValue(r.properties, '    ')});`,
    ];
    if (r.logicalId === 'ScalableTarget')
      lines.push(`    if (props.endpoint) this.${field(r.logicalId)}.node.addDependency(props.endpoint);`);
    return lines.join('\n');
  });
  return `${[
    ...plan.evidence.map((line) => `// ${line}`),
    '//',
    `// Usage: new ${CDK_CONSTRUCT_NAME}(stack, 'Scaling', { endpoint: myCfnEndpoint });`,
    '',
    "import { aws_applicationautoscaling as appscaling, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';",
    "import { Construct, type IDependable } from 'constructs';",
    '',
    `export interface ${CDK_CONSTRUCT_NAME}Props {`,
    '  /** The endpoint, when it is in the same app: the scalable target is created after it. */',
    '  readonly endpoint?: IDependable;',
    '}',
    '',
    `/** Auto scaling of endpoint ${input.target.endpointName}, variant ${input.target.variantName}, as recommended by scaleplan. */`,
    `export class ${CDK_CONSTRUCT_NAME} extends Construct {`,
    fields.join('\n'),
    '',
    `  constructor(scope: Construct, id: string, props: ${CDK_CONSTRUCT_NAME}Props = {}) {`,
    '    super(scope, id);',
    constructs.join('\n'),
    '  }',
    '}',
  ].join('\n')}\n`;
}
