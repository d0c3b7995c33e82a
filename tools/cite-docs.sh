#!/usr/bin/env bash
# Rewrites citations of the design and style pages that once lived outside the repo so that they
# name the repo's own files: the upper-case design page becomes docs/design.md and the style page
# docs/style.md. Code, configs, READMEs, ADRs and the AsyncAPI document are all covered.
#
#   bash tools/cite-docs.sh [root]     # root defaults to the repository this script lives in
#
# Idempotent: the rewritten names are lower case under docs/, which the patterns below do not match,
# so a second run changes nothing. Prints each file it rewrote. tools/cite-docs.spec.ts fails while
# any citation is left.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

# The patterns are spelled with [.] so that this script never cites the old names itself.
pattern='(docs/)?(DESIGN|STYLE)[.]md'

find . \
  \( -name node_modules -o -name .git -o -name dist -o -name tmp -o -name coverage -o -name .nx -o -name .airlock -o -path ./bench/out \) -prune -o \
  -type f \( -name '*.ts' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.md' -o -name '*.sh' \
            -o -name '*.json' -o -name '*.yaml' -o -name '*.yml' -o -name '*.py' -o -name 'Dockerfile' \) \
  -not -path './docs/design.md' -not -path './docs/style.md' -not -name package-lock.json \
  -print0 |
  while IFS= read -r -d '' file; do
    grep -qE "$pattern" "$file" || continue
    # `docs/` first so an already-qualified upper-case name is not prefixed twice.
    sed -E -i \
      -e 's#(docs/)?DESIGN[.]md#docs/design.md#g' \
      -e 's#(docs/)?STYLE[.]md#docs/style.md#g' \
      "$file"
    echo "rewrote ${file#./}"
  done
