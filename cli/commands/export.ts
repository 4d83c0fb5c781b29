/**
 * `scaleplan export --recommendation FILE --endpoint NAME [--variant NAME] --format F [--out FILE]`:
 * the recommended policy set, retargeted to the user's endpoint, as CloudFormation, Terraform, a
 * CDK construct or an AWS CLI script (shared/outputs renders them; see docs/outputs.md).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidInputError } from '../../shared/core/errors';
import { RECOMMENDATION_FORMAT_VERSION, type Recommendation } from '../../shared/core/recommendation';
import { EXPORT_FORMATS } from '../../shared/outputs/evidence';
import { parseExportFormat, renderExport } from '../../shared/outputs/export';
import { scaleplanVersion } from '../../shared/workflow/report-file';
import { choiceOption, nonBlankText, readJsonFile } from '../options';

const REQUIRED_FIELDS = [
  'runId',
  'name',
  'instanceType',
  'evaluatedOn',
  'expectations',
  'benchmark',
  'thresholds',
  'capacity',
  'policySet',
  'cost',
  'verdict',
  'iterations',
  'reasons',
] as const;

/**
 * Reads a `recommendation.json` that scaleplan wrote.
 * @throws InvalidInputError naming the file and what is missing
 */
export function readRecommendationFile(path: string): Recommendation {
  const data = readJsonFile(path, 'recommendation file');
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new InvalidInputError(`recommendation ${path}: a JSON object is expected`);
  const record = data as Record<string, unknown>;
  if (record.formatVersion !== RECOMMENDATION_FORMAT_VERSION)
    throw new InvalidInputError(
      `recommendation ${path}: formatVersion ${JSON.stringify(record.formatVersion)}, expected ${RECOMMENDATION_FORMAT_VERSION} (the recommendation.json of a scaleplan run)`,
    );
  const missing = REQUIRED_FIELDS.filter((field) => record[field] === undefined);
  if (missing.length > 0)
    throw new InvalidInputError(`recommendation ${path}: missing ${missing.join(', ')}`);
  return data as Recommendation;
}

/** Writes `text` to `out` (executable for a script), or to stdout without `out`. */
export function writeOutput(text: string, out: string | undefined, executable = false): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(out, text);
  if (executable) chmodSync(out, 0o755);
  process.stderr.write(`wrote ${out}\n`);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'write the recommended policies for your endpoint as CloudFormation, Terraform, CDK or AWS CLI',
    )
    .requiredOption('--recommendation <file>', 'recommendation.json of a run', nonBlankText)
    .requiredOption('--endpoint <name>', 'your SageMaker endpoint', nonBlankText)
    .option('--variant <name>', 'its production variant', nonBlankText, 'AllTraffic')
    .addOption(choiceOption('--format <format>', 'what to write', EXPORT_FORMATS).makeOptionMandatory())
    .option('--out <file>', 'write to this file instead of stdout', nonBlankText)
    .action(
      (options: {
        recommendation: string;
        endpoint: string;
        variant: string;
        format: string;
        out?: string;
      }) => {
        const format = parseExportFormat(options.format);
        const recommendation = readRecommendationFile(options.recommendation);
        const text = renderExport(format, {
          recommendation,
          target: { endpointName: options.endpoint, variantName: options.variant },
          scaleplanVersion: scaleplanVersion(),
        });
        writeOutput(text, options.out, format === 'cli');
      },
    );
}
