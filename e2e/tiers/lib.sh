#!/usr/bin/env bash
# Sourced by test.sh (and by its own test, e2e/tiers/test.sh): runs tiers and sums their closing
# "N passed, N failed" lines. The caller runs under `set -euo pipefail`: nothing here may end it, so a failing
# tier, or one that prints no counts (the bench), still lets every later tier run and the summary print.
summary=()
# per failed tier: its first failure and what follows it, repeated beside the summary (CI keeps the head and the
# tail of a long output: a failure early in a tier's output is otherwise cut out of what a reader gets)
excerpts=()
status=0
total_passed=0
total_failed=0
tier_log=$(mktemp)

# run_tier NAME COMMAND...: runs one tier, shows its output, adds its counts to the totals.
run_tier() {
  local name=$1; shift
  local start=$SECONDS rc=0
  echo "=== tier $name: $*"
  "$@" 2>&1 | tee "$tier_log" || rc=${PIPESTATUS[0]}
  count_tier "$name" "$rc" "$start" "$tier_log"
}

# start_tier NAME COMMAND...: starts one tier in the background, its output into a log of its own; join_tiers
# shows that output and counts it. For a tier that mostly waits on one core (the VM tier's single TCG thread)
# while the others run on the rest.
# A tier beside finds in HALVS_FOREGROUND_DONE a file that appears when the tiers after it are done (join_tiers),
# so it can take the cores they leave (the VM tier opens a second lane).
beside_names=(); beside_pids=(); beside_starts=(); beside_logs=(); beside_commands=()
foreground_done=$(mktemp -u)
start_tier() {
  local name=$1; shift
  local log; log=$(mktemp)
  echo "=== tier $name: started beside the tiers after it (its output follows them): $*"
  HALVS_FOREGROUND_DONE=$foreground_done "$@" > "$log" 2>&1 &
  beside_names+=("$name"); beside_pids+=("$!"); beside_starts+=("$SECONDS"); beside_logs+=("$log")
  beside_commands+=("$*")
}

# join_tiers: waits for the tiers start_tier started, in order, then shows and counts each.
join_tiers() {
  local i rc
  touch "$foreground_done"
  for i in "${!beside_pids[@]}"; do
    rc=0
    wait "${beside_pids[$i]}" || rc=$?
    echo "=== tier ${beside_names[$i]} (ran beside the others): ${beside_commands[$i]}"
    cat "${beside_logs[$i]}"
    count_tier "${beside_names[$i]}" "$rc" "${beside_starts[$i]}" "${beside_logs[$i]}"
    rm -f "${beside_logs[$i]}"
  done
  beside_names=(); beside_pids=(); beside_starts=(); beside_logs=(); beside_commands=()
  rm -f "$foreground_done"
}

# count_tier NAME RC START LOG: adds a finished tier's closing counts to the totals and its line to the summary.
count_tier() {
  local name=$1 rc=$2 start=$3 log=$4 counts
  # grep finds nothing when a tier prints no counts: `|| true`, or pipefail + set -e would end the caller here
  counts=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
  if [ -n "$counts" ]; then
    total_passed=$((total_passed + $(awk '{print $1}' <<<"$counts")))
    total_failed=$((total_failed + $(awk '{print $3}' <<<"$counts")))
  fi
  if [ "$rc" -eq 0 ]; then
    summary+=("tier $name: ok, ${counts:-no counts} ($((SECONDS - start)) s)")
  else
    summary+=("tier $name: FAILED, ${counts:-no counts} ($((SECONDS - start)) s)")
    excerpts+=("$(failure_excerpt "$name" "$log")")
    status=1
    [ -n "$counts" ] || total_failed=$((total_failed + 1))
  fi
  return 0
}

# failure_excerpt NAME LOG: the tier's first FAIL (or Maven [ERROR]) line and the 29 after it, or without one its
# last 20 lines; each cut at 300 characters.
failure_excerpt() {
  local name=$1 log=$2 first
  first=$(grep -nE -m1 '^(FAIL|\[ERROR\])' "$log" | cut -d: -f1 || true)
  if [ -n "$first" ]; then
    echo "--- tier $name failed: its first failure (line $first of its output) and what follows it"
    tail -n +"$first" "$log" | head -30 | cut -c1-300 || true # head leaves tail a broken pipe
  else
    echo "--- tier $name failed, no FAIL line: the last lines of its output"
    tail -20 "$log" | cut -c1-300 || true
  fi
  return 0 # under the caller's set -e, in an assignment: must not end it
}

# unknown_tier NAME KNOWN: counts a tier name test.sh does not know as a failure.
unknown_tier() {
  summary+=("tier $1: unknown (tiers: $2)"); status=1; total_failed=$((total_failed + 1))
}

# print_summary: waits for the tiers still running beside, then one line per tier and the totals; returns the
# suite's status.
print_summary() {
  join_tiers
  rm -f "$tier_log"
  [ "${#excerpts[@]}" -eq 0 ] || printf '%s\n' "${excerpts[@]}"
  printf '%s\n' "${summary[@]}"
  echo "total: $total_passed passed, $total_failed failed"
  return $status
}
