# shellcheck shell=bash
# Start and stop the real dependencies (PostgreSQL 15, Redis, Chroma) from local binaries on loopback.
# Source it:  source eng/lib/deps.sh
#
#   start_postgres DIR PORT        initdb on first use (DIR/data), then postgres on 127.0.0.1:PORT
#                                  (trust auth, superuser "postgres", socket in DIR/sock, log DIR/postgres.log)
#   start_redis DIR PORT [persist] redis-server on 127.0.0.1:PORT, log DIR/redis.log; data in DIR/data.
#                                  Without "persist" (or DEPS_REDIS_PERSIST=1): --save "" --appendonly no.
#   start_chroma DIR PORT          Chroma (eng/chroma/node_modules) on 127.0.0.1:PORT, data DIR/data, log DIR/chroma.log
#   stop_postgres DIR | stop_redis DIR | stop_chroma DIR
#   stop_all                       stops everything started through these functions (also from an earlier shell)
#   wait_port PORT [SECONDS] [HOST]  waits until a TCP port accepts connections (default 30 s, 127.0.0.1)
#   wait_http URL [SECONDS]        waits until URL answers 2xx
#   free_port                      prints a port that is free now (20000-31999, below the ephemeral range)
#
# Every start waits (bounded) until the server answers and returns non-zero with the log tail otherwise.
# Started servers are recorded in $DEPS_STATE_FILE (default <repo>/.local/deps.started) for stop_all.
# Run eng/install-deps.sh first. PostgreSQL refuses to run as root: as root it runs as the postgres OS user.

DEPS_REPO_ROOT="${DEPS_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
DEPS_LOCAL_ROOT="${DEPS_LOCAL_ROOT:-$DEPS_REPO_ROOT/.local}"
DEPS_STATE_FILE="${DEPS_STATE_FILE:-$DEPS_LOCAL_ROOT/deps.started}"
DEPS_PG_BIN="${POSTGRES_BIN_DIR:-/usr/lib/postgresql/15/bin}"
DEPS_START_TIMEOUT="${DEPS_START_TIMEOUT:-60}"

_deps_log() { printf '[deps] %s\n' "$*" >&2; }

_deps_fail() {
  _deps_log "$1"
  if [[ -n "${2:-}" && -f "$2" ]]; then
    _deps_log "--- last lines of $2 ---"
    tail -n 30 "$2" >&2
  fi
  return 1
}

_deps_abs() { mkdir -p "$1" && (cd "$1" && pwd); }

_deps_record() {
  mkdir -p "$(dirname "$DEPS_STATE_FILE")"
  local line="$1 $2"
  if ! grep -qxF "$line" "$DEPS_STATE_FILE" 2>/dev/null; then
    printf '%s\n' "$line" >> "$DEPS_STATE_FILE"
  fi
}

_deps_forget() {
  [[ -f "$DEPS_STATE_FILE" ]] || return 0
  local line="$1 $2" tmp
  tmp="$(mktemp)"
  grep -vxF "$line" "$DEPS_STATE_FILE" > "$tmp" || true
  mv "$tmp" "$DEPS_STATE_FILE"
}

# Runs a command as the postgres OS user when we are root (PostgreSQL refuses root), else as ourselves.
_deps_as_pg() {
  if [[ "$(id -u)" -ne 0 ]]; then
    "$@"
  elif command -v setpriv >/dev/null 2>&1; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    runuser -u postgres -- "$@"
  fi
}

_deps_pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

free_port() {
  local port attempt
  for attempt in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf '%s\n' "$port"
      return 0
    fi
  done
  _deps_fail "no free port found"
}

wait_port() {
  local port="$1" timeout="${2:-30}" host="${3:-127.0.0.1}"
  local deadline=$(( SECONDS + timeout ))
  until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      _deps_log "port $host:$port not open after ${timeout}s"
      return 1
    fi
    sleep 0.1
  done
}

wait_http() {
  local url="$1" timeout="${2:-30}"
  local deadline=$(( SECONDS + timeout ))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      _deps_log "$url did not answer 2xx within ${timeout}s"
      return 1
    fi
    sleep 0.2
  done
}

# --- PostgreSQL -----------------------------------------------------------------------------------

start_postgres() {
  local dir port
  dir="$(_deps_abs "${1:?usage: start_postgres DIR PORT}")" || return 1
  port="${2:?usage: start_postgres DIR PORT}"
  local log="$dir/postgres.log"
  [[ -x "$DEPS_PG_BIN/postgres" && -x "$DEPS_PG_BIN/initdb" ]] \
    || _deps_fail "PostgreSQL 15 not found in $DEPS_PG_BIN. Run eng/install-deps.sh" || return 1

  mkdir -p "$dir/sock"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown -R postgres:postgres "$dir"
    _deps_as_pg test -w "$dir" \
      || _deps_fail "the postgres OS user cannot write $dir (a parent folder is not traversable); use a folder under /tmp" || return 1
  fi

  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    _deps_log "initdb $dir/data"
    (cd "$dir" && _deps_as_pg "$DEPS_PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 --no-instructions) > "$dir/initdb.log" 2>&1 \
      || _deps_fail "initdb failed" "$dir/initdb.log" || return 1
  fi

  if (cd "$dir" && _deps_as_pg "$DEPS_PG_BIN/pg_ctl" -D "$dir/data" status) >/dev/null 2>&1; then
    _deps_log "postgres already running in $dir"
  else
    _deps_log "starting postgres on 127.0.0.1:$port ($dir)"
    (cd "$dir" && _deps_as_pg "$DEPS_PG_BIN/pg_ctl" -D "$dir/data" -l "$log" -w -t "$DEPS_START_TIMEOUT" \
      -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c max_connections=200" start) >/dev/null 2>&1 \
      || _deps_fail "postgres did not start on port $port" "$log" || return 1
  fi
  _deps_record postgres "$dir"
  wait_port "$port" "$DEPS_START_TIMEOUT" || _deps_fail "postgres is not listening on $port" "$log" || return 1
}

stop_postgres() {
  local dir
  dir="$(cd "${1:?usage: stop_postgres DIR}" 2>/dev/null && pwd)" || return 0
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    _deps_log "stopping postgres ($dir)"
    (cd "$dir" && _deps_as_pg "$DEPS_PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop) >/dev/null 2>&1 || {
      local pid
      pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)"
      _deps_pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    }
  fi
  _deps_forget postgres "$dir"
}

# --- Redis ----------------------------------------------------------------------------------------

start_redis() {
  local dir port persist
  dir="$(_deps_abs "${1:?usage: start_redis DIR PORT [persist]}")" || return 1
  port="${2:?usage: start_redis DIR PORT [persist]}"
  persist="${3:-}"
  [[ "${DEPS_REDIS_PERSIST:-0}" == "1" ]] && persist=persist
  local redis_bin
  redis_bin="$(command -v redis-server || echo /usr/bin/redis-server)"
  [[ -x "$redis_bin" ]] || _deps_fail "redis-server not found. Run eng/install-deps.sh" || return 1

  local pidfile="$dir/redis.pid" log="$dir/redis.log"
  if _deps_pid_alive "$(cat "$pidfile" 2>/dev/null)"; then
    _deps_log "redis already running in $dir"
  else
    mkdir -p "$dir/data"
    local persistence=(--save "" --appendonly no)
    if [[ "$persist" == "persist" ]]; then
      persistence=(--save "60 1" --appendonly yes --appendfsync everysec)
    fi
    _deps_log "starting redis on 127.0.0.1:$port ($dir${persist:+, persistent})"
    "$redis_bin" --port "$port" --bind 127.0.0.1 --dir "$dir/data" --daemonize yes \
      --pidfile "$pidfile" --logfile "$log" "${persistence[@]}" \
      || _deps_fail "redis-server failed to start" "$log" || return 1
  fi
  _deps_record redis "$dir"
  local deadline=$(( SECONDS + DEPS_START_TIMEOUT ))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == "PONG" ]]; do
    (( SECONDS < deadline )) || { _deps_fail "redis did not answer PING on $port" "$log"; return 1; }
    sleep 0.1
  done
}

stop_redis() {
  local dir
  dir="$(cd "${1:?usage: stop_redis DIR}" 2>/dev/null && pwd)" || return 0
  _deps_stop_pidfile redis "$dir/redis.pid" TERM
  _deps_forget redis "$dir"
}

# --- Chroma ---------------------------------------------------------------------------------------

start_chroma() {
  local dir port
  dir="$(_deps_abs "${1:?usage: start_chroma DIR PORT}")" || return 1
  port="${2:?usage: start_chroma DIR PORT}"
  local cli="$DEPS_REPO_ROOT/eng/chroma/node_modules/chromadb/dist/cli.mjs"
  [[ -f "$cli" ]] || _deps_fail "Chroma not installed ($cli missing). Run eng/install-deps.sh" || return 1
  command -v node >/dev/null 2>&1 || _deps_fail "node not found. Run eng/install-deps.sh" || return 1

  local pidfile="$dir/chroma.pid" log="$dir/chroma.log"
  if _deps_pid_alive "$(cat "$pidfile" 2>/dev/null)"; then
    _deps_log "chroma already running in $dir"
  else
    mkdir -p "$dir/data"
    _deps_log "starting chroma on 127.0.0.1:$port ($dir)"
    # Own session, so a Ctrl-C in the caller's terminal does not reach it; stop_chroma/stop_all stop it.
    NO_COLOR=1 setsid node "$cli" run --path "$dir/data" --host 127.0.0.1 --port "$port" \
      >> "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
  fi
  _deps_record chroma "$dir"
  local deadline=$(( SECONDS + DEPS_START_TIMEOUT ))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/api/v2/heartbeat" 2>/dev/null; do
    _deps_pid_alive "$(cat "$pidfile")" || { _deps_fail "chroma exited during start-up" "$log"; return 1; }
    (( SECONDS < deadline )) || { _deps_fail "chroma did not answer /api/v2/heartbeat on $port" "$log"; return 1; }
    sleep 0.2
  done
}

stop_chroma() {
  local dir
  dir="$(cd "${1:?usage: stop_chroma DIR}" 2>/dev/null && pwd)" || return 0
  _deps_stop_pidfile chroma "$dir/chroma.pid" TERM
  _deps_forget chroma "$dir"
}

# Sends SIGNAL to the pid in PIDFILE, waits up to 20 s for it to exit, then SIGKILLs it.
_deps_stop_pidfile() {
  local name="$1" pidfile="$2" signal="$3" pid
  pid="$(cat "$pidfile" 2>/dev/null)"
  if _deps_pid_alive "$pid"; then
    _deps_log "stopping $name (pid $pid)"
    kill -"$signal" "$pid" 2>/dev/null
    local deadline=$(( SECONDS + 20 ))
    while _deps_pid_alive "$pid" && (( SECONDS < deadline )); do
      sleep 0.1
    done
    if _deps_pid_alive "$pid"; then
      _deps_log "$name did not stop in 20 s; killing it"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$pidfile"
}

stop_all() {
  [[ -f "$DEPS_STATE_FILE" ]] || return 0
  local kind dir entry entries
  # Read everything first: the stop functions rewrite the state file.
  mapfile -t entries < "$DEPS_STATE_FILE"
  for entry in "${entries[@]}"; do
    kind="${entry%% *}"
    dir="${entry#* }"
    case "$kind" in
      postgres) stop_postgres "$dir" ;;
      redis) stop_redis "$dir" ;;
      chroma) stop_chroma "$dir" ;;
    esac
  done
  rm -f "$DEPS_STATE_FILE"
}
