# shellcheck shell=bash
# S3-compatible server: versitygw (Apache-2.0, Go) with its POSIX backend.
# Why versitygw and not S3Proxy/MinIO: see docs/adr/0001-s3-server-for-local-and-ci.md.
# Built once from the Go module proxy with `go install`; the binary is cached.

VERSITYGW_VERSION=${AIRLOCK_VERSITYGW_VERSION:-v1.8.0}
S3_PORT=${AIRLOCK_S3_PORT:-9000}
S3_ACCESS_KEY=${AIRLOCK_S3_ACCESS_KEY:-airlock}
S3_SECRET_KEY=${AIRLOCK_S3_SECRET_KEY:-airlock-secret-key}
S3_REGION=${AIRLOCK_S3_REGION:-us-east-1}
S3_DIR="$AIRLOCK_STACK_DIR/s3"

s3_install() {
  # Version in the directory name: bumping VERSITYGW_VERSION builds a new binary.
  S3_BIN="$AIRLOCK_CACHE/versitygw-$VERSITYGW_VERSION/bin/versitygw"
  [[ -x $S3_BIN ]] && return 0
  command -v go >/dev/null || die "go is needed to build versitygw (it is not in Debian's archive); install Go 1.25+"
  log "building versitygw $VERSITYGW_VERSION with go install (about a minute, once)"
  # Module and build caches live under AIRLOCK_CACHE too, so `rm -rf` of the
  # cache is a full reset (-modcacherw keeps the module cache deletable).
  local blog="$AIRLOCK_CACHE/versitygw-build.log"
  mkdir -p "$AIRLOCK_CACHE"
  GOBIN="$(dirname "$S3_BIN")" \
    GOMODCACHE="$AIRLOCK_CACHE/go/mod" GOCACHE="$AIRLOCK_CACHE/go/build" \
    GOFLAGS="-modcacherw -buildvcs=false" \
    go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >"$blog" 2>&1 \
    || { tail -n 30 "$blog" >&2; die "go install of versitygw failed (log: $blog)"; }
}

# Ready = a SigV4-signed ListBuckets with our keys returns an S3 XML answer: this
# proves the S3 API is up *and* that the credentials in `stack.sh env` work.
s3_probe() {
  local body
  # The header carries the SHA-256 of the empty body: S3 requires it, curl does not add it.
  body=$(curl -fsS --max-time 3 \
    --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "http://127.0.0.1:$S3_PORT/" 2>/dev/null) || return 1
  [[ $body == *ListAllMyBucketsResult* ]]
}

# Starts versitygw unless it is running already; does not wait (see s3_wait).
s3_start() {
  if running_pid s3 >/dev/null; then
    log "s3 (versitygw) already running"
  else
    assert_port_free s3 "$S3_PORT"
    # data: one directory per bucket (needs xattrs, which ext4/xfs/tmpfs have).
    # versions: where versitygw keeps non-current object versions. Without it,
    # PutBucketVersioning answers VersioningNotConfigured and object lock has no
    # old versions to protect.
    # meta: object and multipart metadata in sidecar files. In xattrs (versitygw's default) a
    # multipart upload's part list outgrows ext4's 4 KiB xattr space: a 10 GiB upload in 8 MiB
    # parts failed to complete with "No space left on device". A stack whose data predates this
    # keeps its xattrs (its objects' metadata lives there).
    local meta=()
    if [[ -d $S3_DIR/meta || ! -d $S3_DIR/data ]]; then
      mkdir -p "$S3_DIR/meta"
      meta=(--sidecar "$S3_DIR/meta")
    fi
    mkdir -p "$S3_DIR/data" "$S3_DIR/versions"
    log "starting versitygw $VERSITYGW_VERSION on 127.0.0.1:$S3_PORT"
    # Keys go in through the environment, not argv, so they do not show in `ps`.
    # --quiet: no per-request line on stdout (tests make thousands); errors still log.
    ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
      start_daemon s3 "$S3_BIN" --port "127.0.0.1:$S3_PORT" --region "$S3_REGION" --quiet \
      posix "${meta[@]}" --versioning-dir "$S3_DIR/versions" "$S3_DIR/data"
  fi
}

s3_wait() {
  wait_ready s3 60 s3_probe
  log "s3 ready on http://127.0.0.1:$S3_PORT"
}

s3_down() { stop_daemon s3 TERM; }

s3_status() {
  if running_pid s3 >/dev/null && tcp_open "$S3_PORT"; then echo up; else echo down; fi
}
