#!/usr/bin/env bash
# Runs a real single-node OpenSearch without Docker. The runnable zip comes from Maven Central
# through Maven (org.opensearch.distribution.integ-test-zip); nothing else is downloaded.
#
#   scripts/opensearch.sh start | stop | status | restart | crash | fetch | logs [N] | reset
#
# The zip holds only the transport module: no painless, no analysis-common, no ingest pipelines,
# no security plugin (plain HTTP, no auth). OpenSearch refuses to run as root: as root the script
# creates a system user (OPENSEARCH_USER) and runs the node as that user.
#
# Environment (all optional):
#   OPENSEARCH_HOME_DIR        cache and run dir                 (default: <project>/.opensearch)
#   OPENSEARCH_DATA_DIR        path.data                         (default: $OPENSEARCH_HOME_DIR/data-$OPENSEARCH_PORT)
#   OPENSEARCH_PORT            HTTP port                         (default: 9250)
#   OPENSEARCH_TRANSPORT_PORT  transport port                    (default: OPENSEARCH_PORT + 100)
#   OPENSEARCH_HOST            listen address                    (default: 127.0.0.1)
#   OPENSEARCH_START_TIMEOUT   seconds to wait for green/yellow  (default: 120)
#   OPENSEARCH_STOP_TIMEOUT    seconds between SIGTERM and SIGKILL (default: 30)
#   OPENSEARCH_HEAP            JVM heap                          (default: 512m)
#   OPENSEARCH_JAVA_HOME       JDK 11-21 to run on               (default: found; Java 17 preferred)
#   OPENSEARCH_USER            user to run as when root          (default: tributary-os)
set -euo pipefail

OPENSEARCH_VERSION=2.19.6
ARTIFACT="org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/engine-process.sh
source "$ROOT/scripts/lib/engine-process.sh"
HOME_DIR="${OPENSEARCH_HOME_DIR:-$ROOT/.opensearch}"
HOST="${OPENSEARCH_HOST:-127.0.0.1}"
PORT="${OPENSEARCH_PORT:-9250}"
TRANSPORT_PORT="${OPENSEARCH_TRANSPORT_PORT:-$((PORT + 100))}"
DATA_DIR="${OPENSEARCH_DATA_DIR:-$HOME_DIR/data-$PORT}"
RUN_DIR="$HOME_DIR/run-$PORT"
LOG_DIR="$RUN_DIR/logs"
DIST_DIR="$HOME_DIR/dist"
ZIP="$DIST_DIR/opensearch-$OPENSEARCH_VERSION.zip"
OS_HOME="$HOME_DIR/opensearch-$OPENSEARCH_VERSION"
TIMEOUT="${OPENSEARCH_START_TIMEOUT:-120}"
HEAP="${OPENSEARCH_HEAP:-512m}"
RUN_USER="${OPENSEARCH_USER:-tributary-os}"

PID_FILE="$RUN_DIR/opensearch.pid"
OUT_FILE="$RUN_DIR/opensearch.out"
SERVER_LOG="$LOG_DIR/opensearch.log"

log() { printf 'opensearch.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }

# --- java -----------------------------------------------------------------------------------

# major version of the JDK at $1 (17 for 17.0.15, 8 for 1.8.0)
java_major() {
  local v=""
  if [[ -f "$1/release" ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9._]*\).*/\1/p' "$1/release" | head -n 1)
  fi
  if [[ -z "$v" ]]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9._]*\).*/\1/p' | head -n 1)
  fi
  v=${v#1.}
  echo "${v%%.*}"
}

# OpenSearch 2.19 runs on Java 11, 17 or 21 (not 25). Prefer 17: the java on PATH first, then
# JAVA_HOME, then whatever sits under /usr/lib/jvm.
find_java_home() {
  if [[ -n "${OPENSEARCH_JAVA_HOME:-}" ]]; then
    [[ -x "$OPENSEARCH_JAVA_HOME/bin/java" ]] || die "OPENSEARCH_JAVA_HOME=$OPENSEARCH_JAVA_HOME has no bin/java"
    echo "$OPENSEARCH_JAVA_HOME"
    return 0
  fi
  local cands=() j want
  if j=$(command -v java 2>/dev/null); then
    j=$(readlink -f "$j")
    cands+=("${j%/bin/java}")
  fi
  if [[ -n "${JAVA_HOME:-}" ]]; then cands+=("$JAVA_HOME"); fi
  for j in /usr/lib/jvm/*/; do
    [[ -d "$j" ]] && cands+=("$(readlink -f "${j%/}")")
  done
  for want in 17 21 11; do
    for j in "${cands[@]}"; do
      if [[ -x "$j/bin/java" && "$(java_major "$j")" == "$want" ]]; then
        echo "$j"
        return 0
      fi
    done
  done
  return 1
}

# --- distribution ---------------------------------------------------------------------------

fetch_dist() {
  if [[ -f "$OS_HOME/.complete" ]]; then return 0; fi
  mkdir -p "$DIST_DIR"
  if [[ ! -s "$ZIP" ]]; then
    need mvn "install Maven: apt-get install -y maven"
    log "downloading OpenSearch $OPENSEARCH_VERSION ($ARTIFACT, ~56 MB) from Maven Central"
    local t0=$SECONDS
    # run outside the project so no pom.xml is picked up
    if ! (cd "$DIST_DIR" && mvn -q -B dependency:copy -Dartifact="$ARTIFACT" \
        -DoutputDirectory="$DIST_DIR" >"$DIST_DIR/mvn.log" 2>&1); then
      tail -n 40 "$DIST_DIR/mvn.log" >&2
      die "maven could not fetch $ARTIFACT (full output: $DIST_DIR/mvn.log)"
    fi
    [[ -s "$ZIP" ]] || die "maven finished but $ZIP is missing (see $DIST_DIR/mvn.log)"
    log "downloaded $ZIP ($((SECONDS - t0)) s)"
  fi
  log "unpacking $ZIP into $OS_HOME"
  local tmp="$HOME_DIR/.unpack-$$"
  rm -rf "$tmp" "$OS_HOME"
  mkdir -p "$tmp"
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$ZIP" -d "$tmp" || die "unzip $ZIP failed"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -e "$ZIP" "$tmp" || die "extracting $ZIP failed"
  elif command -v jar >/dev/null 2>&1; then
    (cd "$tmp" && jar xf "$ZIP") || die "extracting $ZIP failed"
  else
    die "need unzip, python3 or jar to unpack $ZIP (apt-get install -y unzip)"
  fi
  [[ -x "$tmp/opensearch-$OPENSEARCH_VERSION/bin/opensearch" ]] \
    || chmod +x "$tmp/opensearch-$OPENSEARCH_VERSION"/bin/* 2>/dev/null || true
  [[ -f "$tmp/opensearch-$OPENSEARCH_VERSION/bin/opensearch" ]] \
    || die "$ZIP does not hold opensearch-$OPENSEARCH_VERSION/bin/opensearch"
  mv "$tmp/opensearch-$OPENSEARCH_VERSION" "$OS_HOME"
  rm -rf "$tmp"
  touch "$OS_HOME/.complete"
}

# --- user -----------------------------------------------------------------------------------

# OpenSearch will not run as root. As root: a system user owns the unpacked folder (the node writes
# its keystore into config/ and gc logs into logs/ there), the data and log dirs.
prepare_user() {
  mkdir -p "$DATA_DIR" "$LOG_DIR" "$RUN_DIR/tmp"
  if [[ $(id -u) -ne 0 ]]; then return 0; fi
  need setpriv "util-linux"
  if ! id -u "$RUN_USER" >/dev/null 2>&1; then
    need useradd "passwd"
    log "creating system user $RUN_USER (OpenSearch refuses to run as root)"
    useradd -r -M -s /usr/sbin/nologin "$RUN_USER" || id -u "$RUN_USER" >/dev/null 2>&1 \
      || die "could not create user $RUN_USER"
  fi
  chown -R "$RUN_USER:$RUN_USER" "$OS_HOME" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR/tmp"
  setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups \
    test -x "$OS_HOME/bin/opensearch" -a -w "$DATA_DIR" -a -w "$LOG_DIR" \
    || die "user $RUN_USER cannot reach $OS_HOME or $DATA_DIR (a parent dir is not world-searchable?)"
}

# --- process --------------------------------------------------------------------------------

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ -n "$pid" ]] || return 1
  # the pid must still be our node (pids are reused); during the first seconds it is still the
  # bin/opensearch launcher, which then execs java
  kill -0 "$pid" 2>/dev/null || return 1
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  if [[ "$cmd" == *org.opensearch.bootstrap.OpenSearch* || "$cmd" == *"$OS_HOME/bin/opensearch"* ]]; then
    echo "$pid"
    return 0
  fi
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# the cluster health colour, empty when nothing answers
health() {
  curl -s --max-time 5 "http://$HOST:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null \
    | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

# Up means green or yellow: the port opens well before that, and after a SIGKILL the cluster
# stays red until the translog has replayed.
cluster_ready() {
  local s
  s=$(health)
  [[ "$s" == green || "$s" == yellow ]]
}

print_where() {
  log "node output: $OUT_FILE"
  log "server log:  $SERVER_LOG"
  log "data dir:    $DATA_DIR"
}

fail_tail() {
  tail -n 40 "$SERVER_LOG" >&2 2>/dev/null || true
  log "--- $OUT_FILE:"
  tail -n 20 "$OUT_FILE" >&2 2>/dev/null || true
}

wait_ready() {
  local pid=$1 t0=$2
  local deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "OpenSearch exited during start-up; last lines:"
      fail_tail
      rm -f "$PID_FILE"
      exit 1
    fi
    if cluster_ready; then
      local t1
      t1=$(date +%s.%N)
      log "ready on http://$HOST:$PORT after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s (pid $pid, health $(health))"
      print_where
      return 0
    fi
    sleep 0.5
  done
  log "cluster not green/yellow within ${TIMEOUT}s (health: $(health || true)); last lines:"
  fail_tail
  print_where
  exit 1
}

start() {
  local pid t0
  t0=$(date +%s.%N)
  if pid=$(running_pid); then
    log "already running (pid $pid) on $HOST:$PORT"
    wait_ready "$pid" "$t0"
    return 0
  fi
  need curl "apt-get install -y curl"
  if port_open "$HOST" "$PORT"; then
    die "$HOST:$PORT is already in use by another process (not started by this script)"
  fi
  if port_open "$HOST" "$TRANSPORT_PORT"; then
    die "transport port $HOST:$TRANSPORT_PORT is in use (set OPENSEARCH_TRANSPORT_PORT)"
  fi
  local java_home
  java_home=$(find_java_home) \
    || die "no Java 17 (or 11/21) JDK found; install one: apt-get install -y openjdk-17-jre-headless, or set OPENSEARCH_JAVA_HOME"
  fetch_dist
  prepare_user
  : >"$OUT_FILE"
  t0=$(date +%s.%N)
  local as=() who=""
  if [[ $(id -u) -eq 0 ]]; then
    as=(setpriv --reuid="$RUN_USER" --regid="$RUN_USER" --init-groups)
    who=", user $RUN_USER"
  fi
  # setsid: the node keeps running when the calling shell or npm exits. setsid, nohup, setpriv
  # and bin/opensearch all exec, so $! ends up being the java pid.
  (
    cd "$OS_HOME"
    export OPENSEARCH_JAVA_HOME="$java_home"
    export OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP"
    export OPENSEARCH_TMPDIR="$RUN_DIR/tmp"
    unset JAVA_HOME JAVA_TOOL_OPTIONS JAVA_OPTS OPENSEARCH_PATH_CONF
    exec setsid nohup "${as[@]}" "$OS_HOME/bin/opensearch" \
      -Ediscovery.type=single-node \
      -Enetwork.host="$HOST" \
      -Ehttp.port="$PORT" \
      -Etransport.port="$TRANSPORT_PORT" \
      -Epath.data="$DATA_DIR" \
      -Epath.logs="$LOG_DIR" \
      -Ecluster.routing.allocation.disk.threshold_enabled=false
  ) >>"$OUT_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "started pid $pid (OpenSearch $OPENSEARCH_VERSION, Java $(java_major "$java_home") at $java_home, heap $HEAP$who), waiting up to ${TIMEOUT}s for http://$HOST:$PORT"
  wait_ready "$pid" "$t0"
}

stop() {
  stop_engine "${OPENSEARCH_STOP_TIMEOUT:-30}"
}

crash() {
  crash_engine
}

# exit 0: the cluster answers green or yellow; 1: our node runs but is not ready (starting, or red
# while the translog replays); 3: not running
status() {
  local pid s
  s=$(health || true)
  if pid=$(running_pid); then
    if [[ "$s" == green || "$s" == yellow ]]; then
      echo "running (pid $pid) on http://$HOST:$PORT, health $s"
      return 0
    fi
    echo "running (pid $pid) on http://$HOST:$PORT, NOT ready (health: ${s:-no answer})"
    return 1
  fi
  if [[ "$s" == green || "$s" == yellow ]]; then
    echo "an OpenSearch not started by this script answers on http://$HOST:$PORT, health $s"
    return 0
  fi
  echo "not running"
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  crash) crash ;;
  status) status ;;
  fetch) fetch_dist ;;
  logs) tail -n "${2:-100}" "$SERVER_LOG" ;;
  reset)
    stop
    rm -rf "$DATA_DIR" "$RUN_DIR"
    log "removed $DATA_DIR and $RUN_DIR"
    ;;
  *)
    echo "usage: $0 start|stop|status|restart|crash|fetch|logs [N]|reset" >&2
    exit 2
    ;;
esac
