#!/usr/bin/env bash
# Apache Kafka (KRaft, one node that is both broker and controller) from its Maven Central jars,
# run on the JVM (java 17): client listener 127.0.0.1:29092, controller 127.0.0.1:29093.
#   kafka.sh install|start|stop|status|url
#
# Version choice: 4.4.0, the newest Kafka served on Maven Central here, and kafkajs 2.2.4 works
# against it, so there is no fallback to 3.9. Kafka 4.0 removed old protocol versions (KIP-896:
# e.g. Produce v0-2, Fetch v0-3, Metadata v0-3, ListOffsets v0, OffsetCommit v0-1, OffsetFetch v0,
# FindCoordinator v0, CreateTopics v0-1, DeleteTopics v0), but kafkajs negotiates with ApiVersions
# and uses its own newest version of each request, all still served by 4.4.0. Observed on the wire
# (kafkajs debug log, 2026-11): ApiVersions v2, Metadata v6, Produce v7, InitProducerId v1,
# Fetch v11, ListOffsets v3, FindCoordinator v2, JoinGroup v5, SyncGroup v3, LeaveGroup v3,
# OffsetCommit v5, OffsetFetch v4, DescribeGroups v2, CreateTopics v3, DeleteTopics v1.
# kafkajs speaks only the classic consumer-group protocol, which 4.x still serves.
# infra/bus/kafka/kafka-bus.int.spec.ts is the proof (idempotent produce, groups, commits).
# shellcheck disable=SC2034 # read by lib.sh
SERVICE_NAME=kafka
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="${PARLEY_KAFKA_VERSION:-4.4.0}"
KAFKA_PORT="${PARLEY_KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_PORT="${PARLEY_KAFKA_CONTROLLER_PORT:-29093}"
# Fixed so `format` is reproducible; any 16 bytes in URL-safe base64 will do ("parley-kafka-001").
KAFKA_CLUSTER_ID=cGFybGV5LWthZmthLTAwMQ
# PARLEY_KAFKA_HOME (+ the two port variables) runs a second, private broker, e.g. for a test that
# restarts its broker without disturbing the shared one; the jars are shared either way.
KAFKA_HOME="${PARLEY_KAFKA_HOME:-$SERVICES_DIR/kafka}"
KAFKA_LIBS="$SERVICES_DIR/kafka/libs"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_CONF="$KAFKA_HOME/server.properties"
KAFKA_LOG4J="$KAFKA_HOME/log4j2.xml"
KAFKA_LOG="$KAFKA_HOME/kafka.log"
KAFKA_PID="$KAFKA_HOME/kafka.pid"
KAFKA_POM="$SERVICES_LIB_DIR/kafka/pom.xml"
# shellcheck disable=SC2034 # read by lib.sh
SERVICE_LOCK="$KAFKA_HOME/.lock"

java_major() {
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
}

ensure_tools() {
  if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
    apt_install openjdk-17-jre-headless
  fi
  command -v mvn >/dev/null || apt_install maven
  [ "$(java_major)" -ge 17 ] || die "java 17 or newer is needed (found $(java_major))"
}

# The libs folder is valid for one version and one pom; a stamp file says which.
libs_stamp() {
  echo "$KAFKA_VERSION $(sha256sum "$KAFKA_POM" | cut -c1-16)"
}

write_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_CONF" <<CONF
# written by scripts/services/kafka.sh; edits are overwritten on start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=6
default.replication.factor=1
auto.create.topics.enable=false
# one node: every internal topic has one replica
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
# tests create groups all the time: no rebalance delay
group.initial.rebalance.delay.ms=0
group.consumer.session.timeout.ms=45000
group.consumer.min.session.timeout.ms=1000
group.min.session.timeout.ms=1000
log.retention.hours=24
log.segment.bytes=67108864
CONF
  cat >"$KAFKA_LOG4J" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka" level="info"/>
    <Logger name="org.apache.kafka" level="warn"/>
    <Logger name="kafka.request.logger" level="warn"/>
    <Root level="warn"><AppenderRef ref="stdout"/></Root>
  </Loggers>
</Configuration>
XML
}

# java with the broker's classpath ("libs/*" is expanded by java, not by the shell).
# PARLEY_KAFKA_JAVA_OPTS replaces the collector flags (split on spaces), e.g. to add -Xlog:gc:file=….
# shellcheck disable=SC2206
JAVA_CMD=(java -Xms512m -Xmx512m ${PARLEY_KAFKA_JAVA_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20} -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$KAFKA_LOG4J" -cp "$KAFKA_LIBS/*")

svc_install() {
  ensure_tools
  mkdir -p "$KAFKA_HOME"
  if [ "$(cat "$KAFKA_LIBS/.stamp" 2>/dev/null)" != "$(libs_stamp)" ]; then
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central"
    rm -rf "$KAFKA_LIBS"
    mkdir -p "$SERVICES_DIR/kafka"
    # Maven's own download cache (~/.m2) is kept: a fresh clone then copies jars instead of fetching them.
    mvn -q -B -f "$KAFKA_POM" "-Dkafka.version=$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$KAFKA_LIBS" >"$SERVICES_DIR/kafka/mvn.log" 2>&1 ||
      { tail -n 30 "$SERVICES_DIR/kafka/mvn.log" >&2; die "mvn could not fetch Kafka $KAFKA_VERSION"; }
    libs_stamp >"$KAFKA_LIBS/.stamp"
  fi
  write_config
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    log "formatting storage (cluster id $KAFKA_CLUSTER_ID)"
    "${JAVA_CMD[@]}" kafka.tools.StorageTool format --cluster-id "$KAFKA_CLUSTER_ID" --config "$KAFKA_CONF" --ignore-formatted \
      >"$KAFKA_HOME/format.log" 2>&1 || { tail -n 30 "$KAFKA_HOME/format.log" >&2; die "storage format failed"; }
  fi
}

ready() {
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_LOG"
}

svc_start() {
  if server_up "$KAFKA_PID" ready; then
    return 0
  fi
  svc_install
  if ! pid_alive "$KAFKA_PID"; then
    require_free_ports "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
    spawn_server "$KAFKA_PID" "$KAFKA_LOG" "${JAVA_CMD[@]}" kafka.Kafka "$KAFKA_CONF"
  fi
  wait_until 120 "$KAFKA_LOG" "the broker to start" ready || { svc_stop; die "kafka did not start"; }
}

svc_stop() {
  stop_server "$KAFKA_PID"
}

svc_status() {
  server_status "$KAFKA_PID" "127.0.0.1:$KAFKA_PORT, Kafka $KAFKA_VERSION" ready
}

svc_url() {
  echo "127.0.0.1:$KAFKA_PORT"
}

dispatch "$@"
