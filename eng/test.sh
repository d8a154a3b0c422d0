#!/usr/bin/env bash
# The test command: installs what the tests need (PostgreSQL, Redis, Chroma, chromium, promtool), builds the local
# solution filter (every project, the AppHost and AppHost.Tests included) and runs every test project.
# Prints "N passed, N failed, N skipped" computed from the TRX results as its last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# chromium (+ fonts) for the browser tests: the dashboard (AppHost.Tests), ChatService's page (ChatPageTests) and
# EvaluationService's HTML report; INSTALL_CHROMIUM=0 skips it (those tests then skip with the reason).
INSTALL_CHROMIUM="${INSTALL_CHROMIUM:-1}" bash eng/install-deps.sh

results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The AppHost's containers-mode Ollama (CommunityToolkit.Aspire.Hosting.Ollama) is not on this project's NuGet feed:
# build without it (AppHost/AppHost.csproj). An environment variable, so restore, build and test all see it.
export UseOllamaToolkit=false
dotnet restore Local.slnf --nologo -v q
dotnet build Local.slnf --no-restore --nologo -v q -c Debug -m:2
status=0
# Two steps: every test project but AppHost.Tests (in parallel, as dotnet test runs a solution), then AppHost.Tests
# on its own. It starts the whole system (seven processes and the dashboard); beside the other suites on two cores
# its services took minutes to answer their health checks.
dotnet test Local.slnf --no-build --nologo -v q \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m --filter "FullyQualifiedName!~AppHost.Tests" "$@" || status=$?
dotnet test tests/AppHost.Tests --no-build --nologo -v q \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m "$@" || status=$?

bash eng/test-summary.sh "$results"
exit "$status"
