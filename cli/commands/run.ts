import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan run: not built yet\n');
      process.exitCode = 2;
    });
}
