#!/bin/bash
# Benchmark (prints figures, asserts nothing about time): the agent's /metrics scrape over the real kernel's IPVS
# table of SERVICES x DESTINATIONS (halvs-agent bench metrics --netlink), in the JVM flags and heap of the agent
# image, after the same over the in-memory table in the same guest: emulation (TCG) slows both alike, so the
# ratio is what reading the kernel adds. Usage: bench-metrics.sh [SERVICES [DESTS [SCRAPES]]]
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
jar=$repo/director-agent/target/halvs-agent.jar
modprobe ip_vs
ip netns add metrics
# IPVS takes only unicast destinations it can route to: give the synthetic real servers a network.
ip netns exec metrics sh -c 'ip link set lo up; ip link add bench0 type dummy && ip link set bench0 up &&
  ip addr add 172.16.0.254/12 dev bench0'
for kernel in "" --netlink; do
  ip netns exec metrics java -XX:+UseSerialGC -Xmx192m -jar "$jar" bench --services "${1:-1000}" \
    --destinations "${2:-100}" metrics $kernel --scrapes "${3:-3}"
done
