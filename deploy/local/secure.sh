#!/usr/bin/env bash
# A secured local topology without Docker, all on loopback, for trying and testing the services'
# security settings: one KRaft broker whose clients must log in with SASL/SCRAM (over TLS, or
# without TLS on a second listener) and a Redis with ACL users only (over TLS, or without TLS on a
# second port). Certificates come from a throw-away local CA made with openssl; passwords are
# random, made at first start. The schema registry is the one of deploy/local/stack.sh.
#
#   deploy/local/secure.sh start [servers]  make the CA and passwords once, start what is not
#                                           running (the registry too, unless `servers`), print the env
#   deploy/local/secure.sh stop             stop the secured broker and Redis
#   deploy/local/secure.sh env              print the endpoints and credentials as shell exports
#
# Environment: SECURE_KAFKA_PORT=29092 (SASL_SSL; SASL_PLAINTEXT on +1, controller on +100),
# SECURE_REDIS_PORT=16390 (ACLs, no TLS; TLS on +1), SECURE_REDIS_KEYS='ls*' (the keys the Redis
# user may touch: the default REDIS_KEY_PREFIX is ls), plus the settings of stack.sh (KAFKA_HEAP, ...).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SECURE_KAFKA_PORT="${SECURE_KAFKA_PORT:-29092}"
SECURE_REDIS_PORT="${SECURE_REDIS_PORT:-16390}"
SECURE_REDIS_KEYS="${SECURE_REDIS_KEYS:-ls*}"
STACK_DIR="${SECURE_STACK_DIR:-$(cd "$here/../.." && pwd)/.stack/secure}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms96m -Xmx384m}"
# shellcheck source=deploy/local/stack-lib.sh
source "$here/stack-lib.sh"

tls_dir="$STACK_DIR/tls"
user=leadscore
kafka_plain_port=$((SECURE_KAFKA_PORT + 1))
kafka_controller_port=$((SECURE_KAFKA_PORT + 100))
redis_tls_port=$((SECURE_REDIS_PORT + 1))
# the broker's keystore password: only the broker reads the keystore
keystore_password=leadscore-local

secret() { cat "$STACK_DIR/$1-password"; }

# make_secrets: a local CA; a server certificate for 127.0.0.1/localhost signed by it (PEM for
# Redis, PKCS12 for the broker); a client certificate signed by it (client.crt, client.key: both
# servers verify a client certificate when one is presented); one random password per server.
# Made once.
make_secrets() {
  command -v openssl >/dev/null || die "openssl is needed to make the local CA"
  mkdir -p "$tls_dir"
  if [ ! -f "$tls_dir/client.crt" ]; then
    (
      cd "$tls_dir"
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 365 -subj "/CN=leadscore local CA" 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 365 -extfile server.ext 2>/dev/null
      openssl pkcs12 -export -in server.crt -inkey server.key -certfile ca.crt -name broker -out server.p12 -passout "pass:$keystore_password"
      openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=leadscore" 2>/dev/null
      printf 'extendedKeyUsage=clientAuth\n' >client.ext
      openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 365 -extfile client.ext 2>/dev/null
      chmod 600 ca.key server.key server.p12 client.key
    ) || die "openssl could not make the local CA and certificates"
    say "made a local CA ($tls_dir/ca.crt), a server and a client certificate"
  fi
  local name
  for name in kafka redis; do
    [ -s "$STACK_DIR/$name-password" ] || (umask 077 && openssl rand -hex 16 >"$STACK_DIR/$name-password")
  done
}

# The broker: SASL_SSL for clients, SASL_PLAINTEXT for clients and between brokers, SCRAM only.
kafka_listener_config() {
  local jaas
  jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$user\" password=\"$(secret kafka)\";"
  cat <<EOF
listeners=SASL_SSL://127.0.0.1:$1,SASL_PLAINTEXT://127.0.0.1:$kafka_plain_port,CONTROLLER://127.0.0.1:$2
advertised.listeners=SASL_SSL://127.0.0.1:$1,SASL_PLAINTEXT://127.0.0.1:$kafka_plain_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$jaas
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$jaas
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$jaas
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$jaas
ssl.keystore.type=PKCS12
ssl.keystore.location=$tls_dir/server.p12
ssl.keystore.password=$keystore_password
ssl.key.password=$keystore_password
# mutual TLS: a client must also present a certificate signed by the CA (SCRAM stays the login);
# on a SASL_SSL listener only the listener-prefixed setting counts (KIP-684)
listener.name.sasl_ssl.ssl.client.auth=required
ssl.truststore.type=PEM
ssl.truststore.location=$tls_dir/ca.crt
EOF
}

secure_kafka_ready() {
  KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME="$user" KAFKA_SASL_PASSWORD="$(secret kafka)" \
    KAFKA_TLS_CA_FILE="$tls_dir/ca.crt" KAFKA_TLS_CERT_FILE="$tls_dir/client.crt" KAFKA_TLS_KEY_FILE="$tls_dir/client.key" \
    node "$here/probe.mjs" kafka "127.0.0.1:$SECURE_KAFKA_PORT" >/dev/null 2>&1
}

start_secure_kafka() {
  if secure_kafka_ready; then say "secured kafka already answers on 127.0.0.1:$SECURE_KAFKA_PORT"; return 0; fi
  refuse_taken_port kafka "$SECURE_KAFKA_PORT" SECURE_KAFKA_PORT
  if ! pid_alive kafka; then
    # SCRAM users live in the KRaft metadata: they are written when the storage is formatted
    KAFKA_FORMAT_ARGS=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(secret kafka)]"
      --add-scram "SCRAM-SHA-256=[name=$user,password=$(secret kafka)]")
    launch_kafka_node kafka 1 "$SECURE_KAFKA_PORT" "$kafka_controller_port" "1@127.0.0.1:$kafka_controller_port" 1
  fi
  wait_ready kafka secure_kafka_ready
}

secure_redis_ready() {
  [ "$(REDISCLI_AUTH="$(secret redis)" redis-cli --user "$user" -p "$SECURE_REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

start_secure_redis() {
  if secure_redis_ready; then say "secured redis already answers on 127.0.0.1:$SECURE_REDIS_PORT"; return 0; fi
  refuse_taken_port redis "$SECURE_REDIS_PORT" SECURE_REDIS_PORT
  mkdir -p "$STACK_DIR/redis" "$log_dir" "$run_dir"
  say "starting redis-server with ACL users on 127.0.0.1:$SECURE_REDIS_PORT (TLS on $redis_tls_port)"
  # The default user is off: every client logs in as $user, who may not run dangerous commands
  # (CONFIG, FLUSHALL, DEBUG, ...) and only touches keys matching SECURE_REDIS_KEYS.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$SECURE_REDIS_PORT" --tls-port "$redis_tls_port" \
    --tls-cert-file "$tls_dir/server.crt" --tls-key-file "$tls_dir/server.key" --tls-ca-cert-file "$tls_dir/ca.crt" \
    --tls-auth-clients yes --save "" --appendonly no --maxmemory-policy noeviction \
    --user default off --user "$user" on ">$(secret redis)" "~$SECURE_REDIS_KEYS" '&*' '+@all' '-@dangerous' '+info' \
    --dir "$STACK_DIR/redis" --logfile "$log_dir/redis.log" --pidfile "$run_dir/redis.pid"
  wait_ready redis secure_redis_ready
}

print_secure_env() {
  cat <<ENV
export KAFKA_BROKERS=127.0.0.1:$SECURE_KAFKA_PORT
export KAFKA_SASL_MECHANISM=scram-sha-512
export KAFKA_SASL_USERNAME=$user
export KAFKA_SASL_PASSWORD_FILE=$STACK_DIR/kafka-password
export KAFKA_TLS_CA_FILE=$tls_dir/ca.crt
export KAFKA_TLS_CERT_FILE=$tls_dir/client.crt
export KAFKA_TLS_KEY_FILE=$tls_dir/client.key
export SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
export REDIS_URL=rediss://127.0.0.1:$redis_tls_port
export REDIS_USERNAME=$user
export REDIS_PASSWORD_FILE=$STACK_DIR/redis-password
export REDIS_TLS_CA_FILE=$tls_dir/ca.crt
export REDIS_TLS_CERT_FILE=$tls_dir/client.crt
export REDIS_TLS_KEY_FILE=$tls_dir/client.key
ENV
}

[ -f "$repo/node_modules/kafkajs/package.json" ] || die "run 'npm ci' first: the readiness probe uses kafkajs"

case "${1:-}" in
  start)
    [ "${2:-all}" = servers ] || bash "$here/stack.sh" start registry
    make_secrets
    start_secure_redis
    start_secure_kafka
    print_secure_env
    ;;
  stop)
    stop_one kafka
    stop_one redis
    ;;
  env) print_secure_env ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
