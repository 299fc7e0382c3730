#!/usr/bin/env bash
# The whole test suite (`make test`) several times in a row while other processes keep every core
# busy; prints each run's result and time, and how many runs passed. Exits non-zero if any failed.
#
#   bench/stress_tests.sh [RUNS] [BUSY]     # defaults: 5 runs, one busy process per core
#
# The busy processes are plain CPU loops started here and stopped when the script ends (also on
# Ctrl-C); each also stops by itself after MAX_SECONDS. Logs go to test-artifacts/stress/.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-5}
BUSY=${2:-$(nproc)}
MAX_SECONDS=${MAX_SECONDS:-14400}
LOGS=test-artifacts/stress
mkdir -p "$LOGS"

busy_pids=()
stop_busy() {
  for pid in "${busy_pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap stop_busy EXIT
trap 'exit 130' INT TERM

for _ in $(seq "$BUSY"); do
  timeout "$MAX_SECONDS" sh -c 'while :; do :; done' &
  busy_pids+=("$!")
done
echo "Stress: $RUNS runs of 'make test' on $(nproc) cores with $BUSY busy processes alongside"

passed=0
for run in $(seq "$RUNS"); do
  log="$LOGS/run-$run.log"
  start=$(date +%s)
  if make test >"$log" 2>&1; then result=passed; passed=$((passed + 1)); else result=FAILED; fi
  seconds=$(($(date +%s) - start))
  summary=$(grep -E '^=+ .*(passed|failed|error).* =+$' "$log" | tail -1 | tr -d '=' | xargs)
  echo "run $run: $result in ${seconds}s (${summary:-no pytest summary; see $log})"
  if [ "$result" = FAILED ]; then grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/    /'; fi
done

echo "Stress result: $passed of $RUNS runs passed under load"
[ "$passed" -eq "$RUNS" ]
