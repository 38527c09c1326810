#!/bin/bash
# The halvs director agent against the real kernel: it programs IPVS over netlink from the same CR YAML that
# render reads, traffic flows through the VIP, ipvsadm reads back what the agent wrote and the agent reads back
# what ipvsadm wrote, and a restarted agent changes nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/agent-suite; mkdir -p $work
need_agent "$repo"
topology 3
t0=$SECONDS
plan rr masq 1 1 1
agent standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/run1.log 2>&1
expect_eq "agent programs from empty and converges" 0 $?
echo "  (first agent run in the guest: $((SECONDS - t0)) s; $(grep '^pass:' $work/run1.log))"
expect_eq "the agent added the VIP with its label" "$VIP/32" \
  "$(nsx dir0 ip -4 -o addr show dev d0 label d0:hv | awk '{print $4}')"
expect_eq "ipvsadm reads back what the agent wrote" \
  "-A -t $VIP:80 -s rr|-a -t $VIP:80 -r 10.0.1.11:80 -m -w 1|-a -t $VIP:80 -r 10.0.1.12:80 -m -w 1|-a -t $VIP:80 -r 10.0.1.13:80 -m -w 1" \
  "$(nsx dir0 ipvsadm -Sn | paste -sd'|')"
expect_hits "NAT round robin: 30 requests, 10 per real server" "rs1=10 rs2=10 rs3=10" 30

plan wrr masq 1 2 3
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/run2.log 2>&1
expect_eq "scheduler and two weight changes: 1 edit service + 2 edit destination" "3" \
  "$(grep -c '^applied: edit' $work/run2.log)"
expect_hits "wrr follows weights 1:2:3 over 60 requests" "rs1=10 rs2=20 rs3=30" 60

agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/run3.log 2>&1
expect_eq "a restarted agent adopts the kernel state: zero operations" "pass: 0 operations, 0 failures" \
  "$(grep -o '^pass: [0-9]* operations, [0-9]* failures' $work/run3.log)"

# IPVS connection timeouts (ipvsadm --set): set by the agent, read back by ipvsadm; tcpfin, left out, stays the
# kernel's 120.
sed -i 's/^  syncDaemon: {enabled: false}$/&\n  connectionTimeouts: {tcpSeconds: 7200, udpSeconds: 60}/' $work/plan.yaml
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/run3t.log 2>&1
expect_eq "the agent applies the connection timeouts" 0 $?
expect_eq "ipvsadm reads the timeouts the agent set" "Timeout (tcp tcpfin udp): 7200 120 60" \
  "$(nsx dir0 ipvsadm -L --timeout)"

plan rr masq 1 1 0
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/run4.log 2>&1
expect_hits "weight 0 (quiescent): no new connections to rs3" "rs1=15 rs2=15" 30

plan rr masq 1 1 1 300
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/run5.log 2>&1
expect_eq "persistence keeps the client on one real server" "1" "$(count_hits 12 | wc -w)"

# DR: the real servers hold the VIP on lo and do not answer ARP for it; their replies go to the client
# directly (over the real-server network), not back through the director. On a VIP of its own, so its
# destinations start with no connections: the kernel caches one route per destination for all its connections,
# and a packet of an old masq connection (the persistence step's, held by its template, which a request from the
# same client port joins) sent after the switch to gate caches a route with no next hop, after which every new DR
# connection to that real server is lost (CI lost all of rs3's; docs/RELIABILITY.md, "Changing a live
# destination's forwarding method").
VIP=198.51.100.11
dr_real_servers 3
dr_return_path 3
plan rr gate 1 1 1
agent standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/run6.log 2>&1
expect_hits "DR (gate) round robin" "rs1=10 rs2=10 rs3=10" 30
expect_eq "ipvsadm reads gate destinations" "3" "$(nsx dir0 ipvsadm -Sn | grep -c -- ' -g -w 1')"

# ipvsadm writes, the agent reads: every attribute we can set, compared line by line.
nsx dir0 ipvsadm -A -u 198.51.100.20:53 -s sh -b sh-fallback,sh-port -p 60 -M 255.255.255.0 -o
nsx dir0 ipvsadm -a -u 198.51.100.20:53 -r 10.0.1.11:5353 -m -w 7 -x 100 -y 50
nsx dir0 ipvsadm -a -u 198.51.100.20:53 -r 10.0.1.12:53 -g -w 0
nsx dir0 ipvsadm -A -f 42 -s mh -b mh-port
nsx dir0 ipvsadm -a -f 42 -r 10.0.1.13:0 -i -w 3
# Tunnel checksum options as ipvsadm-save prints them (gue/gre always carry one, --tun-nocsum included).
nsx dir0 ipvsadm -a -f 42 -r 10.0.1.14:0 -i -w 1 --tun-type gue --tun-port 6080
nsx dir0 ipvsadm -a -f 42 -r 10.0.1.15:0 -i -w 1 --tun-type gre --tun-csum
expect_eq "ipvsadm -Sn prints the tunnel checksum options" "2" \
  "$(nsx dir0 ipvsadm -Sn | grep -cE -- '--tun-type gue --tun-port 6080 --tun-nocsum|--tun-type gre --tun-csum')"
nsx dir0 ipvsadm -A -t [2001:db8::10]:443 -s lc -p 300 -M 64
nsx dir0 ipvsadm -a -t [2001:db8::10]:443 -r [2001:db8:1::11]:443 -m -w 2
nsx dir0 ipvsadm -A --sctp-service 198.51.100.30:3868 -s nq
# The sip persistence engine (ip_vs_pe_sip): read back by the agent as ipvsadm wrote it, when the guest has it.
foreign=4
if nsx dir0 ipvsadm -A -u 198.51.100.40:5060 -s rr -p 120 --pe sip 2>/dev/null; then
  foreign=5
  expect_eq "the agent reads the persistence engine" "-A -u 198.51.100.40:5060 -s rr -p 120 --pe sip" \
    "$(agent ipvs save 2>&1 | grep 5060)"
else
  echo "SKIP --pe sip: the guest kernel has no ip_vs_pe_sip"
fi
expect_eq "the agent's dump equals ipvsadm -Sn, line for line" "$(nsx dir0 ipvsadm -Sn | sort)" \
  "$(agent ipvs save 2>&1 | sort)"
expect_eq "the agent reads thresholds ipvsadm set (-x 100 -y 50)" "100 50" \
  "$(agent ipvs list --thresholds 2>&1 | awk '/10.0.1.11:5353/ {print $3, $4}')"
agent ipvs list > $work/list.txt 2>&1
expect_eq "ipvs list shows the foreign services too" "$((foreign + 1))" "$(grep -cE '^(TCP|UDP|SCTP|FWM)' $work/list.txt)"
agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/run7.log 2>&1
expect_eq "services ipvsadm made are foreign: reported, untouched" "$foreign" "$(grep -c '^foreign' $work/run7.log)"
expect_eq "...and still there" "$((foreign + 1))" "$(nsx dir0 ipvsadm -Ln | grep -cE '^(TCP|UDP|SCTP|FWM)')"

finish
