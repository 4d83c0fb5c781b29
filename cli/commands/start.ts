import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan start: not built yet\n');
      process.exitCode = 2;
    });
}
