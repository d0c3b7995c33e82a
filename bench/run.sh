#!/usr/bin/env bash
# `npm run bench`: bring up the real local stack (idempotent; fast when it already runs),
# export its AIRLOCK_* addresses, then run the benchmarks. Works on a fresh machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash deploy/local/stack.sh up >&2
eval "$(bash deploy/local/stack.sh env)"
# This Node (20) is supported; the SDK's notice about a future minimum says nothing about the run.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
node tools/build.js >&2   # services run compiled, as in production
exec node -r @swc-node/register bench/run.ts "$@"
