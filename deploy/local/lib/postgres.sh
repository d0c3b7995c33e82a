# shellcheck shell=bash
# PostgreSQL from Debian, in our own initdb data dir on 127.0.0.1:$PG_PORT.
# We do not use pg_ctlcluster / the system "main" cluster: our own data dir keeps
# the test database separate from anything else on the machine and lets `down`
# plus `rm -rf $AIRLOCK_STACK_DIR` give a truly fresh database.

PG_PORT=${AIRLOCK_PG_PORT:-55432}
PG_DIR="$AIRLOCK_STACK_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCK="$PG_DIR/run"   # unix socket dir; /var/run/postgresql may not exist or belong to the system cluster

# postgres refuses to run as root; when we are root, run it as Debian's `postgres` user.
pg_os_user() {
  if [[ $(id -u) -eq 0 ]]; then echo postgres; else id -un; fi
}

# Debian keeps server binaries out of PATH, in /usr/lib/postgresql/<ver>/bin.
pg_find_bin() {
  if command -v postgres >/dev/null && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v postgres)")"
    return 0
  fi
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [[ -n $d && -x $d/postgres && -x $d/initdb ]] || return 1
  echo "$d"
}

pg_install() {
  PG_BIN=$(pg_find_bin) && return 0
  apt_install postgresql
  PG_BIN=$(pg_find_bin) || die "postgres binaries still missing after apt install"
}

# Ready = the server answers "accepting connections" over TCP, which it only does
# once start-up/recovery has finished (a bare TCP check would be too early).
pg_probe_server() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U airlock -d postgres
}

# Starts the server unless it is running already; does not wait (see pg_wait).
pg_start() {
  local user
  user=$(pg_os_user)
  if running_pid postgres >/dev/null; then
    log "postgres already running"
  else
    assert_port_free postgres "$PG_PORT"
    mkdir -p "$PG_DIR" "$PG_SOCK"
    # The data dir must belong to the server's user and be 0700 (initdb/postgres insist).
    if [[ $(id -u) -eq 0 ]]; then chown "$user:" "$PG_DIR" "$PG_SOCK"; fi
    ensure_traversable "$user" "$PG_DIR"
    if [[ ! -s $PG_DATA/PG_VERSION ]]; then
      log "initdb $PG_DATA (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'))"
      # trust auth is safe only because the server listens on loopback alone (below).
      # -U airlock makes `airlock` the bootstrap superuser.
      as_user "$user" "$PG_BIN/initdb" -D "$PG_DATA" -U airlock -A trust \
        -E UTF8 --locale=C.UTF-8 --no-instructions >>"$(log_file postgres)" 2>&1 \
        || { tail -n 20 "$(log_file postgres)" >&2; die "initdb failed"; }
    fi
    # A stale postmaster.pid from a crash would stop the server from starting;
    # it is stale for sure, since our pid file says nothing is running.
    rm -f "$PG_DATA/postmaster.pid"
    log "starting postgres on 127.0.0.1:$PG_PORT"
    # Settings on the command line (not in postgresql.conf) so they always match this script.
    # fsync off: test data only, and it makes schema set-up/teardown in tests much faster.
    as_user_argv "$user"
    start_daemon postgres "${AS_USER[@]}" "$PG_BIN/postgres" -D "$PG_DATA" \
      -c listen_addresses=127.0.0.1 -c port="$PG_PORT" \
      -c unix_socket_directories="$PG_SOCK" \
      -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off
  fi
}

pg_wait() {
  wait_ready postgres 60 pg_probe_server
  # The `airlock` database: created once, idempotently.
  local exists
  exists=$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U airlock -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'airlock'")
  if [[ $exists != 1 ]]; then
    log "creating database airlock"
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U airlock -d postgres -qc 'CREATE DATABASE airlock' >/dev/null
  fi
  log "postgres ready on 127.0.0.1:$PG_PORT"
}

# SIGINT = "fast" shutdown: does not wait for clients (SIGTERM would wait for
# every open test connection to close).
pg_down() { stop_daemon postgres INT; }

pg_status() {
  if running_pid postgres >/dev/null && tcp_open "$PG_PORT"; then echo up; else echo down; fi
}
