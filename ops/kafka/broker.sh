#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, combined broker+controller) on free loopback
# ports, for integration tests, load tests and local development.
#
#   broker.sh fetch              resolve the broker's jars with Maven into the cache (once)
#   broker.sh start DIR          format a fresh KRaft store under DIR, start, wait until it answers;
#                                writes DIR/bootstrap (host:port) and DIR/broker.pid
#   broker.sh stop DIR           stop the broker started in DIR (SIGTERM, then SIGKILL after 30 s)
#   broker.sh restart DIR        stop and start again on the same ports and data (fault tests)
#
# The jar cache lives in $MODSTREAM_CACHE (default ~/.cache/modstream).
# For security tests, start reads two optional variables: BROKER_EXTRA_PROPERTIES, a file appended
# to server.properties (later keys win; @BROKER_PORT@, @CONTROLLER_PORT@ and @EXTRA_PORT@, a third
# free port, are replaced), and BROKER_SCRAM_CREDENTIAL, a SCRAM user written into the store when
# it is formatted (e.g. 'SCRAM-SHA-512=[name=u,password=p]'). DIR/extra_port holds the third port.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
cache=${MODSTREAM_CACHE:-$HOME/.cache/modstream}
libs="$cache/kafka-$kafka_version/libs"
start_timeout_s=${BROKER_START_TIMEOUT_S:-90}

log() { echo "broker.sh: $*" >&2; }

fetch() {
  if [[ -f "$libs/.complete" ]]; then return 0; fi
  log "resolving org.apache.kafka:kafka_2.13:$kafka_version and its runtime dependencies with Maven"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

java_run() { java -Xms256m -Xmx1g -Dlog4j.configuration="file:$here/log4j.properties" -cp "$libs/*" "$@"; }

write_properties() {
  local dir=$1 broker_port=$2 controller_port=$3
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=16777216
PROPS
}

launch() {
  local dir=$1
  local port
  port=$(cut -d: -f2 "$dir/bootstrap")
  : >"$dir/broker.log"
  (cd "$dir" && exec nohup java -Xms256m -Xmx1g -Dlog4j.configuration="file:$here/log4j.properties" \
    -Dkafka.logs.dir="$dir" -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    >>"$dir/broker.log" 2>&1) &
  echo $! >"$dir/broker.pid"
  local deadline=$((SECONDS + start_timeout_s))
  until grep -q "Kafka Server started" "$dir/broker.log" 2>/dev/null &&
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$(cat "$dir/broker.pid")" 2>/dev/null; then
      log "broker exited during start-up; last lines of $dir/broker.log:"
      tail -n 30 "$dir/broker.log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      log "broker did not answer on 127.0.0.1:$port within ${start_timeout_s}s"
      tail -n 30 "$dir/broker.log" >&2
      stop "$dir"
      return 1
    fi
    sleep 0.2
  done
  log "broker up at $(cat "$dir/bootstrap") (pid $(cat "$dir/broker.pid"), logs in $dir/broker.log)"
}

start() {
  local dir=$1
  fetch
  if [[ -f "$dir/broker.pid" ]] && kill -0 "$(cat "$dir/broker.pid")" 2>/dev/null; then
    log "a broker is already running from $dir"
    return 1
  fi
  rm -rf "$dir"
  mkdir -p "$dir/data"
  dir=$(cd "$dir" && pwd)
  local broker_port controller_port
  broker_port=$(free_port)
  controller_port=$(free_port)
  while [[ "$controller_port" == "$broker_port" ]]; do controller_port=$(free_port); done
  write_properties "$dir" "$broker_port" "$controller_port"
  if [[ -n "${BROKER_EXTRA_PROPERTIES:-}" ]]; then
    local extra_port
    extra_port=$(free_port)
    echo "$extra_port" >"$dir/extra_port"
    sed -e "s/@BROKER_PORT@/$broker_port/g" -e "s/@CONTROLLER_PORT@/$controller_port/g" \
      -e "s/@EXTRA_PORT@/$extra_port/g" "$BROKER_EXTRA_PROPERTIES" >>"$dir/server.properties"
  fi
  echo "127.0.0.1:$broker_port" >"$dir/bootstrap"
  local cluster_id
  cluster_id=$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  local -a format_args=()
  if [[ -n "${BROKER_SCRAM_CREDENTIAL:-}" ]]; then format_args=(--add-scram "$BROKER_SCRAM_CREDENTIAL"); fi
  java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
    "${format_args[@]}" >"$dir/format.log" 2>&1 ||
    { log "formatting the KRaft store failed:"; cat "$dir/format.log" >&2; return 1; }
  launch "$dir"
  cat "$dir/bootstrap"
}

stop() {
  local dir=$1
  [[ -f "$dir/broker.pid" ]] || { log "no broker.pid in $dir"; return 0; }
  local pid
  pid=$(cat "$dir/broker.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker $pid ignored SIGTERM for 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/broker.pid"
  log "broker stopped"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "${2:?usage: broker.sh start DIR}" ;;
  stop) stop "${2:?usage: broker.sh stop DIR}" ;;
  restart)
    stop "${2:?usage: broker.sh restart DIR}"
    launch "$(cd "$2" && pwd)"
    ;;
  *)
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
