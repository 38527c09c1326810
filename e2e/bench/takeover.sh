#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing but that each part ran): the part of a failover that grows with the
# VIPs (issue 14: every VIP within 300 ms of the fault at 1,000 VIPs). In a network namespace of its own, with an
# interface hvtk0 whose veth peer is up in a second namespace (the gratuitous ARPs reach a neighbour, as on a
# segment), TakeoverBenchmark (director-agent's test classes) holds VIPS addresses as the election does when it
# becomes active: the VIPs added with the announcer sending a gratuitous ARP for each as soon as it is added,
# ROUNDS times (each followed by a release; the first quarter not counted). Beside it the reference: iproute2
# adding the same addresses, `ip -batch` (a netlink request each, no announcements), ROUNDS times.
# The first round is printed on its own: a standby's first takeover, its code run only by the election's warm-up
# before (WARM_UP=false: not even that). BUSY: the numbers of busy loops to run beside both, one measurement each: a director's CPUs are shared with its
# health checks and whatever else the node runs (the full-size harness has every CPU busy).
#
# Usage (root: network namespaces):  e2e/bench/takeover.sh            # VIPS=1040 ROUNDS=24 BUSY="0 3"
# Needs the agent jar and its test classes: ./mvnw -B -o -pl director-agent -am package -DskipTests &&
#   ./mvnw -B -o -q -pl director-agent -am test-compile
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vips=${VIPS:-1040}; rounds=${ROUNDS:-24}; busy_levels=${BUSY:-0 3}; warm_up=${WARM_UP:-true}
jar=$repo/director-agent/target/halvs-agent.jar; classes=$repo/director-agent/target/test-classes
for f in "$jar" "$classes/io/halvs/agent/ha/TakeoverBenchmark.class"; do
  [ -e "$f" ] || { echo "takeover.sh: $f missing (see the usage above)" >&2; exit 2; }
done
a=halvs-takeover-a; b=halvs-takeover-b; busy_pids=()
namespaces_gone() { ip netns del $a 2>/dev/null || true; ip netns del $b 2>/dev/null || true; }
namespaces_gone # a run killed before its cleanup
work=$(mktemp -d /tmp/halvs-takeover.XXXXXX)
cleanup() {
  [ ${#busy_pids[@]} -eq 0 ] || kill "${busy_pids[@]}" 2>/dev/null || true
  namespaces_gone
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add $a; ip netns add $b
ip link add hvtk0 netns $a type veth peer name hvtk1 netns $b
ip -n $a link set hvtk0 up; ip -n $b link set hvtk1 up
ip -n $b addr add 10.99.255.1/8 dev hvtk1 # a neighbour on the segment: it takes each ARP in
python3 - "$vips" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
names = [f"10.{100 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}" for i in range(n)] # TakeoverBenchmark's
open(f"{work}/add", "w").write("".join(f"addr add {v}/32 dev hvtk0 label hvtk0:hv\n" for v in names))
open(f"{work}/del", "w").write("".join(f"addr del {v}/32 dev hvtk0\n" for v in names))
PY
now_us() { echo $(( $(date +%s%N) / 1000 )); }
echo "takeover.sh: $vips VIPs on a veth, $rounds rounds per measurement, $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for busy in $busy_levels; do
  busy_pids=()
  for ((i = 0; i < busy; i++)); do sh -c 'while :; do :; done' & busy_pids+=($!); done
  out=$(ip netns exec $a java -XX:TieredStopAtLevel=1 -XX:+UseShenandoahGC -Xmx192m \
    -cp "$classes:$jar" io.halvs.agent.ha.TakeoverBenchmark hvtk0 "$vips" "$rounds" "$warm_up" 2>&1 |
    grep -E '^(first )?takeover') ||
    { echo "takeover.sh: TakeoverBenchmark printed no figures" >&2; exit 1; }
  times=()
  for ((r = 0; r < rounds; r++)); do
    s=$(now_us); ip -n $a -batch "$work/add"; e=$(now_us); ip -n $a -batch "$work/del"
    [ "$r" -lt $((rounds / 4)) ] || times+=($(( e - s )))
  done
  [ ${#busy_pids[@]} -eq 0 ] || { kill "${busy_pids[@]}"; wait "${busy_pids[@]}" 2>/dev/null || true; }
  busy_pids=()
  ref=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END {
    i50 = int((NR * 50 + 99) / 100); i90 = int((NR * 90 + 99) / 100)
    printf "%.1f %.1f %.1f", v[i50] / 1000, v[i90] / 1000, v[NR] / 1000 }')
  read -r r50 r90 rmax <<<"$ref"
  agent50=$(grep '^takeover of' <<<"$out" | sed -E 's/.*the last gratuitous ARP sent p50 ([0-9.]+) .*/\1/')
  echo "busy loops beside it: $busy"
  sed 's/^/  agent: /' <<<"$out"
  echo "  reference, ip -batch adds of the same addresses (no announcements): p50 $r50 p90 $r90 max $rmax ms"
  echo "  ratio, the agent's last gratuitous ARP to ip's last add (p50): $(awk -v a="$agent50" -v r="$r50" 'BEGIN { printf "%.2f", a / r }')"
done
