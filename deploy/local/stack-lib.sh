# Shared by deploy/local/stack.sh and deploy/local/cluster.sh: settings, fetching, starting,
# probing and stopping the native servers. Sourced, not run.
# shellcheck shell=bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_PORT="${REGISTRY_PORT:-8081}"
# Quarkus management interface (health, metrics) of the registry
REGISTRY_MANAGEMENT_PORT="${REGISTRY_MANAGEMENT_PORT:-$((REGISTRY_PORT + 1))}"
REDIS_PORT="${REDIS_PORT:-6379}"
STACK_DIR="${STACK_DIR:-$repo/.stack}"
LEADSCORE_CACHE="${LEADSCORE_CACHE:-$HOME/.cache/leadscore}"
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
APICURIO_VERSION="${APICURIO_VERSION:-3.3.3}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms128m -Xmx512m}"
REGISTRY_HEAP="${REGISTRY_HEAP:--Xms64m -Xmx384m}"
STACK_READY_TIMEOUT="${STACK_READY_TIMEOUT:-120}"

kafka_libs="$LEADSCORE_CACHE/kafka-$KAFKA_VERSION/libs"
registry_home="$LEADSCORE_CACHE/apicurio-registry-$APICURIO_VERSION"
log_dir="$STACK_DIR/logs"
run_dir="$STACK_DIR/run"

say() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# java_major BIN -> prints the major version of that java (17, 21, 25, ...)
java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

# find_java MIN -> prints a java binary of at least that major version
find_java() {
  local min="$1" candidate
  for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if [ "$(java_major "$candidate")" -ge "$min" ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

fetch_kafka() {
  if [ -f "$kafka_libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn (Apache Maven) is needed to fetch Kafka from Maven Central"
  say "fetching Apache Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central"
  rm -rf "$kafka_libs"
  mkdir -p "$kafka_libs"
  mvn -q -B -Dstyle.color=never -f "$here/maven/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$kafka_libs" >&2 \
    || die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  touch "$kafka_libs/.complete"
}

fetch_registry() {
  if [ -f "$registry_home/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn (Apache Maven) is needed to fetch Apicurio Registry from Maven Central"
  say "fetching Apicurio Registry $APICURIO_VERSION (classifier all, tar.gz) from Maven Central"
  local download="$LEADSCORE_CACHE/download"
  mkdir -p "$download"
  # dependency:copy of the archive alone: its POM lists build-time dependencies we do not need
  (cd "$download" && mvn -q -B -Dstyle.color=never dependency:copy \
    -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$download" >&2) \
    || die "Maven could not resolve io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"
  rm -rf "$registry_home"
  mkdir -p "$registry_home"
  tar -xzf "$download/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$registry_home"
  rm -f "$download/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  [ -f "$registry_home/quarkus-run.jar" ] || die "unexpected Apicurio archive layout: no quarkus-run.jar in $registry_home"
  touch "$registry_home/.complete"
}

# --- readiness probes: each asks the server itself -------------------------------------------
kafka_ready() { node "$here/probe.mjs" kafka "127.0.0.1:$KAFKA_PORT" >/dev/null 2>&1; }
registry_ready() { curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects"; }
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

pid_alive() { [ -f "$run_dir/$1.pid" ] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

# refuse_taken_port NAME PORT VARIABLE -> dies when something we did not start listens on PORT
# (another checkout's stack, say): our server could not bind it, and the wait would run out.
refuse_taken_port() {
  local name="$1" port="$2" variable="$3"
  pid_alive "$name" && return 0
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "127.0.0.1:$port is taken by a server this stack did not start (another checkout's stack?): stop it, or set $variable"
  fi
}

# wait_ready NAME PROBE -> polls PROBE until it succeeds; fails early if our process died
wait_ready() {
  local name="$1" probe="$2" deadline=$((SECONDS + STACK_READY_TIMEOUT))
  until "$probe"; do
    if [ -f "$run_dir/$name.pid" ] && ! pid_alive "$name"; then
      tail -n 30 "$log_dir/$name.out" >&2 || true
      die "$name exited during start-up; logs in $log_dir"
    fi
    [ $SECONDS -lt $deadline ] || die "$name not ready after ${STACK_READY_TIMEOUT}s; logs in $log_dir"
    sleep 0.5 # poll interval, not a readiness assumption
  done
  say "$name ready"
}

# kafka_listener_config CLIENT_PORT CONTROLLER_PORT -> the listener part of a node's config:
# plaintext on loopback. deploy/local/secure.sh redefines it (SASL/SCRAM and TLS listeners).
kafka_listener_config() {
  cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$1,CONTROLLER://127.0.0.1:$2
advertised.listeners=PLAINTEXT://127.0.0.1:$1
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
}
# Extra arguments of `StorageTool format` (secure.sh adds the SCRAM users with --add-scram).
KAFKA_FORMAT_ARGS=()

# launch_kafka_node NAME NODE_ID CLIENT_PORT CONTROLLER_PORT VOTERS REPLICAS
# Writes the node's config, formats its KRaft storage once (all nodes of a cluster share the
# cluster id in $STACK_DIR/kafka-cluster-id) and starts it in the background.
launch_kafka_node() {
  local name="$1" node_id="$2" port="$3" controller_port="$4" voters="$5" replicas="$6"
  local java data="$STACK_DIR/$name" conf="$STACK_DIR/$name/server.properties"
  local min_isr=$((replicas > 1 ? 2 : 1))
  fetch_kafka
  java="$(find_java 17)" || die "Kafka $KAFKA_VERSION needs Java 17 or newer"
  mkdir -p "$data/logs" "$log_dir/$name" "$run_dir"
  cat >"$conf" <<EOF
# generated by deploy/local: a combined KRaft broker/controller on loopback
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=$voters
$(kafka_listener_config "$port" "$controller_port")
log.dirs=$data/logs
num.partitions=3
auto.create.topics.enable=false
default.replication.factor=$replicas
min.insync.replicas=$min_isr
# internal topics: as many replicas as brokers (a single node cannot have more than one)
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
log.segment.bytes=67108864
EOF
  if [ ! -f "$data/logs/meta.properties" ]; then
    if [ ! -s "$STACK_DIR/kafka-cluster-id" ]; then
      "$java" -cp "$kafka_libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1 >"$STACK_DIR/kafka-cluster-id"
    fi
    "$java" -cp "$kafka_libs/*" kafka.tools.StorageTool format -t "$(cat "$STACK_DIR/kafka-cluster-id")" -c "$conf" "${KAFKA_FORMAT_ARGS[@]}" \
      >"$log_dir/$name-format.out" 2>&1 \
      || { cat "$log_dir/$name-format.out" >&2; die "could not format the KRaft storage of $name"; }
  fi
  say "starting $name (kafka $KAFKA_VERSION, node $node_id) on 127.0.0.1:$port"
  # shellcheck disable=SC2086
  nohup setsid "$java" $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$here/kafka-log4j2.properties" -Dkafka.logs.dir="$log_dir/$name" \
    -cp "$kafka_libs/*" kafka.Kafka "$conf" </dev/null >"$log_dir/$name.out" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}

start_kafka() {
  if kafka_ready; then say "kafka already answers on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  if ! pid_alive kafka; then
    launch_kafka_node kafka 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" 1
  fi
  wait_ready kafka kafka_ready
}

start_registry() {
  if registry_ready; then say "registry already answers on 127.0.0.1:$REGISTRY_PORT"; return 0; fi
  if pid_alive registry; then wait_ready registry registry_ready; return 0; fi
  fetch_registry
  local java
  java="$(find_java 21)" || die "Apicurio Registry 3 needs Java 21 or newer (set JAVA_HOME to one; none found under /usr/lib/jvm)"
  mkdir -p "$log_dir" "$run_dir"
  say "starting apicurio registry $APICURIO_VERSION on 127.0.0.1:$REGISTRY_PORT (in-memory storage)"
  # shellcheck disable=SC2086
  nohup setsid "$java" $REGISTRY_HEAP -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dquarkus.http.port="$REGISTRY_PORT" -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" \
    -jar "$registry_home/quarkus-run.jar" </dev/null >"$log_dir/registry.out" 2>&1 &
  echo $! >"$run_dir/registry.pid"
  wait_ready registry registry_ready
}

start_redis() {
  if redis_ready; then say "redis already answers on 127.0.0.1:$REDIS_PORT"; return 0; fi
  command -v redis-server >/dev/null || die "redis-server is not installed (Debian: apt-get install redis-server)"
  mkdir -p "$STACK_DIR/redis" "$log_dir" "$run_dir"
  say "starting redis-server on 127.0.0.1:$REDIS_PORT"
  # noeviction: scoring state must never be evicted; no persistence: Kafka is the system of record
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --maxmemory-policy noeviction --dir "$STACK_DIR/redis" --logfile "$log_dir/redis.log" \
    --pidfile "$run_dir/redis.pid"
  wait_ready redis redis_ready
}

stop_one() {
  local name="$1"
  if ! pid_alive "$name"; then rm -f "$run_dir/$name.pid"; return 0; fi
  local pid deadline=$((SECONDS + 60))
  pid="$(cat "$run_dir/$name.pid")"
  say "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then kill -9 "$pid" 2>/dev/null || true; fi
    sleep 0.2
  done
  rm -f "$run_dir/$name.pid"
}

print_env() {
  cat <<EOF
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
EOF
}

status() {
  local ok=0
  if kafka_ready; then say "kafka: up (127.0.0.1:$KAFKA_PORT)"; else say "kafka: down"; ok=1; fi
  if registry_ready; then say "registry: up (127.0.0.1:$REGISTRY_PORT)"; else say "registry: down"; ok=1; fi
  if redis_ready; then say "redis: up (127.0.0.1:$REDIS_PORT)"; else say "redis: down"; ok=1; fi
  return $ok
}

