#!/usr/bin/env bash
# PostgreSQL 15 (Debian package) with its own cluster under .services/postgres/, on 127.0.0.1:25432.
# Trust auth on loopback only; database `parley`. Run as root it runs the server as the `postgres` OS user.
#   postgres.sh install|start|stop|status|url
# shellcheck disable=SC2034 # read by lib.sh
SERVICE_NAME=postgres
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT="${PARLEY_PG_PORT:-25432}"
PG_DB=parley
PG_HOME="$SERVICES_DIR/postgres"
PG_DATA="$PG_HOME/data"
PG_RUN="$PG_HOME/run"
PG_LOG="$PG_HOME/postgres.log"

pg_bin() {
  local dir
  dir="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [ -d "$dir" ] || return 1
  echo "$dir"
}

# Runs a command as the OS user that owns the cluster (postgres when we are root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

svc_install() {
  pg_bin >/dev/null || apt_install postgresql
  pg_bin >/dev/null || die "postgresql installed but no /usr/lib/postgresql/*/bin found"
  local bin
  bin="$(pg_bin)"
  mkdir -p "$PG_HOME" "$PG_RUN"
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres:postgres "$PG_HOME"
      chmod 700 "$PG_DATA"
      # The server user must be able to reach its data dir through every parent folder.
      runuser -u postgres -- test -x "$PG_HOME" || die "user postgres cannot reach $PG_HOME (a parent folder is not traversable)"
    fi
    as_owner "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1 ||
      { tail -n 20 "$PG_HOME/initdb.log" >&2; die "initdb failed"; }
    cat >>"$PG_DATA/postgresql.conf" <<CONF

# --- parley (scripts/services/postgres.sh) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 300
fsync = on
synchronous_commit = on
shared_buffers = 256MB
logging_collector = off
CONF
    cat >"$PG_DATA/pg_hba.conf" <<CONF
# parley: trust on loopback and the local socket only
local all all               trust
host  all all 127.0.0.1/32  trust
host  all all ::1/128       trust
CONF
  fi
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_HOME" "$PG_RUN"
  return 0
}

running() {
  [ -f "$PG_DATA/postmaster.pid" ] || return 1
  local pid
  pid="$(head -n 1 "$PG_DATA/postmaster.pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

answers() {
  "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$PG_DB" -Atqc 'select 1' 2>/dev/null | grep -qx 1
}

svc_start() {
  if running && answers; then
    return 0
  fi
  svc_install
  local bin
  bin="$(pg_bin)"
  if ! running; then
    port_open "$PG_PORT" && die "port $PG_PORT is taken by another process"
    log "starting on 127.0.0.1:$PG_PORT"
    [ "$(id -u)" -eq 0 ] && touch "$PG_LOG" && chown postgres:postgres "$PG_LOG"
    as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "-p $PG_PORT" -s start >/dev/null 2>&1 9>&- || true
  fi
  wait_until 60 "$PG_LOG" "postgres to accept connections" \
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || die "postgres did not start"
  if ! answers; then
    "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "select 1 from pg_database where datname = '$PG_DB'" | grep -qx 1 ||
      "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
  fi
  answers || die "postgres runs but database $PG_DB does not answer"
}

svc_stop() {
  running || return 0
  log "stopping"
  as_owner "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -t 60 -s stop
}

svc_status() {
  if running && answers; then
    echo "postgres: running on 127.0.0.1:$PG_PORT (pid $(head -n 1 "$PG_DATA/postmaster.pid"))"
  elif running; then
    echo "postgres: process up, not answering yet"
    return 1
  else
    echo "postgres: stopped"
    return 3
  fi
}

svc_url() {
  echo "postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
}

dispatch "$@"
