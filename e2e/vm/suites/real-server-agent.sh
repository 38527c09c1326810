#!/bin/bash
# The real servers' side of DR and TUN set up by the agent in real-server mode, not by hand (compare
# dr_real_servers in lib.sh and the TUN steps of agent-traffic.sh): each real-server namespace runs
# `halvs-agent real-server --plan YAML --node rsN`, which takes that node's part of the plan (RealServers with
# spec.nodeName rsN). Traffic flows through the VIP, the client's neighbour entry for the VIP is the director's
# MAC, no real server answers ARP for the VIP on its own segment, and --remove leaves each real server as before.
# TUN with ipip, and with gue when the guest has fou; a SKIP line otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/real-server-agent; mkdir -p $work
need_agent "$repo"
suite_start=$SECONDS
topology 3
dr_return_path 3

# rs_plan METHOD [TUNNEL-YAML]: one rr service $VIP:80 over rs1..rs3, each RealServer naming its node.
rs_plan() {
  cat > $work/plan.yaml <<YAML
apiVersion: halvs.io/v1alpha1
kind: DirectorPair
metadata: {name: vm}
spec: {nodes: [dir0, dir1], vipInterface: d0, syncDaemon: {enabled: false}}
---
apiVersion: halvs.io/v1alpha1
kind: VirtualService
metadata: {name: web}
spec:
  directorPair: vm
  vip: $VIP
  port: 80
  scheduler: rr
  forwarding: {method: $1${2:+, tunnel: $2}}
  realServerSelector: {matchLabels: {app: web}}
YAML
  for i in 1 2 3; do
    printf -- '---\napiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata: {name: rs%s, labels: {app: web}}\nspec: {address: 10.0.1.1%s, nodeName: rs%s}\n' $i $i $i >> $work/plan.yaml
  done
}
rs_agent() { # N ARGS...: the real-server agent in rsN
  local i=$1; shift
  nsx rs$i java -XX:TieredStopAtLevel=1 -Xshare:auto -jar "$jar" real-server --state-dir $work/rs$i "$@"
}
rs_state() { # N: what the real server's side looks like from outside
  echo "$(nsx rs$1 ip -o addr show dev lo | awk '{print $4, $NF}' | sort | paste -sd' ')" \
    "$(nsx rs$1 sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce | paste -sd' ')" \
    "$(nsx rs$1 ip -o link show tunl0 2>/dev/null | grep -o '<[^>]*>')" \
    "$(nsx rs$1 sysctl -n net.ipv4.conf.tunl0.rp_filter 2>/dev/null)"
}
before() { for i in 1 2 3; do rs_state $i; done; }
modprobe ipip 2>/dev/null; have_ipip=$?
modprobe fou 2>/dev/null; have_fou=$?
initial=$(before)

# LVS-DR.
rs_plan gate
agent standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/dr.log 2>&1
expect_eq "director programs DR" 0 $?
for i in 1 2 3; do rs_agent $i --plan $work/plan.yaml --node rs$i --once > $work/rs$i-dr.log 2>&1 \
  || cat $work/rs$i-dr.log; done
expect_eq "rs1's agent put the VIP on lo with its label" "1" "$(nsx rs1 ip -o addr show dev lo label lo:halvs | grep -c "$VIP/32")"
expect_eq "DR (gate) round robin, real servers set up by the agent" "rs1=10 rs2=10 rs3=10" "$(count_hits 30)"
dir_mac=$(nsx dir0 cat /sys/class/net/d0/address)
expect_eq "the client's neighbour entry for the VIP is the director's MAC" "$dir_mac" \
  "$(nsx client ip neigh show $VIP dev c0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)"
# Ask for the VIP on the real servers' own segment (the client's leg there): only the director's leg there (d1,
# which holds no VIP but answers for its own addresses on any interface) may answer, no real server.
nsx client ip route add $VIP/32 dev c1
nsx client bash -c "echo probe > /dev/udp/$VIP/9" 2>/dev/null
for _ in $(seq 1 100); do nsx client ip neigh show $VIP dev c1 | grep -qE 'FAILED|lladdr' && break; sleep 0.1; done
expect_eq "on the real servers' segment the VIP resolves to the director, no real server" \
  "$(nsx dir0 cat /sys/class/net/d1/address)" \
  "$(nsx client ip neigh show $VIP dev c1 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2)"
nsx client ip route del $VIP/32 dev c1
for i in 1 2 3; do rs_agent $i --remove > $work/rs$i-dr-remove.log 2>&1 || cat $work/rs$i-dr-remove.log; done
expect_eq "removal leaves each real server as it was" "$initial" "$(before)"
expect_eq "without the real servers' side DR fails (the VIP is not theirs)" "error=2" "$(count_hits 2)"

# LVS-TUN, ipip.
if [ $have_ipip -eq 0 ] && nsx rs1 ip link show tunl0 >/dev/null 2>&1; then
  initial=$(before)
  rs_plan ipip
  agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/tun.log 2>&1
  for i in 1 2 3; do rs_agent $i --plan $work/plan.yaml --node rs$i --once > $work/rs$i-tun.log 2>&1 \
    || cat $work/rs$i-tun.log; done
  expect_eq "rs1's agent set tunl0 up with a loose reverse-path filter" "UP 2" \
    "$(nsx rs1 ip -o link show tunl0 | grep -o '[,<]UP[,>]' | tr -d '<>,') $(nsx rs1 sysctl -n net.ipv4.conf.tunl0.rp_filter)"
  expect_eq "TUN (ipip) round robin, real servers set up by the agent" "rs1=10 rs2=10 rs3=10" "$(count_hits 30)"
  for i in 1 2 3; do rs_agent $i --remove > $work/rs$i-tun-remove.log 2>&1 || cat $work/rs$i-tun-remove.log; done
  expect_eq "removal leaves each real server as it was (tunl0 down again)" "$initial" "$(before)"

  if [ $have_fou -eq 0 ]; then
    initial=$(before)
    rs_plan ipip "{type: gue, port: 6080}"
    agent standalone --plan $work/plan.yaml --once --state-dir $work/state > $work/gue.log 2>&1
    for i in 1 2 3; do rs_agent $i --plan $work/plan.yaml --node rs$i --once > $work/rs$i-gue.log 2>&1 \
      || cat $work/rs$i-gue.log; done
    expect_eq "rs1's agent opened the gue port" "1" "$(nsx rs1 ip fou show | grep -c 'port 6080 gue')"
    expect_eq "TUN (gue) round robin, real servers set up by the agent" "rs1=10 rs2=10 rs3=10" "$(count_hits 30)"
    for i in 1 2 3; do rs_agent $i --remove > $work/rs$i-gue-remove.log 2>&1 || cat $work/rs$i-gue-remove.log; done
    expect_eq "removal closes the gue port" "0" "$(nsx rs1 ip fou show | grep -c 'port 6080')"
    expect_eq "removal leaves each real server as it was" "$initial" "$(before)"
  else
    echo "SKIP TUN (gue): the guest kernel has no fou module (modprobe fou failed)"
  fi
else
  echo "SKIP TUN (ipip): the guest kernel has no ipip module (modprobe ipip failed)"
fi

echo "real-server-agent suite: $((SECONDS - suite_start)) s"
finish
