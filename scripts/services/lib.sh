# shellcheck shell=bash
# Shared helpers for the service scripts. Sourced, never run.
# Each service lives under "$SERVICES_DIR/<name>/" (the repo's ignored .services/ folder).

set -euo pipefail

SERVICES_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVICES_LIB_DIR/../.." && pwd)"
SERVICES_DIR="${PARLEY_SERVICES_DIR:-$REPO_ROOT/.services}"
mkdir -p "$SERVICES_DIR"

log() { printf '[%s] %s\n' "${SERVICE_NAME:-services}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# apt-get update once per machine (a stamp file remembers it), then install what is missing.
apt_install() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to apt-get install ${missing[*]}"
  local stamp="$SERVICES_DIR/.apt-updated"
  if [ ! -f "$stamp" ]; then
    log "apt-get update (once; stamp $stamp)"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    touch "$stamp"
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# Is the process recorded in a pid file alive?
pid_alive() {
  local pidfile="$1"
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Is something listening on 127.0.0.1:<port>?
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_until <seconds> <logfile> <description> <command...>: poll the command until it succeeds.
wait_until() {
  local timeout="$1" logfile="$2" what="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "timed out after ${timeout}s waiting for $what; last lines of $logfile:"
      tail -n 40 "$logfile" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.2
  done
}

# stop_pid <pidfile> <seconds>: SIGTERM, wait, then SIGKILL as a last resort.
stop_pid() {
  local pidfile="$1" timeout="${2:-30}"
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  local pid
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "did not stop within ${timeout}s; sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pidfile"
}

# server_up <pidfile> <check...>: is the server of the pid file alive and does the check pass?
server_up() {
  local pidfile="$1"
  shift
  pid_alive "$pidfile" && "$@"
}

# require_free_ports <port...>: fails when another process listens on one of the ports.
require_free_ports() {
  local port
  for port in "$@"; do
    if port_open "$port"; then die "port $port is taken by another process"; fi
  done
}

# spawn_server <pidfile> <logfile> <command...>: starts the server and records its pid; its output
# goes to the log file, the previous run's kept as <logfile>.1.
spawn_server() {
  local pidfile="$1" logfile="$2"
  shift 2
  if [ -f "$logfile" ]; then mv -f "$logfile" "$logfile.1"; fi
  # setsid + all stdio redirected: the server outlives this script and holds none of its pipes.
  setsid "$@" </dev/null >"$logfile" 2>&1 9>&- &
  echo $! >"$pidfile"
}

# stop_server <pidfile>: stops the server of the pid file (stop_pid, up to 60 s); a no-op when it is not running.
stop_server() {
  local pidfile="$1"
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  log "stopping"
  stop_pid "$pidfile" 60
}

# server_status <pidfile> <where> <check...>: says whether the server runs; returns 0 when it is up
# and the check passes, 1 while its process is up but the check fails, 3 when it is stopped.
server_status() {
  local pidfile="$1" where="$2"
  shift 2
  if server_up "$pidfile" "$@"; then
    echo "$SERVICE_NAME: running on $where (pid $(cat "$pidfile"))"
  elif pid_alive "$pidfile"; then
    echo "$SERVICE_NAME: process up, not ready yet"
    return 1
  else
    echo "$SERVICE_NAME: stopped"
    return 3
  fi
}

# Runs the subcommand the user asked for against functions the service script defines:
# svc_install, svc_start, svc_stop, svc_status, svc_url.
# install/start/stop take an exclusive lock (flock on fd 9) so that two callers at once (parallel
# test files, two shells) cannot both start a server. Spawned servers must close fd 9 (`9>&-`),
# or they would hold the lock for their whole life.
dispatch() {
  local cmd="${1:-}"
  case "$cmd" in
    install | start | stop)
      local lock="${SERVICE_LOCK:-$SERVICES_DIR/.${SERVICE_NAME:-service}.lock}"
      mkdir -p "$(dirname "$lock")"
      exec 9>"$lock"
      flock -w 600 9 || die "could not take $lock within 600s"
      ;;
  esac
  case "$cmd" in
    install) svc_install ;;
    start) svc_start ;;
    stop) svc_stop ;;
    status) svc_status ;;
    url) svc_url ;;
    *)
      echo "usage: $(basename "$0") install|start|stop|status|url" >&2
      exit 2
      ;;
  esac
}
