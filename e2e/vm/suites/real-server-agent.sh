#!/bin/bash
# The real servers' side of DR and TUN set up by the agent in real-server mode, not by hand (compare
# dr_real_servers in lib.sh and the TUN steps of agent-traffic.sh). One plan holds three services over rs1..rs3:
# DR (gate) on $VIP, TUN ipip on $VIP_IPIP and TUN gue on $VIP_GUE (when the guest has fou), so each real server
# needs one `halvs-agent real-server --plan YAML --node rsN --once` (the three run in parallel: a JVM start costs
# 20-60 s under TCG) and one `--remove`. Traffic flows through each VIP, the client's neighbour entries for the
# VIPs are the director's MAC, no real server answers ARP for a VIP on its own segment, and --remove leaves each
# real server as before (lo addresses, arp sysctls, tunl0 and the rp_filter values, fou ports) and the VIPs then fail.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/real-server-agent; mkdir -p $work
need_agent "$repo"
suite_start=$SECONDS
VIP_IPIP=198.51.100.11
VIP_GUE=198.51.100.12
topology 3
dr_return_path 3
modprobe ipip 2>/dev/null; have_ipip=$?
modprobe fou 2>/dev/null; have_fou=$?
[ $have_ipip -eq 0 ] || echo "SKIP TUN (ipip and gue): the guest kernel has no ipip module (modprobe ipip failed)"
[ $have_ipip -ne 0 ] || [ $have_fou -eq 0 ] || echo "SKIP TUN (gue): the guest kernel has no fou module (modprobe fou failed)"
vips="$VIP"
[ $have_ipip -eq 0 ] && vips="$vips $VIP_IPIP"
[ $have_ipip -eq 0 ] && [ $have_fou -eq 0 ] && vips="$vips $VIP_GUE"

service() { # NAME VIP FORWARDING
  printf -- '---\napiVersion: halvs.io/v1alpha1\nkind: VirtualService\nmetadata: {name: %s}\nspec:\n  directorPair: vm\n  vip: %s\n  port: 80\n  scheduler: rr\n  forwarding: %s\n  realServerSelector: {matchLabels: {app: web}}\n' "$@"
}
{
  printf 'apiVersion: halvs.io/v1alpha1\nkind: DirectorPair\nmetadata: {name: vm}\nspec: {nodes: [dir0, dir1], vipInterface: d0, syncDaemon: {enabled: false}}\n'
  service dr $VIP "{method: gate}"
  case "$vips" in *$VIP_IPIP*) service ipip $VIP_IPIP "{method: ipip}";; esac
  case "$vips" in *$VIP_GUE*) service gue $VIP_GUE "{method: ipip, tunnel: {type: gue, port: 6080}}";; esac
  for i in 1 2 3; do
    printf -- '---\napiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata: {name: rs%s, labels: {app: web}}\nspec: {address: 10.0.1.1%s, nodeName: rs%s}\n' $i $i $i
  done
} > $work/plan.yaml

rs_agents() { # LOG ARGS...: the real-server agent in rs1..rs3 at once (N in ARGS is the node's number)
  local log=$1 pids=() i rc=0; shift
  for i in 1 2 3; do
    nsx rs$i java "${agent_jvm[@]}" -jar "$jar" real-server --state-dir $work/rs$i \
      "${@//N/$i}" > $work/rs$i-$log.log 2>&1 &
    pids+=($!)
  done
  for i in 1 2 3; do wait ${pids[$((i - 1))]} || { rc=1; echo "rs$i: real-server $* failed:"; cat $work/rs$i-$log.log; }; done
  return $rc
}
rs_state() { # N: what the real server's side looks like from outside
  echo "$(nsx rs$1 ip -o addr show dev lo | sed 's/^[0-9]*: //; s/ *valid_lft.*//; s/\\$//' | sort | paste -sd' ')" \
    "$(nsx rs$1 sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce | paste -sd' ')" \
    "$(nsx rs$1 ip -o link show tunl0 2>/dev/null | grep -o '<[^>]*>')" \
    "$(nsx rs$1 sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.tunl0.rp_filter 2>/dev/null | paste -sd' ')" \
    "$(nsx rs$1 ip fou show 2>/dev/null | paste -sd' ')"
}
state() { for i in 1 2 3; do rs_state $i; done; }
mac() { nsx client ip neigh show "$1" dev "$2" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
initial=$(state)

agent standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/director.log 2>&1
expect_eq "director programs the services ($vips)" 0 $?
rs_agents apply --plan $work/plan.yaml --node rsN --once
expect_eq "each real server's agent applied its part of the plan" 0 $?
expect_eq "rs1's VIPs on lo with the label lo:halvs" "$(for v in $vips; do echo "$v/32"; done | sort | paste -sd' ')" \
  "$(nsx rs1 ip -o addr show dev lo label lo:halvs | awk '{print $4}' | sort | paste -sd' ')"
expect_eq "rs1's arp_ignore/arp_announce" "1 2" \
  "$(nsx rs1 sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce | paste -sd' ')"
expect_hits "DR (gate) round robin, real servers set up by the agent" "rs1=10 rs2=10 rs3=10" 30
if [ $have_ipip -eq 0 ]; then
  # rp_filter 0 on tunl0 and all: tunl0 has no IPv4 address, and the kernel then drops under any mode, loose too
  expect_eq "rs1's tunl0 up, no reverse-path filter on it" "UP 0 0" \
    "$(nsx rs1 ip -o link show tunl0 | grep -o '[,<]UP[,>]' | tr -d '<>,') $(nsx rs1 sysctl -n net.ipv4.conf.tunl0.rp_filter net.ipv4.conf.all.rp_filter | paste -sd' ')"
  expect_hits "TUN (ipip) round robin, real servers set up by the agent" "rs1=10 rs2=10 rs3=10" \
    30 http://$VIP_IPIP/
fi
if [ $have_ipip -eq 0 ] && [ $have_fou -eq 0 ]; then
  expect_eq "rs1's agent opened the gue port" "1" "$(nsx rs1 ip fou show | grep -c 'port 6080 gue')"
  expect_hits "TUN (gue) round robin, real servers set up by the agent" "rs1=10 rs2=10 rs3=10" \
    30 http://$VIP_GUE/
fi
dir_mac=$(nsx dir0 cat /sys/class/net/d0/address)
expect_eq "the client's neighbour entries for the VIPs are the director's MAC" \
  "$(for v in $vips; do echo $dir_mac; done | paste -sd' ')" "$(for v in $vips; do mac $v c0; done | paste -sd' ')"
# Ask for the VIP on the real servers' own segment (the client's leg there): only the director's leg there (d1,
# which holds no VIP but answers for its own addresses on any interface) may answer, no real server.
nsx client ip route add $VIP/32 dev c1
nsx client bash -c "echo probe > /dev/udp/$VIP/9" 2>/dev/null
for _ in $(seq 1 100); do nsx client ip neigh show $VIP dev c1 | grep -qE 'FAILED|lladdr' && break; sleep 0.1; done
expect_eq "on the real servers' segment the VIP resolves to the director, no real server" \
  "$(nsx dir0 cat /sys/class/net/d1/address)" "$(mac $VIP c1)"
nsx client ip route del $VIP/32 dev c1

rs_agents remove --remove
expect_eq "each real server's agent removed its part" 0 $?
expect_eq "removal leaves each real server as it was" "$initial" "$(state)"
expect_eq "without the real servers' side no VIP answers" "$(for v in $vips; do echo error=1; done | paste -sd' ')" \
  "$(for v in $vips; do echo "$(count_hits 1 http://$v/)"; done | paste -sd' ')"

echo "real-server-agent suite: $((SECONDS - suite_start)) s"
finish
