#!/usr/bin/env bash
# PostgreSQL 15 in the foreground for the AppHost's local mode (an executable resource started by DCP):
#   postgres.sh DATA_DIR PORT
# initdb on first use (trust authentication on 127.0.0.1 only, superuser "postgres"), then postgres on
# 127.0.0.1:PORT with its socket in DATA_DIR/sock. PostgreSQL refuses to run as root: as root it runs as the
# postgres OS user. SIGTERM/SIGINT (DCP stopping the resource, Ctrl+C) become a fast shutdown: open sessions
# are ended and the server exits cleanly instead of waiting for its clients (SIGTERM alone is "smart" shutdown).
set -euo pipefail
dir="${1:?usage: postgres.sh DATA_DIR PORT}"
port="${2:?usage: postgres.sh DATA_DIR PORT}"
bin="${POSTGRES_BIN_DIR:-/usr/lib/postgresql/15/bin}"

[[ -x "$bin/postgres" && -x "$bin/initdb" ]] || { echo "PostgreSQL 15 not found in $bin: run eng/install-deps.sh" >&2; exit 1; }

# An array, not a function: a function run with & forks a subshell, and the signal below must reach postgres itself.
as_pg=()
if [[ "$(id -u)" -eq 0 ]]; then
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

mkdir -p "$dir/sock"
if [[ "$(id -u)" -eq 0 ]]; then
  chown -R postgres:postgres "$dir"
  "${as_pg[@]}" test -w "$dir" || { echo "the postgres OS user cannot write $dir (a parent folder is not traversable)" >&2; exit 1; }
fi
if [[ ! -f "$dir/data/PG_VERSION" ]]; then
  echo "initdb $dir/data"
  "${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-instructions
fi

"${as_pg[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir/sock" \
  -c listen_addresses=127.0.0.1 -c max_connections=200 &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null || true' TERM INT
status=0
wait "$pid" || status=$?
# A trapped signal interrupts the first wait; wait again for the server's own exit.
if kill -0 "$pid" 2>/dev/null; then
  wait "$pid" || status=$?
fi
exit "$status"
