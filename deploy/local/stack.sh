#!/usr/bin/env bash
# The local stack without Docker: Apache Kafka (KRaft, one combined broker/controller), Apicurio
# Registry (Confluent-compatible API) and Redis, all on loopback.
#
#   deploy/local/stack.sh fetch    download Kafka and Apicurio from Maven Central (cached)
#   deploy/local/stack.sh start    fetch if needed, start what is not running, wait until ready
#                                  (or one: start kafka|registry|redis)
#   deploy/local/stack.sh stop     stop what this script started (or one: stop kafka|registry|redis)
#   deploy/local/stack.sh status   say what answers
#   deploy/local/stack.sh env      print the endpoints as shell exports
#
# `start` is idempotent: a component that already answers is left alone. Readiness is checked by
# asking each server (broker metadata, registry /subjects, Redis PING), never by sleeping a fixed time.
#
# Environment (all optional):
#   KAFKA_PORT=9092 KAFKA_CONTROLLER_PORT=9093 REGISTRY_PORT=8081 REGISTRY_MANAGEMENT_PORT=8082 REDIS_PORT=6379
#   STACK_DIR=<repo>/.stack            data, logs and pid files (git-ignored)
#   LEADSCORE_CACHE=~/.cache/leadscore unpacked Kafka jars and the registry (Maven's ~/.m2 holds the downloads)
#   KAFKA_VERSION=4.4.0 APICURIO_VERSION=3.3.3
#   KAFKA_HEAP=-Xmx512m REGISTRY_HEAP=-Xmx384m
#   STACK_READY_TIMEOUT=120            seconds to wait for each component
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/stack-lib.sh
source "$here/stack-lib.sh"

[ -f "$repo/node_modules/kafkajs/package.json" ] || die "run 'npm ci' first: the readiness probe uses kafkajs"

case "${1:-}" in
  fetch) fetch_kafka; fetch_registry ;;
  start)
    case "${2:-all}" in
      all) start_redis; start_kafka; start_registry; print_env ;;
      kafka) start_kafka ;;
      registry) start_registry ;;
      redis) start_redis ;;
      *) die "unknown component $2 (kafka, registry or redis)" ;;
    esac
    ;;
  stop)
    case "${2:-all}" in
      all) stop_one registry; stop_one kafka; stop_one redis ;;
      kafka | registry | redis) stop_one "$2" ;;
      *) die "unknown component $2 (kafka, registry or redis)" ;;
    esac
    ;;
  status) status ;;
  env) print_env ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
