#!/usr/bin/env bash
# A Redis server for the tests that share pipeline state between processes: Debian's redis-server
# on 127.0.0.1:${REDIS_PORT:-6390}, nothing saved to disk. start | stop | status.
set -euo pipefail
PORT="${REDIS_PORT:-6390}"
DIR="${TMPDIR:-/tmp}/tributary-redis-$PORT"
case "${1:-}" in
  start)
    command -v redis-server >/dev/null 2>&1 || { echo "redis.sh: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
    mkdir -p "$DIR"
    redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR"
    for _ in $(seq 1 50); do
      if redis-cli -p "$PORT" ping >/dev/null 2>&1; then echo "redis.sh: Redis on 127.0.0.1:$PORT"; exit 0; fi
      sleep 0.1
    done
    echo "redis.sh: Redis did not answer on port $PORT; see $DIR/redis.log" >&2
    exit 1
    ;;
  stop)
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
    ;;
  status)
    redis-cli -p "$PORT" ping >/dev/null 2>&1
    ;;
  *)
    echo "usage: scripts/redis.sh start|stop|status" >&2
    exit 2
    ;;
esac
