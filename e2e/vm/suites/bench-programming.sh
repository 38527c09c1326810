#!/bin/bash
# Benchmark (prints figures, asserts nothing about time): program SERVICES x DESTINATIONS from empty with the
# agent and with ipvsadm -R of the same table, in the same guest kernel. Usage: bench-programming.sh [SERVICES [DESTS]]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
jar=$repo/director-agent/target/halvs-agent.jar
services=${1:-1000}
dests=${2:-100}
modprobe ip_vs
# IPVS takes only unicast destinations it can route to: give the synthetic real servers a network.
ip link set lo up
ip link add bench0 type dummy && ip link set bench0 up
ip addr add 172.16.0.254/12 dev bench0
java -jar "$jar" bench --services "$services" --destinations "$dests" --rules-out /tmp/rules
ipvsadm -C
start=$(date +%s%N)
java -Xmx512m -jar "$jar" bench --services "$services" --destinations "$dests"
agent_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "agent: whole process including JVM start: $agent_ms ms"
ipvsadm -C
start=$(date +%s%N)
ipvsadm -R < /tmp/rules
ipvsadm_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "ipvsadm -R of the same $((services * (dests + 1))) rules: $ipvsadm_ms ms"
echo "services now in the kernel: $(ipvsadm -Ln | grep -c '^TCP')"
ipvsadm -C
awk -v a="$agent_ms" -v i="$ipvsadm_ms" 'BEGIN {printf "ratio agent(whole process)/ipvsadm: %.2f\n", a / i}'
