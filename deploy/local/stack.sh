#!/usr/bin/env bash
# Airlock's local "real stack": PostgreSQL, Kafka (KRaft), an S3 server
# (versitygw) and clamd, as plain processes on 127.0.0.1 (no Docker here).
#
#   deploy/local/stack.sh up       install what is missing, start what is not running, wait until ready
#   deploy/local/stack.sh down     stop everything this script started (by pid file)
#   deploy/local/stack.sh status   one line per server: name, port, up/down
#   deploy/local/stack.sh env      `export` lines for the tests: eval "$(deploy/local/stack.sh env)"
#   deploy/local/stack.sh restart S   stop and start one server (postgres, kafka, s3, clamd), wait until ready
#   deploy/local/stack.sh clamd-up    clamd alone (what `npm start` runs): install if the machine allows, start, wait
#   deploy/local/stack.sh clamd-down  stop the clamd this script started
#
# Downloads and builds are cached in ${AIRLOCK_CACHE:-$HOME/.cache/airlock}, so a
# second `up` on the same machine only starts processes. Data, logs and pid files
# live in ${AIRLOCK_STACK_DIR:-$HOME/.local/state/airlock-stack}; `down` and
# `rm -rf` of that dir gives a clean slate. See deploy/local/README.md.
set -euo pipefail

STACK_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export AIRLOCK_CACHE=${AIRLOCK_CACHE:-$HOME/.cache/airlock}
export AIRLOCK_STACK_DIR=${AIRLOCK_STACK_DIR:-$HOME/.local/state/airlock-stack}
RUN_DIR="$AIRLOCK_STACK_DIR/run"
LOG_DIR="$AIRLOCK_STACK_DIR/logs"

# shellcheck source=lib/common.sh
source "$STACK_HOME/lib/common.sh"
# shellcheck source=lib/postgres.sh
source "$STACK_HOME/lib/postgres.sh"
# shellcheck source=lib/kafka.sh
source "$STACK_HOME/lib/kafka.sh"
# shellcheck source=lib/s3.sh
source "$STACK_HOME/lib/s3.sh"
# shellcheck source=lib/clamd.sh
source "$STACK_HOME/lib/clamd.sh"

usage() {
  sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

cmd_up() {
  local t0=$SECONDS
  mkdir -p "$AIRLOCK_CACHE" "$RUN_DIR" "$LOG_DIR"
  # Installs run one after the other (apt holds a lock; apt-get update runs once).
  pg_install; kafka_install; s3_install; clamd_install
  # kcat: the security team's kind of Kafka consumer; the audit e2e test reads the audit topic with it.
  command -v kcat >/dev/null || apt_install kcat
  # Chromium from Debian for the browser tests (playwright-core drives it; no browser is downloaded).
  command -v chromium >/dev/null || apt_install chromium
  # Start everything first, then wait for each: the servers boot in parallel, so
  # `up` takes as long as the slowest (Kafka's JVM), not the sum.
  kafka_start; pg_start; s3_start; clamd_start
  kafka_wait; pg_wait; s3_wait; clamd_wait
  log "all servers ready in $((SECONDS - t0))s; logs in $LOG_DIR"
}

cmd_down() {
  # Order does not matter: no server depends on another.
  clamd_down
  s3_down
  kafka_down
  pg_down
}

# The crash suite restarts each server once mid-run (a broker, database or object store going away
# and coming back is what production sees during upgrades and failovers).
cmd_restart() {
  local fn
  case ${1:-} in
    postgres) fn=pg ;;
    kafka | s3 | clamd) fn=$1 ;;
    *) die "restart needs one of: postgres kafka s3 clamd" ;;
  esac
  # install only finds what is already cached, and sets the paths start needs.
  "${fn}_install"; "${fn}_down"; "${fn}_start"; "${fn}_wait"
}

# `npm start` brings its own clamd (tools/start-all.ts): install it only where that needs no
# password (root, or sudo without one), so a start never hangs on a prompt; then start and wait.
cmd_clamd_up() {
  mkdir -p "$AIRLOCK_CACHE" "$RUN_DIR" "$LOG_DIR"
  if [[ -z $(clamd_bin) && $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
    die "clamd is not installed, and installing it (apt-get install clamav-daemon) needs root"
  fi
  command -v apt-get >/dev/null || [[ -n $(clamd_bin) ]] || die "clamd is not installed and this machine has no apt-get to install it"
  clamd_install; clamd_start; clamd_wait
}

cmd_status() {
  printf '%-10s %-6s %s\n' postgres "$PG_PORT" "$(pg_status)"
  printf '%-10s %-6s %s\n' kafka "$KAFKA_PORT" "$(kafka_status)"
  printf '%-10s %-6s %s\n' s3 "$S3_PORT" "$(s3_status)"
  printf '%-10s %-6s %s\n' clamd "$CLAMD_PORT" "$(clamd_status)"
}

cmd_env() {
  # %q: safe to eval even if an overridden key contains shell characters.
  local name value
  while read -r name value; do
    printf 'export %s=%q\n' "$name" "$value"
  done <<EOF
AIRLOCK_DATABASE_URL postgres://airlock@127.0.0.1:$PG_PORT/airlock
AIRLOCK_KAFKA_BROKERS 127.0.0.1:$KAFKA_PORT
AIRLOCK_S3_ENDPOINT http://127.0.0.1:$S3_PORT
AIRLOCK_S3_ACCESS_KEY $S3_ACCESS_KEY
AIRLOCK_S3_SECRET_KEY $S3_SECRET_KEY
AIRLOCK_S3_REGION $S3_REGION
AIRLOCK_S3_FORCE_PATH_STYLE true
AIRLOCK_CLAMD_HOST 127.0.0.1
AIRLOCK_CLAMD_PORT $CLAMD_PORT
EOF
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  restart) cmd_restart "${2:-}" ;;
  clamd-up) cmd_clamd_up ;;
  clamd-down) clamd_down ;;
  *) usage ;;
esac
