#!/usr/bin/env bash
# The run command: the Aspire AppHost in local mode. Installs what is missing (eng/install-deps.sh), builds, then
# `dotnet run --project AppHost` with Dependencies:Mode=local: PostgreSQL, Redis and Chroma start from local binaries
# as executable resources (data in .local/apphost/), the three services as projects, the dashboard on :15080.
# Prints the dashboard's login URL, the services' URLs and a user and an admin token; Ctrl+C stops everything,
# the processes DCP started included.
#
#   eng/run.sh                  # models at $OLLAMA_URL (default http://127.0.0.1:11434); none there = ChatService degraded
#   eng/run.sh --simulate-llm   # the project's Ollama simulator as a resource instead: chat answers end to end
#
# Fixed ports (the AppHost's launch profile and the services' own): dashboard 15080, OTLP 19080, resource service 20080,
# ChatService 5100, EvaluationService 5200, DistributorService 5300. PostgreSQL, Redis and Chroma take free ports
# (or Dependencies__Local__PostgresPort / RedisPort / ChromaPort).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

simulate=false
for arg in "$@"; do
  case "$arg" in
    --simulate-llm) simulate=true ;;
    *) echo "unknown argument: $arg (usage: eng/run.sh [--simulate-llm])" >&2; exit 2 ;;
  esac
done

bash eng/install-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The containers-mode Ollama package is not on every NuGet feed and local mode does not use it (AppHost/AppHost.csproj).
export UseOllamaToolkit=false

state="$root/.local/run"
mkdir -p "$state"
log="$state/apphost.log"

# A development signing key kept across runs (git-ignored), so tokens minted here stay valid after a restart.
if [[ ! -s "$state/signing-key" ]]; then
  (umask 077 && head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/signing-key")
fi
signing_key="$(cat "$state/signing-key")"
browser_token="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

echo "[run] building the AppHost and the services (log: .local/run/build.log)..."
dotnet build AppHost --nologo -v q -m:2 > "$state/build.log" 2>&1 || { tail -n 40 "$state/build.log"; exit 1; }
dotnet build eng/TokenTool --nologo -v q -m:2 >> "$state/build.log" 2>&1 || { tail -n 40 "$state/build.log"; exit 1; }

export Dependencies__Mode=local
export Ollama__Simulate="$simulate"
export ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN="$browser_token"

echo "[run] starting the AppHost (log: .local/run/apphost.log)..."
# env, not export: a name with '-' is not a shell variable, but it is a valid environment variable for .NET.
env "Parameters__auth-signing-key=$signing_key" \
  dotnet run --project AppHost --no-build --launch-profile http > "$log" 2>&1 &
runner=$!

stop() {
  trap - INT TERM EXIT
  echo
  echo "[run] stopping the AppHost and every resource..."
  # The AppHost (child of `dotnet run`) stops the services and DCP the executables it started. It is sent SIGTERM
  # explicitly: a background job of a script ignores SIGINT, so Ctrl+C alone would not reach it.
  local apphost
  apphost="$(pgrep -P "$runner" -f 'AppHost' || true)"
  [[ -n "$apphost" ]] && kill -TERM $apphost 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
  kill -TERM "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  echo "[run] stopped."
  exit 0
}
trap stop INT TERM EXIT

wait_ready() { # name url seconds
  local deadline=$(( SECONDS + $3 ))
  until curl -fs -o /dev/null --max-time 2 "$2"; do
    if ! kill -0 "$runner" 2>/dev/null; then
      echo "[run] the AppHost exited; last lines of .local/run/apphost.log:" >&2; tail -n 40 "$log" >&2; exit 1
    fi
    if (( SECONDS >= deadline )); then
      echo "[run] $1 was not ready within $3 s; see the dashboard and .local/run/apphost.log" >&2; return 1
    fi
    sleep 0.5
  done
}

wait_ready dashboard "http://localhost:15080/" 120
for svc in chatservice:5100 evaluationservice:5200 distributorservice:5300; do
  wait_ready "${svc%%:*}" "http://localhost:${svc##*:}/health/ready" 240
done

# Each service accepts only tokens for its own audience: the user token is for the two user-facing APIs (ChatService and
# EvaluationService; DistributorService has nothing for plain users), the admin token for all three.
user_token="$(dotnet run --no-build --project eng/TokenTool -- --user alice --audience chatservice --audience evaluationservice --key "$signing_key")"
admin_token="$(dotnet run --no-build --project eng/TokenTool -- --user ops --admin --key "$signing_key")"
cat <<INFO

[run] ready: every resource is healthy.
  Dashboard           http://localhost:15080/login?t=$browser_token
  Chat page           http://localhost:5100/  (paste the user token below)
  ChatService         http://localhost:5100   (API UI: /scalar, OpenAPI: /openapi/v1.json)
  EvaluationService   http://localhost:5200
  DistributorService  http://localhost:5300
  Models              $( [[ "$simulate" == true ]] && echo "Ollama simulator (resource ollama-simulator)" || echo "${OLLAMA_URL:-http://127.0.0.1:11434}" )
  Data                .local/apphost/ (PostgreSQL, Redis, Chroma; ports on the dashboard)

  user token (alice, for ChatService and EvaluationService):  $user_token
  admin token (ops, for all three services):                 $admin_token

  curl -H "Authorization: Bearer $user_token" http://localhost:5100/api/sessions
Press Ctrl+C to stop.
INFO

wait "$runner" || true
echo "[run] the AppHost exited; see .local/run/apphost.log" >&2
