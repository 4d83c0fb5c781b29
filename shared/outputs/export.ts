/**
 * `scaleplan export`: the recommended policy set, retargeted to the user's endpoint, in one of
 * four forms. Each renderer is pure: the recommendation and the target in, text out.
 */
import { InvalidInputError } from '../core/errors';
import { renderCdk } from './cdk';
import { renderCliScript } from './cli-script';
import { renderCloudFormation } from './cloudformation';
import { EXPORT_FORMATS, type ExportFormat, type ExportInput } from './evidence';
import { renderTerraform } from './terraform';

const RENDERERS: Record<ExportFormat, (input: ExportInput) => string> = {
  cloudformation: renderCloudFormation,
  terraform: renderTerraform,
  cdk: renderCdk,
  cli: renderCliScript,
};

/** The usual file name of each form. */
export const EXPORT_FILE_NAMES: Record<ExportFormat, string> = {
  cloudformation: 'scaling.cfn.yml',
  terraform: 'scaling.tf',
  cdk: 'scaling-construct.ts',
  cli: 'apply-scaling.sh',
};

/** Parses a --format value. @throws InvalidInputError naming the four formats */
export function parseExportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new InvalidInputError(`--format: one of ${EXPORT_FORMATS.join(', ')}, not '${value}'`);
}

/**
 * Renders the export.
 * @example renderExport('terraform', { recommendation, target: { endpointName: 'prod', variantName: 'AllTraffic' }, scaleplanVersion: '0.1.0' })
 */
export function renderExport(format: ExportFormat, input: ExportInput): string {
  return RENDERERS[format](input);
}
