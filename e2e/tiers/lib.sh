#!/usr/bin/env bash
# Sourced by test.sh (and by its own test, e2e/tiers/test.sh): runs tiers and sums their closing
# "N passed, N failed" lines. The caller runs under `set -euo pipefail`: nothing here may end it, so a failing
# tier, or one that prints no counts (the bench), still lets every later tier run and the summary print.
summary=()
status=0
total_passed=0
total_failed=0
tier_log=$(mktemp)

# run_tier NAME COMMAND...: runs one tier, shows its output, adds its counts to the totals.
run_tier() {
  local name=$1; shift
  local start=$SECONDS rc=0 counts
  echo "=== tier $name: $*"
  "$@" 2>&1 | tee "$tier_log" || rc=${PIPESTATUS[0]}
  # grep finds nothing when a tier prints no counts: `|| true`, or pipefail + set -e would end the caller here
  counts=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$tier_log" | tail -1 || true)
  if [ -n "$counts" ]; then
    total_passed=$((total_passed + $(awk '{print $1}' <<<"$counts")))
    total_failed=$((total_failed + $(awk '{print $3}' <<<"$counts")))
  fi
  if [ "$rc" -eq 0 ]; then
    summary+=("tier $name: ok, ${counts:-no counts} ($((SECONDS - start)) s)")
  else
    summary+=("tier $name: FAILED, ${counts:-no counts} ($((SECONDS - start)) s)")
    status=1
    [ -n "$counts" ] || total_failed=$((total_failed + 1))
  fi
  return 0
}

# unknown_tier NAME KNOWN: counts a tier name test.sh does not know as a failure.
unknown_tier() {
  summary+=("tier $1: unknown (tiers: $2)"); status=1; total_failed=$((total_failed + 1))
}

# print_summary: one line per tier and the totals; returns the suite's status.
print_summary() {
  rm -f "$tier_log"
  printf '%s\n' "${summary[@]}"
  echo "total: $total_passed passed, $total_failed failed"
  return $status
}
