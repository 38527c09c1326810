#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing but that each phase finishes): the whole system at full size
# through the real API server (e2e/apiserver/start.sh), issue 14. One DirectorPair, SCALE x 1,000
# VirtualServices with 100 RealServers each (SCALE=1: 100,000 RealServers and destinations), laid out as
# resources.sh lays them out; every tenth VirtualService keeps the default tcp health check, the others say
# `healthCheck: {type: none}`, so SCALE=1 has 10,000 health targets per agent (the design's figure). The operator
# runs as a process and BOTH agents in-cluster (`--fake-ipvs`: the in-memory IPVS; the real kernel's share is the
# VM tier's bench-programming.sh), each in a network namespace of its own with eth0 a veth to the other, so the
# pair's election runs over it with the pair's real Lease on the API server, and eth1 a veth into a third
# namespace that answers tcp on every real-server address (a local route for 172.16.0.0/12 and one accepting
# server: failover.py serve), so the health checks are real connections. The API server and etcd run in that
# third namespace too, bound to its 10.0.1.1: the agents reach it over eth1 directly, as production's reach theirs;
# the operator and the bulk apply beside it (the namespace's loopback); other host clients (kubectl, edits.py)
# through netns-forward.py --reverse on the host's 127.0.0.1.
# API_PATH=forwarder: the former path, the API server on the host's loopback and each agent through netns-forward.py
# (a Python forwarder: its thread wakeups were about 100 ms of each takeover's Lease call). The pair's spec turns
# the sync daemons on (eth0); on this kernel without IPVS they run in the in-memory table only (no sync traffic).
# Then:
#  1. kubectl apply --server-side of every object with the operator and both agents already running; time from
#     the apply's start to every status written and both agents' reports naming the plan programmed. START=cold:
#     the operator and the agents start only after the apply (an install onto existing objects, an operator down
#     during a large sync); also the times from their start to the plan published, every status written and
#     both agents programmed;
#  2. API server requests per second at rest (REST_S seconds, all clients; nothing else runs);
#  3. CR edit -> both agents' kernels programmed, p50/p99 over EDITS edits of each kind (edits.py: a weight, a
#     RealServer added, a VirtualService added, a selector changed), and the API server's request rate meanwhile
#     (the driver's own requests subtracted);
#  4. RSS and CPU time of the operator and both agents (sampled from /proc) at each step, and RSS over each rest:
#     REST_S after programmed, REST_AFTER_S (REST_S) after the edits;
#  5. (full-size-failover.sh) the health targets up on each agent (its /metrics), the role changes so far (no
#     fault yet: the load's), then FAILOVERS times: kill -9 of the active's agent, kill -> the peer holds the
#     first VIP and every VIP and sent a gratuitous ARP for them (failover.py watch: both namespaces' addresses
#     every 5 ms, the ARP arriving at the dead director's end of the veth), the killed agent restarted and
#     settled as standby (its /metrics: not active, peer alive; none of the VIPs kill -9 left on its interface;
#     5.5 s after first seen so: the start-up grace of docs/HA.md) before the next; samples with two holders once
#     the restarted agent dropped what kill -9 left; where the time went (kill -> "role ACTIVE" logged -> the
#     VIPs added, from the taker's log; its Lease call; its GC pauses; the API server's time per Lease request);
#  6. at the end, the operator's and each agent's live heap (a class histogram, after the failovers) and RSS split.
#
# Usage (root: network namespaces):  e2e/bench/full-size.sh             # full size: most of an hour here
#                                    SCALE=0.1 EDITS=20 e2e/bench/full-size.sh   # 15-30 minutes at load 20-40
# Needs the jars: ./mvnw -B -o -pl operator,director-agent -am package -DskipTests
# Env: SCALE (1), START (running; cold), EDITS (100 of each kind), REST_S (30), REST_AFTER_S (REST_S), FAILOVERS (10; 0: none), PARALLEL (4) kubectl processes, BATCH
# (5000) objects per apply, OPERATOR_MAX_RAM (512m up to 100 VirtualServices, else 1g), AGENT_MAX_RAM (256m),
# OPERATOR_JAVA_OPTS (more JVM flags for the operator, e.g. -XX:NativeMemoryTracking=summary), SAMPLE_S (0.5), AGENT_LOG_LEVEL (info; e.g. info,io.halvs.agent.cluster.PlanSource=debug: each plan event's arrival), AGENT_JFR (0; 1: below), HEAP_DUMP (0; 1: the operator's and each agent's heap dumped at the end, operator.hprof, lvs-0N.hprof), API_PATH (direct; forwarder), AGENT_COLLECTORS (shenandoah shenandoah; serial, g1), AGENT_VARIANT_OPTIONS (none; below), AGENT_VARIANT_ENV (none; below), AGENT_VARIANT_JAVA (none; below), OPERATOR_COLLECTOR (g1; serial, shenandoah), COMPONENT_JAVA (java: the JVM the operator and the agents run on), KEEP=1 keeps the work directory (logs, samples), TIMEOUT_S (3600) for the statuses (twice that
# for the RealServers'; the agents' programming and the health targets: at most 600). full-size-smoke.sh is CI's
# short run of it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
api=$repo/e2e/apiserver
scale=${SCALE:-1}; edits=${EDITS:-100}; rest=${REST_S:-30}; parallel=${PARALLEL:-4}; batch=${BATCH:-5000}
period=${SAMPLE_S:-0.5}; rest_after=${REST_AFTER_S:-$rest}; failovers=${FAILOVERS:-10}; api_path=${API_PATH:-direct}; start=${START:-running}
case $api_path in direct | forwarder) ;; *) echo "full-size.sh: API_PATH must be direct or forwarder, not '$api_path'" >&2; exit 2 ;; esac
case $start in running | cold) ;; *) echo "full-size.sh: START must be running or cold, not '$start'" >&2; exit 2 ;; esac
services=$(awk -v s="$scale" 'BEGIN { n = int(1000 * s + 0.5); print (n < 1 ? 1 : n) }'); per_service=100
operator_max_ram=${OPERATOR_MAX_RAM:-$([ "$services" -le 100 ] && echo 512m || echo 1g)}
agent_max_ram=${AGENT_MAX_RAM:-256m}
component_java=${COMPONENT_JAVA:-java}
dests=$((services * per_service))
operator_jar=$repo/operator/target/halvs-operator.jar; agent_jar=$repo/director-agent/target/halvs-agent.jar
for j in "$operator_jar" "$agent_jar"; do
  [ -f "$j" ] || { echo "full-size.sh: $j missing; build: ./mvnw -B -o -pl operator,director-agent -am package -DskipTests" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "full-size.sh: needs root (network namespaces)" >&2; exit 2; }
# The images' JVM flags, read from the poms (deployed-flags.sh: the parent's jib jvmFlags and each image's own).
# OPERATOR_COLLECTOR: g1 is the operator image's; serial is the image's before 2026-12-01 12:00, to set its pauses
# beside the edits' times (the serial collector in G1's place, without G1's pause goal); shenandoah as the agents'.
source "$here/deployed-flags.sh"
source "$api/pod-config.sh"
read_image_flags operator_image_flags operator
read_image_flags agent_image_flags director-agent
read_image_env operator_image_env operator
read_image_env agent_image_env director-agent
case ${OPERATOR_COLLECTOR:-g1} in
  serial | shenandoah) mapfile -t operator_image_flags < <(printf '%s\n' "${operator_image_flags[@]}" | collector_flags "$OPERATOR_COLLECTOR") ;;
  g1) ;;
  *) echo "full-size.sh: OPERATOR_COLLECTOR: serial, g1 or shenandoah, not '$OPERATOR_COLLECTOR'" >&2; exit 2 ;;
esac
# The operator's and the agents' environment as deployed: the image's (MALLOC_ARENA_MAX, read from the poms above) and the Deployment's heap
# flags (JAVA_TOOL_OPTIONS in deploy/base/operator-deployment.yaml; OPERATOR_JAVA_TOOL_OPTIONS= leaves them out, as
# runs before 2026-12-02 07:00 did, which had no MALLOC_ARENA_MAX either).
operator_tool_options=${OPERATOR_JAVA_TOOL_OPTIONS-$(tool_options "$repo/deploy/base/operator-deployment.yaml")}
# The DaemonSet's heap flags (JAVA_TOOL_OPTIONS in the operator's template), as a deployed agent runs;
# AGENT_JAVA_TOOL_OPTIONS= (empty) leaves the heap to -XX:MaxRAM alone, as runs before 2026-11-30 19:40 did.
agent_tool_options=${AGENT_JAVA_TOOL_OPTIONS-$(tool_options "$repo/operator/src/main/resources/templates/agent-daemonset.yaml")}
# AGENT_NMT=1: both agents with the JVM's native memory tracking, each one's account taken at the end of the rest
# and of the rest after the edits (lvs-0N-nmt-rest.txt, -after.txt) and printed side by side: what a burst of
# edits leaves behind, by category. NMT costs a few MiB itself: not a run for the RSS figures.
[ "${AGENT_NMT:-0}" = 0 ] || agent_tool_options+=" -XX:NativeMemoryTracking=summary"
# AGENT_COLLECTORS: each agent's collector, lvs-01's then lvs-02's ("g1 shenandoah": both side by side under the
# same load), as deployed-flags.sh's collector_flags sets it. shenandoah is the image's (since 2026-12-05); g1 is
# the image's before it, G1 with a 50 ms pause goal (run it with the DaemonSet's heap flags of then,
# AGENT_JAVA_TOOL_OPTIONS, for its figures of then); serial is the image's before 2026-12-01, with the DaemonSet's
# -Xmn16m of then added.
# AGENT_VARIANT_OPTIONS: JVM flags appended to lvs-02's JAVA_TOOL_OPTIONS only (later flags win), so one run
# compares two settings under the same load: edits.py's last table gives each agent's figures, as do the RSS and
# GC rows.
# AGENT_VARIANT_ENV: NAME=value words added to lvs-02's environment only (e.g. MALLOC_ARENA_MAX=2: glibc's
# arenas, which no JVM flag sets).
# AGENT_VARIANT_JAVA: the JVM lvs-02 runs on instead of COMPONENT_JAVA's, e.g. the images' jlink'd runtime
# (deploy/image/rootfs.sh DIR; DIR/opt/java/bin/java: no class-data archive, as deployed) beside the JDK's.
# AGENT_JFR=1: each agent records JFR (the profile settings, and every wait of 1 ms and more), the taker's recording
# dumped after each failover to failover-N-taker.jfr in the work directory (with KEEP=1).
agent_jfr_events=",jdk.ThreadPark#threshold=1ms,jdk.JavaMonitorEnter#threshold=1ms,jdk.JavaMonitorWait#threshold=1ms,jdk.SocketRead#threshold=1ms,jdk.SocketWrite#threshold=1ms,jdk.SafepointBegin#enabled=true"
read -r -a collectors <<<"${AGENT_COLLECTORS:-shenandoah shenandoah}"
[ "${#collectors[@]}" = 2 ] || { echo "full-size.sh: AGENT_COLLECTORS names two collectors (serial, g1 or shenandoah), not '${AGENT_COLLECTORS-}'" >&2; exit 2; }
for c in "${collectors[@]}"; do
  case $c in serial | g1 | shenandoah) ;; *) echo "full-size.sh: AGENT_COLLECTORS: serial, g1 or shenandoah, not '$c'" >&2; exit 2 ;; esac
done

dir=$(mktemp -d /tmp/halvs-full-size.XXXXXX)
nss=(hfs$$a hfs$$b hfs$$r) # the two directors, the real servers
rs_ns=${nss[2]}
pids=()
cleanup() {
  local rc=$? pid
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  "$api/stop.sh" "$dir"
  for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null; done
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $dir"; else rm -rf "$dir"; fi
  exit "$rc"
}
trap cleanup EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
until_true() { # TIMEOUT_S PERIOD_S COMMAND...
  local deadline=$((SECONDS + $1)) period=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "full-size.sh: timed out waiting for: $*" >&2; return 1; }
    sleep "$period"
  done
}
sample() { # PID FILE: "ms rss_kib hwm_kib cpu_ticks" every $period: PID's, its children's added (the responder's
  # processes; a JVM has none, so its line is its own)
  local pid=$1 file=$2 p procs
  while [ -r "/proc/$pid/status" ]; do
    procs=("/proc/$pid")
    for p in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do procs+=("/proc/$p"); done
    { awk -v t="$(now_ms)" '/^VmRSS/ { r += $2 } /^VmHWM/ { h += $2 } END { printf "%s %s %s ", t, r, h }' "${procs[@]/%//status}"
      awk '{ c += $14 + $15 } END { print c }' "${procs[@]/%//stat}"; } >> "$file" 2>/dev/null || break
    sleep "$period"
  done
}
tick=$(getconf CLK_TCK)
at() { # FILE [MS]: "rss_mib cpu_s" of the last sample at or before MS
  awk -v ms="${2:-0}" -v tick="$tick" 'NF == 4 && (ms == 0 || $1 <= ms) { r = $2; c = $4 }
    END { printf "%.0f %.1f", r / 1024, c / tick }' "$1"
}
peak_rss() { # FILE [MS]: the largest RSS sampled at or before MS
  awk -v ms="${2:-0}" 'NF == 4 && (ms == 0 || $1 <= ms) && $2 > m { m = $2 } END { printf "%.0f", m / 1024 }' "$1"
}
range_rss() { # FILE FROM_MS TO_MS: "samples min median max" of the RSS (MiB) sampled in [FROM, TO]
  awk -v from="$2" -v to="$3" 'NF == 4 && $1 >= from && $1 <= to { print $2 }' "$1" | sort -n \
    | awk '{ v[NR] = $1 } END { if (NR) printf "%d %.0f %.0f %.0f", NR, v[1] / 1024, v[int((NR + 1) / 2)] / 1024, v[NR] / 1024; else print "0 - - -" }'
}
requests() { kubectl get --raw /metrics | awk '/^apiserver_request_total\{/ { n += $NF } END { printf "%d", n }'; }
# Each component's own count of its requests (halvs_operator_api_requests_total, halvs_api_requests_total): FILE gets
# "COMPONENT SAMPLE" lines (api_requests.py). The operator's /metrics only where it runs in the API server's
# namespace (API_PATH=direct): on the host others may hold its port.
metrics() { ip netns exec "${nss[$1]}" curl -s --max-time 5 http://127.0.0.1:8850/metrics; } # INDEX (0, 1): that agent's /metrics
component_requests() {
  { [ "$operator_port" = 0 ] || "${api_ns[@]}" curl -s --max-time 10 "http://127.0.0.1:$operator_port/metrics" |
      awk '/^halvs_operator_api_requests_total\{/ { print "operator", $0 }'
    for i in 0 1; do
      metrics "$i" | awk -v who="lvs-0$((i + 1))" '/^halvs_api_requests_total\{/ { print who, $0 }'
    done; } > "$1" || true
}

while :; do cut -d' ' -f1 /proc/loadavg; sleep 10; done > "$dir/load.samples" & pids+=($!) # the 1-minute load
echo "full-size: SCALE=$scale: 1 DirectorPair, $services VirtualServices x $per_service RealServers = $dests destinations, 2 agents"
t0=$SECONDS
# The two directors: lvs-01 and lvs-02, eth0 192.0.2.11 and .12 on one veth, the Nodes' InternalIPs; eth1
# 10.0.1.11 and .12 on a bridge in the real servers' namespace (10.0.1.1), which answers every address of
# 172.16.0.0/12 (a local route) on port 80: the health checks' connections go to it.
for n in "${nss[@]}"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n "$rs_ns" link add br0 type bridge; ip -n "$rs_ns" link set br0 up; ip -n "$rs_ns" addr add 10.0.1.1/24 dev br0
ip -n "$rs_ns" route add local 172.16.0.0/12 dev lo
# The responder's backlog: this namespace's own somaxconn (per network namespace; the host's is untouched).
ip netns exec "$rs_ns" sysctl -qw net.core.somaxconn=65535
ip netns exec "$rs_ns" python3 "$here/failover.py" serve 80 & pids+=($!); responder_pid=$!
veths=(hfs$$a0 hfs$$b0)
ip link add "${veths[0]}" type veth peer name "${veths[1]}"
for i in 0 1; do
  n=${nss[$i]}; ip link set "${veths[$i]}" netns "$n"
  ip -n "$n" link set "${veths[$i]}" name eth0 up
  ip -n "$n" addr add "192.0.2.1$((i + 1))/24" dev eth0
  ip link add "hfs$$r$i" type veth peer name "hfs$$d$i"
  ip link set "hfs$$d$i" netns "$n"; ip -n "$n" link set "hfs$$d$i" name eth1 up
  ip link set "hfs$$r$i" netns "$rs_ns"; ip -n "$rs_ns" link set "hfs$$r$i" master br0 up
  ip -n "$n" addr add "10.0.1.1$((i + 1))/24" dev eth1
  ip -n "$n" route add 172.16.0.0/12 via 10.0.1.1 dev eth1
done

# The API server and etcd: by default in the real servers' namespace, bound to 10.0.1.1, which the agents reach
# over eth1 directly as production's agents reach theirs (no forwarder on the Lease's path); the operator and the
# bulk apply run in that namespace too (its loopback); other host clients (kubectl, edits.py) through
# netns-forward.py --reverse on the host's 127.0.0.1 and the same port. API_PATH=forwarder: the API server on the host's loopback and each agent through netns-forward.py.
bin=$("$api/build.sh")
case $api_path in
  direct)
    APISERVER_NETNS=$rs_ns APISERVER_BIND=0.0.0.0 APISERVER_SANS=IP:10.0.1.1 "$api/start.sh" "$dir" "$bin" >/dev/null
    api_port=$(kubectl --kubeconfig "$dir/admin.kubeconfig" config view -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
    python3 "$api/netns-forward.py" --reverse "$rs_ns" "$api_port" & pids+=($!)
    agent_api_host=10.0.1.1
    api_ns=(ip netns exec "$rs_ns") # the operator and the bulk apply beside it, as on the host's loopback before
    operator_port=8081 ;; # its /metrics: the namespace's own port
  forwarder)
    "$api/start.sh" "$dir" "$bin" >/dev/null
    api_port=$(kubectl --kubeconfig "$dir/admin.kubeconfig" config view -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
    for n in "${nss[@]:0:2}"; do python3 "$api/netns-forward.py" "$n" "$api_port" & pids+=($!); done
    agent_api_host=127.0.0.1
    api_ns=()
    operator_port=0 ;; # no port: on the host others may hold 8081
esac
export KUBECONFIG=$dir/admin.kubeconfig
# The API server's, etcd's and the real servers' responder's CPU and RSS beside the components': a phase the
# components wait through idle is theirs (or a timer's), and on this machine's 2 CPUs they share the cores.
for who in apiserver etcd; do sample "$(cat "$dir/$who.pid")" "$dir/$who.samples" & pids+=($!); done
sample "$responder_pid" "$dir/responder.samples" & pids+=($!)
until_true 30 0.1 kubectl get --raw /readyz # through the reverse forwarder, when there is one
kubectl apply -k "$repo/deploy" >/dev/null
kubectl wait --for condition=established --timeout=60s \
  crd/virtualservices.halvs.io crd/realservers.halvs.io crd/directorpairs.halvs.io >/dev/null
for i in 0 1; do
  kubectl create -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata: {name: lvs-0$((i + 1)), labels: {kubernetes.io/hostname: lvs-0$((i + 1))}}
NODE
  kubectl patch node "lvs-0$((i + 1))" --subresource=status --type merge \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.1$((i + 1))\"}]}}" >/dev/null
done

# The operator and both agents: before the apply, which they follow (START=running), or after it (START=cold).
start_components() {
pod_config "$dir" operator 127.0.0.1 "$api_port" # as the Deployment's pod finds the API server
env "${operator_image_env[@]}" "${pod_env[@]}" JAVA_TOOL_OPTIONS="$operator_tool_options" POD_NAMESPACE=halvs-system \
  "${api_ns[@]}" "$component_java" "${operator_image_flags[@]}" "${pod_jvm[@]}" ${OPERATOR_JAVA_OPTS:-} \
  -XX:MaxRAM="$operator_max_ram" -Djava.io.tmpdir="$dir" -Xlog:gc:file="$dir/operator-gc.log":utctime \
  -jar "$operator_jar" run --health-port="$operator_port" --log-level info,io.halvs.operator.model.PlanService=debug,io.halvs.operator.reconciler.DirectorPairReconciler=debug \
  > "$dir/operator.log" 2>&1 & # PlanService's debug: each rebuild's times
operator_pid=$!; pids+=($operator_pid)
# The JVM's first line names the options it picked up: all of the Deployment's, or this is not the deployed
# operator (unquoted, env took each option after the first for a variable of its own: runs fsI-fsO had only
# G1PeriodicGCInterval, not the heap's MaxHeapFreeRatio).
for _ in $(seq 100); do grep -q "Picked up JAVA_TOOL_OPTIONS" "$dir/operator.log" 2>/dev/null && break; sleep 0.1; done
[ -z "$operator_tool_options" ] || grep -qxF "Picked up JAVA_TOOL_OPTIONS: $operator_tool_options" "$dir/operator.log" || {
  echo "full-size.sh: the operator did not pick up JAVA_TOOL_OPTIONS='$operator_tool_options' ($(grep -m1 'Picked up' "$dir/operator.log"))" >&2
  exit 1
}
sample "$operator_pid" "$dir/operator.samples" & pids+=($!)
agent_pids=()
start_agent() { # INDEX: lvs-0(INDEX+1) in its namespace; appends to its log
  local node=lvs-0$(($1 + 1)); mkdir -p "$dir/$node-tmp"
  local flags options=$agent_tool_options jfr=() java=$component_java
  mapfile -t flags < <(printf '%s\n' "${agent_image_flags[@]}" | collector_flags "${collectors[$1]}")
  [ "${collectors[$1]}" != serial ] || options+=" -Xmn16m"
  [ "$1" = 0 ] || [ -z "${AGENT_VARIANT_OPTIONS:-}" ] || options+=" $AGENT_VARIANT_OPTIONS"
  [ "$1" = 0 ] || [ -z "${AGENT_VARIANT_JAVA:-}" ] || java=$AGENT_VARIANT_JAVA
  local variant_env=()
  [ "$1" = 0 ] || read -r -a variant_env <<<"${AGENT_VARIANT_ENV:-}"
  [ "${AGENT_JFR:-0}" = 0 ] || jfr=(-XX:StartFlightRecording=settings=profile,name=halvs,maxage=10m$agent_jfr_events)
  pod_config "$dir" agent "$agent_api_host" "$api_port" # as the DaemonSet's pods find the API server
  env "${agent_image_env[@]}" "${pod_env[@]}" NODE_NAME=$node POD_NAMESPACE=halvs-system HALVS_DIRECTOR_PAIR=lvs \
    HALVS_LOG_LEVEL=${AGENT_LOG_LEVEL:-info} JAVA_TOOL_OPTIONS="$options" "${variant_env[@]}" ip netns exec "${nss[$1]}" "$java" "${flags[@]}" -XX:MaxRAM="$agent_max_ram" -Djava.io.tmpdir="$dir/$node-tmp" \
    "${pod_jvm[@]}" \
    "${jfr[@]}" -Xlog:gc:file="$dir/$node-gc-%p.log":utctime \
    -jar "$agent_jar" in-cluster --fake-ipvs --state-dir "$dir/$node-state" >> "$dir/$node.log" 2>&1 &
  agent_pids[$1]=$!; pids+=($!)
}
for i in 0 1; do
  start_agent "$i"
  sample "${agent_pids[$i]}" "$dir/lvs-0$((i + 1)).samples" & pids+=($!)
done
# A JVM that refuses its flags (an experimental one without the unlock, say) exits at once: end the run now, not
# after the hour the statuses may wait for an agent that is not there.
sleep 3
for i in 0 1; do
  kill -0 "${agent_pids[$i]}" 2>/dev/null || {
    echo "full-size.sh: lvs-0$((i + 1)) exited at its start: $(grep -v '^Picked up' "$dir/lvs-0$((i + 1)).log" | head -3 |
      tr '\n' ' ')" >&2
    exit 1
  }
done
}
[ "$start" = cold ] || start_components

# The objects (resources.sh's layout), in files of $batch objects for parallel server-side applies.
mkdir -p "$dir/objects"
awk -v S="$services" -v D="$per_service" -v B="$batch" -v out="$dir/objects" 'BEGIN {
  f = out "/00000.yaml"
  print "apiVersion: halvs.io/v1alpha1\nkind: DirectorPair\nmetadata:\n  name: lvs\nspec:\n  nodes: [lvs-01, lvs-02]\n  vipInterface: eth0\n  syncDaemon:\n    interfaceName: eth0" > f
  for (i = 0; i < S; i++)
    printf "---\napiVersion: halvs.io/v1alpha1\nkind: VirtualService\nmetadata:\n  name: vs-%d\n  namespace: default\nspec:\n  directorPair: lvs\n  vip: 10.%d.%d.1\n  port: 80\n  realServerSelector:\n    matchLabels:\n      app: app-%d\n%s", i, 100 + int(i / 250), i % 250, i, (i % 10 ? "  healthCheck:\n    type: none\n" : "") > f
  close(f)
  for (n = 0; n < S * D; n++) {
    if (n % B == 0) { close(f); f = sprintf("%s/%05d.yaml", out, 1 + n / B) } else print "---" > f
    printf "apiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata:\n  name: rs-%d\n  namespace: default\n  labels:\n    app: app-%d\nspec:\n  address: 172.%d.%d.%d\n  weight: 100\n", n, int(n / D), 16 + int(n / 65536), int(n / 256) % 256, n % 256 > f
  }
}'
t_apply=$(now_ms)
"${api_ns[@]}" kubectl apply --server-side --field-manager=halvs-bench -f "$dir/objects/00000.yaml" > "$dir/apply.log"
ls "$dir"/objects/0*.yaml | tail -n +2 | xargs -P "$parallel" -I{} "${api_ns[@]}" \
  sh -c 'kubectl apply --server-side --field-manager=halvs-bench -f "$1" > "$1.log" 2>&1 || { cat "$1.log" >&2; exit 1; }' _ {}
apply_ms=$(( $(now_ms) - t_apply ))
echo "applied every object in $(secs $apply_ms) s ($parallel parallel kubectl apply --server-side, $batch objects each)"

json_field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read() or "null"); print("" if d is None else d.get(sys.argv[1]))' "$1"; }
plan_hash() { kubectl get cm -n halvs-system halvs-plan-lvs -o jsonpath='{.data.manifest\.json}' 2>/dev/null | json_field planHash; }
report() { kubectl get cm -n halvs-system "halvs-agent-lvs-$1" -o jsonpath='{.data.report\.json}' 2>/dev/null | json_field "$2"; }
status_writes() {
  kubectl get --raw /metrics | awk -v r="$1" '/^apiserver_request_total\{/ && index($0, "resource=\"" r "\"") &&
    index($0, "subresource=\"status\"") && index($0, "code=\"200\"") { n += $NF } END { print n + 0 }'
}
exec 3>&2 # until_true silences what it runs: a dead operator says so here
all_written() { # resource expected: each has a status; the newest one's time (epoch ms) into $dir/resource.newest
  kill -0 "$operator_pid" 2>/dev/null || { echo "full-size.sh: the operator exited: $(tail -3 "$dir/operator.log")" >&3; exit 1; }
  [ "$(status_writes "$1")" -ge "$2" ] || return 1
  local n newest
  read -r n newest < <(python3 "$here/status-times.py" "/apis/halvs.io/v1alpha1/$1") && [ "$n" = 0 ] || return 1
  echo "$newest" > "$dir/$1.newest"
}
both_programmed() {
  local h; h=$(plan_hash); [ -n "$h" ] || return 1
  for n in lvs-01 lvs-02; do
    [ "$(report $n programmedPlanHash)" = "$h" ] && [ "$(report $n programmed)" = True ] || return 1
  done
}
timeout=${TIMEOUT_S:-3600}
if [ "$start" = cold ]; then
  # An install onto existing objects, or an operator and agents that were down during the apply: the first plan
  # holds every object (the operator builds once its caches have synced), and no status is written yet.
  t_start=$(now_ms); start_components
  published() { [ -n "$(plan_hash)" ]; }
  until_true "$timeout" 0.2 published
  published_ms=$(( $(now_ms) - t_start ))
  echo "cold start: the operator and both agents started; the plan published $(secs $published_ms) s later"
  # before the statuses: the agents follow the plan, not the statuses
  until_true "$timeout" 0.2 both_programmed
  cold_programmed_ms=$(( $(now_ms) - t_start ))
  echo "cold start: both agents programmed it $(secs $cold_programmed_ms) s after the start"
fi
until_true "$timeout" 1 all_written virtualservices "$services"
# The API server's count of RealServer status writes first (its /metrics, cheap), then the check that no object
# lacks one, which lists every RealServer (status-times.py; before it, kubectl's custom columns took 206 s at
# 100,000 on a busy machine, and the phase's figure counted them: fsAH). The phase ends at the newest status's
# write, as the API server recorded it; the check's own time is printed beside it.
counted() { [ "$(status_writes realservers)" -ge "$1" ]; }
until_true $((2 * timeout)) 1 counted "$dests"
counted_at=$(now_ms); counted_ms=$((counted_at - t_apply))
echo "the API server counted $dests RealServer status writes $(secs $counted_ms) s after the apply started"
until_true $((2 * timeout)) 2 all_written realservers "$dests"
checked_ms=$(( $(now_ms) - t_apply ))
status_at=$(cat "$dir/realservers.newest"); status_at=$((status_at + 999)) # the second it was written in, to its end
status_ms=$((status_at - t_apply))
echo "every status written $(secs $status_ms) s after the apply started (the newest status's time; checked by a list of every object at $(secs $checked_ms) s)"
# Every object is in the model now (each status was written from a snapshot holding it): its plan, programmed.
until_true $((timeout < 600 ? timeout : 600)) 0.2 both_programmed
programmed_at=$(now_ms); programmed_ms=$((programmed_at - t_apply))
echo "both agents programmed the plan of every object $(secs $programmed_ms) s after the apply started"

component_requests "$dir/requests.rest0"; c0=$(now_ms)
r0=$(requests); sleep "$rest"; r1=$(requests); rested_at=$(now_ms)
agent_nmt() { # SUFFIX: each agent's NMT summary now (AGENT_NMT=1)
  [ "${AGENT_NMT:-0}" = 0 ] && return 0
  for i in 0 1; do jcmd "${agent_pids[$i]}" VM.native_memory summary > "$dir/lvs-0$((i + 1))-nmt-$1.txt" 2>&1 || true; done
}
agent_nmt rest
component_requests "$dir/requests.rest1"; c1=$(now_ms)
rest_rps=$(awk -v a="$r0" -v b="$r1" -v s="$rest" 'BEGIN { printf "%.1f", (b - a) / s }')

component_requests "$dir/requests.edits0"; c2=$(now_ms)
r2=$(requests); t_edits=$(now_ms)
python3 "$here/edits.py" --operator-log "$dir/operator.log" --operator-gc "$dir/operator-gc.log" "$dir" "$services" "$per_service" "$edits" "$dir/lvs-01.log" "$dir/lvs-02.log" | tee "$dir/edits.out"
r3=$(requests); edits_ms=$(( $(now_ms) - t_edits ))
component_requests "$dir/requests.edits1"; c3=$(now_ms)
own=$(sed -n 's/^edits driver: \([0-9]*\) API requests.*/\1/p' "$dir/edits.out")
edit_rps=$(awk -v a="$r2" -v b="$r3" -v o="${own:-0}" -v ms="$edits_ms" 'BEGIN { printf "%.1f", (b - a - o) / (ms / 1000) }')
edits_done_at=$(now_ms)
# A burst of edits leaves a JVM bigger for a while (a grown heap, the edits' code compiled): what a graph shows
# after it is the size it comes back to, so a second rest before the failovers, sampled as the first.
sleep "$rest_after"; rested_after_at=$(now_ms)
agent_nmt after

# The health targets, the role changes so far, the failovers (full-size-failover.sh: read when it runs).
source "$here/full-size-failover.sh"

row() { printf '%-52s %9s %9s %9s %8s\n' "$@"; }
echo
echo "== full size at SCALE=$scale: $services VirtualServices, $dests RealServers; host $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
row "" "time s" "RSS MiB" "peak RSS" "CPU s"
row "kubectl apply of every object" "$(secs $apply_ms)"
row "apply start -> the RealServers' status writes counted" "$(secs $counted_ms)"
row "apply start -> every status written (the newest's)" "$(secs $status_ms)"
row "apply start -> checked: no object without one" "$(secs $checked_ms)"
row "apply start -> both agents programmed that plan" "$(secs $programmed_ms)"
if [ "$start" = cold ]; then
  row "cold start: operator start -> the plan published" "$(secs $published_ms)"
  row "cold start: operator start -> status writes counted" "$(secs $((counted_ms - (t_start - t_apply))))"
  row "cold start: operator start -> every status written" "$(secs $((status_ms - (t_start - t_apply))))"
  row "cold start: operator start -> both agents programmed" "$(secs $cold_programmed_ms)"
fi
for who in operator lvs-01 lvs-02 apiserver etcd responder; do
  read -r rss cpu <<<"$(at "$dir/$who.samples" "$programmed_at")"
  row "$who: at programmed" "" "$rss" "" "$cpu"
  read -r rss cpu <<<"$(at "$dir/$who.samples" "$rested_at")"
  row "$who: at rest ($rest s after programmed)" "" "$rss" "" "$cpu"
  read -r rss cpu <<<"$(at "$dir/$who.samples" "$edits_done_at")"
  row "$who: after the edits" "" "$rss" "$(peak_rss "$dir/$who.samples" "$edits_done_at")" "$cpu"
done
# The one sample "at rest" lands before or after a shrink of the heap (G1's periodic cycle): the whole rest too.
# The CPU each rest cost (the collector's share of an agent's at rest is what its heap flags trade for RSS).
# The agents' medians also minus the in-memory IPVS (--fake-ipvs): the table a production agent has in the kernel,
# outside its heap. HeldSizes measures what it retains at the apply's size (the live heap with and without it, in
# a JVM of its own; needs the agent's test classes, which the usage's package builds); an estimate for the RSS.
ipvs_mib=
if [ -d "$repo/director-agent/target/test-classes" ]; then
  ipvs_mib=$(java -XX:+UseSerialGC -Xmx2g -cp "$agent_jar:$repo/director-agent/target/test-classes" \
    io.halvs.agent.cli.HeldSizes "$services" "$per_service" 2>/dev/null | sed -n 's/.*inMemoryIpvsKiB=\(-\{0,1\}[0-9][0-9]*\).*/\1/p')
  # a negative figure: the smoke's table (10 x 100) is within the measurement's noise
  [ -z "$ipvs_mib" ] || ipvs_mib=$((ipvs_mib < 0 ? 0 : ipvs_mib / 1024))
fi
for who in operator lvs-01 lvs-02; do
  read -r _ cpu0 <<<"$(at "$dir/$who.samples" "$programmed_at")"; read -r _ cpu1 <<<"$(at "$dir/$who.samples" "$rested_at")"
  read -r n lo med hi <<<"$(range_rss "$dir/$who.samples" "$programmed_at" "$rested_at")"
  echo "$who: RSS over the $rest s at rest ($n samples): min $lo, median $med, max $hi MiB; CPU $(awk -v a="$cpu0" -v b="$cpu1" -v s="$rest" 'BEGIN { printf "%.1f s (%.2f core)", b - a, (b - a) / s }')"
  [ "$who" = operator ] || [ -z "$ipvs_mib" ] || [[ ! $med =~ ^[0-9]+$ ]] || echo "$who: median at rest minus the in-memory IPVS's $ipvs_mib MiB (HeldSizes $services x $per_service): $((med - ipvs_mib)) MiB, about what it would hold against the real kernel"
  read -r _ cpu0 <<<"$(at "$dir/$who.samples" "$edits_done_at")"; read -r _ cpu1 <<<"$(at "$dir/$who.samples" "$rested_after_at")"
  read -r n lo med hi <<<"$(range_rss "$dir/$who.samples" "$edits_done_at" "$rested_after_at")"
  echo "$who: RSS over the $rest_after s at rest after the edits ($n samples): min $lo, median $med, max $hi MiB; CPU $(awk -v a="$cpu0" -v b="$cpu1" -v s="$rest_after" 'BEGIN { printf "%.1f s (%.2f core)", b - a, (b - a) / s }')"
  [ "$who" = operator ] || [ -z "$ipvs_mib" ] || [[ ! $med =~ ^[0-9]+$ ]] || echo "$who: median after the edits minus the in-memory IPVS: $((med - ipvs_mib)) MiB"
done
# Each process's cores, minute by minute, from the start (START=cold: the components' start; else the apply's) to
# every status written: which of them the phase waited on.
if [ "$start" = cold ]; then phase_from=$t_start phase_name="the components' start"; else phase_from=$t_apply phase_name="the apply's start"; fi
echo "cores per minute, $phase_name -> every status written:"
for who in operator lvs-01 lvs-02 apiserver etcd responder; do
  awk -v who="$who" -v from="$phase_from" -v to="$status_at" -v tick="$tick" 'NF == 4 && $1 >= from && $1 <= to {
      m = int(($1 - from) / 60000); if (!(m in first)) { first[m] = $4; t0[m] = $1 } last[m] = $4; t1[m] = $1; if (m > n) n = m }
    END { line = sprintf("  %-9s", who)
      for (i = 0; i <= n; i++) line = line sprintf(" %4.2f", (i in first && t1[i] > t0[i]) ? (last[i] - first[i]) / tick / ((t1[i] - t0[i]) / 1000) : 0)
      print line }' "$dir/$who.samples"
done
read -r rss cpu <<<"$(at "$dir/operator.samples")" # the agents were killed and restarted by the failovers
row "operator: at the end" "" "$rss" "$(peak_rss "$dir/operator.samples")" "$cpu"
if [ "$failovers" -gt 0 ]; then python3 "$here/failover.py" summary "$dir/failover.out"; else echo "failover: none (FAILOVERS=0)"; fi
echo "API server requests/s, all clients: at rest $rest_rps (over $rest s); during the edits $edit_rps (the driver's own excluded)"
# by the components' own counts, the busiest three (verb, resource) of each
for window in rest edits; do
  case $window in rest) from=$c0 to=$c1 ;; *) from=$c2 to=$c3 ;; esac
  python3 "$here/api_requests.py" "$dir/requests.${window}0" "$dir/requests.${window}1" \
    "$(awk -v a="$from" -v b="$to" 'BEGIN { print (b - a) / 1000 }')" 3 |
    sed "s/^/API requests\/s by component, $window: /"
done
read -r n over longest full < <(awk -f "$here/gc-pauses.awk" "$dir/operator-gc.log")
echo "GC operator (${OPERATOR_COLLECTOR:-g1}): $n pauses, $over longer than 150 ms, longest $longest ms, $full full"
for i in 0 1; do # every pause of every run of the agent (a restarted agent writes a new log)
  read -r n over longest full < <(cat "$dir"/lvs-0$((i + 1))-gc-*.log | awk -f "$here/gc-pauses.awk")
  used=$(awk '/\] Using / { sub(/.*\] /, ""); print; exit }' "$dir"/lvs-0$((i + 1))-gc-*.log) # as the JVM logs it
  echo "GC lvs-0$((i + 1)) (${collectors[$i]}; ${used:-no collector logged}): $n pauses, $over longer than 150 ms (the dead interval), longest $longest ms, $full full"
  read -r n over longest < <(cat "$dir"/lvs-0$((i + 1))-gc-*.log | awk -f "$here/gc-uncommits.awk")
  echo "GC lvs-0$((i + 1)): $n concurrent uncommits, $over longer than 100 ms, longest $longest ms (Shenandoah's; the heap lock held region by region)"
done
# The operator's live heap, last: the histogram runs a full collection, which must not count in the GC line above
# (fsT's 1,462 ms "full" was its own). What it holds at this size, whatever the collector had given back; by
# class in operator-histogram.txt (KEEP=1).
# Where its RSS is, before that collection: the mappings (heap, metaspace, code, malloc, files) and the split
# anonymous / file; with OPERATOR_JAVA_OPTS=-XX:NativeMemoryTracking=summary the JVM's own account too.
memory_at_end() { # NAME PID: its smaps, RSS split, NMT, class histogram (and HEAP_DUMP=1: heap dump), live heap
  cp "/proc/$2/smaps" "$dir/$1.smaps" 2>/dev/null || true
  grep -E '^(VmRSS|RssAnon|RssFile|Threads)' "/proc/$2/status" | paste -sd' ' | tr -s ' \t' ' ' | sed "s/^/$1: /" || true
  jcmd "$2" VM.native_memory summary > "$dir/$1-nmt.txt" 2>&1 || true
  jcmd "$2" GC.class_histogram > "$dir/$1-histogram.txt" 2>&1 || true
  # HEAP_DUMP=1: the heap too, for e2e/bench/heap-referrers.py (who holds what the histogram counts)
  [ "${HEAP_DUMP:-0}" = 0 ] || jcmd "$2" GC.heap_dump "$dir/$1.hprof" >/dev/null 2>&1 || true
  local live
  live=$(awk '$1 == "Total" { printf "%.0f", $3 / 1048576 }' "$dir/$1-histogram.txt")
  echo "$1: live heap at the end ${live:-?} MiB (jcmd GC.class_histogram: the objects reachable, after a full collection under G1)"
}
if [ "${AGENT_NMT:-0}" != 0 ]; then # committed MiB by category: at rest / after the edits' rest
  for n in lvs-01 lvs-02; do awk -v who="$n" -f "$here/nmt-compare.awk" "$dir/$n-nmt-rest.txt" "$dir/$n-nmt-after.txt"; done
fi
memory_at_end operator "$operator_pid"
# The agents' the same way, after the failovers (a full collection's pause on the active would be one): the
# survivor has run since the start, the killed one since its restart.
for i in 0 1; do memory_at_end "lvs-0$((i + 1))" "${agent_pids[$i]}"; done
echo "operator: ${operator_image_flags[*]} -XX:MaxRAM=$operator_max_ram JAVA_TOOL_OPTIONS='$operator_tool_options'; agents: -XX:MaxRAM=$agent_max_ram collectors ${collectors[*]} JAVA_TOOL_OPTIONS='$agent_tool_options'${AGENT_VARIANT_OPTIONS:+ (lvs-02 with '$AGENT_VARIANT_OPTIONS' appended)}${AGENT_VARIANT_JAVA:+ (lvs-02 on $AGENT_VARIANT_JAVA)}${AGENT_VARIANT_ENV:+ (lvs-02 with $AGENT_VARIANT_ENV in its environment)}; total $((SECONDS - t0)) s;" \
  "1-minute load average over the run $(sort -n "$dir/load.samples" | sed -n '1p;$p' | paste -sd-)"
