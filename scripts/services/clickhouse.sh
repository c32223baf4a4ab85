#!/usr/bin/env bash
# ClickHouse (Debian 12's clickhouse-server, 18.16: old, check features against it) with its own
# config and data under .services/clickhouse/: HTTP 127.0.0.1:28123, native 127.0.0.1:29000,
# no interserver port, so it never collides with a system instance. User `default`, no password.
#   clickhouse.sh install|start|stop|status|url
# shellcheck disable=SC2034 # read by lib.sh
SERVICE_NAME=clickhouse
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CH_HTTP_PORT="${PARLEY_CLICKHOUSE_HTTP_PORT:-28123}"
CH_TCP_PORT="${PARLEY_CLICKHOUSE_TCP_PORT:-29000}"
CH_HOME="$SERVICES_DIR/clickhouse"
CH_ETC="$CH_HOME/etc"
CH_DATA="$CH_HOME/data"
CH_LOGDIR="$CH_HOME/log"
CH_LOG="$CH_HOME/clickhouse.log"
CH_PID="$CH_HOME/clickhouse.pid"

write_config() {
  mkdir -p "$CH_ETC" "$CH_DATA" "$CH_HOME/tmp" "$CH_HOME/user_files" "$CH_HOME/format_schemas" "$CH_LOGDIR"
  cat >"$CH_ETC/config.xml" <<XML
<?xml version="1.0"?>
<!-- written by scripts/services/clickhouse.sh; edits are overwritten on start -->
<yandex>
  <logger>
    <level>warning</level>
    <log>$CH_LOGDIR/clickhouse-server.log</log>
    <errorlog>$CH_LOGDIR/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$CH_HTTP_PORT</http_port>
  <tcp_port>$CH_TCP_PORT</tcp_port>
  <max_connections>1024</max_connections>
  <keep_alive_timeout>10</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$CH_DATA/</path>
  <tmp_path>$CH_HOME/tmp/</tmp_path>
  <user_files_path>$CH_HOME/user_files/</user_files_path>
  <format_schema_path>$CH_HOME/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
  cat >"$CH_ETC/users.xml" <<'XML'
<?xml version="1.0"?>
<!-- written by scripts/services/clickhouse.sh: one passwordless user, loopback only -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks>
        <ip>127.0.0.1</ip>
        <ip>::1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
XML
}

svc_install() {
  command -v clickhouse-server >/dev/null || apt_install clickhouse-server
  command -v clickhouse-server >/dev/null || die "clickhouse-server is not on PATH after install"
  write_config
}

answers() {
  [ "$(curl_ping)" = "Ok." ]
}

# GET /ping answers "Ok." once the server takes queries (curl may be absent: bash's /dev/tcp will do).
curl_ping() {
  exec 3<>"/dev/tcp/127.0.0.1/$CH_HTTP_PORT" || return 1
  printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  local body
  body="$(timeout 2 cat <&3 | tail -n 1 | tr -d '\r\n')"
  exec 3>&-
  echo "$body"
}

svc_start() {
  if server_up "$CH_PID" answers; then
    return 0
  fi
  svc_install
  if ! pid_alive "$CH_PID"; then
    require_free_ports "$CH_HTTP_PORT" "$CH_TCP_PORT"
    log "starting on 127.0.0.1:$CH_HTTP_PORT (native $CH_TCP_PORT)"
    spawn_server "$CH_PID" "$CH_LOG" clickhouse-server --config-file="$CH_ETC/config.xml"
  fi
  wait_until 60 "$CH_LOGDIR/clickhouse-server.err.log" "clickhouse to answer /ping" answers ||
    { tail -n 20 "$CH_LOG" >&2 2>/dev/null; svc_stop; die "clickhouse did not start"; }
}

svc_stop() {
  stop_server "$CH_PID"
}

svc_status() {
  server_status "$CH_PID" "127.0.0.1:$CH_HTTP_PORT" answers
}

svc_url() {
  echo "http://127.0.0.1:$CH_HTTP_PORT"
}

dispatch "$@"
