#!/usr/bin/env bash
# The run command on a machine without containers: PostgreSQL, Redis and Chroma from local binaries on loopback
# (data under .local/), then the three services with the same environment variables the AppHost gives them.
# Prints the URLs and a token; Ctrl+C stops everything.
#
#   eng/run-local.sh                  # Ollama expected at $OLLAMA_URL (default http://127.0.0.1:11434); absent = degraded
#   eng/run-local.sh --simulate-llm   # start the project's Ollama simulator instead (answers built from the context)
#
# Ports (override with env): PG_PORT=55432 REDIS_PORT=56379 CHROMA_PORT=58000 CHAT_PORT=5100 EVAL_PORT=5200 DIST_PORT=5300
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

simulate=0
for arg in "$@"; do
  case "$arg" in
    --simulate-llm) simulate=1 ;;
    *) echo "unknown argument: $arg (usage: eng/run-local.sh [--simulate-llm])" >&2; exit 2 ;;
  esac
done

PG_PORT="${PG_PORT:-55432}" REDIS_PORT="${REDIS_PORT:-56379}" CHROMA_PORT="${CHROMA_PORT:-58000}"
CHAT_PORT="${CHAT_PORT:-5100}" EVAL_PORT="${EVAL_PORT:-5200}" DIST_PORT="${DIST_PORT:-5300}"
SIM_PORT="${SIM_PORT:-11435}"
OLLAMA_URL="${OLLAMA_URL:-http://127.0.0.1:11434}"
CHAT_MODEL="${CHAT_MODEL:-llama3.2:1b}" EMBED_MODEL="${EMBED_MODEL:-nomic-embed-text}"
SIGNING_KEY="${Auth__SigningKey:-development-only-signing-key-change-me-0123456789}"

bash eng/install-deps.sh
# shellcheck source=lib/deps.sh
source eng/lib/deps.sh

data="$root/.local"
mkdir -p "$data/logs"
pids=()

shutdown() {
  trap - INT TERM EXIT
  echo
  echo "[run-local] stopping services..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # The services drain within their shutdown timeout (30 s by default); give them that, then stop the dependencies.
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop_all || true
  echo "[run-local] stopped."
}
trap shutdown INT TERM EXIT

echo "[run-local] starting PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, Chroma :$CHROMA_PORT (data in .local/)"
start_postgres "$data/postgres" "$PG_PORT"
start_redis "$data/redis" "$REDIS_PORT" persist
start_chroma "$data/chroma" "$CHROMA_PORT"

echo "[run-local] building services..."
dotnet build Local.slnf --nologo -v q -m:2 >"$data/logs/build.log" 2>&1 || { tail -n 40 "$data/logs/build.log"; exit 1; }

if [ "$simulate" -eq 1 ]; then
  OLLAMA_URL="http://127.0.0.1:$SIM_PORT"
  dotnet run --no-build --project tests/OllamaSimulator -- --urls "$OLLAMA_URL" \
    "--Simulator:ChatModels=$CHAT_MODEL" "--Simulator:EmbeddingModels=$EMBED_MODEL" >"$data/logs/ollama-sim.log" 2>&1 &
  pids+=($!)
  wait_http "$OLLAMA_URL/api/version" 60
  echo "[run-local] Ollama simulator on $OLLAMA_URL"
fi

pg="Host=127.0.0.1;Port=$PG_PORT;Username=postgres"
common=(
  "ASPNETCORE_ENVIRONMENT=Development"
  "ConnectionStrings__redis=127.0.0.1:$REDIS_PORT"
  "Auth__SigningKey=$SIGNING_KEY"
  "services__chatservice__http__0=http://127.0.0.1:$CHAT_PORT"
  "services__distributorservice__http__0=http://127.0.0.1:$DIST_PORT"
  "services__chroma__http__0=http://127.0.0.1:$CHROMA_PORT"
  "ConnectionStrings__chat-model=Endpoint=$OLLAMA_URL;Model=$CHAT_MODEL"
  "ConnectionStrings__embed-model=Endpoint=$OLLAMA_URL;Model=$EMBED_MODEL"
  # Local destinations (the webhook sink, a local receiver) live on loopback.
  "Distributor__Ssrf__AllowPrivateNetworks=true"
)

start_service() { # name project port db
  local name="$1" project="$2" port="$3" db="$4"
  env "${common[@]}" "ConnectionStrings__$db=$pg;Database=$db" \
    dotnet run --no-build --no-launch-profile --project "$project" --urls "http://127.0.0.1:$port" \
    >"$data/logs/$name.log" 2>&1 &
  pids+=($!)
}

start_service distributorservice DistributorService "$DIST_PORT" distdb
start_service chatservice ChatService "$CHAT_PORT" chatdb
start_service evaluationservice EvaluationService "$EVAL_PORT" evaldb

for svc in "chatservice:$CHAT_PORT" "evaluationservice:$EVAL_PORT" "distributorservice:$DIST_PORT"; do
  name="${svc%%:*}" port="${svc##*:}"
  if ! wait_http "http://127.0.0.1:$port/health/ready" 120; then
    echo "[run-local] $name did not become ready; last log lines:" >&2
    tail -n 40 "$data/logs/$name.log" >&2
    exit 1
  fi
done

user_token=$(dotnet run --no-build --project eng/TokenTool -- --user alice --key "$SIGNING_KEY")
admin_token=$(dotnet run --no-build --project eng/TokenTool -- --user ops --admin --key "$SIGNING_KEY")
cat <<INFO

[run-local] ready (logs in .local/logs/):
  ChatService         http://127.0.0.1:$CHAT_PORT   (chat page: open it and paste the user token below; API UI: /scalar, OpenAPI: /openapi/v1.json)
  EvaluationService   http://127.0.0.1:$EVAL_PORT
  DistributorService  http://127.0.0.1:$DIST_PORT
  Ollama              $OLLAMA_URL $( [ "$simulate" -eq 1 ] && echo "(simulator)" )
  PostgreSQL          $pg   Redis 127.0.0.1:$REDIS_PORT   Chroma http://127.0.0.1:$CHROMA_PORT

  user token (alice):  $user_token
  admin token (ops):   $admin_token

  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:$CHAT_PORT/health/ready
Press Ctrl+C to stop.
INFO

# Exit (and stop everything) as soon as any service process dies.
wait -n "${pids[@]}"
echo "[run-local] a service exited; see .local/logs/" >&2
