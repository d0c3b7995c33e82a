# shellcheck shell=bash
# Helpers shared by the per-server scripts in this directory.
# Sourced by deploy/local/stack.sh; expects AIRLOCK_CACHE and AIRLOCK_STACK_DIR set.

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# --- apt -----------------------------------------------------------------------
# `apt-get update` is slow and only needed before an install, so it runs at most
# once per stack.sh invocation and only when some server actually needs a package.
APT_UPDATED=0
apt_install() {
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update (needed for: $*)"
    "${sudo[@]}" apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- processes -----------------------------------------------------------------
# Every server runs in the foreground of its own session (setsid) so that it
# outlives this script and the terminal/job that started it; its pid lives in
# $RUN_DIR/<name>.pid and its output goes to $LOG_DIR/<name>.log.

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# Prints the pid of a live server, or fails if it is not running.
# Every server's command line names a path inside $AIRLOCK_STACK_DIR (its data
# dir or config), which guards against a stale pid file whose pid the kernel has
# since given to an unrelated process (after a reboot, say).
running_pid() {
  local pf pid cmd
  pf=$(pid_file "$1")
  [[ -s $pf ]] || return 1
  pid=$(<"$pf")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$AIRLOCK_STACK_DIR"* ]] || return 1
  echo "$pid"
}

# start_daemon NAME CMD...  — detach CMD, record its pid, append output to its log.
# The child writes its own pid ($$) before exec-ing CMD, so the pid file holds the
# server's real pid whether or not setsid had to fork.
# DAEMON_STDOUT=/dev/null discards stdout (stderr still goes to the log), for a
# server that already writes its own log file and would otherwise log twice.
start_daemon() {
  local name=$1; shift
  local pf lf
  pf=$(pid_file "$name"); lf=$(log_file "$name")
  printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$lf"
  # shellcheck disable=SC2016 # $$, $0 and $@ belong to the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" </dev/null >>"${DAEMON_STDOUT:-$lf}" 2>>"$lf" &
  # Wait (briefly, polling) until the child has written its pid file.
  local i
  for ((i = 0; i < 50; i++)); do [[ -s $pf ]] && return 0; sleep 0.1; done
  die "$name: no pid file after start"
}

# stop_daemon NAME [SIGNAL]  — signal the recorded pid, wait for it to exit
# (up to 30 s), then SIGKILL. Only ever touches the pid we started ourselves.
stop_daemon() {
  local name=$1 sig=${2:-TERM} pid i
  if ! pid=$(running_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  log "stopping $name (pid $pid, SIG$sig)"
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not exit after 30 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")"
}

# True when something accepts TCP connections on 127.0.0.1:PORT (bash built-in, no nc needed).
tcp_open() {
  # shellcheck disable=SC2016 # $0 belongs to the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null
}

# Refuse to start a server whose port is already taken by a process we did not start:
# silently talking to a stranger's server would make tests lie.
assert_port_free() {
  local name=$1 port=$2
  if tcp_open "$port"; then
    die "$name: 127.0.0.1:$port is already in use by another process (not started by stack.sh); stop it or change the port"
  fi
}

# wait_ready NAME TIMEOUT_S PROBE_FN [ARGS...]
# Polls PROBE_FN until it succeeds. Gives up early if the server process died.
# On failure prints the tail of the server's log and exits non-zero.
wait_ready() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    if "$@"; then return 0; fi
    # Asked twice, a moment apart: while the server execs, /proc/PID/cmdline can read empty for an
    # instant on a busy machine, which once made a healthy start-up look like a death.
    if ! running_pid "$name" >/dev/null && ! { sleep 0.5 && running_pid "$name" >/dev/null; } && ! "$@"; then
      log "$name exited during start-up; last lines of $(log_file "$name"):"
      tail -n 40 "$(log_file "$name")" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "$name not ready after ${timeout}s; last lines of $(log_file "$name"):"
  tail -n 40 "$(log_file "$name")" >&2 || true
  exit 1
}

# --- running as an unprivileged user --------------------------------------------
# PostgreSQL refuses to run as root and clamd should not; when we are root we run
# them as their Debian system users. setpriv (util-linux, like runuser) exec()s the
# command in place, so the pid recorded by start_daemon is the server's own pid.
as_user() {
  local user=$1; shift
  as_user_argv "$user"
  "${AS_USER[@]}" "$@"
}

# Sets the array AS_USER to the prefix that runs a command as USER (empty when we
# already are that user), for start_daemon, which cannot call shell functions.
as_user_argv() {
  local user=$1
  AS_USER=()
  if [[ $(id -u) -eq 0 && $user != root ]]; then
    AS_USER=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups --)
  fi
}

# The state dir defaults to $HOME/.local/state, and root's $HOME is usually 0700,
# so a system user cannot even reach its own data dir below it. Grant *traverse*
# permission (o+x, not read) on each ancestor that lacks it, and say so.
ensure_traversable() {
  local user=$1 dir=$2 d="" part
  [[ $(id -u) -eq 0 && $user != root ]] || return 0
  as_user "$user" test -x "$dir" 2>/dev/null && return 0
  # Walk top-down so that only the directories that actually block are touched.
  local IFS=/
  for part in ${dir#/}; do
    d+="/$part"
    if ! as_user "$user" test -x "$d" 2>/dev/null; then
      log "granting o+x (traverse only) on $d so '$user' can reach $dir"
      chmod o+x "$d"
    fi
  done
}
