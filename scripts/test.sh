#!/usr/bin/env bash
# `npm test`: type-check, build the web UI, install the protocol clients and start the engines the tests need (a
# real Kafka broker, a Redis server, a single-node OpenSearch), run every test.
# Under CI=true an engine that cannot start fails the run; elsewhere its tests skip with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

tsc --noEmit
tsc --noEmit -p ui
# the explorer's tests load the page as built from ui/src now
node scripts/build-ui.ts

if ! bash scripts/clients.sh; then
  if [ "${CI:-}" = "true" ]; then echo "test.sh: the protocol clients did not install; see above" >&2; exit 1; fi
  echo "test.sh: protocol clients missing (python3 and pip3): their tests will skip" >&2
fi

started_kafka=0
if [ -z "${KAFKA_BROKERS:-}" ] && ! bash scripts/kafka.sh status >/dev/null 2>&1; then
  if bash scripts/kafka.sh start; then
    started_kafka=1
  elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: the Kafka broker did not start; see the log above" >&2
    exit 1
  else
    echo "test.sh: no Kafka broker (needs java and mvn): the Kafka tests will skip" >&2
  fi
fi
started_redis=0
if [ -z "${REDIS_URL:-}" ]; then
  if bash scripts/redis.sh status; then
    export REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-6390}"
  elif bash scripts/redis.sh start; then
    export REDIS_URL="redis://127.0.0.1:${REDIS_PORT:-6390}"
    started_redis=1
  elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: the Redis server did not start; see the log above" >&2
    exit 1
  else
    echo "test.sh: no Redis server (apt-get install redis-server): the Redis tests will skip" >&2
  fi
fi
started_opensearch=0
if [ -z "${OPENSEARCH_URL:-}" ]; then
  if bash scripts/opensearch.sh status >/dev/null 2>&1; then
    export OPENSEARCH_URL="http://127.0.0.1:${OPENSEARCH_PORT:-9250}"
  elif bash scripts/opensearch.sh start; then
    export OPENSEARCH_URL="http://127.0.0.1:${OPENSEARCH_PORT:-9250}"
    started_opensearch=1
  elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: OpenSearch did not start; see the log above" >&2
    exit 1
  else
    echo "test.sh: no OpenSearch (needs java 17 and mvn): the OpenSearch tests will skip" >&2
  fi
fi
stop_engines() {
  if [ "$started_kafka" = 1 ]; then bash scripts/kafka.sh stop || true; fi
  if [ "$started_redis" = 1 ]; then bash scripts/redis.sh stop || true; fi
  if [ "$started_opensearch" = 1 ]; then bash scripts/opensearch.sh stop || true; fi
}
trap stop_engines EXIT

node --test --test-concurrency=1 "$@" 'test/**/*.test.ts'
