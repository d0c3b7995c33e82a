#!/usr/bin/env bash
# `npm test`'s deployment stage (also runs alone: bash tools/deploy-check.sh):
#   1. docker-compose.yml loaded strictly by the Compose specification's own loader (compose-go, in
#      tools/compose-check), with the checks a deployment needs; the checker's own tests first;
#   2. the compose dry run: every compose service started with exactly its compose environment
#      against the local stack (deploy/local/stack.sh), each waited for until ready;
#   3. the Helm chart deploy/helm/airlock: helm lint, helm template, kubeconform -strict on the
#      rendered manifests, and tools/helm-check.js on what kubeconform cannot see.
# Tools are built once with `go install` from the Go module proxy (versions pinned below) into
# ${AIRLOCK_CACHE:-$HOME/.cache/airlock}; kubeconform's Kubernetes JSON schemas come from the
# kubernetes-validate package on PyPI (it ships them per Kubernetes version), unpacked once there.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.22.1
KUBECONFORM_VERSION=v0.8.0
SCHEMAS_PACKAGE=kubernetes-validate==1.37.0
KUBERNETES_VERSION=1.34.0

CACHE=${AIRLOCK_CACHE:-$HOME/.cache/airlock}
export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS="-modcacherw -buildvcs=false"
say() { echo "-- $*"; }
die() { echo "deploy-check: $*" >&2; exit 1; }
command -v go >/dev/null || die "Go 1.25+ is needed (the machine image has one; Debian's is too old)"

# A binary built with `go install`, its version in the directory name: bumping it builds anew.
go_tool() {
  local name=$1 version=$2 package=$3 dir="$CACHE/$1-$2/bin"
  if [[ ! -x $dir/$name ]]; then
    echo "building $name $version with go install (once; a few minutes)" >&2
    mkdir -p "$dir"
    GOBIN="$dir" go install "$package@$version" >"$CACHE/$name-build.log" 2>&1 \
      || { tail -n 30 "$CACHE/$name-build.log" >&2; die "go install of $name failed (log: $CACHE/$name-build.log)"; }
  fi
  echo "$dir/$name"
}

# Kubernetes JSON schemas (strict: no unknown fields) for kubeconform, from a PyPI package. Its
# schemas point at one shared _definitions.json by an absolute path; kubeconform resolves them
# only as file URLs, so they are rewritten to this directory once, when unpacked.
k8s_schemas() {
  local root="$CACHE/k8s-schemas-${SCHEMAS_PACKAGE#*==}" version="v$KUBERNETES_VERSION"
  local dir="$root/$version-standalone-strict"
  if [[ ! -f $dir/.complete ]]; then
    echo "fetching Kubernetes $version JSON schemas ($SCHEMAS_PACKAGE from PyPI, once)" >&2
    local tmp
    tmp=$(mktemp -d)
    python3 -m pip download --quiet --no-deps --only-binary=:all: "$SCHEMAS_PACKAGE" -d "$tmp" >&2 \
      || { rm -rf "$tmp"; die "pip download $SCHEMAS_PACKAGE failed"; }
    rm -rf "$dir" && mkdir -p "$dir"
    python3 - "$tmp"/*.whl "$version" "$dir" <<'PY' || { rm -rf "$tmp"; die "unpacking the schemas failed"; }
import sys, zipfile, pathlib
wheel, version, out = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
prefix = f"kubernetes_validate/kubernetes-json-schema/{version}-local-strict/"
count = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith(prefix) and name.endswith(".json"):
            text = z.read(name).decode()
            text = text.replace('"/api/_definitions.json#', f'"{(out / "_definitions.json").as_uri()}#')
            (out / name[len(prefix):]).write_text(text)
            count += 1
if count < 100:
    sys.exit(f"only {count} schemas for {version} in {wheel}")
print(f"{count} schemas for Kubernetes {version}", file=sys.stderr)
PY
    rm -rf "$tmp"
    touch "$dir/.complete"
  fi
  echo "$root"
}

say "compose: the checker's own tests (go test)"
(cd tools/compose-check && go test -count=1 ./...)

# Built from this repository's source; rebuilt when any of it changes.
checker_hash=$(cat tools/compose-check/go.mod tools/compose-check/go.sum tools/compose-check/*.go | sha256sum | cut -c1-16)
checker="$CACHE/compose-check-$checker_hash/compose-check"
if [[ ! -x $checker ]]; then
  (cd tools/compose-check && go build -o "$checker" .)
fi

say "compose: docker-compose.yml through compose-go (strict), with deploy/docker/example.env"
"$checker" -env-file deploy/docker/example.env docker-compose.yml

say "compose: dry run against the local stack (services compiled: node tools/build.js)"
bash deploy/local/stack.sh up >/dev/null
eval "$(bash deploy/local/stack.sh env)"
node tools/build.js
project=$(mktemp "${TMPDIR:-/tmp}/airlock-compose-project.XXXXXX.json")
trap 'rm -f "$project"' EXIT
"$checker" -env-file deploy/docker/example.env -json docker-compose.yml >"$project"
node tools/compose-check/dry-run.js "$project"

helm=$(go_tool helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm)
kubeconform=$(go_tool kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform)
schemas=$(k8s_schemas)
chart=deploy/helm/airlock
values=deploy/helm/airlock/ci/test-values.yaml
export HELM_CACHE_HOME="$CACHE/helm/cache" HELM_CONFIG_HOME="$CACHE/helm/config" HELM_DATA_HOME="$CACHE/helm/data"

say "helm lint --strict ($("$helm" version --short))"
"$helm" lint --strict --kube-version "$KUBERNETES_VERSION" "$chart" -f "$values"

say "helm template, then kubeconform -strict (Kubernetes $KUBERNETES_VERSION schemas)"
rendered=$(mktemp "${TMPDIR:-/tmp}/airlock-helm.XXXXXX.yaml")
trap 'rm -f "$project" "$rendered"' EXIT
"$helm" template airlock "$chart" -f "$values" --namespace airlock --kube-version "$KUBERNETES_VERSION" >"$rendered"
"$kubeconform" -strict -summary -kubernetes-version "$KUBERNETES_VERSION" \
  -schema-location "$schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
  "$rendered"

say "helm: what the manifests must hold (tools/helm-check.js), and what the chart must refuse"
node tools/helm-check.js "$rendered"
refused() {
  local why=$1; shift
  if out=$("$helm" template airlock "$chart" --kube-version "$KUBERNETES_VERSION" "$@" 2>&1); then die "helm template accepted $why"; fi
  echo "refused $why: $(grep -o 'Error: .*' <<<"$out" | head -n 1 | cut -c1-160)"
}
refused "no values (nothing required set)"
refused "a missing OIDC issuer" -f "$values" --set config.oidc.issuer=
refused "the development identity" -f "$values" --set config.extraEnv.AIRLOCK_DEV_IDENTITY=true
refused "a missing audit signing key Secret" -f "$values" --set secrets.auditSigningKey.existingSecret=
echo "deployment checks passed"
