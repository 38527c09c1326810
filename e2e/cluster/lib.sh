# The cluster tier's topology and the helpers up.sh, down.sh and the checks share. Source it with DIR set (the
# cluster's directory, /tmp/halvs-cluster.*): every name below derives from DIR/id, so two clusters (or a stale
# one from a killed run) never collide.
#
# One bridge (br0) in its own network namespace "hub" joins, each by a veth named eth0 on its side:
#   cp         10.77.0.2    etcd, kube-apiserver (:6443), kube-controller-manager, kube-scheduler
#   lvs-01     10.77.0.11   node (containerd, kubelet, kube-proxy): the director pair's first node
#   lvs-02     10.77.0.12   node: the pair's second
#   worker-01  10.77.0.21   node: where the operator runs
#   worker-02  10.77.0.22   node: the operator's second replica
#   rs         10.77.0.31-33  the real servers (one HTTP server on all three addresses)
#   client     10.77.0.100  probes the VIP 10.77.0.200
# Pods: 10.78.N.0/24 on node N (bridge CNI + host-local), routed between the nodes and from cp over br0.

id=$(cat "$DIR/id")
ns_prefix=hc$id-
nodes=(lvs-01 lvs-02 worker-01 worker-02)
declare -A node_ip=([lvs-01]=10.77.0.11 [lvs-02]=10.77.0.12 [worker-01]=10.77.0.21 [worker-02]=10.77.0.22)
declare -A pod_cidr=([lvs-01]=10.78.1.0/24 [lvs-02]=10.78.2.0/24 [worker-01]=10.78.3.0/24 [worker-02]=10.78.4.0/24)
# The director nodes are dedicated, as a platform team would set them up: tainted, so only what tolerates it
# (the agents' DaemonSet tolerates every NoSchedule taint) runs there.
director_taint=halvs.io/director=true:NoSchedule
cp_ip=10.77.0.2
client_ip=10.77.0.100
rs_ips=(10.77.0.31 10.77.0.32 10.77.0.33)
vip=10.77.0.200
cluster_cidr=10.78.0.0/16
service_cidr=10.96.0.0/16
# The kubelets' cgroups (cgroupfs driver, cgroup v1): one subtree per cluster, one cgroupRoot per node below it,
# so neither kubelet touches the host's root cgroup nor another's.
cgroup_base=/halvs-cluster/$id
# Global (not per network namespace) sysctls the kubelet sets at start (setupKernelTunables). Each node's mount
# namespace gets a writable file bind-mounted over each, so the machine's values never change.
kubelet_global_sysctls=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes)

ns() { echo "$ns_prefix$1"; }  # network namespace of cp, hub, client, rs or a node
in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
node_dir() { echo "$DIR/nodes/$1"; }
sock() { echo "$(node_dir "$1")/containerd.sock"; }
ctr_in() { local n=$1; shift; ctr -n k8s.io -a "$(sock "$n")" "$@"; }

# Processes of a node: everything in its network namespace (kubelet, containerd, its shims, kube-proxy,
# host-network containers) and everything in its cgroups (the other containers, in pod namespaces).
node_pids() {
  local n=$1 d
  ip netns pids "$(ns "$n")" 2>/dev/null
  for d in /sys/fs/cgroup/*/"$cgroup_base/$n"; do
    [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
}
# Stops a node as a power cut would: kill -9 of all its processes, repeated until none is left (a shim may fork
# while it dies).
kill_node() {
  local n=$1 pids
  for _ in $(seq 1 50); do
    pids=$(node_pids "$n" | sort -u)
    [ -z "$pids" ] && return 0
    kill -9 $pids 2>/dev/null
    sleep 0.1
  done
  echo "kill_node $n: processes left: $(node_pids "$n" | sort -u | tr '\n' ' ')" >&2
  return 1
}
host_sysctls() { local s; for s in "${kubelet_global_sysctls[@]}"; do echo "$s=$(cat "/proc/sys/$s")"; done; }
