#!/bin/bash
# The agent's data plane under live traffic on the real kernel: wlc spreads long-lived connections by weight,
# our connection view equals ipvsadm -Lnc, an agent restarted mid-traffic fails no request and changes nothing,
# weight 0 drains (held connections keep working, new ones avoid the server), and LVS-TUN (ipip) when the
# guest kernel has the ipip module.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/agent-traffic; mkdir -p $work
need_agent "$repo"
suite_start=$SECONDS
topology 3

plan wlc masq 1 2 3
agent standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/run1.log 2>&1
expect_eq "agent programs wlc 1:2:3 from empty" 0 $?

# 60 long-lived connections, opened one after the other: wlc sends each to the lowest active/weight.
nsx client python3 "$here/../hold-conns.py" 60 $VIP $work/ready $work/go > $work/held.txt 2>&1 &
holder=$!
for _ in $(seq 1 300); do [ -f $work/ready ] && break; sleep 0.2; done
expect_eq "wlc: 60 held connections spread 10/20/30 by weight (ActiveConn per real server)" "10 20 30" \
  "$(nsx dir0 ipvsadm -Ln | awk '$1 == "->" && $2 ~ /^10\.0\.1\./ {print $5}' | paste -sd' ')"

# conns reads /proc/net/ip_vs_conn like ipvsadm -Lnc: same lines but the expire column (it ticks).
agent conns > $work/conns.txt 2>&1
nsx dir0 ipvsadm -Lnc > $work/ipvsadm-lnc.txt 2>&1
expect_eq "conns: 60 established connections" 60 "$(grep -c ' ESTABLISHED ' $work/conns.txt)"
expect_eq "conns equals ipvsadm -Lnc (every column but expire)" \
  "$(awk '{$2 = ""; print}' $work/ipvsadm-lnc.txt | sort)" "$(awk '{$2 = ""; print}' $work/conns.txt | sort)"

# Restart mid-traffic: a looping agent is killed while a client keeps requesting, and a new agent starts.
ip netns exec dir0 java "${agent_jvm[@]}" -jar "$jar" standalone --plan $work/plan.yaml \
  --state-dir $work/state --interval-ms 1000 > $work/loop.log 2>&1 &
looping=$!
for _ in $(seq 1 300); do grep -q '^pass:' $work/loop.log && break; sleep 0.2; done
( while [ ! -f $work/stop ]; do nsx client curl -s --max-time 5 http://$VIP/ || echo error; done ) > $work/traffic.txt &
traffic=$!
sleep 2
kill $looping; wait $looping 2>/dev/null
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/restart.log 2>&1
touch $work/stop; wait $traffic
expect_eq "the restarted agent: zero operations" "pass: 0 operations, 0 failures" \
  "$(grep -o '^pass: [0-9]* operations, [0-9]* failures' $work/restart.log)"
echo "  (requests during the restart: $(wc -l < $work/traffic.txt))"
expect_eq "requests during the restart: none failed" "0" "$(grep -vc '^rs[0-9]$' $work/traffic.txt)"

# Drain: weight 0 on rs3. New connections avoid it; the 30 held on it still exchange data.
plan wlc masq 1 2 0
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/drain.log 2>&1
expect_eq "drain is one edit of one destination" "applied: edit destination 10.0.1.13:80 of $VIP:80/TCP weight 0" \
  "$(grep '^applied:' $work/drain.log)"
hits=$(count_hits 30)
expect_eq "drained: 30 new requests, none to rs3, none failed" "" "$(tr ' ' '\n' <<<"$hits" | grep -E '^(rs3|error)=')"
touch $work/go; wait $holder
expect_eq "held connections survive the restart and the drain: all 60 answer" "rs1=10 rs2=20 rs3=30" \
  "$(cat $work/held.txt)"

# LVS-TUN: the director wraps packets in IP-in-IP; real servers unwrap them on tunl0, which holds the VIP.
if modprobe ipip 2>/dev/null && nsx rs1 ip link show tunl0 >/dev/null 2>&1; then
  for i in 1 2 3; do
    nsx rs$i ip link set tunl0 up
    nsx rs$i ip addr add $VIP/32 dev tunl0
    # the client's packets arrive on tunl0 but the way back to it is r$i: no reverse-path filter
    nsx rs$i sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0 \
      net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
  done
  dr_return_path 3
  plan rr ipip 1 1 1
  agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/tun.log 2>&1
  expect_eq "ipip: the agent programs tunnel destinations" "3" "$(nsx dir0 ipvsadm -Sn | grep -c -- ' -i -w 1')"
  expect_hits "TUN (ipip) round robin" "rs1=10 rs2=10 rs3=10" 30
else
  echo "SKIP TUN (ipip): the guest kernel has no ipip module (modprobe ipip failed)"
fi

echo "agent-traffic suite: $((SECONDS - suite_start)) s"
finish
