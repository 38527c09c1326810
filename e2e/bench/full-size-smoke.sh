#!/usr/bin/env bash
# CI's run of full-size.sh, so it cannot rot: a hundredth of the size (10 VirtualServices x 100 RealServers,
# 1,000 destinations, 100 health targets), EDITS edits of each kind, a short rest, FAILOVERS kill -9 failovers.
# It asserts no time; it fails when the benchmark fails (the agents never program the plan, the health targets
# never all come up, the peer never takes the VIPs over: full-size.sh times out), when a figure is missing from
# what it printed, or when a sample after a failover had two VIP holders or the taker missing a VIP. Ends with
# "N passed, N failed" for test.sh's summary. Then a second, shorter run with START=cold (the operator and the
# agents started after the apply; one edit of each kind, no failover), which must print its cold-start figures.
# Usage (root): e2e/bench/full-size-smoke.sh   (about 6 minutes on a quiet machine, 11 at load 50)
# Env: SCALE (0.01), EDITS (5), REST_S (5), FAILOVERS (3), TIMEOUT_S (300).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
first=$(mktemp /tmp/halvs-full-size-smoke.XXXXXX); out=$first # check() reads $out
cold=$(mktemp /tmp/halvs-full-size-smoke.XXXXXX)
trap 'rm -f "$first" "$cold"' EXIT
SCALE=${SCALE:-0.01} EDITS=${EDITS:-5} REST_S=${REST_S:-5} FAILOVERS=${FAILOVERS:-3} TIMEOUT_S=${TIMEOUT_S:-300} "$here/full-size.sh" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

passed=0; failed=0
check() { # NAME EXTENDED-REGEX: one line of the output matches
  if grep -qE "$2" "$out"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1 (no line matching /$2/)"; fi
}
num='[0-9]+(\.[0-9]+)?'
if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: full-size.sh exited $rc"; fi
check "apply time" "^applied every object in $num s"
check "every status written" "^every status written $num s after the apply started"
check "the RealServers' status writes counted" "^the API server counted [0-9]+ RealServer status writes $num s after the apply started"
check "both agents programmed" "^both agents programmed the plan of every object $num s after"
# edits.py: p50, p99, max in ms and no failed edit, for each kind
for kind in "weight of a RealServer" "RealServer added" "VirtualService added" "selector changed"; do
  check "edit -> programmed: $kind" "^$kind.* +$num +$num +$num +0 +$num\$"
done
for who in operator lvs-01 lvs-02; do
  check "$who RSS and CPU at programmed" "^$who: at programmed +[0-9]+ +$num\$"
  check "$who RSS and CPU at rest" "^$who: at rest \\([0-9]+ s after programmed\\) +[0-9]+ +$num\$"
  check "$who RSS, peak and CPU after the edits" "^$who: after the edits +[0-9]+ +[0-9]+ +$num\$"
  check "$who RSS and CPU over the rest" \
    "^$who: RSS over the [0-9]+ s at rest \\([0-9]+ samples\\): min [0-9-]+, median [0-9-]+, max [0-9-]+ MiB; CPU $num s \\($num core\\)\$"
  check "$who RSS and CPU over the rest after the edits" \
    "^$who: RSS over the [0-9]+ s at rest after the edits \\([0-9]+ samples\\): min [0-9]+, median [0-9]+, max [0-9]+ MiB; CPU $num s \\($num core\\)\$"
done
for who in lvs-01 lvs-02; do # HeldSizes ran on the test classes the build leaves
  check "$who RSS at rest without the in-memory IPVS" \
    "^$who: median at rest minus the in-memory IPVS's [0-9]+ MiB \\(HeldSizes [0-9]+ x 100\\): -?[0-9]+ MiB"
  check "$who RSS after the edits without the in-memory IPVS" "^$who: median after the edits minus the in-memory IPVS: -?[0-9]+ MiB\$"
done
for who in lvs-01 lvs-02; do
  check "$who live heap at the end" "^$who: live heap at the end [0-9]+ MiB "
  check "$who RSS split at the end" "^$who: VmRSS: [0-9]+ kB RssAnon: [0-9]+ kB RssFile: [0-9]+ kB Threads: [0-9]+\$"
done
check "operator RSS, peak and CPU at the end" "^operator: at the end +[0-9]+ +[0-9]+ +$num\$"
check "operator live heap at the end" "^operator: live heap at the end [0-9]+ MiB "
check "operator RSS split at the end" "^operator: VmRSS: [0-9]+ kB RssAnon: [0-9]+ kB RssFile: [0-9]+ kB Threads: [0-9]+\$"
# the seds that read them from the poms and the Deployment found them: a run without them measures another operator
check "the operator ran with its image's flags and the Deployment's JAVA_TOOL_OPTIONS" \
  "^operator: -XX:\+UseG1GC -XX:MaxRAMPercentage=[0-9]+ .* -XX:MaxRAM=[0-9]+[mg] JAVA_TOOL_OPTIONS='-[^']+'; agents:"
for who in lvs-01 lvs-02; do # the image's collector, as the agents' JVMs report it
  check "$who ran on Shenandoah" "^GC $who \\(shenandoah; Using Shenandoah\\): [0-9]+ pauses, [0-9]+ longer than 150 ms"
done
check "health targets up on both agents" "^health checks .*: lvs-01 [0-9]+ of [0-9]+ up; lvs-02 [0-9]+ of [0-9]+ up\$"
check "role changes before the failovers" \
  "^role changes before the failovers \\(none injected\\): lvs-01 [0-9]+ \\([0-9]+ for quorum lost\\); lvs-02 [0-9]+ \\([0-9]+ for quorum lost\\)\$"
check "failover: kill -> the peer holds the first VIP, every VIP" \
  "^failover, kill -9 of the active's agent, [0-9]+ times \\([0-9]+ VIPs\\): .* first VIP p50 $num p99 $num ms; every VIP p50 $num p99 $num ms\$"
check "failover: the watcher's samples alone" \
  "^failover, kill -> the watcher's samples alone saw the first VIP held p50 $num p99 $num ms; every VIP p50 $num p99 $num ms\$"
check "failover: kill -> the first gratuitous ARP, one for every VIP" \
  "^failover, kill -> the first gratuitous ARP for a VIP p50 $num p99 $num ms; one for every VIP p50 $num p99 $num ms\$"
check "failover: where the time went, from the taker's log" \
  "^failover, from the taker's log: kill -> role ACTIVE logged p50 $num p99 $num ms; -> its VIPs added logged p50 $num p99 $num ms; its takeover's Lease call p50 $num p99 $num ms\$"
check "failover: the taker's GC pauses, the API server's time per Lease request" \
  "^failover, kill -> role ACTIVE: the taker's GC pauses p50 $num p99 $num ms; the API server's mean time per Lease request p50 $num p99 $num ms\$"
check "failover: never two holders, the taker never missing a VIP (after the restart dropped what kill -9 left)" \
  "^failover, after the restarted agent .*: [1-9][0-9]* samples, 0 with two holders, 0 with the taker missing a VIP\$"
for who in apiserver etcd responder; do
  check "$who RSS and CPU after the edits" "^$who: after the edits +[0-9]+ +[0-9]+ +$num\$"
done
for who in operator lvs-01 lvs-02 apiserver etcd responder; do # each one's cores per minute through the status phase
  check "$who cores per minute to every status written" "^  $who( +[0-9]+\.[0-9]{2})+\$"
done
check "API requests/s" "^API server requests/s, all clients: at rest $num .*during the edits -?$num"
for who in operator lvs-01 lvs-02; do # their own counters: the operator's edits write statuses and the plan
  check "$who's API requests/s at rest, by its own count" "^API requests/s by component, rest: $who $num/s \(.*\)\$"
  check "$who's API requests/s during the edits, by its own count" \
    "^API requests/s by component, edits: $who $num/s \((get|list|watch|create|update|patch|delete)[a-z]* .*\)\$"
done

echo "== the same with START=cold"
START=cold SCALE=${SCALE:-0.01} EDITS=1 REST_S=1 FAILOVERS=0 TIMEOUT_S=${TIMEOUT_S:-300} "$here/full-size.sh" 2>&1 | tee "$cold"
rc=${PIPESTATUS[0]}
out=$cold
if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: START=cold full-size.sh exited $rc"; fi
check "cold start: the plan published" "^cold start: operator start -> the plan published +$num *\$"
check "cold start: every status written" "^cold start: operator start -> every status written +$num *\$"
check "cold start: status writes counted" "^cold start: operator start -> status writes counted +$num *\$"
check "cold start: both agents programmed" "^cold start: operator start -> both agents programmed +$num *\$"
check "cold start: then an edit of each kind" "^selector changed.* +$num +$num +$num +0 +$num\$"
echo "full-size smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
