/**
 * Loaded before every test file. aws-local-stepfunctions calls Promise.withResolvers,
 * which Node 20 lacks; the polyfill lives in shared/workflow (the local runtime) so the CLI uses it too.
 */
import '../shared/workflow/polyfills';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// The handlers' JSON logs are for CloudWatch; tests assert on results, not on log lines.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
