#!/bin/bash
# Benchmark (prints figures, asserts nothing about time): program SERVICES x DESTINATIONS from empty with the
# agent and with ipvsadm -R of the same table, in the same guest kernel. Usage: bench-programming.sh [SERVICES [DESTS [ORDER]]]
# (ORDER: agent,agentcds,ipvsadm in any order; the default is that one)
# Each side gets a fresh network namespace (IPVS state is per namespace): a flushed table leaves its
# destinations in the kernel's destination trash for 2-4 minutes, and every later add scans that list, so the
# side that ran second in a flushed namespace would pay for the first one's table.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
jar=$repo/director-agent/target/halvs-agent.jar
services=${1:-1000}
dests=${2:-100}
# the sides in turn, each in its own namespace (the later ones run beside the earlier ones' tables)
order=${3:-agent,agentcds,ipvsadm}
modprobe ip_vs
# IPVS takes only unicast destinations it can route to: give the synthetic real servers a network.
fresh_namespace() {
  ip netns add "$1"
  ip netns exec "$1" sh -c 'ip link set lo up; ip link add bench0 type dummy && ip link set bench0 up &&
    ip addr add 172.16.0.254/12 dev bench0'
}
java -jar "$jar" bench --services "$services" --destinations "$dests" --rules-out /tmp/rules
# The agent image's JVM flags (pom.xml and director-agent/pom.xml, profile image) and the DaemonSet's
# JAVA_TOOL_OPTIONS (operator/src/main/resources/templates/agent-daemonset.yaml), read from the poms and the template.
source "$repo/e2e/bench/deployed-flags.sh"
read_image_flags flags director-agent
JAVA_TOOL_OPTIONS=$(tool_options "$repo/operator/src/main/resources/templates/agent-daemonset.yaml")
export JAVA_TOOL_OPTIONS
echo "JVM: ${flags[*]}, JAVA_TOOL_OPTIONS=$JAVA_TOOL_OPTIONS"

# An application class-data archive (AppCDS) of the agent's own classes and its libraries', written by a short
# training run that programs a small table (netlink, jnr-ffi, the model): the agent's start with it is measured
# beside the start without it. -Xshare:on below fails the run rather than ignore an archive it cannot use.
fresh_namespace train
ip netns exec train java "${flags[@]}" -XX:ArchiveClassesAtExit=/tmp/agent.jsa -jar "$jar" bench --services 20 \
  --destinations 10 > /tmp/train.out 2>&1 || { echo "the training run failed:"; cat /tmp/train.out; }
ip netns del train
echo "class-data archive of the agent: $(( $(stat -c %s /tmp/agent.jsa 2>/dev/null || echo 0) / 1024 )) KiB"

run_agent() { # NAMESPACE [JVM FLAG...]: programs the table from exec; prints exec to kernel programmed in ms
  local ns=$1 start; shift
  fresh_namespace "$ns"
  start=$(date +%s%N)
  ip netns exec "$ns" java "${flags[@]}" "$@" -jar "$jar" bench --services "$services" --destinations "$dests" \
    > "/tmp/$ns.out" 2>&1
  sed 's/^/  /' "/tmp/$ns.out" >&2
  echo $(( $(sed -n 's/.*programmed at epoch ms \([0-9]*\).*/\1/p' "/tmp/$ns.out") - start / 1000000 ))
}
run_ipvsadm() { # prints ipvsadm -R of the same rules in ms
  local start
  fresh_namespace ipvsadm
  start=$(date +%s%N)
  ip netns exec ipvsadm ipvsadm -R < /tmp/rules
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}
for side in ${order//,/ }; do
  case $side in
    agent) agent_ms=$(run_agent agent)
      echo "agent: exec to kernel programmed (JVM start included): $agent_ms ms" ;;
    agentcds) cds_ms=$(run_agent agentcds -Xshare:on -XX:SharedArchiveFile=/tmp/agent.jsa)
      echo "agent with the class-data archive: exec to kernel programmed: $cds_ms ms" ;;
    ipvsadm) ipvsadm_ms=$(run_ipvsadm)
      echo "ipvsadm -R of the same $((services * (dests + 1))) rules: $ipvsadm_ms ms" ;;
  esac
done
echo "services now in the kernel: agent $(ip netns exec agent ipvsadm -Ln | grep -c '^TCP')," \
  "agent with the archive $(ip netns exec agentcds ipvsadm -Ln | grep -c '^TCP'), ipvsadm $(ip netns exec ipvsadm ipvsadm -Ln | grep -c '^TCP')"
awk -v a="$agent_ms" -v c="$cds_ms" -v i="$ipvsadm_ms" \
  'BEGIN {printf "ratio agent(exec to programmed)/ipvsadm -R: %.2f; with the class-data archive: %.2f (order: %s)\n", a / i, c / i, "'"$order"'"}'
