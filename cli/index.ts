/**
 * The `scaleplan` command line. Each sub-command lives in `cli/commands/<name>.ts` and exports
 * `register(program)`; this file only assembles them and turns errors into one clear line and an
 * exit code ({@link EXIT_CODES}).
 */
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench';
import { registerDerive } from './commands/derive';
import { registerExport } from './commands/export';
import { registerReport } from './commands/report';
import { registerRun } from './commands/run';
import { registerSearch } from './commands/search';
import { registerServeDemo } from './commands/serve-demo';
import { registerSimulate } from './commands/simulate';
import { registerStart } from './commands/start';
import { registerTraffic } from './commands/traffic';
import { EXIT_CODES } from './exit-codes';
import { describeOption } from './options';

const EXIT_CODES_HELP = `
Exit codes:
  ${EXIT_CODES.done}  done
  ${EXIT_CODES.failed}  the job failed (for example, the run FAILED: no iteration passed)
  ${EXIT_CODES.badInput}  bad usage or bad input (an unknown option, a bad value, an unreadable or invalid file)`;

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError)
    return error.exitCode === EXIT_CODES.done ? EXIT_CODES.done : EXIT_CODES.badInput;
  // By name, as the state machine matches errors: the name is the contract (shared/core/errors.ts).
  if (error instanceof Error && error.name === 'InvalidInputError') return EXIT_CODES.badInput;
  return EXIT_CODES.failed;
}

export function buildProgram(): Command {
  const program = new Command('scaleplan')
    .description(
      'Derive, simulate and verify the auto scaling configuration of SageMaker real-time endpoints.',
    )
    .version('0.1.0')
    .addHelpText('after', EXIT_CODES_HELP)
    // Set before the sub-commands are added, which copy these settings: a usage error throws a
    // CommanderError to main() instead of calling process.exit(1), and is one line on stderr.
    .exitOverride()
    .configureHelp({ optionDescription: describeOption })
    .configureOutput({
      outputError: (text, write) =>
        write(`scaleplan: ${text.replace(/^error: /, '').trimEnd()} (run with --help for usage)\n`),
    });
  for (const register of [
    registerDerive,
    registerRun,
    registerStart,
    registerBench,
    registerServeDemo,
    registerSimulate,
    registerSearch,
    registerTraffic,
    registerExport,
    registerReport,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Commander has written its own line already (see configureOutput above).
    if (!(error instanceof CommanderError)) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`scaleplan: ${message}\n`);
    }
    process.exitCode = exitCodeFor(error);
  }
}
