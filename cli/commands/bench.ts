import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan bench: not built yet\n');
      process.exitCode = 2;
    });
}
