#!/usr/bin/env bash
# Contract fuzzing: schemathesis against every service's OpenAPI document, as every role, on the
# real stack (e2e/contract-fuzz.fuzz-spec.ts starts the services and seeds ids). Fails on any 5xx
# or response that breaks its schema. Needs the servers of deploy/local/stack.sh and a build.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
VENV="${AIRLOCK_CACHE:-$HOME/.cache/airlock}/schemathesis-venv"

if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != *"version $SCHEMATHESIS_VERSION" ]]; then
  echo "== installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # From the package index only: no local wheel directory may stand in for the pinned release.
  env -u PIP_FIND_LINKS "$VENV/bin/pip" install --quiet --no-input "schemathesis==$SCHEMATHESIS_VERSION"
fi

export SCHEMATHESIS="$VENV/bin/schemathesis"
exec npx jest --ci --forceExit --runInBand --selectProjects fuzz "$@"
