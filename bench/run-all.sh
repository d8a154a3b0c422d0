#!/usr/bin/env bash
# One command for every benchmark (bench/README.md):
#   bench/run-all.sh [--duration SECONDS]
# Starts PostgreSQL and Redis (eng/lib/deps.sh) on free loopback ports, measures the machine's ceilings
# (bench/Ceilings), runs every bench program that exists (JobsBench, ChatBench, DistributorBench, EvaluationBench, RetrievalBench)
# with --json, and writes bench/results/<yyyy-MM-dd>.md plus SVG charts (bench/Report). Missing programs are listed
# in the report and on stderr. Raw outputs stay in bench/results/raw/<date>/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

duration=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    *) echo "usage: bench/run-all.sh [--duration SECONDS]" >&2; exit 2 ;;
  esac
done

programs=(JobsBench ChatBench DistributorBench EvaluationBench RetrievalBench)
date="$(date +%Y-%m-%d)"
raw="$root/bench/results/raw/$date"
rm -rf "$raw"
mkdir -p "$raw"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash eng/install-deps.sh >/dev/null
# shellcheck source=../eng/lib/deps.sh
export DEPS_STATE_FILE="$root/.local/bench-deps.started"
source eng/lib/deps.sh
work="$(mktemp -d /tmp/bench-deps.XXXXXX)"
chmod 755 "$work"
cleanup() { stop_postgres "$work/postgres" || true; stop_redis "$work/redis" || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
pg_port="$(free_port)"; redis_port="$(free_port)"
start_postgres "$work/postgres" "$pg_port"
start_redis "$work/redis" "$redis_port"
export BENCH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
export BENCH_REDIS="127.0.0.1:$redis_port"
export BENCH_DURATION_SECONDS="$duration"

echo "[bench] building (Release)..." >&2
dotnet build bench/Ceilings/Ceilings.csproj -c Release -v q --nologo >"$raw/build.log" 2>&1 || { tail -n 30 "$raw/build.log"; exit 1; }
dotnet build bench/Report/Report.csproj -c Release -v q --nologo >>"$raw/build.log" 2>&1 || { tail -n 30 "$raw/build.log"; exit 1; }

echo "[bench] ceilings..." >&2
dotnet bench/Ceilings/bin/Release/net10.0/Ceilings.dll --duration "$duration" --sim-latency-ms 50 --json "$raw/Ceilings.json" \
  | tee "$raw/Ceilings.log"

: >"$raw/missing.txt"
for program in "${programs[@]}"; do
  project="bench/$program/$program.csproj"
  if [[ ! -f "$project" ]]; then
    echo "[bench] $program: not present ($project missing)" >&2
    echo "$program: not present in this tree ($project missing)" >>"$raw/missing.txt"
    continue
  fi
  echo "[bench] $program..." >&2
  if ! dotnet build "$project" -c Release -v q --nologo >>"$raw/build.log" 2>&1; then
    echo "[bench] $program: build failed" >&2
    echo "$program: build failed (see raw/$date/build.log)" >>"$raw/missing.txt"
    continue
  fi
  status=0
  started=$SECONDS
  dotnet run -c Release --no-build --project "$project" -- --json "$raw/$program.json" >"$raw/$program.log" 2>&1 || status=$?
  if [[ ! -s "$raw/$program.json" && $status -ne 0 && $(( SECONDS - started )) -lt 20 ]]; then
    # Quick failure without JSON: most likely a program that does not take --json yet; run it with its defaults.
    echo "[bench] $program: no JSON and exit $status with --json; running it without arguments (text mode)" >&2
    status=0
    dotnet run -c Release --no-build --project "$project" >"$raw/$program.log" 2>&1 || status=$?
  fi
  if [[ ! -s "$raw/$program.json" ]]; then
    # Text-only program (or it failed before writing JSON): its output goes into the report verbatim.
    rm -f "$raw/$program.json"
    { [[ $status -ne 0 ]] && echo "(exit code $status)"; cat "$raw/$program.log"; } >"$raw/$program.txt"
  elif [[ $status -ne 0 ]]; then
    echo "$program: exited with $status after writing its JSON (see raw/$date/$program.log)" >>"$raw/missing.txt"
  fi
done

dotnet bench/Report/bin/Release/net10.0/Report.dll --in "$raw" --out "bench/results/$date.md"
