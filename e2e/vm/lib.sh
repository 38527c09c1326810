# Helpers for guest suites (source it): a client, one or two directors and real servers in network
# namespaces inside the VM, small HTTP servers that answer with their name, and PASS/FAIL bookkeeping.
#
#   client  198.51.100.2/24 ── dir0 198.51.100.1 (VIP 198.51.100.10 lives here)
#   dir0 10.0.1.254/24 ── bridge br-rs ── rs1..rsN 10.0.1.11.. (default route via 10.0.1.254)
passed=0
failed=0
VIP=198.51.100.10
vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
expect_eq() { # name expected actual
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# topology N: client, dir0 and N real servers
topology() {
  set -e
  local n=$1
  modprobe ip_vs
  ip link set lo up
  for ns in client dir0; do ip netns add $ns; nsx $ns ip link set lo up; done
  ip link add c0 type veth peer name d0
  ip link set c0 netns client; ip link set d0 netns dir0
  nsx client ip addr add 198.51.100.2/24 dev c0; nsx client ip link set c0 up
  nsx client ip route add default via 198.51.100.1
  nsx dir0 ip addr add 198.51.100.1/24 dev d0; nsx dir0 ip link set d0 up
  ip link add br-rs type bridge; ip link set br-rs up
  ip link add d1 type veth peer name d1-br
  ip link set d1 netns dir0; ip link set d1-br master br-rs up
  nsx dir0 ip addr add 10.0.1.254/24 dev d1; nsx dir0 ip link set d1 up
  nsx dir0 sysctl -qw net.ipv4.ip_forward=1
  for i in $(seq 1 "$n"); do
    ip netns add rs$i; nsx rs$i ip link set lo up
    ip link add r$i type veth peer name r$i-br
    ip link set r$i netns rs$i; ip link set r$i-br master br-rs up
    nsx rs$i ip addr add 10.0.1.1$i/24 dev r$i; nsx rs$i ip link set r$i up
    nsx rs$i ip route add default via 10.0.1.254
    mkdir -p /tmp/www/rs$i; echo "rs$i" > /tmp/www/rs$i/index.html
    nsx rs$i python3 -m http.server 80 --bind 0.0.0.0 --directory /tmp/www/rs$i >/dev/null 2>&1 &
  done
  for i in $(seq 1 "$n"); do wait_port rs$i 10.0.1.1$i 80; done
  set +e
}

wait_port() { # ns addr port
  for _ in $(seq 1 100); do
    nsx "$1" python3 -c "import socket,sys; socket.create_connection(('$2',$3),1)" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server $2:$3 in $1 did not come up"; return 1
}

# DR real servers: the VIP on lo, no ARP answers for it.
dr_real_servers() {
  local n=$1
  for i in $(seq 1 "$n"); do
    nsx rs$i ip addr add $VIP/32 dev lo || echo "dr_real_servers: rs$i: the VIP on lo failed"
    nsx rs$i sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
      net.ipv4.conf.r$i.arp_ignore=1 net.ipv4.conf.r$i.arp_announce=2 || echo "dr_real_servers: rs$i: sysctls failed"
  done
}

# DR replies leave the real servers from the VIP straight to the client, as through a router in production:
# the client gets a leg on the real-server network, and the real servers a route to it over that leg.
dr_return_path() {
  local n=$1
  ip link add c1 type veth peer name c1-br
  ip link set c1 netns client; ip link set c1-br master br-rs up
  nsx client ip addr add 10.0.1.100/24 dev c1; nsx client ip link set c1 up
  nsx client sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.c1.rp_filter=0 net.ipv4.conf.c0.rp_filter=0
  for i in $(seq 1 "$n"); do
    nsx rs$i ip route replace 198.51.100.2/32 via 10.0.1.100 || echo "dr_return_path: rs$i: the route failed"
  done
}

# count_hits N [URL]: N requests from the client to the VIP (hits.py); prints "rs1=10 rs2=10 ..." sorted. What it
# checks is where requests go, not how fast: 30 s each, as the guest's one emulated CPU shares the host with the
# tiers beside it (5 s failed two of 30 answers from python's http.server in one run, each request counted in
# IPVS). Each request's answer and client port (a failed one's too) go to /tmp/hits.last (and all of them to
# /tmp/hits.all), for expect_hits.
count_hits() {
  local n=$1 url=${2:-http://$VIP/}
  nsx client python3 "$vm_dir/hits.py" "$url" "$n" 30 > /tmp/hits.last
  sed "s|^|$(date +%T) $url |" /tmp/hits.last >> /tmp/hits.all
  awk '{print $1}' /tmp/hits.last | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}' | sed 's/ $//'
}

# expect_hits NAME EXPECTED N [URL]: count_hits compared; when it differs, each request's answer in order with its
# client port (a scheduler's order broken, or a port that met an old connection), the earlier requests from the
# same ports, the director's connection table (where an unanswered SYN went) and path_state.
expect_hits() {
  local got; got=$(count_hits "$3" "${4:-}")
  expect_eq "$1" "$2" "$got"
  if [ "$2" != "$got" ]; then
    echo "  the answers in order (answer, client port): $(paste -sd' ' /tmp/hits.last)"
    awk '$2 != 0 {print $2}' /tmp/hits.last | while read -r port; do
      grep " $port\$" /tmp/hits.all | head -n -1 | sed 's/^/  the same port earlier: /'
    done
    nsx dir0 ipvsadm -Lnc 2>&1 | head -80 | sed 's/^/  /'
    path_state
  fi
}

# path_state: where a request can be lost on its way, per namespace: packets in and out, SYNs taken, resets,
# retransmitted SYN-ACKs, addresses refused, no route; the addresses on lo, routes and neighbours. A real server
# that never answers shows here whether its SYNs arrived (IpInReceives, TcpPassiveOpens) and where its replies went.
path_state() {
  local ns
  for ns in client dir0 $(ip netns list | awk '/^rs[0-9]/ {print $1}' | sort); do
    echo "  $ns: $(nsx "$ns" nstat -asz IpInReceives IpInAddrErrors IpOutNoRoutes IpExtInNoRoutes TcpPassiveOpens \
      TcpActiveOpens TcpAttemptFails TcpOutRsts TcpExtTCPSynRetrans TcpExtListenDrops 2>&1 | awk 'NR > 1 {printf "%s=%s ", $1, $2}')"
    echo "    lo: $(nsx "$ns" ip -4 -o addr show dev lo | awk '{print $4}' | paste -sd' ')"
    nsx "$ns" ip -4 route | sed 's/^/    route: /'
    nsx "$ns" ip -4 neigh | sed 's/^/    neigh: /'
  done
}

# The agent suites: need_agent REPO sets $jar (HALVS_AGENT_JAR, run-all.sh's copy, or the build's; or ends the
# suite) and agent_jvm, the JVM's flags; agent ARGS runs the agent in dir0. C1 only: under TCG emulation C2
# compiles cost more than they save in runs this short. With HALVS_AGENT_JSA (run-all.sh's train-cds.sh) the
# class-data archive is mapped from the guest's tmpfs (from the 9p share it saved little).
need_agent() {
  jar=${HALVS_AGENT_JAR:-$1/director-agent/target/halvs-agent.jar}
  [ -f "$jar" ] || { echo "build the agent first: ./mvnw -pl director-agent -am package"; exit 1; }
  agent_jvm=(-XX:TieredStopAtLevel=1 -Xshare:auto)
  if [ -s "${HALVS_AGENT_JSA:-}" ] && cp "$HALVS_AGENT_JSA" /tmp/agent.jsa; then
    agent_jvm+=(-XX:SharedArchiveFile=/tmp/agent.jsa)
  fi
}
agent() { nsx dir0 java "${agent_jvm[@]}" -jar "$jar" "$@"; }

# plan SCHEDULER METHOD W1 W2 W3 [PERSISTENCE]: writes $work/plan.yaml, one virtual service $VIP:80 over rs1..rs3
plan() {
  cat > $work/plan.yaml <<YAML
apiVersion: halvs.io/v1alpha1
kind: DirectorPair
metadata: {name: vm}
spec:
  nodes: [dir0, dir1]
  vipInterface: d0
  syncDaemon: {enabled: false}
---
apiVersion: halvs.io/v1alpha1
kind: VirtualService
metadata: {name: web}
spec:
  directorPair: vm
  vip: $VIP
  port: 80
  scheduler: $1
  forwarding: {method: $2}
  realServerSelector: {matchLabels: {app: web}}
$( [ -n "${6:-}" ] && echo "  persistence: {timeoutSeconds: $6}" )
YAML
  local i=1
  for w in "$3" "$4" "$5"; do
    printf -- '---\napiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata: {name: rs%s, labels: {app: web}}\nspec: {address: 10.0.1.1%s, weight: %s}\n' $i $i $w >> $work/plan.yaml
    i=$((i + 1))
  done
}
