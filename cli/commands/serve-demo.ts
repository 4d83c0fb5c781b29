import type { Command } from 'commander';

/** Placeholder until the command is built. */
export function registerServeDemo(program: Command): void {
  program
    .command('serve-demo')
    .description('not built yet')
    .allowUnknownOption()
    .action(() => {
      process.stderr.write('scaleplan serve-demo: not built yet\n');
      process.exitCode = 2;
    });
}
