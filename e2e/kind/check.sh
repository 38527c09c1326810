#!/usr/bin/env bash
# The cluster tier's checks (e2e/cluster/checks.sh) on kind, for a machine with Docker and kind: the same
# install, placement, VIP, rollout, upgrade and node-stop checks, with real IPVS (load it first: sudo modprobe
# ip_vs ip_vs_wlc). A five-node kind cluster "halvs-check" (control plane, two director workers tainted
# halvs.io/director, two workers for the operator), three real servers and a client as containers on kind's
# network. Needs root (nsenter into the containers' network namespaces). Prints "N passed, N failed".
# Not run in halvs' CI (no Docker there): e2e/cluster/run-all.sh runs the same checks on a cluster it builds.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/e2e/kind
cluster=halvs-check
for tool in kind kubectl docker jq python3 nsenter; do command -v $tool >/dev/null || { echo "needs $tool"; exit 1; }; done
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }
work=$(mktemp -d /tmp/halvs-kind.XXXXXX)
watch_pid=""
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
  docker rm -f $cluster-rs-1 $cluster-rs-2 $cluster-rs-3 $cluster-client >/dev/null 2>&1
  if [ -n "${KEEP_CLUSTER:-}" ]; then echo "cluster kept: kind delete cluster --name $cluster"
  else kind delete cluster --name $cluster >/dev/null 2>&1; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kind get clusters 2>/dev/null | grep -qx $cluster && kind delete cluster --name $cluster
kind create cluster --name $cluster --config "$here/check-cluster.yaml" || { echo "0 passed, 1 failed (kind)"; exit 1; }
export KUBECONFIG=$work/kubeconfig
kind get kubeconfig --name $cluster > "$KUBECONFIG"
directors=($cluster-worker $cluster-worker2)
kubectl taint nodes "${directors[@]}" halvs.io/director=true:NoSchedule >/dev/null

(cd "$repo" && ./mvnw -B -q -Pimage -pl operator,director-agent -am package -Dmaven.test.skip=true) > "$work/images.log" 2>&1 \
  || { tail -30 "$work/images.log"; echo "0 passed, 1 failed (images)"; exit 1; }
kind load image-archive "$repo/operator/target/halvs-operator-image.tar" --name $cluster
kind load image-archive "$repo/director-agent/target/halvs-director-agent-image.tar" --name $cluster
docker load -i "$repo/director-agent/target/halvs-director-agent-image.tar" >/dev/null
docker tag ghcr.io/halvs/director-agent:0.1.0 ghcr.io/halvs/director-agent:0.1.0-upgrade
kind load docker-image ghcr.io/halvs/director-agent:0.1.0-upgrade --name $cluster --nodes "$(IFS=,; echo "${directors[*]}")"

# Addresses from the top of kind's IPv4 network (a /16 by default, 172.18.0.0/16).
subnet=$(docker network inspect kind -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' | tr ' ' '\n' | grep -m1 '\.')
base=${subnet%.*.*}
vip=$base.255.200
rs_ips=("$base.255.31" "$base.255.32" "$base.255.33")
for i in 1 2 3; do
  docker run -d --name $cluster-rs-$i --network kind --ip "${rs_ips[$((i - 1))]}" python:3-alpine \
    python -m http.server 80 >/dev/null
done
docker run -d --name $cluster-client --network kind python:3-alpine sleep infinity >/dev/null
pair_manifest=$work/pair.yaml
sed -e "s/lvs-01, lvs-02/${directors[0]}, ${directors[1]}/" -e "s/10\.77\.0\.200/$vip/" \
  -e "s/10\.77\.0\.31/${rs_ips[0]}/" -e "s/10\.77\.0\.32/${rs_ips[1]}/" -e "s/10\.77\.0\.33/${rs_ips[2]}/" \
  -e '/^  agent:/,/^    loadKernelModules/d' "$repo/e2e/cluster/pair.yaml" > "$pair_manifest"

# The hooks checks.sh uses (see its header).
: > "$work/stopped"
pid_of() { docker inspect -f '{{.State.Pid}}' "$1"; }
node_sh() { local n=$1; shift; nsenter -t "$(pid_of "$n")" -n "$@"; }
holders() {
  local n
  for n in "${directors[@]}"; do
    grep -qx "$n" "$work/stopped" && continue
    node_sh "$n" ip -o -4 addr show dev eth0 | grep -q " $vip/32 " && echo "$n"
  done
}
client_neigh_mac() {
  nsenter -t "$(pid_of $cluster-client)" -n timeout 2 bash -c "exec 3<>/dev/tcp/$vip/80" 2>/dev/null
  nsenter -t "$(pid_of $cluster-client)" -n ip neigh show "$vip" | grep -oE 'lladdr [0-9a-f:]+' | cut -d' ' -f2
}
node_mac() { node_sh "$1" ip link show eth0 | awk '/link\/ether/ {print $2}'; }
rs_name() { local i; for i in 0 1 2; do [ "${rs_ips[$i]}" = "$1" ] && echo "$cluster-rs-$((i + 1))"; done; }
rs_down() { docker network disconnect kind "$(rs_name "$1")"; }
rs_up() { docker network connect --ip "$1" kind "$(rs_name "$1")"; }
rs_requests() { local i n=0; for i in 1 2 3; do n=$((n + $(docker logs $cluster-rs-$i 2>&1 | grep -c 'GET / '))); done; echo $n; }
netns_ref() { local c=$1; [ "$c" = client ] && c=$cluster-client; echo "/proc/$(pid_of "$c")/ns/net"; }
watch_dir=$work
# A power cut: the node's container is killed (its network namespace goes with it).
stop_node() { echo "$1" >> "$work/stopped"; docker kill "$1" >/dev/null; }
fake_ipvs() { false; }

source "$repo/e2e/cluster/checks.sh"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
