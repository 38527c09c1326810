#!/bin/bash
# Benchmark (prints figures, asserts nothing about time): program SERVICES x DESTINATIONS from empty with the
# agent and with ipvsadm -R of the same table, in the same guest kernel. Usage: bench-programming.sh [SERVICES [DESTS]]
# Each side gets a fresh network namespace (IPVS state is per namespace): a flushed table leaves its
# destinations in the kernel's destination trash for 2-4 minutes, and every later add scans that list, so the
# side that ran second in a flushed namespace would pay for the first one's table.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
jar=$repo/director-agent/target/halvs-agent.jar
services=${1:-1000}
dests=${2:-100}
modprobe ip_vs
# IPVS takes only unicast destinations it can route to: give the synthetic real servers a network.
fresh_namespace() {
  ip netns add "$1"
  ip netns exec "$1" sh -c 'ip link set lo up; ip link add bench0 type dummy && ip link set bench0 up &&
    ip addr add 172.16.0.254/12 dev bench0'
}
java -jar "$jar" bench --services "$services" --destinations "$dests" --rules-out /tmp/rules
fresh_namespace agent
start=$(date +%s%N)
# The JVM flags of the agent image (pom.xml, profile image) in the DaemonSet's 256 MiB memory limit.
ip netns exec agent java -XX:+UseSerialGC -Xmx192m -jar "$jar" bench --services "$services" --destinations "$dests" | tee /tmp/agent.out
agent_ms=$(( $(sed -n 's/.*programmed at epoch ms \([0-9]*\).*/\1/p' /tmp/agent.out) - start / 1000000 ))
echo "agent: exec to kernel programmed (JVM start included): $agent_ms ms"
fresh_namespace ipvsadm
start=$(date +%s%N)
ip netns exec ipvsadm ipvsadm -R < /tmp/rules
ipvsadm_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "ipvsadm -R of the same $((services * (dests + 1))) rules: $ipvsadm_ms ms"
echo "services now in the kernel: agent $(ip netns exec agent ipvsadm -Ln | grep -c '^TCP'), ipvsadm $(ip netns exec ipvsadm ipvsadm -Ln | grep -c '^TCP')"
awk -v a="$agent_ms" -v i="$ipvsadm_ms" 'BEGIN {printf "ratio agent(exec to programmed)/ipvsadm -R: %.2f\n", a / i}'
