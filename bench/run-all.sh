#!/usr/bin/env bash
# One command for every benchmark (bench/README.md):
#   bench/run-all.sh [--runs N] [--duration SECONDS] [--quick]
# Starts PostgreSQL and Redis (eng/lib/deps.sh) on free loopback ports, builds every bench program once (Release), then
# N times in a row: measures the machine's ceilings (bench/Ceilings) and runs every bench program that exists
# (JobsBench, ChatBench, DistributorBench, DistributorBench --noisy-neighbour, EvaluationBench, RetrievalBench) with
# --json. Raw outputs go to bench/results/raw/<yyyy-MM-dd>/run-<k>/ (with run.json: start, end, load average, each
# program's seconds and exit code); bench/Report aggregates the runs into bench/results/<yyyy-MM-dd>.md plus SVG charts
# (median and spread per figure, the goals table first). --quick gives the programs small arguments to check the
# pipeline end to end (its figures mean nothing). Missing or failed programs are listed in the report and on stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

usage="usage: bench/run-all.sh [--runs N] [--duration SECONDS] [--quick]"
runs=1
duration=10
quick=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="${2:?$usage}"; shift 2 ;;
    --duration) duration="${2:?$usage}"; shift 2 ;;
    --quick) quick=1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ && "$duration" =~ ^[1-9][0-9]*$ ]] || { echo "$usage (N and SECONDS are positive integers)" >&2; exit 2; }

# One step per line: output name | project | arguments (besides --json). The quick arguments only shrink the work.
if [[ $quick -eq 1 ]]; then
  steps=(
    "JobsBench|JobsBench|2000"
    "ChatBench|ChatBench|200 8"
    "DistributorBench|DistributorBench|--events 300 --rate-events 300 --sustained-events 2000 --slow-events 200 --warmup 500"
    "DistributorBench-noisy-neighbour|DistributorBench|--noisy-neighbour --fast-events 60 --fast-rate 20 --hanging-events 10 --warmup 200"
    "EvaluationBench|EvaluationBench|--cases 16 --parallelism 4"
    "RetrievalBench|RetrievalBench|"
  )
else
  steps=(
    "JobsBench|JobsBench|"
    "ChatBench|ChatBench|"
    "DistributorBench|DistributorBench|"
    "DistributorBench-noisy-neighbour|DistributorBench|--noisy-neighbour"
    "EvaluationBench|EvaluationBench|"
    "RetrievalBench|RetrievalBench|"
  )
fi
# A program that hangs must not stall the remaining runs (RetrievalBench's own budget is 30 minutes).
program_timeout=45m

date="$(date -u +%Y-%m-%d)"
raw="$root/bench/results/raw/$date"
rm -rf "$raw"
mkdir -p "$raw"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 UseOllamaToolkit=false

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
build_started=$SECONDS
dotnet build bench/Ceilings/Ceilings.csproj -c Release -v q --nologo >"$raw/build.log" 2>&1 || { tail -n 30 "$raw/build.log"; exit 1; }
dotnet build bench/Report/Report.csproj -c Release -v q --nologo >>"$raw/build.log" 2>&1 || { tail -n 30 "$raw/build.log"; exit 1; }
declare -A unavailable=()
for step in "${steps[@]}"; do
  IFS='|' read -r _ program _ <<<"$step"
  project="bench/$program/$program.csproj"
  [[ -n "${unavailable[$program]:-}" ]] && continue
  if [[ ! -f "$project" ]]; then
    unavailable[$program]="not present in this tree ($project missing)"
  elif ! dotnet build "$project" -c Release -v q --nologo >>"$raw/build.log" 2>&1; then
    unavailable[$program]="build failed (see raw/$date/build.log)"
  fi
  if [[ -n "${unavailable[$program]:-}" ]]; then echo "[bench] $program: ${unavailable[$program]}" >&2; fi
done
echo "[bench] built in $(( SECONDS - build_started )) s" >&2

for (( k = 1; k <= runs; k++ )); do
  dir="$raw/run-$k"
  mkdir -p "$dir"
  : >"$dir/missing.txt"
  started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  load_before="$(cat /proc/loadavg)"
  # why: a figure belongs to the code it measured; "-dirty" marks uncommitted changes outside bench/results
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [[ -n "$(git status --porcelain -- . ':!bench/results' 2>/dev/null)" ]]; then commit="$commit-dirty"; fi
  timings=()
  echo "[bench] run $k of $runs: ceilings..." >&2
  ceilings_started=$SECONDS
  status=0
  timeout --kill-after=30s "$program_timeout" dotnet bench/Ceilings/bin/Release/net10.0/Ceilings.dll --duration "$duration" --sim-latency-ms 50 \
    --json "$dir/Ceilings.json" >"$dir/Ceilings.log" 2>&1 || status=$?
  timings+=("{\"name\":\"Ceilings\",\"seconds\":$(( SECONDS - ceilings_started )),\"exitCode\":$status}")
  [[ $status -eq 0 ]] || echo "Ceilings: exit code $status (see raw/$date/run-$k/Ceilings.log)" >>"$dir/missing.txt"

  for step in "${steps[@]}"; do
    IFS='|' read -r name program arguments <<<"$step"
    if [[ -n "${unavailable[$program]:-}" ]]; then
      echo "$name: ${unavailable[$program]}" >>"$dir/missing.txt"
      continue
    fi
    echo "[bench] run $k of $runs: $name..." >&2
    status=0
    started=$SECONDS
    # shellcheck disable=SC2086 # the step's arguments are words
    timeout --kill-after=30s "$program_timeout" dotnet run -c Release --no-build --project "bench/$program/$program.csproj" -- \
      $arguments --json "$dir/$name.json" >"$dir/$name.log" 2>&1 || status=$?
    timings+=("{\"name\":\"$name\",\"seconds\":$(( SECONDS - started )),\"exitCode\":$status}")
    if [[ ! -s "$dir/$name.json" ]]; then
      # No JSON (a text-only program, or it failed before writing it): its output goes into the report verbatim.
      rm -f "$dir/$name.json"
      { [[ $status -ne 0 ]] && echo "(exit code $status)"; cat "$dir/$name.log"; } >"$dir/$name.txt"
      echo "$name: no JSON written, exit code $status (output in the report)" >>"$dir/missing.txt"
    elif [[ $status -ne 0 ]]; then
      echo "$name: exited with $status after writing its JSON, its figures are left out (see raw/$date/run-$k/$name.log)" >>"$dir/missing.txt"
    fi
  done

  finished_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  load_after="$(cat /proc/loadavg)"
  programs_json="$(IFS=,; echo "${timings[*]}")"
  cat >"$dir/run.json" <<EOF
{
  "startedAt": "$started_at",
  "finishedAt": "$finished_at",
  "loadBefore": "$load_before",
  "loadAfter": "$load_after",
  "commit": "$commit",
  "programs": [$programs_json]
}
EOF
  echo "[bench] run $k of $runs done: $started_at → $finished_at, load average $load_before → $load_after" >&2
done

dotnet bench/Report/bin/Release/net10.0/Report.dll --in "$raw" --out "bench/results/$date.md"
