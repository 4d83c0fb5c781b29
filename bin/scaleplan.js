#!/usr/bin/env node
// Entry point of the `scaleplan` command: loads TypeScript through tsx, then the CLI.
import { register } from 'tsx/esm/api';

// The workflow's handlers log JSON lines for CloudWatch; on a terminal only warnings by default
// (POWERTOOLS_LOG_LEVEL=INFO shows them all).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../shared/workflow/polyfills.ts');
const { main } = await import('../cli/index.ts');
await main(process.argv);
