import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerDerive(program: Command): void {
  program
    .command('derive')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan derive: not built yet\n');
      process.exitCode = 2;
    });
}
