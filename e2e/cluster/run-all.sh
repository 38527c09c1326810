#!/usr/bin/env bash
# The cluster tier: halvs' deployed form on a real multi-node Kubernetes cluster on this machine (up.sh: control
# plane, three nodes with containerd, kubelet and kube-proxy in network + mount namespaces), checked with the
# user's commands (checks.sh). Builds what it needs (Kubernetes from source, cached; halvs' two images), cleans up
# everything on exit. Needs root. Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${HALVS_REPO:-$(cd "$here/../.." && pwd)}  # HALVS_REPO: run a copy of this directory against a checkout
DIR=$(mktemp -d /tmp/halvs-cluster.XXXXXX)
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }
watch_pid=""
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  [ -n "${web_pid:-}" ] && kill "$web_pid" 2>/dev/null
  if [ -n "${KEEP_CLUSTER:-}" ]; then echo "cluster kept: $DIR (stop it with $here/down.sh $DIR)"; return; fi
  "$here/down.sh" "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
tier_start=$SECONDS

t=$SECONDS
bin=$("$here/build.sh") || { echo "0 passed, 1 failed (build)"; exit 1; }
echo "Kubernetes binaries (cached by go.sum after the first build): $((SECONDS - t)) s"
t=$SECONDS
# The image tier (run before this one by test.sh) builds the same tarballs: rebuilt only when a source is newer.
images_current() {
  local tar
  for tar in operator/target/halvs-operator-image.tar director-agent/target/halvs-director-agent-image.tar; do
    [ -f "$repo/$tar" ] || return 1
    [ -z "$(cd "$repo" && find pom.xml crds plan operator director-agent deploy/image -newer "$tar" -type f \
      -not -path '*/target/*' -print -quit)" ] || return 1
  done
}
if images_current; then echo "halvs images: current"
else
  (cd "$repo" && ./mvnw -B -q -Pimage -pl operator,director-agent -am package -Dmaven.test.skip=true) > "$DIR/images.log" 2>&1 \
    || { tail -30 "$DIR/images.log"; echo "0 passed, 1 failed (images)"; exit 1; }
  echo "halvs images built: $((SECONDS - t)) s"
fi
t=$SECONDS
HALVS_CLUSTER_OWNER=$$ "$here/up.sh" "$DIR" "$bin" || { echo "0 passed, 1 failed (cluster)"; exit 1; }
echo "cluster up: $((SECONDS - t)) s"
source "$here/lib.sh"
export PATH=$DIR/bin:$PATH
sysctls_before=$(cat "$DIR/host-sysctls.before")
check "the kubelets left the machine's global sysctls as they were" \
  test "$(host_sysctls)" = "$(cat "$DIR/host-sysctls.before")"

# The real servers: one HTTP server on the three addresses of namespace rs.
mkdir -p "$DIR/www" && echo ok > "$DIR/www/index.html"
(cd "$DIR/www" && exec ip netns exec "$(ns rs)" python3 -m http.server 80 --bind 0.0.0.0 > "$DIR/web.log" 2>&1) &
web_pid=$!

# The hooks checks.sh uses (see its header).
directors=(lvs-01 lvs-02)
pair_manifest=$here/pair.yaml
: > "$DIR/stopped"
node_sh() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
# A stopped node holds nothing, whatever its dead interface still carries.
holders() {
  local n
  for n in "${directors[@]}"; do
    grep -qx "$n" "$DIR/stopped" && continue
    ip -n "$(ns "$n")" -o -4 addr show dev eth0 | grep -q " $vip/32 " && echo "$n"
  done
}
# A TCP connection attempt resolves the VIP's address (answered with a reset: the directors' in-memory IPVS
# forwards nothing, their kernel answers for the address they hold).
client_neigh_mac() {
  ip netns exec "$(ns client)" timeout 2 bash -c "exec 3<>/dev/tcp/$vip/80" 2>/dev/null
  ip -n "$(ns client)" neigh show "$vip" | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2
}
node_mac() { ip -n "$(ns "$1")" link show eth0 | awk '/link\/ether/ {print $2}'; }
rs_down() { ip -n "$(ns rs)" addr del "$1/24" dev eth0; }
rs_up() { ip -n "$(ns rs)" addr add "$1/24" dev eth0; }
rs_requests() { grep -c 'GET / ' "$DIR/web.log"; }
netns_ref() { ns "$1"; }
watch_dir=$DIR
# A power cut: the link goes first (a killed node's kernel would still answer for its addresses), then every
# process of the node.
stop_node() {
  ip -n "$(ns "$1")" link set eth0 down
  echo "$1" >> "$DIR/stopped"
  kill_node "$1"
}
fake_ipvs() { true; }  # this kernel has no IPVS
reset_ip_forward=1

checks_start=$SECONDS
source "$here/checks.sh"
echo "checks: $((SECONDS - checks_start)) s"
if [ $failed -gt 0 ]; then
  echo "--- on failure: pods, events and the last agent/operator lines"
  kubectl get pods -A -o wide; kubectl get events -A --sort-by=.lastTimestamp | tail -20
  for n in "${nodes[@]}"; do echo "--- kubelet $n"; grep -E '^E' "$(node_dir "$n")/kubelet.log" | tail -5; done
  # from the nodes' own log files: a stopped node's kubelet cannot serve kubectl logs
  for f in "$DIR"/nodes/*/var-log/pods/halvs-system_*/*/*.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -15 "$f"; }
  done
fi
trap - EXIT
cleanup
[ -n "${KEEP_CLUSTER:-}" ] || check "after down.sh the machine's global sysctls are as before" test "$(host_sysctls)" = "$sysctls_before"
echo "cluster tier: $((SECONDS - tier_start)) s"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
