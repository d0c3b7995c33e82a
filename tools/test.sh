#!/usr/bin/env bash
# `npm test`: every test, against the real servers, which this script installs and starts itself.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/local/stack.sh up
eval "$(bash deploy/local/stack.sh env)"

echo "== typecheck"
npx tsc -p tsconfig.json --noEmit
echo "== lint (module boundaries need the Nx project graph first)"
NX_DAEMON=false npx nx show projects | tr "\n" " "; echo
npx eslint .
echo "== format (Prettier, .prettierrc; \`npm run format\` fixes)"
npx prettier --check .
echo "== build (the e2e tests run the services compiled, as production does)"
node tools/build.js
# A stage that hangs (a handle left open after a failure) is stopped with a clear message instead
# of holding CI until its own time limit; --forceExit ends the run once its results are known, and
# the e2e harness kills any service process still running when jest exits.
stage() {
  local limit=$1; shift
  timeout --kill-after=30s "$limit" "$@" || {
    local code=$?
    if [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then echo "== stopped after $limit: $*" >&2; fi
    return "$code"
  }
}
echo "== deployment: compose loader, compose dry run, helm lint/template, kubeconform"
stage 15m bash tools/deploy-check.sh
echo "== unit tests"
stage 30m npx jest --ci --forceExit --selectProjects unit
echo "== ACRO cross-check (ACRO 1.0.2 from PyPI and airlock-check on the same tables; fails on an unexplained difference)"
if [ -f "${AIRLOCK_ACRO_DATA:-../shared/data/acro}/test_data.csv" ]; then
  stage 10m npm run --silent crosscheck:acro
else
  echo "== skipped: no ACRO test data at ${AIRLOCK_ACRO_DATA:-../shared/data/acro} (set AIRLOCK_ACRO_DATA)"
fi
echo "== integration and end-to-end tests (real PostgreSQL, Kafka, S3 server, clamd)"
stage 40m npx jest --ci --forceExit --runInBand --selectProjects integration e2e
echo "== contract fuzzing (schemathesis against each service's OpenAPI, as each role)"
stage 15m bash tools/fuzz/run.sh
