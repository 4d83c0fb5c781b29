#!/usr/bin/env node
// Entry point of the `scaleplan` command: loads TypeScript through tsx, then the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../shared/adapters/local/polyfills.ts');
const { main } = await import('../cli/index.ts');
await main(process.argv);
