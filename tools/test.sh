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
echo "== build (the e2e tests run the services compiled, as production does)"
node tools/build.js
echo "== unit tests"
npx jest --ci --selectProjects unit
echo "== integration and end-to-end tests (real PostgreSQL, Kafka, S3 server, clamd)"
npx jest --ci --runInBand --selectProjects integration e2e
