#!/bin/bash
# What the kernel does when a live destination is switched from masq to gate (prints, asserts nothing; not in
# run-all.sh): IPVS caches one route per destination for all of its connections. Three idle masq connections, one
# to each real server, are held open; the destinations are edited to gate (the DR real servers set up first); then
#   "old first": the held masq connections each send a request, then 30 new requests go to the VIP;
#   "new first": the 30 new requests first, then the held connections speak.
# With "old first" the edit's fresh route cache is filled by a masq packet's lookup, which has no next hop: new DR
# connections to that real server are then sent to the VIP itself on the real-server network, where nobody answers
# ARP for it, and fail after about 3 s (the director's ICMP host unreachable). The director's neighbour table shows
# the VIP on the real-server side. docs/RELIABILITY.md, "Changing a live destination's forwarding method".
#   e2e/vm/run-in-vm.sh e2e/vm/suites/kernel-dr-route-cache.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib.sh"
for order in "new first" "old first"; do
  topology 3
  nsx dir0 ip addr add $VIP/32 dev d0
  nsx dir0 ipvsadm -A -t $VIP:80 -s rr
  for i in 1 2 3; do nsx dir0 ipvsadm -a -t $VIP:80 -r 10.0.1.1$i:80 -m -w 1; done
  rm -f /tmp/held.ready /tmp/held.go
  nsx client python3 "$vm_dir/hold-conns.py" 3 $VIP /tmp/held.ready /tmp/held.go > /tmp/held.txt 2>&1 &
  held=$!
  while [ ! -f /tmp/held.ready ] && kill -0 $held 2>/dev/null; do sleep 0.2; done
  dr_real_servers 3
  dr_return_path 3
  for i in 1 2 3; do nsx dir0 ipvsadm -e -t $VIP:80 -r 10.0.1.1$i:80 -g -w 1; done
  if [ "$order" = "old first" ]; then touch /tmp/held.go; wait $held; fi
  new=$(count_hits 30)
  if [ "$order" = "new first" ]; then touch /tmp/held.go; wait $held; fi
  # The held connections' answers come from the real servers' own addresses straight to the client (their replies
  # no longer pass the director): they fail in both orders, by design of the switch.
  echo "$order: 30 new DR requests [$new]; the 3 held masq connections [$(cat /tmp/held.txt)]"
  echo "  dir0's neighbours for the VIP: $(nsx dir0 ip -4 neigh show to $VIP | paste -sd';')"
  pkill -f "http.server 80" ; sleep 0.5
  for link in c1-br d1-br r1-br r2-br r3-br; do ip link del $link 2>/dev/null; done
  for ns in client dir0 rs1 rs2 rs3; do ip netns del $ns; done
  ip link del br-rs; rm -f /tmp/hits.all; sleep 1
done
