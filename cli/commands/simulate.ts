import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan simulate: not built yet\n');
      process.exitCode = 2;
    });
}
