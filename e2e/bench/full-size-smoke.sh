#!/usr/bin/env bash
# CI's run of full-size.sh, so it cannot rot: a hundredth of the size (10 VirtualServices x 100 RealServers,
# 1,000 destinations), EDITS edits of each kind, a short rest. It asserts no time; it fails when the benchmark
# fails (the agents never program the plan: full-size.sh times out waiting for both reports) or when a figure is
# missing from what it printed. Ends with "N passed, N failed" for test.sh's summary.
# Usage (root): e2e/bench/full-size-smoke.sh   (about 3 minutes on a quiet machine)
# Env: SCALE (0.01), EDITS (5), REST_S (5), TIMEOUT_S (300).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp /tmp/halvs-full-size-smoke.XXXXXX)
trap 'rm -f "$out"' EXIT
SCALE=${SCALE:-0.01} EDITS=${EDITS:-5} REST_S=${REST_S:-5} TIMEOUT_S=${TIMEOUT_S:-300} "$here/full-size.sh" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

passed=0; failed=0
check() { # NAME EXTENDED-REGEX: one line of the output matches
  if grep -qE "$2" "$out"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (no line matching /$2/)"; fi
}
num='[0-9]+(\.[0-9]+)?'
if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: full-size.sh exited $rc"; fi
check "apply time" "^applied every object in $num s"
check "every status written" "^every status written $num s after the apply started"
check "both agents programmed" "^both agents programmed the plan of every object $num s after"
# edits.py: p50, p99, max in ms and no failed edit, for each kind
for kind in "weight of a RealServer" "RealServer added" "VirtualService added" "selector changed"; do
  check "edit -> programmed: $kind" "^$kind.* +$num +$num +$num +0 +$num\$"
done
for who in operator lvs-01 lvs-02; do
  check "$who RSS and CPU at programmed" "^$who: at programmed +[0-9]+ +$num\$"
  check "$who RSS, peak and CPU after the edits" "^$who: after the edits +[0-9]+ +[0-9]+ +$num\$"
done
check "API requests/s" "^API server requests/s, all clients: at rest $num .*during the edits -?$num"
echo "full-size smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
