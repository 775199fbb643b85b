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

# An engine the tests need: the one its variable names, else one running already, else started
# here (and stopped at exit). Under CI=true one that cannot start fails the run.
started=()
stop_engines() {
  for name in "${started[@]}"; do bash "scripts/$name.sh" stop || true; done
}
trap stop_engines EXIT
use_engine() {
  local name="$1" var="$2" url="$3" needs="$4"
  if [ -n "${!var:-}" ]; then return 0; fi
  if bash "scripts/$name.sh" status >/dev/null 2>&1; then
    export "$var=$url"
  elif bash "scripts/$name.sh" start; then
    export "$var=$url"
    started+=("$name")
  elif [ "${CI:-}" = "true" ]; then
    echo "test.sh: $name did not start; see the log above" >&2
    exit 1
  else
    echo "test.sh: no $name ($needs): its tests will skip" >&2
  fi
}
use_engine kafka KAFKA_BROKERS "127.0.0.1:${KAFKA_PORT:-9092}" 'needs java and mvn'
use_engine redis REDIS_URL "redis://127.0.0.1:${REDIS_PORT:-6390}" 'apt-get install redis-server'
use_engine opensearch OPENSEARCH_URL "http://127.0.0.1:${OPENSEARCH_PORT:-9250}" 'needs java 17 and mvn'

node --test --test-concurrency=1 "$@" 'test/**/*.test.ts'
