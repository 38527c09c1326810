#!/bin/bash
# The agent cures a gate route without a next hop on the real kernel. A looping agent (its kernel watch on) holds
# a masq service with one idle connection per real server; the plan switches the service to gate; the old masq
# connections speak first, so their packets fill the destinations' fresh route caches with routes that name no next
# hop (suites/kernel-dr-route-cache.sh: left alone, every new DR request is lost). The first DR requests leave the
# VIP in the director's neighbour table; the watch edits the gate destinations again and deletes the entry, and the
# next 30 requests are all answered. docs/RELIABILITY.md, "Changing a live destination's forwarding method".
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/agent-gate-routes; mkdir -p $work
need_agent "$repo"
topology 3

wait_for() { # SECONDS COMMAND...: true once COMMAND succeeds, false after SECONDS
  local until=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 0.2; done
}
dests() { nsx dir0 ipvsadm -Sn | grep -c -- " $1 -w 1"; }

plan rr masq 1 1 1
ip netns exec dir0 java "${agent_jvm[@]}" -jar "$jar" standalone --plan $work/plan.yaml --hold-vips \
  --no-health-checks --interval-ms 1000 --watch-interval-ms 500 --state-dir $work/state > $work/agent.log 2>&1 &
looping=$!
wait_for 180 test "$(dests -m)" = 3
expect_eq "the looping agent programs three masq destinations" 3 "$(dests -m)"

# Ended with a reset: a FIN nobody answers would be sent again, as masq, for minutes, and each one that comes first
# after a cure fills a cache wrongly again (the watch cures it again, a request or so later: not what this checks).
nsx client python3 "$vm_dir/hold-conns.py" 3 $VIP $work/ready $work/go 2 rst > $work/held.txt 2>&1 &
held=$!
wait_for 60 test -f $work/ready
dr_real_servers 3
dr_return_path 3
plan rr gate 1 1 1
wait_for 60 test "$(dests -g)" = 3
expect_eq "the agent switches them to gate" 3 "$(dests -g)"
# The held connections' requests go out as masq, the first packets after the edit (their answers come straight
# from the real servers' own addresses and fail: expected, not checked).
touch $work/go; wait $held

count_hits 3 > /dev/null # the first DR requests, on the routes without a next hop
expect_eq "the watch found the VIP in the neighbour table and edited the 3 gate destinations again" 0 \
  "$(wait_for 60 grep -q 'edited 3 gate destination' $work/agent.log; echo $?)"
expect_hits "DR round robin after the cure: 30 requests, 10 per real server" "rs1=10 rs2=10 rs3=10" 30
expect_eq "the director resolves its VIP nowhere" "" "$(nsx dir0 ip -4 neigh show to $VIP)"
echo "  the agent's finding: $(grep -m1 'neighbour table' $work/agent.log | cut -c1-300)"

kill $looping; wait $looping 2>/dev/null
finish
