# Stopping an engine the scripts/*.sh started: sourced by kafka.sh and opensearch.sh, which define
# PID_FILE, log() and running_pid() (the pid in PID_FILE when it is still that engine's process).

# SIGTERM, up to $1 seconds for a clean shutdown, then SIGKILL.
stop_engine() {
  local timeout="$1" pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

# SIGKILL without a clean shutdown: for crash tests.
crash_engine() {
  local pid
  if pid=$(running_pid); then
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$PID_FILE"
    log "killed pid $pid (SIGKILL)"
  else
    log "not running"
  fi
}
