#!/usr/bin/env bash
# `npm run crosscheck:acro`: ACRO (PyPI `acro`, pinned below) and our airlock-check judge the same
# tables built from ACRO's own test data; per table, the verdicts and the failing cells per rule
# must agree, or differ for a listed reason. Writes tools/acro-crosscheck/out/report.json.
# The venv lives in the cache (never in the repo) and is made when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ACRO_VERSION=1.0.2
VENV="${AIRLOCK_CACHE:-$HOME/.cache/airlock}/acro-venv"
bash tools/acro-crosscheck/ensure-venv.sh "$VENV" "$ACRO_VERSION" >&2
exec "$VENV/bin/python" tools/acro-crosscheck/crosscheck.py \
  --data "${AIRLOCK_ACRO_DATA:-../shared/data/acro}" --out tools/acro-crosscheck/out "$@"
