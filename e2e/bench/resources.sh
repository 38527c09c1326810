#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing but that each phase finishes): memory and CPU of the operator and
# of one in-cluster agent at full size, through the real API server (e2e/apiserver/start.sh). One DirectorPair,
# SCALE x 1,000 VirtualServices with 100 RealServers each (SCALE=1: 100,000 RealServer objects and 100,000
# destinations; SCALE=0.1 is the CI smoke), applied with kubectl server-side apply in parallel batches. Then:
#  1. the operator as a process with its image's JVM flags, authenticated as its ServiceAccount, until the plan is
#     published and every VirtualService's and RealServer's status is written;
#  2. one agent, `in-cluster --fake-ipvs --no-health-checks` as lvs-01 with the agents' identity and the image's
#     JVM flags, in a network namespace of its own (eth0 a veth, the Nodes' InternalIPs patched in so the
#     election runs: the peer is silent, so lvs-01 takes over and holds every VIP), until its report names the
#     plan programmed, then through at least one 30 s resync (a full kernel dump of the whole table).
# VmRSS, VmHWM and CPU time of both are sampled from /proc every SAMPLE_S seconds; the JVMs log GC (-Xlog:gc) and
# the longest pause is printed (the agent's must stay well under the 150 ms heartbeat dead interval).
# The containers' limits are emulated with -XX:MaxRAM (the image's -XX:MaxRAMPercentage=75 is of the cgroup
# limit in a pod; outside one it would be of the host's RAM): OPERATOR_MAX_RAM and AGENT_MAX_RAM (256m). The
# operator's is 512m up to 100 VirtualServices and 1g above (deploy/base/operator-deployment.yaml's limit; at full
# size its live heap was 1.1 GiB, 396 MiB once its caches held each object once without managedFields, less since
# LeanStore interns what repeats). The operator also gets its image's own flags and environment (operator/pom.xml);
# both get their deployed JAVA_TOOL_OPTIONS (the Deployment's, the DaemonSet template's).
#
# Usage (root: network namespaces):  e2e/bench/resources.sh            # full size, 22-43 min here
#                                    SCALE=0.1 e2e/bench/resources.sh  # smoke, about 4 min
# Needs the jars: ./mvnw -B -o -pl operator,director-agent -am package -DskipTests
# Env: SCALE (1), PARALLEL kubectl processes (4), BATCH objects per kubectl apply (5000), SETTLE_S seconds the
# agent runs after programming (40: one resync), OPERATOR_MAX_RAM, AGENT_MAX_RAM, OPERATOR_JAVA_OPTS and
# AGENT_JAVA_OPTS (more JVM flags, e.g. -Xms), SAMPLE_S (0.5), KEEP=1 keeps the work directory (logs, samples, GC
# logs, heap histograms), HEAP_DUMP=1 (with KEEP=1) dumps the operator's heap there too.
# Measured on: 2 vCPU AMD EPYC (shared with other work), 24 GiB RAM, Linux 6.18, OpenJDK 17.0.21 (Debian 12),
# kube-apiserver and etcd built by e2e/apiserver/build.sh (Kubernetes 1.34.4, etcd 3.6.6). Figures and the
# sizing drawn from them: e2e/bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
api=$repo/e2e/apiserver
scale=${SCALE:-1}; parallel=${PARALLEL:-4}; batch=${BATCH:-5000}; settle=${SETTLE_S:-40}; period=${SAMPLE_S:-0.5}
services=$(awk -v s="$scale" 'BEGIN { n = int(1000 * s + 0.5); print (n < 1 ? 1 : n) }'); per_service=100
operator_max_ram=${OPERATOR_MAX_RAM:-$([ "$services" -le 100 ] && echo 512m || echo 1g)}
agent_max_ram=${AGENT_MAX_RAM:-256m}
dests=$((services * per_service))
operator_jar=$repo/operator/target/halvs-operator.jar; agent_jar=$repo/director-agent/target/halvs-agent.jar
for j in "$operator_jar" "$agent_jar"; do
  [ -f "$j" ] || { echo "resources.sh: $j missing; build: ./mvnw -B -o -pl operator,director-agent -am package -DskipTests" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "resources.sh: needs root (network namespaces)" >&2; exit 2; }
# The images' JVM flags (read from the poms: the parent's jib jvmFlags and each image's own), the container limit as
# MaxRAM, and a GC log. OPERATOR_JAVA_OPTS adds some (the heap flags measured in PERFORMANCE.md).
source "$here/deployed-flags.sh"
source "$api/pod-config.sh"
read_image_flags operator_image_flags operator
read_image_flags agent_image_flags director-agent
read_image_env operator_image_env operator # the operator image's environment (MALLOC_ARENA_MAX: operator/pom.xml)
read_image_env agent_image_env director-agent # the agent image's (MALLOC_ARENA_MAX: director-agent/pom.xml)
# The deployed heap flags: the Deployment's and the DaemonSet's JAVA_TOOL_OPTIONS (deploy/base/operator-deployment.yaml,
# the operator's agent template), as full-size.sh gives them; OPERATOR_JAVA_TOOL_OPTIONS= or AGENT_JAVA_TOOL_OPTIONS=
# (empty) leaves them out, as runs before 2026-12-02 did.
operator_tool_options=${OPERATOR_JAVA_TOOL_OPTIONS-$(tool_options "$repo/deploy/base/operator-deployment.yaml")}
agent_tool_options=${AGENT_JAVA_TOOL_OPTIONS-$(tool_options "$repo/operator/src/main/resources/templates/agent-daemonset.yaml")}
echo "operator JAVA_TOOL_OPTIONS: ${operator_tool_options:-(none)}; agent JAVA_TOOL_OPTIONS: ${agent_tool_options:-(none)}"

dir=$(mktemp -d /tmp/halvs-resources.XXXXXX)
ns=hrsc$$a; peer_ns=hrsc$$p
operator_pid=""; agent_pid=""; forward_pid=""; samplers=()
cleanup() {
  local rc=$? pid
  set +e
  for pid in "$agent_pid" "$operator_pid" "$forward_pid" "${samplers[@]}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  ip netns del "$ns" 2>/dev/null; ip netns del "$peer_ns" 2>/dev/null
  "$api/stop.sh" "$dir"
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $dir"; else rm -rf "$dir"; fi
  exit "$rc"
}
trap cleanup EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
# until_true TIMEOUT_S PERIOD_S COMMAND...: polls COMMAND; fails the run with a message after TIMEOUT_S.
until_true() {
  local deadline=$((SECONDS + $1)) period=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "resources.sh: timed out waiting for: $*" >&2; return 1; }
    sleep "$period"
  done
}
# sample PID FILE: "ms rss_kib hwm_kib cpu_ticks" every $period until PID exits.
sample() {
  local pid=$1 file=$2
  while [ -r "/proc/$pid/status" ]; do
    { awk -v t="$(now_ms)" '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%s %s %s ", t, r, h }' "/proc/$pid/status"
      awk '{ print $14 + $15 }' "/proc/$pid/stat"; } >> "$file" 2>/dev/null || break
    sleep "$period"
  done
}
start_sampler() { sample "$1" "$2" & samplers+=($!); }
tick=$(getconf CLK_TCK)
# at FILE MS: the last whole sample at or before MS -> "rss_mib hwm_mib cpu_s" (the whole run when MS is 0)
at() {
  awk -v ms="${2:-0}" -v tick="$tick" 'NF == 4 && (ms == 0 || $1 <= ms) { r = $2; h = $3; c = $4 }
    END { printf "%.0f %.0f %.1f", r / 1024, h / 1024, c / tick }' "$1"
}
peak_rss() { awk 'NF == 4 && $2 > m { m = $2 } END { printf "%.0f", m / 1024 }' "$1"; }
# From -Xlog:gc: the pauses from FROM_S to TO_S seconds of the JVM's uptime (the Full GC jcmd's histogram
# causes excluded): how many, the longest, and the largest heap left after a collection (G1 logs it with its
# pauses, Shenandoah with its concurrent cleanup).
gc_summary() { # file from_s to_s
  awk -v from="$2" -v to="$3" '!/Heap Inspection/ {
         t = substr($1, 2) + 0; if (t < from || t > to) next
         if (/Pause/ && $NF ~ /ms$/) { p = $NF; sub(/ms$/, "", p); if (p + 0 > max) max = p + 0; n++ }
         if ((/Pause/ || /Concurrent cleanup/) && match($0, /->[0-9]+M\(/)) {
           a = substr($0, RSTART + 2, RLENGTH - 4) + 0; if (a > live) live = a } }
       END { printf "%d pauses, longest %.1f ms, largest heap after GC %d MiB", n, max, live }' "$1"
}
# KiB mapped from deleted files under a directory (jffi unlinks its stub after loading it; tmpfs keeps the pages).
mapped_deleted_kib() {
  local n=0 range
  while read -r range; do n=$((n + 0x${range#*-} - 0x${range%-*})); done < <(grep "$2.*(deleted)" "$1" | cut -d' ' -f1)
  echo $((n / 1024))
}
# The heap left by the last Full GC (jcmd's histogram runs one at the end under G1): the live set. Shenandoah (the
# agent's) counts the histogram by a walk from the roots, with no full collection to log: its total, below.
live_heap() {
  local live
  live=$(grep 'Pause Full' "$1" | tail -1 | sed -E 's/.*->([0-9]+M)\(([0-9]+M)\).*/\1 live of \2 committed/')
  [ -n "$live" ] || live="not logged (no full collection: the histogram's total below)"
  echo "$live"
}

echo "resources: SCALE=$scale: 1 DirectorPair, $services VirtualServices x $per_service RealServers = $dests destinations"
t0=$SECONDS
bin=$("$api/build.sh")
"$api/start.sh" "$dir" "$bin" >/dev/null
api_port=$(kubectl config view --kubeconfig "$dir/agent.kubeconfig" -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
export KUBECONFIG=$dir/admin.kubeconfig
start_sampler "$(cat "$dir/apiserver.pid")" "$dir/apiserver.samples"
start_sampler "$(cat "$dir/etcd.pid")" "$dir/etcd.samples"
kubectl apply -k "$repo/deploy" >/dev/null
kubectl wait --for condition=established --timeout=60s \
  crd/virtualservices.halvs.io crd/realservers.halvs.io crd/directorpairs.halvs.io >/dev/null
for n in lvs-01 lvs-02; do
  kubectl create -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata: {name: $n, labels: {kubernetes.io/hostname: $n}}
NODE
done

# The objects, as render-scale.sh lays them out, in files of $batch objects for parallel server-side applies.
mkdir -p "$dir/objects"
awk -v S="$services" -v D="$per_service" -v B="$batch" -v out="$dir/objects" 'BEGIN {
  f = out "/00000.yaml"
  print "apiVersion: halvs.io/v1alpha1\nkind: DirectorPair\nmetadata:\n  name: lvs\nspec:\n  nodes: [lvs-01, lvs-02]\n  vipInterface: eth0\n  syncDaemon:\n    interfaceName: eth0" > f
  for (i = 0; i < S; i++)
    printf "---\napiVersion: halvs.io/v1alpha1\nkind: VirtualService\nmetadata:\n  name: vs-%d\n  namespace: default\nspec:\n  directorPair: lvs\n  vip: 10.%d.%d.1\n  port: 80\n  realServerSelector:\n    matchLabels:\n      app: app-%d\n", i, 100 + int(i / 250), i % 250, i > f
  close(f)
  for (n = 0; n < S * D; n++) {
    if (n % B == 0) { close(f); f = sprintf("%s/%05d.yaml", out, 1 + n / B) } else print "---" > f
    printf "apiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata:\n  name: rs-%d\n  namespace: default\n  labels:\n    app: app-%d\nspec:\n  address: 172.%d.%d.%d\n  weight: 100\n", n, int(n / D), 16 + int(n / 65536), int(n / 256) % 256, n % 256 > f
  }
}'
t_apply=$(now_ms)
kubectl apply --server-side --field-manager=halvs-bench -f "$dir/objects/00000.yaml" > "$dir/apply.log"
ls "$dir"/objects/0*.yaml | tail -n +2 | xargs -P "$parallel" -I{} \
  sh -c 'kubectl apply --server-side --field-manager=halvs-bench -f "$1" > "$1.log" 2>&1 || { cat "$1.log" >&2; exit 1; }' _ {}
apply_ms=$(( $(now_ms) - t_apply ))
count() { kubectl get "$1" -A --no-headers 2>/dev/null | wc -l; }
objects="1 DirectorPair, $(count hvs) VirtualServices, $(count hrs) RealServers"
echo "applied $objects in $(secs $apply_ms) s ($parallel parallel kubectl apply --server-side, $batch objects each)"

# 1. The operator.
json_field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read() or "null"); print("" if d is None else d.get(sys.argv[1]))' "$1"; }
plan_hash() { kubectl get cm -n halvs-system halvs-plan-lvs -o jsonpath='{.data.manifest\.json}' 2>/dev/null | json_field planHash; }
published() { [ -n "$(plan_hash)" ]; }
# Objects of a kind whose status names no observedGeneration yet (0 once the operator wrote every status). A
# list of 100,000 RealServers takes a minute and more here, so the API server's counter of successful status
# writes is polled first (cheap) and the list confirms; the time is the confirming list's start (it reads
# the state at its start).
unwritten() { kubectl get "$1" -A --no-headers -o custom-columns=G:.status.observedGeneration | grep -c '<none>'; }
status_writes() {
  kubectl get --raw /metrics | awk -v r="$1" '/^apiserver_request_total\{/ && index($0, "resource=\"" r "\"") &&
    index($0, "subresource=\"status\"") && index($0, "code=\"200\"") { n += $NF } END { print n + 0 }'
}
written_at=0
all_written() { # resource expected
  [ "$(status_writes "$1")" -ge "$2" ] || return 1
  local t; t=$(now_ms)
  [ "$(unwritten "$1")" = 0 ] && written_at=$t
}
t_operator=$(now_ms)
pod_config "$dir" operator 127.0.0.1 "$api_port" # as the Deployment's pod finds the API server
env "${operator_image_env[@]}" "${pod_env[@]}" JAVA_TOOL_OPTIONS="$operator_tool_options" POD_NAMESPACE=halvs-system \
  java "${operator_image_flags[@]}" -XX:MaxRAM="$operator_max_ram" ${OPERATOR_JAVA_OPTS:-} -Xlog:gc:file="$dir/operator-gc.log" -Djava.io.tmpdir="$dir" \
  "${pod_jvm[@]}" \
  -jar "$operator_jar" run --health-port=0 > "$dir/operator.log" 2>&1 & # no port: others may hold 8081
operator_pid=$!
start_sampler "$operator_pid" "$dir/operator.samples"
until_true 1200 0.5 published || { tail -20 "$dir/operator.log"; exit 1; }
published_ms=$(( $(now_ms) - t_operator ))
echo "operator: plan published $(secs $published_ms) s after start ($(kubectl get cm -n halvs-system -l halvs.io/director-pair=lvs --no-headers | wc -l) ConfigMaps)"
until_true 1200 1 all_written virtualservices "$services" || { echo "VirtualServices without status: $(unwritten hvs)"; exit 1; }
vs_ms=$((written_at - t_operator))
echo "operator: every VirtualService's status written $(secs $vs_ms) s after start"
until_true 3600 2 all_written realservers "$dests" || { echo "RealServers without status: $(unwritten hrs)"; exit 1; }
rs_at=$written_at; rs_ms=$((rs_at - t_operator))
echo "operator: every RealServer's status written $(secs $rs_ms) s after start"
read -r op_rss op_hwm op_cpu <<<"$(at "$dir/operator.samples" "$rs_at")"

# 2. One agent, lvs-01, in a network namespace; eth0 a veth to a second namespace where the silent peer would be.
ip netns add "$ns"; ip netns add "$peer_ns"
ip link add "hrsc$$a0" type veth peer name "hrsc$$p0"
ip link set "hrsc$$a0" netns "$ns"; ip link set "hrsc$$p0" netns "$peer_ns"
ip -n "$ns" link set "hrsc$$a0" name eth0 up; ip -n "$ns" link set lo up
ip -n "$peer_ns" link set "hrsc$$p0" name eth0 up
ip -n "$ns" addr add 192.0.2.11/24 dev eth0
for n in 1 2; do
  kubectl patch node "lvs-0$n" --subresource=status --type merge \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.1$n\"}]}}" >/dev/null
done
python3 "$api/netns-forward.py" "$ns" "$api_port" & forward_pid=$!
report() { kubectl get cm -n halvs-system halvs-agent-lvs-lvs-01 -o jsonpath='{.data.report\.json}' 2>/dev/null | json_field "$1"; }
programmed() { local h; h=$(plan_hash); [ -n "$h" ] && [ "$(report programmedPlanHash)" = "$h" ] && [ "$(report programmed)" = True ]; }
mkdir -p "$dir/agent-tmp"
t_agent=$(now_ms)
pod_config "$dir" agent 127.0.0.1 "$api_port" # as the DaemonSet's pods find the API server (here the forwarder)
env "${agent_image_env[@]}" "${pod_env[@]}" JAVA_TOOL_OPTIONS="$agent_tool_options" NODE_NAME=lvs-01 POD_NAMESPACE=halvs-system HALVS_DIRECTOR_PAIR=lvs \
  ip netns exec "$ns" java "${agent_image_flags[@]}" -XX:MaxRAM="$agent_max_ram" ${AGENT_JAVA_OPTS:-} -Xlog:gc:file="$dir/agent-gc.log" \
  "${pod_jvm[@]}" \
  -Djava.io.tmpdir="$dir/agent-tmp" -jar "$agent_jar" in-cluster --fake-ipvs --no-health-checks \
  --state-dir "$dir/state" > "$dir/agent.log" 2>&1 &
agent_pid=$!
start_sampler "$agent_pid" "$dir/agent.samples"
until_true 1200 0.5 programmed || { tail -20 "$dir/agent.log"; exit 1; }
programmed_at=$(now_ms); programmed_ms=$((programmed_at - t_agent))
first_pass=$(grep -m1 -o 'full pass: [0-9]* operations, [0-9]* failures, [0-9]* ms' "$dir/agent.log" || true)
echo "agent: plan programmed and reported $(secs $programmed_ms) s after start ($first_pass)"
read -r ag_rss ag_hwm ag_cpu <<<"$(at "$dir/agent.samples" "$programmed_at")"
vips=$(ip -n "$ns" -o addr show dev eth0 | grep -c '/32 ' || true)
sleep "$settle"
echo "agent: after ${settle} s more: role $(report role), $vips VIPs on eth0 at programming, $(ip -n "$ns" -o addr show dev eth0 | grep -c '/32 ' || true) now"
read -r ag_rss2 ag_hwm2 ag_cpu2 <<<"$(at "$dir/agent.samples")"
read -r op_rss2 op_hwm2 op_cpu2 <<<"$(at "$dir/operator.samples")"
read -r api_rss api_hwm api_cpu <<<"$(at "$dir/apiserver.samples")"
read -r etcd_rss etcd_hwm etcd_cpu <<<"$(at "$dir/etcd.samples")"
tmp_kib=$(du -sk "$dir/agent-tmp" | cut -f1)
cp "/proc/$agent_pid/maps" "$dir/agent.maps"
cp "/proc/$operator_pid/smaps" "$dir/operator.smaps"; cp "/proc/$operator_pid/status" "$dir/operator.status"
# What fills each heap: the classes with the most bytes (a full GC first: live objects only).
jcmd "$operator_pid" GC.class_histogram > "$dir/operator-histogram.txt" 2>&1 || true
# Outside the heap, by the JVM's own account, when OPERATOR_JAVA_OPTS has -XX:NativeMemoryTracking=summary.
jcmd "$operator_pid" VM.native_memory summary > "$dir/operator-nmt.txt" 2>&1 || true
# Whose each object is: e2e/bench/heap-referrers.py "$dir/operator.hprof" (80 MB at SCALE=0.1)
if [ "${HEAP_DUMP:-0}" = 1 ]; then jcmd "$operator_pid" GC.heap_dump "$dir/operator.hprof" > /dev/null 2>&1 || true; fi
jcmd "$agent_pid" GC.class_histogram > "$dir/agent-histogram.txt" 2>&1 || true

row() { printf '%-44s %7s %8s %8s %9s %7s\n' "$@"; }
echo
echo "== resources at SCALE=$scale: $objects ($dests destinations); host $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
row phase "time s" "RSS MiB" "peak RSS" "VmHWM MiB" "CPU s"
row "kubectl apply (all objects)" "$(secs $apply_ms)"
row "operator: plan published" "$(secs $published_ms)"
row "operator: every VirtualService's status" "$(secs $vs_ms)"
row "operator: every RealServer's status" "$(secs $rs_ms)" "$op_rss" "" "$op_hwm" "$op_cpu"
row "operator: end of run" "" "$op_rss2" "$(peak_rss "$dir/operator.samples")" "$op_hwm2" "$op_cpu2"
row "agent lvs-01: programmed and reported" "$(secs $programmed_ms)" "$ag_rss" "" "$ag_hwm" "$ag_cpu"
row "agent lvs-01: ${settle} s later (one resync)" "" "$ag_rss2" "$(peak_rss "$dir/agent.samples")" "$ag_hwm2" "$ag_cpu2"
row "kube-apiserver (whole run)" "" "$api_rss" "$(peak_rss "$dir/apiserver.samples")" "$api_hwm" "$api_cpu"
row "etcd (whole run)" "" "$etcd_rss" "$(peak_rss "$dir/etcd.samples")" "$etcd_hwm" "$etcd_cpu"
programmed_s=$((programmed_ms / 1000))
echo "operator GC (-XX:MaxRAM=$operator_max_ram${OPERATOR_JAVA_OPTS:+ $OPERATOR_JAVA_OPTS}): $(gc_summary "$dir/operator-gc.log" 0 1e9); heap at the end $(live_heap "$dir/operator-gc.log")"
echo "agent GC (-XX:MaxRAM=$agent_max_ram${AGENT_JAVA_OPTS:+ $AGENT_JAVA_OPTS}): start and first programming: $(gc_summary "$dir/agent-gc.log" 0 "$programmed_s")"
echo "  after programming (election running, resync): $(gc_summary "$dir/agent-gc.log" "$programmed_s" 1e9); heap at the end $(live_heap "$dir/agent-gc.log")"
echo "agent /tmp (java.io.tmpdir; an in-memory emptyDir in the pod, counted in its memory): ${tmp_kib} KiB on disk, $(mapped_deleted_kib "$dir/agent.maps" agent-tmp) KiB mapped from deleted files"
echo "total $((SECONDS - t0)) s"
for who in operator agent; do
  echo "$who heap, live objects (jcmd GC.class_histogram, top 8 and total):"
  sed -n '2,11p' "$dir/$who-histogram.txt"; tail -1 "$dir/$who-histogram.txt"
done
