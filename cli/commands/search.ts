import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan search: not built yet\n');
      process.exitCode = 2;
    });
}
