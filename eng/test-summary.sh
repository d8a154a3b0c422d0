#!/usr/bin/env bash
# Sums the counters of every TRX file under $1 into one line: "N passed, N failed, N skipped".
set -euo pipefail
dir="${1:-TestResults}"
passed=0 failed=0 skipped=0 files=0
while IFS= read -r -d '' trx; do
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  total=$(get total); executed=$(get executed); p=$(get passed)
  f=$(( $(get failed) + $(get error) + $(get timeout) + $(get aborted) ))
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + total - executed))
done < <(find "$dir" -name '*.trx' -print0)
if [ "$files" -eq 0 ]; then
  echo "no test results found under $dir" >&2
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
