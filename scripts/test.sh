#!/usr/bin/env bash
# `npm test`: everything a change must pass, in order of speed.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
echo "== type check"; npx tsc --noEmit -p tsconfig.json
echo "== lint and format"; npx biome check .
echo "== layers and core purity"; node --import tsx scripts/check-layers.ts
echo "== tests"; node --import tsx scripts/run-tests.ts "$@"
