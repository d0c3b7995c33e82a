#!/usr/bin/env bash
# ensure-venv.sh VENV VERSION: a Python venv with acro==VERSION, made (or repaired) when missing.
# Shared by the cross-check and bench/disclosure; nothing of it is committed.
set -euo pipefail
VENV="$1"; VERSION="$2"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('acro') != '$VERSION')" 2>/dev/null; then
  exit 0
fi
echo "acro-venv: installing acro==$VERSION into $VENV" >&2
mkdir -p "$(dirname "$VENV")"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "acro==$VERSION"
