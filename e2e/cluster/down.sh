#!/usr/bin/env bash
# Stops the cluster up.sh started in DIR and removes all of it: every process (control plane, each node's
# kubelet, containerd, shims and containers), the network namespaces, the cgroups and DIR. Safe to run twice and
# on a half-started cluster. Prints whether the kubelet's global sysctls kept the machine's values.
# Usage: down.sh DIR
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=$(realpath -m "$1")
[ -f "$DIR/id" ] || { rm -rf "$DIR"; exit 0; }
source "$here/lib.sh"

for n in "${nodes[@]}"; do kill_node "$n"; done
for f in "$DIR"/*.pid "$DIR"/nodes/*/*.pid; do
  [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
done
for name in cp hub rs client "${nodes[@]}"; do
  pids=$(ip netns pids "$(ns "$name")" 2>/dev/null)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
done
sleep 0.2
for name in cp hub rs client "${nodes[@]}"; do ip netns del "$(ns "$name")" 2>/dev/null; done
# Cgroups, deepest first (a cgroup is removed with rmdir once empty).
for h in /sys/fs/cgroup/*/; do
  [ -d "$h$cgroup_base" ] || continue
  find "$h$cgroup_base" -depth -type d -exec rmdir {} + 2>/dev/null
  rmdir "$h/halvs-cluster" 2>/dev/null
done
if [ -f "$DIR/host-sysctls.before" ]; then
  if [ "$(host_sysctls)" = "$(cat "$DIR/host-sysctls.before")" ]; then
    echo "down.sh: the machine's sysctls are unchanged ($(host_sysctls | tr '\n' ' '))"
  else
    echo "down.sh: THE MACHINE'S SYSCTLS CHANGED: before $(tr '\n' ' ' < "$DIR/host-sysctls.before"), now $(host_sysctls | tr '\n' ' ')" >&2
  fi
fi
# Mounts made by the nodes live in their mount namespaces, gone with their processes; DIR is plain files now.
rm -rf "$DIR" 2>/dev/null || { sleep 1; rm -rf "$DIR"; }
