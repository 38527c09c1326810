#!/usr/bin/env bash
# Benchmark (prints figures, asserts nothing but that each run programs the plan): where the in-cluster agent's
# memory goes at full size, issue 14 (goal: RSS at most 150 MiB at 100,000 destinations with the client and its
# caches). The real API server and etcd (e2e/apiserver/start.sh); PlanLoader publishes a plan of SERVICES x
# DESTS (1,000 x 100) as the operator would (manifest and shard ConfigMaps), the pair's two Nodes and its HMAC
# Secret; then one agent runs `in-cluster --in-memory-host --no-health-checks` (the in-memory IPVS and address
# table: no root, no namespace; its election runs with a silent peer, so it holds the VIPs in memory) once per
# JVM flag set in VARIANTS, one after the other against the same plan, and prints side by side: RSS (after the
# plan is programmed and SETTLE_S more seconds, which covers a 30 s resync; and its peak, VmHWM), then
# the JVM's own accounts (Native Memory Tracking summary: heap, class/metaspace, threads, code, GC, other),
# the live heap after a full GC and the largest classes in it, and the collector's pauses until then (-Xlog:gc).
# NMT costs a little memory itself (its own line).
# The in-memory IPVS is not the agent's own: against the real kernel the table lives in the kernel. HeldSizes
# measures what it retains at this size (live heap after a full GC with it and without it, in a JVM of its own),
# and the last rows subtract that from each variant's figures: the live heap exactly, RSS as an estimate (the
# table's pages in the old generation, which the collector then would not have grown into).
#
# Usage: e2e/bench/agent-memory.sh           # 1,000 x 100, the variants below
#        SERVICES=100 e2e/bench/agent-memory.sh
# Needs the agent jar and the test classes: ./mvnw -B -o -pl director-agent -am package -DskipTests &&
#   ./mvnw -B -o -q -pl director-agent -am test-compile dependency:build-classpath \
#     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
# With STREAM_STEPS: then PlanLoader publishes that many plans, one every STREAM_PERIOD_MS (600), each changing
# STREAM_CHANGES (3) services, as a large apply does; the rows "stream:" give the collector's pauses meanwhile
# (a pause longer than the pair's dead interval, 150 ms by default, is a takeover) and the RSS peak.
# Env: SERVICES (1000), DESTS (100), SETTLE_S (40), TIMEOUT_S (600), KEEP=1 keeps the work directory,
# VARIANTS: "name=flags;name=flags" (flags space-separated; default: the images' flags before and after issue 14),
# JAR_<name>: another build of the agent for that variant (a before/after of the code: e.g. JAR_before=old.jar);
# JAVA_<name>: another JVM for it (e.g. JAVA_jdk25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java; default: java).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
services=${SERVICES:-1000}; dests=${DESTS:-100}; settle=${SETTLE_S:-40}; timeout=${TIMEOUT_S:-600}
stream_steps=${STREAM_STEPS:-0}; stream_period=${STREAM_PERIOD_MS:-600}; stream_changes=${STREAM_CHANGES:-3}
base="-XX:MaxRAMPercentage=75 -XX:MaxRAM=256m"
# "after": the agent image's command line as the poms give it (deployed-flags.sh), in a 256 MiB pod
source "$here/deployed-flags.sh"
source "$repo/e2e/apiserver/pod-config.sh"
read_image_flags agent_image_flags director-agent
# every variant runs with the image's environment as of now (MALLOC_ARENA_MAX since 2026-12-06: director-agent/pom.xml)
read_image_env agent_image_env director-agent
variants=${VARIANTS:-"before=-XX:+UseSerialGC $base;after=${agent_image_flags[*]} -XX:MaxRAM=256m"}
agent_jar=$repo/director-agent/target/halvs-agent.jar
cp_file=$repo/director-agent/target/cp.txt
for f in "$agent_jar" "$cp_file"; do
  [ -f "$f" ] || { echo "agent-memory.sh: $f missing (see the usage above)" >&2; exit 2; }
done
dir=$(mktemp -d /tmp/halvs-agent-memory.XXXXXX)
agent_pid=
cleanup() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  "$repo/e2e/apiserver/stop.sh" "$dir" >/dev/null 2>&1
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
"$repo/e2e/apiserver/start.sh" "$dir" >&2
export KUBECONFIG=$dir/admin.kubeconfig
api_port=$(kubectl config view -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2",0)); print(s.getsockname()[1])')
health_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -Xmx2g -cp "$repo/director-agent/target/test-classes:$repo/director-agent/target/classes:$(cat "$cp_file")" \
  io.halvs.agent.cli.PlanLoader halvs-system "$services" "$dests" "$port" >&2
ipvs_kib=$(java -XX:+UseSerialGC -Xmx2g -cp "$repo/director-agent/target/test-classes:$repo/director-agent/target/classes:$(cat "$cp_file")" \
  io.halvs.agent.cli.HeldSizes "$services" "$dests" | sed -n 's/.*inMemoryIpvsKiB=\([0-9]*\).*/\1/p')
ipvs_mib=$(( (ipvs_kib + 512) / 1024 ))
current_hash() {
  kubectl get cm -n halvs-system halvs-plan-lvs -o jsonpath='{.data.manifest\.json}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["planHash"])'
}
programmed() {
  kubectl get cm -n halvs-system halvs-agent-lvs-lvs-01 -o jsonpath='{.data.report\.json}' 2>/dev/null \
    | python3 -c 'import json,sys
d = json.loads(sys.stdin.read() or "null") or {}
sys.exit(0 if d.get("programmedPlanHash") == sys.argv[1] and d.get("programmed") in (True, "True") else 1)' "$plan_hash"
}
kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

declare -a names
declare -A rss hwm threads nmt live top flags_of gc stream stream_hwm classes meta_used rss_end
IFS=';' read -r -a specs <<< "$variants"
for spec in "${specs[@]}"; do
  name=${spec%%=*}; flags=${spec#*=}; names+=("$name"); flags_of[$name]=$flags
  # the report ConfigMap, as the operator creates it (the agent only updates it)
  kubectl delete cm -n halvs-system halvs-agent-lvs-lvs-01 --ignore-not-found >/dev/null
  kubectl create cm -n halvs-system halvs-agent-lvs-lvs-01 >/dev/null
  kubectl label cm -n halvs-system halvs-agent-lvs-lvs-01 halvs.io/director-pair=lvs \
    halvs.io/plan-part=agent-report >/dev/null
  kubectl delete lease -n halvs-system halvs-lvs --ignore-not-found >/dev/null
  rm -rf "$dir/state"
  log=$dir/agent-$name.log
  # shellcheck disable=SC2086 # flags are words
  jar_var=JAR_${name//[^A-Za-z0-9_]/_}; jar=${!jar_var:-$agent_jar}
  java_var=JAVA_${name//[^A-Za-z0-9_]/_}; jvm=${!java_var:-java}
  # as the DaemonSet's pods find the API server, with the admin's token (this agent needs no RBAC set up)
  pod_config "$dir" admin 127.0.0.1 "$api_port"
  env "${agent_image_env[@]}" "${pod_env[@]}" NODE_NAME=lvs-01 POD_NAMESPACE=halvs-system HALVS_DIRECTOR_PAIR=lvs "$jvm" $flags "${pod_jvm[@]}" \
    -XX:NativeMemoryTracking=summary -Xlog:gc:file="$dir/gc-$name.log" -jar "$jar" in-cluster --in-memory-host --no-health-checks \
    --health-port "$health_port" --state-dir "$dir/state" > "$log" 2>&1 &
  agent_pid=$!
  start=$SECONDS
  plan_hash=$(current_hash)
  until programmed; do
    kill -0 "$agent_pid" 2>/dev/null || { echo "agent ($name) exited; its log:" >&2; tail -20 "$log" >&2; exit 1; }
    [ $((SECONDS - start)) -lt "$timeout" ] || { echo "agent ($name): plan not programmed in $timeout s" >&2; exit 1; }
    sleep 1
  done
  echo "$name: $jar on $jvm programmed after $((SECONDS - start)) s; settling ${settle} s (flags: $flags)" >&2
  sleep "$settle"
  rss[$name]=$(( $(kib "$agent_pid" VmRSS) / 1024 )); hwm[$name]=$(( $(kib "$agent_pid" VmHWM) / 1024 ))
  threads[$name]=$(kib "$agent_pid" Threads)
  jcmd "$agent_pid" VM.native_memory summary scale=MB > "$dir/nmt-$name.txt"
  # each category's committed MB, in NMT's order: "-   Java Heap (reserved=192MB, committed=26MB)"
  nmt[$name]=$(python3 - "$dir/nmt-$name.txt" <<'PY'
import re, sys
out = []
for line in open(sys.argv[1]):
    m = re.match(r'\s*-\s+(.+?) \(reserved=\d+MB, committed=(\d+)MB\)', line)
    if m:
        out.append(f"{m.group(1)}={m.group(2)}")
    m = re.match(r'Total: reserved=\d+MB, committed=(\d+)MB', line.strip())
    if m:
        out.insert(0, f"NMT total={m.group(1)}")
print(";".join(out))
PY
)
  # the collector's pauses so far (before the histogram's own full collection): count and longest, ms
  # (the other pauses: young collections, and G1's or Shenandoah's pauses of a concurrent cycle; full: Full, or
  # Shenandoah's Degenerated)
  gc[$name]=$(awk '/ Pause / && !/Pause (Full|Degenerated)/ { y++; v = $NF + 0; if (v > ym) ym = v }
    /Pause (Full|Degenerated)/ { f++; v = $NF + 0; if (v > fm) fm = v }
    END { printf "%d/%.0f %d/%.0f", y, ym, f, fm }' "$dir/gc-$name.log")
  if [ "$stream_steps" -gt 0 ]; then
    # What a large apply sends: a new plan every STREAM_PERIOD_MS. A pause longer than the pair's dead interval
    # (3 heartbeats of 50 ms by default) is a takeover by the peer: in the full-size run's apply, 100 of them.
    before=$(wc -l < "$dir/gc-$name.log")
    java -Xmx2g -cp "$repo/director-agent/target/test-classes:$repo/director-agent/target/classes:$(cat "$cp_file")" \
      io.halvs.agent.cli.PlanLoader halvs-system "$services" "$dests" "$port" "$stream_steps" "$stream_period" \
      "$stream_changes" >&2
    plan_hash=$(current_hash); start=$SECONDS
    until programmed; do
      [ $((SECONDS - start)) -lt "$timeout" ] || { echo "agent ($name): streamed plan not programmed in $timeout s" >&2; exit 1; }
      sleep 1
    done
    stream[$name]=$(tail -n +"$((before + 1))" "$dir/gc-$name.log" | awk -f "$here/gc-pauses.awk")
    stream_hwm[$name]=$(( $(kib "$agent_pid" VmHWM) / 1024 ))
  fi
  # classes loaded and metaspace used now, after the stream if any: the client's reader loads the model jars' kinds
  # at its first watch event, which a plan change sends (jstat: Loaded; MU in KB)
  rss_end[$name]=$(( $(kib "$agent_pid" VmRSS) / 1024 ))
  classes[$name]=$(jstat -class "$agent_pid" | awk 'NR == 2 { print $1 }')
  meta_used[$name]=$(jstat -gc "$agent_pid" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "MU") c = i }
    NR == 2 { printf "%.1f", $c / 1024 }')
  jcmd "$agent_pid" GC.class_histogram > "$dir/histo-$name.txt" # a full GC first: what is live
  live[$name]=$(awk '/^Total/ { printf "%.0f", $3 / 1048576 }' "$dir/histo-$name.txt")
  top[$name]=$(awk 'NR > 3 && NR <= 11 { printf "%s %.1f MiB; ", $4, $3 / 1048576 }' "$dir/histo-$name.txt")
  kill "$agent_pid"; wait "$agent_pid" 2>/dev/null || true; agent_pid=
done

echo
echo "in-cluster agent, $services services x $dests destinations ($((services * dests)) destinations), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s' ""; for n in "${names[@]}"; do printf ' %16s' "$n"; done; echo
row() { printf '%-34s' "$1"; shift; for v in "$@"; do printf ' %16s' "$v"; done; echo; }
vals() { local -n m=$1; for n in "${names[@]}"; do printf '%s\n' "${m[$n]}"; done; }
mapfile -t v < <(vals rss); row "RSS MiB (settled)" "${v[@]}"
mapfile -t v < <(vals hwm); row "RSS peak MiB (VmHWM)" "${v[@]}"
mapfile -t v < <(vals live); row "live heap MiB (after full GC)" "${v[@]}"
mapfile -t v < <(vals threads); row "threads" "${v[@]}"
mapfile -t v < <(vals rss_end); row "RSS MiB (at the end)" "${v[@]}"
mapfile -t v < <(vals classes); row "classes loaded (at the end)" "${v[@]}"
mapfile -t v < <(vals meta_used); row "metaspace used MiB (at the end)" "${v[@]}"
mapfile -t v < <(vals gc | cut -d' ' -f1); row "other GC pauses / longest ms" "${v[@]}"
mapfile -t v < <(vals gc | cut -d' ' -f2); row "full GCs / longest ms" "${v[@]}"
if [ "$stream_steps" -gt 0 ]; then
  mapfile -t v < <(vals stream | cut -d' ' -f1); row "stream: GC pauses" "${v[@]}"
  mapfile -t v < <(vals stream | cut -d' ' -f2); row "stream: pauses > 150 ms (takeovers)" "${v[@]}"
  mapfile -t v < <(vals stream | cut -d' ' -f3); row "stream: longest pause ms" "${v[@]}"
  mapfile -t v < <(vals stream | cut -d' ' -f4); row "stream: full GCs" "${v[@]}"
  mapfile -t v < <(vals stream_hwm); row "stream: RSS peak MiB (VmHWM)" "${v[@]}"
  echo "(stream: $stream_steps plans, one every $stream_period ms, $stream_changes services changed in each)"
fi
mapfile -t v < <(for n in "${names[@]}"; do echo $(( ${live[$n]} - ipvs_mib )); done)
row "live heap MiB, real kernel" "${v[@]}"
mapfile -t v < <(for n in "${names[@]}"; do echo $(( ${rss[$n]} - ipvs_mib )); done)
row "RSS MiB, real kernel (estimate)" "${v[@]}"
echo "(real kernel: minus the in-memory IPVS's ${ipvs_mib} MiB, measured by HeldSizes at this size)"
# the NMT categories, one row each, committed MB
first=${names[0]}
IFS=';' read -r -a cats <<< "${nmt[$first]}"
for c in "${cats[@]}"; do
  cat=${c%%=*}; vs=()
  for n in "${names[@]}"; do
    vs+=("$(tr ';' '\n' <<< "${nmt[$n]}" | awk -F= -v c="$cat" '$1 == c { print $2 }')")
  done
  row "  NMT committed MB: $cat" "${vs[@]}"
done
for n in "${names[@]}"; do echo "$n: ${flags_of[$n]}"; echo "  largest live classes: ${top[$n]}"; done
