/**
 * The `scaleplan` command line. Each sub-command lives in `cli/commands/<name>.ts` and exports
 * `register(program)`; this file only assembles them and turns errors into one clear line.
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

export function buildProgram(): Command {
  const program = new Command('scaleplan')
    .description(
      'Derive, simulate and verify the auto scaling configuration of SageMaker real-time endpoints.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  for (const register of [
    registerDerive,
    registerRun,
    registerStart,
    registerBench,
    registerServeDemo,
    registerSimulate,
    registerSearch,
    registerExport,
    registerReport,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    process.stderr.write(`scaleplan: ${message}\n`);
    process.exitCode = 1;
  }
}
