#!/usr/bin/env bash
# One node of the cluster tier, run by up.sh inside the node's network namespace and a mount namespace of its
# own (nsenter --net, unshare --mount): per-node /run, /var/lib and /var/log, the kubelet's global sysctls masked,
# then containerd, the kubelet and kube-proxy. Usage: node.sh DIR NODE BIN_DIR
set -euo pipefail
DIR=$1; node=$2; bin=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
nd=$(node_dir "$node")

# What the kubelet and containerd write under /run, /var/lib and /var/log stays in this node's directories (the
# kubelet has fixed paths such as /var/lib/kubelet/device-plugins; host-local IPAM keeps its leases in
# /var/lib/cni; the agent's hostPath /var/lib/halvs).
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p "$nd/var-lib" "$nd/var-log" "$nd/sysctl"
mount --bind "$nd/var-lib" /var/lib
mount --bind "$nd/var-log" /var/log
for s in "${kubelet_global_sysctls[@]}"; do
  f=$nd/sysctl/${s//\//.}
  cat "/proc/sys/$s" > "$f"
  mount --bind "$f" "/proc/sys/$s"
done

containerd --config "$nd/containerd.toml" > "$nd/containerd.log" 2>&1 &
echo $! > "$nd/containerd.pid"
for _ in $(seq 1 100); do ctr -a "$(sock "$node")" version >/dev/null 2>&1 && break; sleep 0.1; done

"$bin/kubelet" --config "$nd/kubelet.yaml" --kubeconfig "$nd/kubelet.kubeconfig" --hostname-override "$node" \
  --node-ip "${node_ip[$node]}" --node-labels "$(cat "$nd/labels")" $(cat "$nd/flags") > "$nd/kubelet.log" 2>&1 &
echo $! > "$nd/kubelet.pid"
"$bin/kube-proxy" --config "$nd/kube-proxy.yaml" > "$nd/kube-proxy.log" 2>&1 &
echo $! > "$nd/kube-proxy.pid"
echo "node $node: started"
# The mount namespace lives as long as one of them: wait for all.
wait
