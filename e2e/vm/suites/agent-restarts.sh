#!/bin/bash
# The agent restarted RESTARTS times (the first argument, default 50) under live traffic on the real kernel, alternating kill -9
# and SIGTERM: every restarted agent adopts the kernel's table with 0 operations on its first pass, no request
# of a client that keeps requesting fails, and 30 held connections all answer at the end (no reset).
# Not in run-all.sh: under TCG a restart (JVM start to first pass) takes tens of seconds, and 50 of them exceed
# the guest's 20-minute bound (HALVS_GUEST_TIMEOUT, e2e/vm/init.sh) on a shared 2-core machine:
#   e2e/vm/run-in-vm.sh e2e/vm/suites/agent-restarts.sh [RESTARTS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/agent-restarts; mkdir -p $work
need_agent "$repo"
restarts=${1:-50}
suite_start=$SECONDS
topology 3

plan wlc masq 1 1 1
agent standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/first.log 2>&1
expect_eq "agent programs wlc 1:1:1 from empty" 0 $?

nsx client python3 "$here/../hold-conns.py" 30 $VIP $work/ready $work/go > $work/held.txt 2>&1 &
holder=$!
for _ in $(seq 1 300); do [ -f $work/ready ] && break; sleep 0.2; done
( while [ ! -f $work/stop ]; do nsx client curl -s --max-time 5 http://$VIP/ || echo error; done ) > $work/traffic.txt &
traffic=$!

nonzero=0; slowest=0
for i in $(seq 1 "$restarts"); do
  start=$SECONDS
  ip netns exec dir0 java -XX:TieredStopAtLevel=1 -Xshare:auto -jar "$jar" standalone --plan $work/plan.yaml \
    --state-dir $work/state --interval-ms 1000 > $work/loop-$i.log 2>&1 &
  looping=$!
  for _ in $(seq 1 600); do grep -q '^pass:' $work/loop-$i.log && break; sleep 0.1; done
  first=$(grep -m1 -o '^pass: [0-9]* operations, [0-9]* failures' $work/loop-$i.log)
  if [ "$first" != "pass: 0 operations, 0 failures" ]; then
    nonzero=$((nonzero + 1)); echo "  restart $i: first pass [$first]"
  fi
  [ $((SECONDS - start)) -gt "$slowest" ] && slowest=$((SECONDS - start))
  if [ $((i % 2)) = 0 ]; then kill -TERM $looping; else kill -9 $looping; fi
  wait $looping 2>/dev/null
  [ $((i % 5)) = 0 ] && echo "  ($i restarts after $((SECONDS - suite_start)) s)"
done
touch $work/stop; wait $traffic
echo "  ($restarts restarts; slowest start to first pass ${slowest} s; requests meanwhile: $(wc -l < $work/traffic.txt))"
expect_eq "$restarts restarts (kill -9 and SIGTERM in turn): every first pass adopts with 0 operations" 0 "$nonzero"
expect_eq "requests during the restarts: none failed" "0" "$(grep -vc '^rs[0-9]$' $work/traffic.txt)"
expect_eq "the IPVS table is the plan's after them" "3" "$(nsx dir0 ipvsadm -Ln | grep -c '^  -> 10\.0\.1\.1[1-3]:80 *Masq *1 ')"
touch $work/go; wait $holder
expect_eq "30 connections held across all restarts: all answer (no reset)" "rs1=10 rs2=10 rs3=10" "$(cat $work/held.txt)"

echo "agent-restarts suite: $((SECONDS - suite_start)) s"
finish
