#!/usr/bin/env bash
# Tests test.sh's tier runner (e2e/tiers/lib.sh) on stub tiers, under the same `set -euo pipefail`: a tier
# that prints no counts, one that fails with counts, one that fails without, one that passes; every tier must run,
# the summary must print, and the status and totals must follow. The first CI run of the bench tier (no counts)
# ended test.sh silently: this is that case.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
passed=0 failed=0
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "PASS $1"
  else failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"; fi
}
out=$(mktemp); trap 'rm -f "$out"' EXIT
# the runner in a child shell with the caller's options, as test.sh runs it
rc=0
bash -c 'set -euo pipefail; source "$1"
  run_tier silent bash -c "echo no counts here"
  run_tier failing-counted bash -c "echo 3 passed, 2 failed; exit 1"
  run_tier failing-silent bash -c "exit 7"
  run_tier passing bash -c "echo 5 passed, 0 failed"
  unknown_tier nosuch "a b"
  print_summary' _ "$here/lib.sh" > "$out" 2>&1 || rc=$?
check "a failing suite exits 1" 1 "$rc"
check "every tier ran (the one after a tier without counts too)" 4 "$(grep -c '^=== tier' "$out")"
check "a tier without counts that exits 0 is ok" 1 "$(grep -c '^tier silent: ok, no counts' "$out")"
check "a failing tier with counts is FAILED" 1 "$(grep -c '^tier failing-counted: FAILED, 3 passed, 2 failed' "$out")"
check "a failing tier without counts is FAILED" 1 "$(grep -c '^tier failing-silent: FAILED, no counts' "$out")"
check "an unknown tier is named" 1 "$(grep -c '^tier nosuch: unknown' "$out")"
check "the totals: passed summed, failed counted (2 + 1 silent failure + 1 unknown)" \
  "total: 8 passed, 4 failed" "$(tail -1 "$out")"
rc=0
bash -c 'set -euo pipefail; source "$1"; run_tier a bash -c "echo 1 passed, 0 failed"; run_tier b true; print_summary' \
  _ "$here/lib.sh" > "$out" 2>&1 || rc=$?
check "a passing suite exits 0" 0 "$rc"
check "...and prints its totals" "total: 1 passed, 0 failed" "$(tail -1 "$out")"
# A failed tier's first failure, and what follows it, is repeated beside the summary (CI shows a long output's head
# and tail only); without a FAIL line its last lines; a passing tier adds nothing.
rc=0
bash -c 'set -euo pipefail; source "$1"
  run_tier early-failure bash -c "echo PASS one; echo FAIL two; echo the reason; for i in \$(seq 100); do echo line \$i; done
    echo 1 passed, 1 failed; exit 1"
  run_tier quiet-failure bash -c "for i in \$(seq 50); do echo quiet \$i; done; exit 3"
  run_tier fine bash -c "echo FAIL-looking but passing; echo 1 passed, 0 failed"
  print_summary' _ "$here/lib.sh" > "$out" 2>&1 || rc=$?
excerpt=$(sed -n '/^--- tier early-failure failed: its first failure/,/^--- tier quiet-failure/p' "$out")
check "a failed tier's first failure is repeated after every tier's output, with the line it is at" 1 \
  "$(grep -c '^--- tier early-failure failed: its first failure (line 2 of its output)' <<<"$excerpt")"
check "...it and the 29 lines after it (FAIL two .. line 28)" "FAIL two|the reason|line 28" \
  "$(sed -n '2p;3p;$p' <<<"$(sed '$d' <<<"$excerpt")" | paste -sd'|')"
check "...before the summary" 1 "$(awk '/its first failure/ {e=NR} /^tier early-failure: FAILED/ {s=NR} END {print (e && s > e) ? 1 : 0}' "$out")"
check "a failed tier without a FAIL line: its last 20 lines" "quiet 31 quiet 50" \
  "$(sed -n '/^--- tier quiet-failure failed, no FAIL line/,/^tier /p' "$out" | sed -n '2p;21p' | xargs)"
check "a passing tier adds none" 0 "$(grep -c '^--- tier fine' "$out")"
# A tier started beside the others runs while the tiers after it do (it waits for a file the next tier writes),
# its output comes after theirs, and its counts and status count as a foreground tier's do.
marker=$(mktemp -u)
rc=0
bash -c 'set -euo pipefail; source "$1"; marker=$2
  start_tier beside-failing bash -c "for _ in \$(seq 100); do [ -e $marker ] && break; sleep 0.1; done
    [ -e $marker ] && echo saw the later tier || echo ran alone; echo 2 passed, 1 failed; exit 1"
  run_tier later bash -c "touch $marker; echo 1 passed, 0 failed"
  start_tier beside-passing bash -c "echo 4 passed, 0 failed"
  print_summary' _ "$here/lib.sh" "$marker" > "$out" 2>&1 || rc=$?
rm -f "$marker"
check "a failing tier beside the others fails the suite" 1 "$rc"
check "it ran while the tier after it did" 1 "$(sed '/^--- tier /,$d' "$out" | grep -c '^saw the later tier')"
check "its output follows the later tier's" \
  "beside-failing:started later beside-passing:started beside-failing:output beside-passing:output" \
  "$(awk '/^=== tier/ {n=$3; sub(/:$/, "", n); print n ($4 == "started" ? ":started" : $4 == "(ran" ? ":output" : "")}' \
    "$out" | xargs)"
check "it is FAILED with its counts" 1 "$(grep -c '^tier beside-failing: FAILED, 2 passed, 1 failed' "$out")"
check "a passing tier beside is ok" 1 "$(grep -c '^tier beside-passing: ok, 4 passed, 0 failed' "$out")"
check "the totals count the tiers beside" "total: 7 passed, 1 failed" "$(tail -1 "$out")"
# A tier beside learns when the foreground tiers are done (HALVS_FOREGROUND_DONE appears): after the last of them
# ended, not before, and the file is gone after the summary.
marker=$(mktemp -u)
rc=0
bash -c 'set -euo pipefail; source "$1"; marker=$2
  start_tier waiting bash -c "[ -n \"\$HALVS_FOREGROUND_DONE\" ] || echo no file named
    for _ in \$(seq 100); do [ -e \"\$HALVS_FOREGROUND_DONE\" ] && break; sleep 0.1; done
    [ -e \"\$HALVS_FOREGROUND_DONE\" ] && [ -e $marker ] && echo done after the last one
    echo \$HALVS_FOREGROUND_DONE > $marker.name; echo 1 passed, 0 failed"
  run_tier first bash -c "sleep 0.5; echo 1 passed, 0 failed"
  run_tier last bash -c "sleep 0.5; touch $marker; echo 1 passed, 0 failed"
  print_summary' _ "$here/lib.sh" "$marker" > "$out" 2>&1 || rc=$?
check "a tier beside learns the foreground tiers are done, after the last one" 1 \
  "$(grep -c '^done after the last one' "$out")"
check "...and the file is gone after the summary" "gone" "$([ -e "$(cat "$marker.name")" ] && echo there || echo gone)"
rm -f "$marker" "$marker.name"
echo "tiers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
