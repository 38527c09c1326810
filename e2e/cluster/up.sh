#!/usr/bin/env bash
# Starts the cluster tier's Kubernetes cluster (topology: lib.sh) in DIR: network namespaces joined by a bridge,
# a control plane in one of them, three nodes each with containerd, kubelet and kube-proxy, the pause image and
# halvs' two images imported into the nodes, and DIR/bin/kubectl, a kubectl that talks to it (run inside the
# control plane's namespace: no test address in the machine's own). Clusters left by a killed run are removed
# first. Usage: up.sh DIR [BIN_DIR]    Stop it with down.sh DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=${HALVS_REPO:-$(cd "$here/../.." && pwd)}
DIR=$(realpath -m "$1"); bin=${2:-$("$here/build.sh")}
start=$SECONDS

# A cluster whose owner is gone (a killed run) is stopped before this one starts.
for stale in /tmp/halvs-cluster.*; do
  [ -f "$stale/owner" ] && [ "$stale" != "$DIR" ] || continue
  kill -0 "$(cat "$stale/owner")" 2>/dev/null || { echo "up.sh: removing stale cluster $stale"; "$here/down.sh" "$stale"; }
done

# The nodes' cgroups are laid out for cgroup v1 (this machine: hybrid); a unified-only host needs another layout.
[ -f /sys/fs/cgroup/cgroup.controllers ] && {
  echo "up.sh: this host has cgroup v2 only (unified); the cluster tier lays out its kubelets' cgroups for v1 (hybrid)" >&2
  exit 1
}
mkdir -p "$DIR/bin" "$DIR/nodes"
[ -f "$DIR/id" ] || printf '%x\n' $(( $$ % 4096 * 4096 + RANDOM % 4096 )) > "$DIR/id"
echo "${HALVS_CLUSTER_OWNER:-$PPID}" > "$DIR/owner"
source "$here/lib.sh"
host_sysctls > "$DIR/host-sysctls.before"
operator_image=$repo/operator/target/halvs-operator-image.tar
agent_image=$repo/director-agent/target/halvs-director-agent-image.tar
for img in "$operator_image" "$agent_image"; do
  [ -n "${HALVS_CLUSTER_NO_IMAGES:-}" ] || [ -f "$img" ] || { echo "up.sh: $img missing: ./mvnw -B -Pimage -pl operator,director-agent -am package -DskipTests" >&2; exit 1; }
done

# Network: the hub's bridge and one veth per namespace.
ip netns add "$(ns hub)"; ip -n "$(ns hub)" link set lo up
ip -n "$(ns hub)" link add br0 type bridge; ip -n "$(ns hub)" link set br0 up
attach() { # name address...
  local n=$1 a; shift
  ip netns add "$(ns "$n")"
  ip -n "$(ns "$n")" link set lo up
  ip -n "$(ns hub)" link add "v-$n" type veth peer name eth0 netns "$(ns "$n")"
  ip -n "$(ns hub)" link set "v-$n" master br0 up
  for a in "$@"; do ip -n "$(ns "$n")" addr add "$a/24" dev eth0; done
  ip -n "$(ns "$n")" link set eth0 up
}
attach cp "$cp_ip"
for n in "${nodes[@]}"; do attach "$n" "${node_ip[$n]}"; done
attach rs "${rs_ips[@]}"
attach client "$client_ip"
for n in "${nodes[@]}"; do
  # A route for Service ClusterIPs (kube-proxy's DNAT runs after the route lookup), as a default route gives.
  ip -n "$(ns "$n")" route add default dev eth0
  ip -n "$(ns cp)" route add "${pod_cidr[$n]}" via "${node_ip[$n]}"
  for m in "${nodes[@]}"; do
    [ "$m" = "$n" ] || ip -n "$(ns "$n")" route add "${pod_cidr[$m]}" via "${node_ip[$m]}"
  done
done
# The workers route their pods' traffic; the directors start with ip_forward=0, as a fresh node does: the agent
# turns it on (checked by the tier).
for n in "${nodes[@]}"; do [[ $n = lvs-* ]] || in_ns "$n" sysctl -qw net.ipv4.ip_forward=1; done

# Control plane: certificates, static tokens, kubeconfigs.
pki=$DIR/pki; mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=halvs-cluster-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
printf 'subjectAltName=IP:%s,IP:10.96.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n' \
  "$cp_ip" > "$pki/san.ext"
openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
  -extfile "$pki/san.ext" -out "$pki/apiserver.crt" 2>/dev/null
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
token() { head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9'; }
: > "$pki/tokens.csv"
kubeconfig() { # file user groups
  local t; t=$(token)
  echo "$t,$2,$2,\"$3\"" >> "$pki/tokens.csv"
  kubectl config --kubeconfig "$1" set-cluster halvs --server "https://$cp_ip:6443" \
    --certificate-authority "$pki/ca.crt" --embed-certs=true >/dev/null
  kubectl config --kubeconfig "$1" set-credentials user --token "$t" >/dev/null
  kubectl config --kubeconfig "$1" set-context default --cluster halvs --user user >/dev/null
  kubectl config --kubeconfig "$1" use-context default >/dev/null
}
kubeconfig "$DIR/admin.kubeconfig" admin system:masters
kubeconfig "$DIR/controller-manager.kubeconfig" system:kube-controller-manager system:masters
kubeconfig "$DIR/scheduler.kubeconfig" system:kube-scheduler system:authenticated
kubeconfig "$DIR/kube-proxy.kubeconfig" system:kube-proxy system:authenticated
for n in "${nodes[@]}"; do
  mkdir -p "$(node_dir "$n")"
  kubeconfig "$(node_dir "$n")/kubelet.kubeconfig" "system:node:$n" system:nodes
done
cat > "$DIR/bin/kubectl" <<EOF
#!/bin/sh
# kubectl for the cluster tier's cluster, run in the control plane's network namespace. The kubeconfig by
# KUBECONFIG, not a flag: kubectl refuses flags before a plugin's name, and \`kubectl halvs\` reads it as kubectl does.
export KUBECONFIG=$DIR/admin.kubeconfig
exec ip netns exec $(ns cp) $(command -v kubectl) "\$@"
EOF
chmod +x "$DIR/bin/kubectl"

daemon() { # name command...: in its own session, its pid in DIR/name.pid
  local name=$1; shift
  setsid "$@" > "$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$name.pid"
}
daemon etcd ip netns exec "$(ns cp)" "$bin/etcd" --name default --data-dir "$DIR/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster default=http://127.0.0.1:2380 --log-level warn
daemon kube-apiserver ip netns exec "$(ns cp)" "$bin/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
  --bind-address 0.0.0.0 --advertise-address "$cp_ip" --secure-port 6443 --cert-dir "$DIR/apiserver-certs" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$pki/sa.pub" \
  --service-account-signing-key-file "$pki/sa.key" --service-cluster-ip-range "$service_cidr" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --token-auth-file "$pki/tokens.csv" \
  --allow-privileged=true --kubelet-preferred-address-types InternalIP --enable-priority-and-fairness=false \
  --profiling=false
k() { "$DIR/bin/kubectl" "$@"; }
for _ in $(seq 1 240); do k get --raw /readyz >/dev/null 2>&1 && break; sleep 0.25; done
k get --raw /readyz >/dev/null || { echo "up.sh: kube-apiserver not ready" >&2; tail -20 "$DIR/kube-apiserver.log" >&2; exit 1; }
echo "up.sh: API server ready after $((SECONDS - start)) s"
daemon kube-controller-manager ip netns exec "$(ns cp)" "$bin/kube-controller-manager" \
  --kubeconfig "$DIR/controller-manager.kubeconfig" --leader-elect=false \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --use-service-account-credentials=false --cluster-cidr "$cluster_cidr" --allocate-node-cidrs=false \
  --bind-address 127.0.0.1 --profiling=false
daemon kube-scheduler ip netns exec "$(ns cp)" "$bin/kube-scheduler" --kubeconfig "$DIR/scheduler.kubeconfig" \
  --leader-elect=false --bind-address 127.0.0.1 --profiling=false

# Nodes.
for n in "${nodes[@]}"; do
  nd=$(node_dir "$n")
  # cgroupRoot must exist in every hierarchy (cpuset ones with cpus and mems set).
  for h in /sys/fs/cgroup/*/; do
    [ -f "$h/cgroup.procs" ] || continue
    mkdir -p "$h$cgroup_base/$n"
    if [ -f "$h/cpuset.cpus" ]; then
      p=$h; for part in halvs-cluster "$id" "$n"; do
        p=$p/$part
        cat "$h/cpuset.cpus" > "$p/cpuset.cpus"; cat "$h/cpuset.mems" > "$p/cpuset.mems"
      done
    fi
  done
  mkdir -p "$nd/cni"
  cat > "$nd/cni/10-halvs.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "halvs", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "${pod_cidr[$n]}"}]], "routes": [{"dst": "0.0.0.0/0"}]}}]}
EOF
  cat > "$nd/containerd.toml" <<EOF
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$(sock "$n")"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "halvs.local/pause:1"
  # This machine gives root no CAP_SYS_RESOURCE: an oom_score_adj below containerd's own cannot be set.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$nd/cni"
EOF
  cat > "$nd/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${node_ip[$n]}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$(sock "$n")
cgroupDriver: cgroupfs
cgroupRoot: $cgroup_base/$n
failCgroupV1: false
failSwapOn: false
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
# The imported images are all there is (no registry): never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
serializeImagePulls: false
shutdownGracePeriod: 0s
maxPods: 30
EOF
  cat > "$nd/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
hostnameOverride: $n
mode: iptables
clusterCIDR: $cluster_cidr
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# conntrack's table size and timeouts are global or shared: leave them as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s}
iptables: {localhostNodePorts: false}
EOF
  case $n in
    lvs-*) echo "halvs.io/role=director" > "$nd/labels"; echo "--register-with-taints=$director_taint" > "$nd/flags" ;;
    *) echo "halvs.io/role=worker" > "$nd/labels"; : > "$nd/flags" ;;
  esac
  setsid nsenter --net="/run/netns/$(ns "$n")" -- unshare --mount --propagation slave -- \
    "$here/node.sh" "$DIR" "$n" "$bin" > "$nd/node.log" 2>&1 < /dev/null &
  echo $! > "$nd/node.pid"
done

# Images: the pause image everywhere, each halvs image where it runs, and a second agent tag for the upgrade check.
images() { # node tarball...
  local n=$1 t; shift
  for _ in $(seq 1 100); do ctr_in "$n" version >/dev/null 2>&1 && break; sleep 0.1; done
  for t in "$@"; do ctr_in "$n" images import "$t" >/dev/null || return 1; done
}
t_img=$SECONDS
pids=()
for n in "${nodes[@]}"; do
  case $n in
    lvs-*) halvs_image=$agent_image ;;
    *) halvs_image=$operator_image ;;
  esac
  [ -z "${HALVS_CLUSTER_NO_IMAGES:-}" ] || halvs_image=
  images "$n" "$bin/pause.tar" $halvs_image &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || { echo "up.sh: image import failed" >&2; exit 1; }; done
[ -n "${HALVS_CLUSTER_NO_IMAGES:-}" ] || for n in lvs-01 lvs-02; do
  ctr_in "$n" images tag ghcr.io/halvs/director-agent:0.1.0 ghcr.io/halvs/director-agent:0.1.0-upgrade >/dev/null
done
echo "up.sh: images imported in $((SECONDS - t_img)) s"

for _ in $(seq 1 240); do
  [ "$(k get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = ${#nodes[@]} ] && break
  sleep 0.5
done
k get nodes -o wide
[ "$(k get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = ${#nodes[@]} ] || {
  echo "up.sh: not all nodes Ready" >&2
  for n in "${nodes[@]}"; do echo "--- $n" >&2; tail -5 "$(node_dir "$n")/kubelet.log" >&2; done
  exit 1
}
echo "up.sh: cluster up in $((SECONDS - start)) s (DIR=$DIR; kubectl: $DIR/bin/kubectl)"
