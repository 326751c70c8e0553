#!/usr/bin/env bash
# The clustered local topology without Docker, all on loopback: three KRaft brokers (each a
# combined broker/controller; replication factor 3, min.insync.replicas 2) and a Redis Cluster of
# three masters. The schema registry is the one of deploy/local/stack.sh.
#
#   deploy/local/cluster.sh start           start what is not running, wait until ready, print the env
#   deploy/local/cluster.sh stop [broker-N] stop everything (or one broker: broker-1|broker-2|broker-3)
#   deploy/local/cluster.sh start broker-N  start one broker again
#   deploy/local/cluster.sh kill broker-N   SIGKILL one broker (fault tests)
#   deploy/local/cluster.sh env             print the endpoints as shell exports
#
# Environment: CLUSTER_KAFKA_BASE_PORT=19092 (brokers on 19092-19094, controllers on +100),
# CLUSTER_REDIS_BASE_PORT=17001 (17001-17003; Redis also takes each port + 10000 for the cluster
# bus), plus the settings of stack.sh (KAFKA_HEAP, ...).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER_KAFKA_BASE_PORT="${CLUSTER_KAFKA_BASE_PORT:-19092}"
CLUSTER_REDIS_BASE_PORT="${CLUSTER_REDIS_BASE_PORT:-17001}"
STACK_DIR="${CLUSTER_STACK_DIR:-$(cd "$here/../.." && pwd)/.stack/cluster}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms96m -Xmx384m}"
# shellcheck source=deploy/local/stack-lib.sh
source "$here/stack-lib.sh"

broker_port() { echo $((CLUSTER_KAFKA_BASE_PORT + $1 - 1)); }
controller_port() { echo $((CLUSTER_KAFKA_BASE_PORT + 100 + $1 - 1)); }
redis_port() { echo $((CLUSTER_REDIS_BASE_PORT + $1 - 1)); }
brokers() { echo "127.0.0.1:$(broker_port 1),127.0.0.1:$(broker_port 2),127.0.0.1:$(broker_port 3)"; }
voters() { echo "1@127.0.0.1:$(controller_port 1),2@127.0.0.1:$(controller_port 2),3@127.0.0.1:$(controller_port 3)"; }

cluster_kafka_ready() { node "$here/probe.mjs" kafka "$(brokers)" 3 >/dev/null 2>&1; }
broker_ready() { node "$here/probe.mjs" kafka "127.0.0.1:$(broker_port "$1")" 1 >/dev/null 2>&1; }
redis_nodes_ready() {
  local i
  for i in 1 2 3; do
    [ "$(redis-cli -p "$(redis_port "$i")" ping 2>/dev/null)" = "PONG" ] || return 1
  done
}
redis_cluster_ready() {
  local i
  for i in 1 2 3; do
    redis-cli -p "$(redis_port "$i")" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

start_broker() {
  local n="$1"
  if broker_ready "$n"; then say "broker-$n already answers"; return 0; fi
  pid_alive "broker-$n" || launch_kafka_node "broker-$n" "$n" "$(broker_port "$n")" "$(controller_port "$n")" "$(voters)" 3
}

start_redis_cluster() {
  if redis_cluster_ready; then say "redis cluster already ok"; return 0; fi
  local i port
  for i in 1 2 3; do
    port="$(redis_port "$i")"
    if [ "$(redis-cli -p "$port" ping 2>/dev/null)" != "PONG" ]; then
      mkdir -p "$STACK_DIR/redis-$i" "$log_dir" "$run_dir"
      redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
        --cluster-config-file "$STACK_DIR/redis-$i/nodes.conf" --save "" --appendonly no \
        --maxmemory-policy noeviction --dir "$STACK_DIR/redis-$i" --logfile "$log_dir/redis-$i.log" \
        --pidfile "$run_dir/redis-$i.pid"
    fi
  done
  wait_ready redis-nodes redis_nodes_ready
  if ! redis-cli -p "$(redis_port 1)" cluster info | grep -q '^cluster_known_nodes:3'; then
    redis-cli --cluster create "127.0.0.1:$(redis_port 1)" "127.0.0.1:$(redis_port 2)" "127.0.0.1:$(redis_port 3)" \
      --cluster-replicas 0 --cluster-yes >"$log_dir/redis-cluster-create.out" 2>&1 \
      || { cat "$log_dir/redis-cluster-create.out" >&2; die "redis-cli --cluster create failed"; }
  fi
  wait_ready redis-cluster redis_cluster_ready
}

print_cluster_env() {
  cat <<ENV
export KAFKA_BROKERS=$(brokers)
export SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
export REDIS_URL=redis://127.0.0.1:$(redis_port 1)
export REDIS_CLUSTER=true
ENV
}

[ -f "$repo/node_modules/kafkajs/package.json" ] || die "run 'npm ci' first: the readiness probe uses kafkajs"

case "${1:-}" in
  start)
    case "${2:-all}" in
      all)
        bash "$here/stack.sh" start registry
        start_redis_cluster
        for n in 1 2 3; do start_broker "$n"; done
        wait_ready broker-1 cluster_kafka_ready
        print_cluster_env
        ;;
      broker-[123])
        start_broker "${2#broker-}"
        wait_ready "$2" cluster_kafka_ready
        ;;
      *) die "unknown component $2 (broker-1, broker-2 or broker-3)" ;;
    esac
    ;;
  stop)
    case "${2:-all}" in
      all)
        for n in 1 2 3; do stop_one "broker-$n"; done
        for n in 1 2 3; do stop_one "redis-$n"; done
        ;;
      broker-[123]) stop_one "$2" ;;
      *) die "unknown component $2 (broker-1, broker-2 or broker-3)" ;;
    esac
    ;;
  kill)
    # SIGKILL one broker, as a crash would (for fault tests); finds it by its config if the pid file is stale
    case "${2:-}" in
      broker-[123])
        pids="$(cat "$run_dir/$2.pid" 2>/dev/null || true) $(pgrep -f "$STACK_DIR/$2/server.properties" || true)"
        for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
        while pgrep -f "$STACK_DIR/$2/server.properties" >/dev/null; do sleep 0.1; done # until it is gone
        say "$2 killed"
        ;;
      *) die "kill takes broker-1, broker-2 or broker-3" ;;
    esac
    ;;
  env) print_cluster_env ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
