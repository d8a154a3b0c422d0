#!/usr/bin/env bash
# Installs the real dependencies that tests and the local runner start from local binaries:
#   - redis-server (Debian 12: Redis 7.0.x)
#   - PostgreSQL 15 server binaries (/usr/lib/postgresql/15/bin)
#   - Chroma (npm: chromadb 3.0.9 + chromadb-js-bindings-linux-x64-gnu 1.0.1) under eng/chroma/node_modules
#   - promtool (Debian's prometheus package: `promtool check metrics` and `promtool test rules` in the tests)
#   - chromium + fonts-liberation when INSTALL_CHROMIUM=1 (eng/test.sh sets it: browser and report rendering tests)
#
# Idempotent: when everything is present it touches neither apt nor npm and returns in well under a second.
# Works as root, or as a normal user with sudo. Services that apt would start (redis on 6379, the
# PostgreSQL "main" cluster on 5432) are kept from starting and stopped/disabled: tests and the local
# runner start their own servers on free ports.
#
# Environment:
#   INSTALL_CHROMIUM=1   also install Debian's chromium and fonts-liberation (the chat page's browser tests, the
#                        report rendering tests); eng/test.sh sets it unless the caller set INSTALL_CHROMIUM=0
#   SKIP_CHROMA=1        skip the npm part
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chroma_dir="$repo_root/eng/chroma"
pg_bin_dir="/usr/lib/postgresql/15/bin"

log() { printf '[install-deps] %s\n' "$*" >&2; }

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
  if ! sudo -n true 2>/dev/null; then
    SUDO=(sudo)
  fi
else
  SUDO=()
fi

as_root() {
  if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
    log "need root for: $*  (run as root or install sudo)"
    return 1
  fi
  "${SUDO[@]}" "$@"
}

have_redis() {
  command -v redis-server >/dev/null 2>&1 || [[ -x /usr/bin/redis-server ]]
}

have_postgres() {
  [[ -x "$pg_bin_dir/postgres" && -x "$pg_bin_dir/initdb" ]]
}

have_chromium() {
  command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]]
}

have_liberation_fonts() {
  [[ -d /usr/share/fonts/truetype/liberation ]]
}

missing=()
have_redis || missing+=(redis-server)
have_postgres || missing+=(postgresql-15)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ "${INSTALL_CHROMIUM:-0}" == "1" ]]; then
  # fonts-liberation is only a Recommends of chromium (apt runs with --no-install-recommends here); without fonts
  # rendered pages and reports show boxes. Checked on its own: a machine may have chromium but not the fonts.
  have_chromium || missing+=(chromium)
  have_liberation_fonts || missing+=(fonts-liberation)
fi
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

# A policy-rc.d that answers 101 keeps apt's maintainer scripts from starting the services at all.
# Only created (and removed again) when the machine has none of its own.
created_policy=0
cleanup_policy() {
  if [[ "$created_policy" -eq 1 ]]; then
    as_root rm -f /usr/sbin/policy-rc.d || log "could not remove the temporary /usr/sbin/policy-rc.d"
  fi
}
trap cleanup_policy EXIT

stop_service() {
  local name="$1"
  # Never fail the install because of service management: containers often have no init system.
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    as_root systemctl stop "$name" >/dev/null 2>&1 || true
    as_root systemctl disable "$name" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    as_root service "$name" stop >/dev/null 2>&1 || true
  fi
  if command -v update-rc.d >/dev/null 2>&1; then
    as_root update-rc.d "$name" disable >/dev/null 2>&1 || true
  fi
}

if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing: ${missing[*]}"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

  stop_service redis-server
  stop_service postgresql
  stop_service prometheus
  cleanup_policy
  created_policy=0
else
  log "apt packages present (redis-server, postgresql-15, node, npm, promtool$([[ "${INSTALL_CHROMIUM:-0}" == "1" ]] && echo ', chromium, fonts-liberation'))"
fi

have_redis || { log "redis-server still missing after install"; exit 1; }
have_postgres || { log "$pg_bin_dir/postgres still missing after install"; exit 1; }
if [[ "${INSTALL_CHROMIUM:-0}" == "1" ]]; then
  have_chromium || { log "chromium still missing after install"; exit 1; }
fi

redis_bin="$(command -v redis-server || echo /usr/bin/redis-server)"
redis_version="$("$redis_bin" --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')"
case "$redis_version" in
  7.*|8.*) ;;
  *) log "warning: redis-server $redis_version found; Redis 7 or later is expected" ;;
esac

# --- Chroma ---------------------------------------------------------------------------------------
if [[ "${SKIP_CHROMA:-0}" != "1" ]]; then
  stamp="$chroma_dir/node_modules/.install-stamp"
  lock_hash="$(sha256sum "$chroma_dir/package-lock.json" | cut -d' ' -f1)"
  binding="$chroma_dir/node_modules/chromadb-js-bindings-linux-x64-gnu/chromadb-js-bindings.linux-x64-gnu.node"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_hash" && -f "$binding" && -f "$chroma_dir/node_modules/chromadb/dist/cli.mjs" ]]; then
    log "chroma present (eng/chroma/node_modules matches package-lock.json)"
  else
    log "npm ci in eng/chroma"
    (cd "$chroma_dir" && npm ci --no-audit --no-fund --loglevel=error)
    printf '%s' "$lock_hash" > "$stamp"
  fi
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [[ "$node_major" -lt 20 ]]; then
    log "warning: node $(node --version) found; chromadb 3.0.9 declares node >= 20"
  fi
fi

log "ok: redis $redis_version, $("$pg_bin_dir/postgres" --version), node $(node --version)"
