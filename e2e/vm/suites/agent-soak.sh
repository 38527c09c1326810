#!/bin/bash
# Netlink soak on the real kernel: 100,000 add/edit/delete destination operations on one socket; RSS after a
# warm-up, in the middle and at the end. A fixed, pre-touched heap makes RSS growth mean native memory (a
# leak in the netlink path) rather than heap sizing. Asserts memory, not time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
need_agent "$repo"
suite_start=$SECONDS
operations=${1:-100000}
modprobe ip_vs
# IPVS takes only destinations it can route to: the soak's real servers get a network.
ip link set lo up
ip link add soak0 type dummy && ip link set soak0 up && ip addr add 172.31.0.254/16 dev soak0
java -XX:TieredStopAtLevel=1 -Xms64m -Xmx64m -XX:+AlwaysPreTouch -jar "$jar" bench soak \
  --operations "$operations" --max-growth-mib 8
expect_eq "$operations netlink operations: RSS grows less than 8 MiB after the warm-up" 0 $?
expect_eq "the soak leaves no service behind" 0 "$(ipvsadm -Ln | grep -c '^TCP')"
echo "agent-soak suite: $((SECONDS - suite_start)) s"
finish
