#!/usr/bin/env bash
# Runs the whole test suite and ends with the plain line "N passed, N failed" (after the time it took).
# Tests use real models: they are installed first (from the shared folder's models when there is one, else from the
# official sources), into the usual models folder (INTERCOG_MODELS or ~/.cache/intercog/models).
# The shared folder is INTERCOG_SHARED, else ../shared beside the checkout, else /work/shared (as the tests find it).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
start=$SECONDS
shared="${INTERCOG_SHARED:-}"
[[ -z "$shared" && -d "$root/../shared" ]] && shared="$root/../shared"
[[ -z "$shared" && -d /work/shared ]] && shared=/work/shared
from=()
[[ -n "$shared" && -d "$shared/models" ]] && from=(--from "$shared/models")
./intercog models install "${from[@]}" || { echo "model install failed"; echo "0 passed, 1 failed"; exit 1; }
results="$root/TestResults"
rm -rf "$results"
dotnet test InterCoG.slnx -c Release --logger "trx;LogFilePrefix=run" --results-directory "$results" "$@"
rc=$?
passed=0; failed=0
shopt -s nullglob
for f in "$results"/*.trx; do
  p=$(grep -o '<Counters [^>]*' "$f" | grep -o 'passed="[0-9]*"' | grep -o '[0-9]*')
  q=$(grep -o '<Counters [^>]*' "$f" | grep -o 'failed="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + ${p:-0})); failed=$((failed + ${q:-0}))
done
if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
elapsed=$((SECONDS - start))
printf 'test.sh took %dm%02ds\n' $((elapsed / 60)) $((elapsed % 60))
echo "$passed passed, $failed failed"
exit $rc
