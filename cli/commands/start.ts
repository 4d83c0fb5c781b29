/**
 * `scaleplan start --state-machine-arn ARN FILE [--name N] [--region R]`: the pipeline-facing
 * entry. Validates FILE against the ScalingRequest schema and the AWS backend's limits locally (one
 * line naming the bad field, no AWS call; model.kind "local" is refused), then starts an execution of the deployed state machine with the file as input.
 * See docs/aws.md.
 */
import { SFNClient, StartExecutionCommand, type StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { translateAwsError } from '../../shared/adapters/aws/errors';
import { InvalidInputError } from '../../shared/core/errors';
import { awsRequestLimitProblems, ScalingRequestDraftSchema } from '../../shared/core/request';
import { nonBlankText, parseWith, readJsonFile } from '../options';

/** arn:<partition>:states:<region>:<account>:stateMachine:<name> */
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
/** Step Functions execution names: 1..80 of letters, digits, '-' and '_'. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export interface StartOptions {
  file: string;
  stateMachineArn: string;
  /** Execution name; `<request name>-<UTC timestamp>` when absent. */
  name?: string;
  region?: string;
  /** Injected in tests. */
  client?: SFNClient;
  /** Clock for the default execution name. */
  now?: () => Date;
}

export interface StartResult {
  executionArn: string;
  name: string;
  startDate: string;
}

/**
 * Reads and validates the request file.
 * @throws InvalidInputError naming the file and the bad field
 */
export function readScalingRequestFile(file: string): unknown {
  const raw = readJsonFile(file, 'request file');
  const request = parseWith(ScalingRequestDraftSchema, raw, file);
  // The deployed state machine runs on AWS: refuse here what its first state would refuse.
  const problems = awsRequestLimitProblems(request);
  if (problems.length > 0) throw new InvalidInputError(`${file}: ${problems.join('; ')}`);
  return raw;
}

/** `demo-20240601T120000Z` from the request name and the clock. */
export function defaultExecutionName(requestName: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${requestName}-${stamp}`.slice(0, 80);
}

/** Validates locally, then calls StartExecution with the file's JSON as the execution input. */
export async function startExecution(options: StartOptions): Promise<StartResult> {
  if (!STATE_MACHINE_ARN.test(options.stateMachineArn))
    throw new InvalidInputError(
      `--state-machine-arn "${options.stateMachineArn}" is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)`,
    );
  if (options.name !== undefined && !EXECUTION_NAME.test(options.name))
    throw new InvalidInputError(`--name "${options.name}" must be 1..80 letters, digits, '-' or '_'`);
  const raw = readScalingRequestFile(options.file);
  const requestName = ScalingRequestDraftSchema.parse(raw).name;
  const name = options.name ?? defaultExecutionName(requestName, (options.now ?? (() => new Date()))());
  // The state machine's Region is in its ARN; --region only overrides it.
  const region = options.region ?? options.stateMachineArn.split(':')[3];
  const client = options.client ?? new SFNClient(region ? { region } : {});
  const input: StartExecutionCommandInput = {
    stateMachineArn: options.stateMachineArn,
    name,
    input: JSON.stringify(raw),
  };
  try {
    const output = await client.send(new StartExecutionCommand(input));
    return {
      executionArn: output.executionArn ?? '',
      name,
      startDate: (output.startDate ?? new Date(0)).toISOString(),
    };
  } catch (error) {
    throw translateAwsError(error, `start an execution of ${options.stateMachineArn}`);
  }
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'validate a ScalingRequest file locally, then start an execution of the deployed state machine',
    )
    .argument('<file>', 'ScalingRequest JSON file (schemas/scaling-request.schema.json)')
    .requiredOption(
      '--state-machine-arn <arn>',
      'ARN of the deployed state machine (stack output ScaleplanStateMachineArn)',
      nonBlankText,
    )
    .option('--name <name>', 'execution name (default: <request name>-<UTC timestamp>)', nonBlankText)
    .option('--region <region>', 'AWS Region (default: the Region in the state machine ARN)', nonBlankText)
    .action(async (file: string, flags: { stateMachineArn: string; name?: string; region?: string }) => {
      const result = await startExecution({ file, ...flags });
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
