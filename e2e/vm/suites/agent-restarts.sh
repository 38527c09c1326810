#!/bin/bash
# The agent restarted RESTARTS times (the first argument, default 50) under live traffic on the real kernel, kill -9
# and SIGTERM in turn: every restarted agent (an active director's: it holds the VIP) adopts the kernel's table
# with 0 operations and no other change (timeouts, addresses, sysctls) on its first pass, no request of a client
# that keeps requesting fails, and 30 held connections all answer at the end (no reset).
# run-all.sh runs 4 restarts (two of each) so the suite cannot rot; the 50-restart figure (docs/RELIABILITY.md)
# is a command of its own, longer than the guest's default 20-minute bound under TCG:
#   HALVS_VM_TIMEOUT=6000 e2e/vm/run-in-vm.sh e2e/vm/suites/agent-restarts.sh 50
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/agent-restarts; mkdir -p $work
# The agents' logs outlive the guest in the results share.
trap 'cp $work/*.log $work/*.txt "${HALVS_VM_OUT:-/tmp}/" 2>/dev/null' EXIT
need_agent "$repo"
restarts=${1:-50}
suite_start=$SECONDS
topology 3

# The held connections stay idle for the whole run, longer than the kernel's default 900 s for an idle
# established entry when the run is long: an expired entry would make the director answer their next segment with
# a reset that is no restart's doing. The plan's timeouts also check that a restart does not set them again.
plan wlc masq 1 1 1
sed -i 's/^  syncDaemon: {enabled: false}$/&\n  connectionTimeouts: {tcpSeconds: 7200}/' $work/plan.yaml
# The first run dumps the classes it loaded into a CDS archive that every restart maps: under TCG a JVM start is
# mostly class loading (a harness speed-up only; what is checked is what the agent does to the kernel).
nsx dir0 java -XX:TieredStopAtLevel=1 -XX:ArchiveClassesAtExit=$work/agent.jsa -jar "$jar" standalone --plan $work/plan.yaml --once --hold-vips \
  --state-dir $work/state > $work/first.log 2>&1
rc=$?
expect_eq "agent programs wlc 1:1:1 from empty" 0 $rc
[ $rc = 0 ] || tail -20 $work/first.log
expect_eq "IPVS tcp timeout as planned" "7200" "$(nsx dir0 ipvsadm -L --timeout | awk '{print $5}')"

nsx client python3 "$here/../hold-conns.py" 30 $VIP $work/ready $work/go > $work/held.txt 2>&1 &
holder=$!
for _ in $(seq 1 300); do [ -f $work/ready ] && break; sleep 0.2; done
( while [ ! -f $work/stop ]; do nsx client curl -s --max-time 5 http://$VIP/ || echo "error (curl exit $?)"; done ) > $work/traffic.txt &
traffic=$!
# The kernel's own record, beside the agent's report: every address change in dir0 (the VIP, the gateway), and
# the service's connection counters, which start again from 0 when a service or destination is re-created.
nsx dir0 ip monitor address > $work/address-events.txt 2>&1 &
monitor=$!

# ms since the epoch
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
nonzero=0; kills=0; terms=0; starts=(); stops=()
for i in $(seq 1 "$restarts"); do
  start=$(now_ms)
  ip netns exec dir0 java -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=$work/agent.jsa -Xshare:auto -jar "$jar" \
    standalone --plan $work/plan.yaml --hold-vips --state-dir $work/state --interval-ms 1000 > $work/loop-$i.log 2>&1 &
  looping=$!
  # Until the second pass: what the first one changed beside IPVS operations prints after its "pass:" line.
  first_ms=
  for _ in $(seq 1 600); do
    passes=$(grep -c '^pass:' $work/loop-$i.log)
    [ -z "$first_ms" ] && [ "$passes" -ge 1 ] && first_ms=$(now_ms)
    [ "$passes" -ge 2 ] && break
    kill -0 $looping 2>/dev/null || break
    sleep 0.5
  done
  first=$(grep -m1 -o '^pass: [0-9]* operations, [0-9]* failures' $work/loop-$i.log)
  extra=$(awk '/^pass:/ {n++; next} n == 1' $work/loop-$i.log | grep -E '^(applied|sysctl|failed|foreign)' | head -3)
  if [ "$first" != "pass: 0 operations, 0 failures" ] || [ -n "$extra" ]; then
    nonzero=$((nonzero + 1)); echo "  restart $i: first pass [$first] $extra"
  fi
  starts+=($(( ${first_ms:-$(now_ms)} - start )))
  stop=$(now_ms)
  if [ $((i % 2)) = 0 ]; then kill -TERM $looping; terms=$((terms + 1)); else kill -9 $looping; kills=$((kills + 1)); fi
  wait $looping 2>/dev/null
  stops+=($(( $(now_ms) - stop )))
  [ $((i % 5)) = 0 ] && echo "  ($i restarts after $((SECONDS - suite_start)) s)"
done
touch $work/stop; wait $traffic
kill $monitor; wait $monitor 2>/dev/null
# The kernel sums its per-CPU counters into what ipvsadm reads every 2 s (the estimator): wait for the last ones.
connections=$((30 + $(wc -l < $work/traffic.txt)))
for _ in $(seq 1 50); do
  stats=$(nsx dir0 ipvsadm -Ln --stats --exact)
  [ "$(awk '$1 == "TCP" {print $3}' <<<"$stats")" = "$connections" ] && break
  sleep 0.2
done
sorted() { printf '%s\n' "$@" | sort -n; }
median() { sorted "$@" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "  ($restarts restarts: $kills kill -9, $terms SIGTERM; start to first pass median $(median "${starts[@]}") ms," \
  "slowest $(sorted "${starts[@]}" | tail -1) ms; signal to exit slowest $(sorted "${stops[@]}" | tail -1) ms)"
echo "  (requests meanwhile: $(wc -l < $work/traffic.txt), failed: $(grep -vc '^rs[0-9]$' $work/traffic.txt))"
expect_eq "$restarts restarts (kill -9 and SIGTERM in turn): every first pass adopts with 0 operations, no change" \
  0 "$nonzero"
expect_eq "requests during the restarts: none failed" "0" "$(grep -vc '^rs[0-9]$' $work/traffic.txt)"
expect_eq "the IPVS table is the plan's after them" "3" "$(nsx dir0 ipvsadm -Ln | grep -c '^  -> 10\.0\.1\.1[1-3]:80 *Masq *1 ')"
expect_eq "no address added or removed in dir0 during the restarts (ip monitor)" "" "$(cat $work/address-events.txt)"
# 30 held + one per request: counters never started again, so no service or destination was re-created
expect_eq "the service's connection counter counts every connection since the first run" \
  "$connections" "$(awk '$1 == "TCP" {print $3}' <<<"$stats")"
expect_eq "so do its destinations' together" "$(awk '$1 == "TCP" {print $3}' <<<"$stats")" \
  "$(awk '$1 == "->" {n += $3} END {print n}' <<<"$stats")"
touch $work/go; wait $holder
expect_eq "30 connections held across all restarts: all answer (no reset)" "rs1=10 rs2=10 rs3=10" "$(cat $work/held.txt)"

echo "agent-restarts suite: $((SECONDS - suite_start)) s"
finish
