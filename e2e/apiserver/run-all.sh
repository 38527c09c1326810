#!/usr/bin/env bash
# The real control-plane tier: kube-apiserver + etcd (built from source), deploy/ applied with kubectl, the
# admission table, the operator running as its ServiceAccount with exactly deploy/'s RBAC, server-side apply
# by a GitOps-like second manager, and least privilege of the agent identity. Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=$(mktemp -d /tmp/halvs-apiserver.XXXXXX)
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }
wait_for() { for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
operator_pid=""; operator_b_pid=""
declare -A agent_pid=() forward_pid=()
web_pid=""
# The pair's two directors: network namespaces of their own (unique per run), interfaces named as
# deploy/examples/seed-nat.yaml says: eth0 (VIPs, sync daemons, heartbeats) a veth between the two; eth1 (the
# NAT gateway) each a veth into a bridge in a third namespace that holds the real servers 10.0.1.11-13.
declare -A netns=([lvs-01]=hvs$$a [lvs-02]=hvs$$b)
rs_ns=hvs$$r
cleanup() {
  for pid in $operator_pid $operator_b_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  for pid in "${agent_pid[@]}" "${forward_pid[@]}" $web_pid; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for ns in "${netns[@]}" "$rs_ns"; do ip netns del "$ns" 2>/dev/null; done
  "$here/stop.sh" "$dir" "$failed"
}
trap cleanup EXIT

t=$SECONDS
bin=$("$here/build.sh")
echo "build (cached after the first run): $((SECONDS - t)) s"
"$here/start.sh" "$dir" "$bin" || { fail "the API server and etcd start"; exit 1; }
export KUBECONFIG=$dir/admin.kubeconfig
k() { kubectl "$@"; }
# The operator's /metrics (on its health port): one sample's value (sample.py NAME LABEL=VALUE...).
metric() { # port name [label=value ...]
  curl -s "http://127.0.0.1:$1/metrics" | python3 "$repo/e2e/monitoring/sample.py" "${@:2}"
}
export -f metric; export repo

# The operator (replica A), as a local process authenticated as its ServiceAccount, started before deploy/ is
# applied: it must wait, saying so, rather than fail (on a cluster it would crash-loop).
jar=$repo/operator/target/halvs-operator.jar
# run on its own (not after the maven tier): build the two jars it runs
[ -f "$jar" ] && [ -f "$repo/director-agent/target/halvs-agent.jar" ] \
  || (cd "$repo" && ./mvnw -B -q -pl operator,director-agent -am package -DskipTests)
# per run (other runs may share the host), below the ephemeral ports (32768-60999) a client connection may hold
health_a=$((18000 + $$ % 7000 * 2)); health_b=$((health_a + 1))
start_operator() { # identity health-port log
  KUBECONFIG=$dir/operator.kubeconfig POD_NAMESPACE=halvs-system POD_NAME=$1 \
    java -jar "$jar" run --leader-elect --health-port="$2" >> "$3" 2>&1 &
}
start_operator operator-a "$health_a" "$dir/operator.log"; operator_pid=$!
check "operator started before deploy/: waits with one line (no RBAC, no CRDs yet)" wait_for grep -q 'waiting for' "$dir/operator.log"
check "...alive (/healthz 200) but not ready (/readyz 503) while it waits" bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$health_a/healthz)\" = 200 ] && \
   [ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$health_a/readyz)\" = 503 ]"
check "kubectl apply -k deploy/" k apply -k "$repo/deploy"
check "CRDs become Established" k wait --for condition=established --timeout=60s \
  crd/virtualservices.halvs.io crd/realservers.halvs.io crd/directorpairs.halvs.io
if out=$(bash "$repo/e2e/admission/run.sh" 2>&1); then pass "admission table: $(tail -1 <<<"$out")"
else echo "$out" | grep FAIL; fail "admission table: $(tail -1 <<<"$out")"; fi
if out=$(bash "$here/render-agrees.sh" 2>&1); then pass "$(tail -1 <<<"$out")"
else echo "$out" | grep FAIL; fail "$(tail -1 <<<"$out")"; fi
check "kubectl apply -f deploy/examples/" k apply -f "$repo/deploy/examples/"
# The pair's director nodes exist (no kubelet: just the objects), so the finalizer has directors to wait for.
for n in lvs-01 lvs-02; do
  k create -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata: {name: $n, labels: {kubernetes.io/hostname: $n}}
NODE
done

# The operator with exactly deploy/'s RBAC goes on once the CRDs are established.
check "...and goes on once deploy/ is applied: ready, leading (Lease halvs-operator)" wait_for bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$health_a/readyz)\" = 200 ] && \
   [ \"\$(kubectl get lease -n halvs-system halvs-operator -o jsonpath='{.spec.holderIdentity}')\" = operator-a ]"
check "...still its first process (no restart)" kill -0 "$operator_pid"
if ! kill -0 "$operator_pid" 2>/dev/null; then
  # Every check after this one needs it: end here (each would wait its minute) with how it ended and its last lines.
  rc=0; wait "$operator_pid" || rc=$?; operator_pid=""
  fail "the operator exited (status $rc) before the checks that need it; its log's last 30 lines:"
  tail -30 "$dir/operator.log" | cut -c1-400
  echo "$passed passed, $failed failed"
  exit 1
fi
echo "  (operator log while waiting: $(grep -c 'waiting for' "$dir/operator.log") lines)"
endpoint=""
for _ in $(seq 1 120); do
  endpoint=$(k get hvs web -n default -o jsonpath='{.status.endpoint}' 2>/dev/null)
  [ -n "$endpoint" ] && break
  sleep 0.5
done
if [ "$endpoint" = "192.0.2.110:80/TCP" ]; then pass "operator as its ServiceAccount writes status ($endpoint)"
else fail "operator wrote no status; log:"; tail -20 "$dir/operator.log"; fi
check "printer columns: kubectl get hvs shows ENDPOINT SCHEDULER ACTIVE READY AGE" \
  bash -c "kubectl get hvs -n default | head -1 | grep -qE 'NAME +ENDPOINT +SCHEDULER +ACTIVE +READY +AGE'"
check "printer columns carry real values" wait_for bash -c "kubectl get hvs web -n default --no-headers | grep -q '192.0.2.110:80/TCP *wlc'"
check "kubectl get hdp shows ACTIVE STANDBY READY" bash -c "kubectl get hdp | head -1 | grep -qE 'NAME +ACTIVE +STANDBY +READY'"
check "kubectl get hrs shows ADDRESS and WEIGHT" bash -c "kubectl get hrs -n default web-1 --no-headers | grep -q '10.0.1.11 .*100'"
check "the operator created the agent DaemonSet" wait_for k get daemonset -n halvs-system halvs-agent-lvs
check "...with capabilities NET_ADMIN and NET_RAW only" bash -c \
  "kubectl get ds -n halvs-system halvs-agent-lvs -o jsonpath='{.spec.template.spec.containers[0].securityContext.capabilities.add}' | grep -qx '\[\"NET_ADMIN\",\"NET_RAW\"\]'"
check "...placed by matchFields on metadata.name (the Node's name, not the hostname label), one term per node" bash -c \
  "[ \"\$(kubectl get ds -n halvs-system halvs-agent-lvs -o jsonpath='{.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[*].matchFields[0].key}/{.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[*].matchFields[0].values[0]}')\" = 'metadata.name metadata.name/lvs-01 lvs-02' ]"
check "...priority class halvs-director-critical, which deploy/ ships" bash -c \
  "[ \"\$(kubectl get ds -n halvs-system halvs-agent-lvs -o jsonpath='{.spec.template.spec.priorityClassName}')\" = halvs-director-critical ] && \
   kubectl get priorityclass halvs-director-critical"
check "...readiness /readyz and liveness /healthz on port 8850, minReadySeconds 10" bash -c \
  "[ \"\$(kubectl get ds -n halvs-system halvs-agent-lvs -o jsonpath='{.spec.template.spec.containers[0].readinessProbe.httpGet.path}:{.spec.template.spec.containers[0].readinessProbe.httpGet.port}:{.spec.template.spec.containers[0].livenessProbe.httpGet.path}:{.spec.minReadySeconds}')\" = /readyz:8850:/healthz:10 ]"
check "...init container load-modules with SYS_MODULE only" bash -c \
  "[ \"\$(kubectl get ds -n halvs-system halvs-agent-lvs -o jsonpath='{.spec.template.spec.initContainers[0].name}:{.spec.template.spec.initContainers[0].securityContext.capabilities.add}')\" = 'load-modules:[\"SYS_MODULE\"]' ]"
check "the plan is published" wait_for k get configmap -n halvs-system halvs-plan-lvs
check "the finalizer is on the pair" bash -c "kubectl get hdp lvs -o jsonpath='{.metadata.finalizers}' | grep -q halvs.io/cleanup"

# The operator's /metrics after it published the plan and wrote status (replica A, leading; no agent yet).
check "operator /metrics: Prometheus text format 0.0.4, halvs_build_info{component=operator} 1, leader 1" bash -c \
  "curl -s -o /dev/null -w '%{content_type}' http://127.0.0.1:$health_a/metrics | grep -q '^text/plain; version=0.0.4' && \
   [ \"\$(metric $health_a halvs_build_info component=operator)\" = 1 ] && [ \"\$(metric $health_a halvs_operator_leader)\" = 1 ]"
check "...plan builds counted (ok >= 1, error 0); halvs_operator_plan_shards{lvs} = the shard ConfigMaps written" bash -c \
  "[ \"\$(metric $health_a halvs_operator_plan_builds_total result=ok)\" -ge 1 ] && \
   [ \"\$(metric $health_a halvs_operator_plan_builds_total result=error)\" = 0 ] && \
   [ \"\$(metric $health_a halvs_operator_plan_shards directorpair=lvs)\" = \
     \"\$(kubectl get cm -n halvs-system -l halvs.io/director-pair=lvs,halvs.io/plan-part=shard --no-headers | wc -l)\" ]"
plan_bytes() { # what the agents read: the manifest and the shards' gzipped bytes
  kubectl get cm -n halvs-system -l halvs.io/director-pair=lvs -o json | python3 -c '
import base64, json, sys
n = 0
for cm in json.load(sys.stdin)["items"]:
    part = cm["metadata"]["labels"].get("halvs.io/plan-part")
    if part == "manifest": n += len(cm["data"]["manifest.json"].encode())
    if part == "shard": n += sum(len(base64.b64decode(v)) for v in cm["binaryData"].values())
print(n)'
}
export -f plan_bytes
check "...halvs_operator_plan_bytes{lvs} = the bytes of the published manifest and shards" wait_for bash -c \
  "[ \"\$(metric $health_a halvs_operator_plan_bytes directorpair=lvs)\" = \"\$(plan_bytes)\" ]"
check "...status writes counted by kind (VirtualService, DirectorPair >= 1, RealServer >= 3), none failed" bash -c \
  "[ \"\$(metric $health_a halvs_operator_status_writes_total kind=VirtualService result=ok)\" -ge 1 ] && \
   [ \"\$(metric $health_a halvs_operator_status_writes_total kind=DirectorPair result=ok)\" -ge 1 ] && \
   [ \"\$(metric $health_a halvs_operator_status_writes_total kind=RealServer result=ok)\" -ge 3 ] && \
   for kind in VirtualService RealServer DirectorPair; do [ \"\$(metric $health_a halvs_operator_status_writes_total kind=\$kind result=error)\" = 0 ] || exit 1; done"
check "...no agent has reported: halvs_operator_agent_report_stale 1 for lvs-01 and lvs-02" bash -c \
  "[ \"\$(metric $health_a halvs_operator_agent_report_stale directorpair=lvs node=lvs-01)\" = 1 ] && \
   [ \"\$(metric $health_a halvs_operator_agent_report_stale directorpair=lvs node=lvs-02)\" = 1 ]"
check "...JOSDK's metrics per controller (reconciles timed for directorpair), no label names an object" bash -c \
  "[ \"\$(metric $health_a operator_sdk_controllers_execution_reconcile_seconds_count controller=directorpair | cut -d. -f1)\" -ge 1 ] && \
   ! curl -s http://127.0.0.1:$health_a/metrics | grep '^operator_sdk_' | grep -qE '[{,](resource_)?(name|namespace)='"

# GitOps: a second field manager applies the same objects server-side after the operator wrote status.
check "server-side apply of the examples after the operator wrote status: no conflict" \
  k apply --server-side --field-manager=gitops -f "$repo/deploy/examples/"
rv1=$(k get hvs web -n default -o jsonpath='{.metadata.generation}')
sleep 3
check "...and again: no flapping (generation unchanged)" bash -c \
  "kubectl apply --server-side --field-manager=gitops -f '$repo/deploy/examples/' && sleep 3 && \
   test \"\$(kubectl get hvs web -n default -o jsonpath='{.metadata.generation}')\" = '$rv1'"

# The DirectorPair's agent settings reach the DaemonSet.
k patch hdp lvs --type merge -p '{"spec":{"agent":{"args":["--fake-ipvs"],"jvmOptions":"-Xmx300m","loadKernelModules":false,"port":9850,"resources":{"limits":{"memory":"600Mi"}}}}}' >/dev/null
ds_field() { kubectl get ds -n halvs-system halvs-agent-lvs -o jsonpath="{.spec.template.spec.$1}"; }
export -f ds_field
check "spec.agent: args, jvmOptions (JAVA_TOOL_OPTIONS), port, memory limit in the DaemonSet; no init container" wait_for bash -c \
  "ds_field 'containers[0].args' | grep -q '\"in-cluster\",\"--health-port=9850\",\"--fake-ipvs\"' && \
   [ \"\$(ds_field 'containers[0].env[?(@.name==\"JAVA_TOOL_OPTIONS\")].value')\" = \"-Xmx192m -XX:MetaspaceSize=48m -XX:+UnlockExperimentalVMOptions -XX:ShenandoahAllocationThreshold=3 -XX:ShenandoahUncommitDelay=10000 -Xmx300m\" ] && \
   [ \"\$(ds_field 'containers[0].readinessProbe.httpGet.port')\" = 9850 ] && \
   [ \"\$(ds_field 'containers[0].resources.limits.memory')\" = 600Mi ] && [ -z \"\$(ds_field initContainers)\" ]"
k patch hdp lvs --type json -p '[{"op":"remove","path":"/spec/agent"}]' >/dev/null

# A node in two pairs: the newer pair is rejected, naming the node and the older pair; nothing is deployed for it.
k apply -f - >/dev/null <<'PAIR'
apiVersion: halvs.io/v1alpha1
kind: DirectorPair
metadata: {name: lvs-clash}
spec: {nodes: [lvs-02, lvs-03], vipInterface: eth0}
PAIR
check "a DirectorPair on lvs-02, a node of lvs: Ready=False NodeInOtherPair naming lvs-02 and DirectorPair lvs" wait_for bash -c \
  "kubectl get hdp lvs-clash -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].reason} {.status.conditions[?(@.type==\"Ready\")].message}' | grep -q '^NodeInOtherPair node lvs-02 is already a director of DirectorPair lvs'"
check "...no agent DaemonSet, no plan for it; lvs keeps its own" bash -c \
  "! kubectl get ds -n halvs-system halvs-agent-lvs-clash 2>/dev/null && ! kubectl get cm -n halvs-system halvs-plan-lvs-clash 2>/dev/null && \
   kubectl get ds -n halvs-system halvs-agent-lvs"
check "...deleted, it goes at once (never deployed: no director to wait for)" k delete hdp lvs-clash --timeout=30s

# Least privilege.
can() { kubectl --kubeconfig "$dir/$1.kubeconfig" auth can-i "${@:2}" 2>/dev/null; }
check "operator may patch VirtualService status" test "$(can operator patch virtualservices/status -A)" = yes
check "operator may not delete nodes" test "$(can operator delete nodes)" = no
check "operator may not read secrets outside its namespace" test "$(can operator get secrets -n default)" = no
check "operator may delete pods in its namespace (the agents' rollout)" test "$(can operator delete pods -n halvs-system)" = yes
check "operator may not delete pods elsewhere" test "$(can operator delete pods -n default)" = no
check "operator may list ControllerRevisions in its namespace" test "$(can operator list controllerrevisions.apps -n halvs-system)" = yes
check "operator may not change ControllerRevisions" test "$(can operator update controllerrevisions.apps -n halvs-system)" = no
# It manages ClusterRoles (the agents' per-pair Nodes role), but RBAC escalation prevention keeps it from
# writing one with rights it does not hold itself.
check "operator may not create a ClusterRole granting secrets cluster-wide (escalation refused)" bash -c \
  "kubectl --kubeconfig '$dir/operator.kubeconfig' create clusterrole halvs-escalate --verb=get --resource=secrets 2>&1 \
   | grep -q 'forbidden: .*not currently held'"
check "agent may read the plan" test "$(can agent get configmaps/halvs-plan-lvs -n halvs-system)" = yes
check "agent may update its own report" test "$(can agent update configmaps/halvs-agent-lvs-lvs-01 -n halvs-system)" = yes
check "agent may not update the plan" test "$(can agent update configmaps/halvs-plan-lvs -n halvs-system)" = no
check "agent may not create configmaps" test "$(can agent create configmaps -n halvs-system)" = no
check "agent may update its pair's Lease" test "$(can agent update leases/halvs-lvs -n halvs-system)" = yes
check "agent may get and watch its pair's HMAC Secret by name, and list no secrets" bash -c \
  "test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i watch secrets/halvs-lvs-hmac -n halvs-system)\" = yes && \
   test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i get secrets/halvs-lvs-hmac -n halvs-system)\" = yes && \
   test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i list secrets -n halvs-system)\" = no"
check "agent may not touch VirtualServices" test "$(can agent update virtualservices -A)" = no
check "agent may get its pair's Nodes lvs-01 and lvs-02 (the operator's per-pair ClusterRole)" wait_for bash -c \
  "test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i get nodes/lvs-01)\" = yes && \
   test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i get nodes/lvs-02)\" = yes"
check "agent may not get other Nodes" test "$(can agent get nodes/lvs-03)" = no
check "agent may not list or patch Nodes" bash -c \
  "test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i list nodes)\" = no && \
   test \"\$(kubectl --kubeconfig '$dir/agent.kubeconfig' auth can-i patch nodes/lvs-01)\" = no"

# People: deploy/base/user-rbac.yaml's roles bound to a user as docs/KUBECTL.md says (no controller manager runs
# here, so the aggregation into view/edit is checked by the cluster tier).
k create clusterrolebinding jane-halvs-kubectl --clusterrole=halvs-kubectl --user=jane >/dev/null
k create rolebinding jane-halvs-kubectl-agents -n halvs-system --role=halvs-kubectl-agents --user=jane >/dev/null
jane() { kubectl --kubeconfig "$dir/admin.kubeconfig" auth can-i --as=jane "$@" 2>/dev/null; }
jane_reads_and_drains() {
  test "$(jane list directorpairs.halvs.io)" = yes && test "$(jane list virtualservices.halvs.io -A)" = yes &&
    test "$(jane list events -n default)" = yes && test "$(jane patch realservers.halvs.io -n default)" = yes
}
jane_execs_in_halvs_system_only() {
  test "$(jane create pods --subresource=exec -n halvs-system)" = yes && test "$(jane get configmaps -n halvs-system)" = yes &&
    test "$(jane create pods --subresource=exec -n default)" = no
}
jane_changes_nothing() {
  test "$(jane update virtualservices.halvs.io -n default)" = no && test "$(jane create directorpairs.halvs.io)" = no &&
    test "$(jane get secrets -n halvs-system)" = no
}
check "kubectl halvs user: reads pairs, services, real servers and events everywhere; patches real servers (drain)" jane_reads_and_drains
check "...execs into the agent pods and reads their reports in halvs-system only" jane_execs_in_halvs_system_only
check "...but changes no service, no pair, reads no secret" jane_changes_nothing

# The agents: `halvs-agent in-cluster --fake-ipvs` as the pair's nodes, each in its network namespace, with the
# agents' identity (the token start.sh makes for system:serviceaccount:halvs-system:halvs-agent-lvs, which the
# operator's per-pair Role and RoleBinding name). IPVS is the in-memory table (this kernel has none); VIPs, the
# gateway address and sysctls are real, in the namespaces; so are the health checks (HTTP to the real servers in
# their namespace) and the election (heartbeats over eth0 between the Nodes' InternalIPs, the pair's Lease).
agent_jar=$repo/director-agent/target/halvs-agent.jar
api_port=$(kubectl config view --kubeconfig "$dir/agent.kubeconfig" -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
ip netns add "${netns[lvs-01]}" && ip netns add "${netns[lvs-02]}" && ip netns add "$rs_ns"
ip link add "hv$$a0" type veth peer name "hv$$b0"
ip link set "hv$$a0" netns "${netns[lvs-01]}"; ip link set "hv$$b0" netns "${netns[lvs-02]}"
ip -n "${netns[lvs-01]}" link set "hv$$a0" name eth0 up; ip -n "${netns[lvs-02]}" link set "hv$$b0" name eth0 up
ip -n "$rs_ns" link set lo up
ip -n "$rs_ns" link add br0 type bridge && ip -n "$rs_ns" link set br0 up
for n in lvs-01 lvs-02; do
  ns=${netns[$n]}; last=${n#lvs-0}
  ip link add "hv$$r$last" type veth peer name "hv$$d$last"
  ip link set "hv$$d$last" netns "$ns"; ip -n "$ns" link set "hv$$d$last" name eth1 up
  ip link set "hv$$r$last" netns "$rs_ns"; ip -n "$rs_ns" link set "hv$$r$last" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "192.0.2.1$last/24" dev eth0; ip -n "$ns" addr add "10.0.1.$last/24" dev eth1
  python3 "$here/netns-forward.py" "$ns" "$api_port" & forward_pid[$n]=$!
done
# The example's three real servers: addresses on the bridge, one HTTP server answering 200 on / for all.
for i in 1 2 3; do ip -n "$rs_ns" addr add "10.0.1.1$i/24" dev br0; done
mkdir -p "$dir/www" && echo ok > "$dir/www/index.html"
(cd "$dir/www" && exec ip netns exec "$rs_ns" python3 -m http.server 80 --bind 0.0.0.0 > "$dir/web.log" 2>&1) &
web_pid=$!
start_agent() { # node
  KUBECONFIG=$dir/agent.kubeconfig NODE_NAME=$1 POD_NAMESPACE=halvs-system HALVS_DIRECTOR_PAIR=lvs \
    ip netns exec "${netns[$1]}" java -XX:+UseSerialGC -Xmx256m -jar "$agent_jar" in-cluster --fake-ipvs \
    --state-dir "$dir/state-$1" >> "$dir/agent-$1.log" 2>&1 &
  agent_pid[$1]=$!
}
json_field() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read() or "null"); print("" if d is None else d.get(sys.argv[1]))' "$1"; }
plan_hash() { kubectl get cm -n halvs-system halvs-plan-lvs -o jsonpath='{.data.manifest\.json}' | json_field planHash; }
report() { kubectl get cm -n halvs-system "halvs-agent-lvs-$1" -o jsonpath='{.data.report\.json}' | json_field "$2"; }
programmed() { # node: the report names the current plan, programmed
  local h; h=$(plan_hash); [ -n "$h" ] && [ "$(report "$1" programmedPlanHash)" = "$h" ] && [ "$(report "$1" programmed)" = True ]
}
addrs() { local v="netns_${1/-/_}"; ip -n "${!v}" -o addr show dev "$2"; }
export -f json_field plan_hash report programmed addrs; export dir
for n in lvs-01 lvs-02; do export "netns_${n/-/_}=${netns[$n]}"; done
t_agents=$SECONDS
start_agent lvs-01; start_agent lvs-02
check "agent lvs-01 programs the plan and reports its hash" wait_for programmed lvs-01
check "agent lvs-02 programs the plan and reports its hash" wait_for programmed lvs-02
check "operator /metrics: both reports fresh now (halvs_operator_agent_report_stale 0)" wait_for bash -c \
  "[ \"\$(metric $health_a halvs_operator_agent_report_stale directorpair=lvs node=lvs-01)\" = 0 ] && \
   [ \"\$(metric $health_a halvs_operator_agent_report_stale directorpair=lvs node=lvs-02)\" = 0 ]"
echo "  (agents started, plan programmed and reported: $((SECONDS - t_agents)) s)"
# The Nodes have no addresses yet (no kubelet): no election, so neither director touches the VIPs.
check "no InternalIP on the Nodes yet: each agent logs one clear line and runs no election" wait_for bash -c \
  "grep -q 'no election yet, the VIPs stay as they are: .*has no InternalIP' '$dir/agent-lvs-01.log' && \
   grep -q 'no election yet, the VIPs stay as they are: .*has no InternalIP' '$dir/agent-lvs-02.log'"
check "...(one line each, not one per retry)" bash -c "sleep 4; [ \$(grep -c 'no election yet' '$dir/agent-lvs-01.log') = 1 ]"
check "...and neither holds the VIP" bash -c "! addrs lvs-01 eth0 | grep -q 192.0.2.110 && ! addrs lvs-02 eth0 | grep -q 192.0.2.110"
# What a kubelet would write: each Node's InternalIP, here the eth0 addresses (the heartbeat link).
for n in lvs-01 lvs-02; do
  k patch node "$n" --subresource=status --type merge \
    -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.1${n#lvs-0}\"}]}}" >/dev/null
done
# grep -c reads all of ip's output: with grep -q, ip may die of SIGPIPE and pipefail (this shell) fails the test.
holders() { for n in lvs-01 lvs-02; do [ "$(addrs "$n" eth0 | grep -c ' 192.0.2.110/32 ')" -gt 0 ] && echo "$n"; done; }
export -f holders
check "with the Nodes' addresses the election starts: exactly one director holds the VIP" wait_for bash -c \
  '[ "$(holders | wc -l)" = 1 ]'
active=$(holders); [ -z "$active" ] && active=lvs-01
standby=$([ "$active" = lvs-01 ] && echo lvs-02 || echo lvs-01)
echo "  (active: $active, standby: $standby)"
check "reports: $active active, $standby standby (the election's roles)" wait_for bash -c \
  "[ \"\$(report $active role)\" = active ] && [ \"\$(report $standby role)\" = standby ]"
check "...and the NAT gateway 10.0.1.254/24 on the active's eth1" bash -c "addrs $active eth1 | grep -q ' 10.0.1.254/24 '"
check "the standby $standby holds neither" bash -c "! addrs $standby eth0 | grep -q 192.0.2.110 && ! addrs $standby eth1 | grep -q 10.0.1.254"
# Each election warms its Lease write path up with a dry-run update at its start (a standby's first write is its
# takeover's): the API server counts them as dry runs, and the Lease still names the active.
dry_run_lease_puts() {
  kubectl get --raw /metrics | awk '/^apiserver_request_total\{/ && index($0, "resource=\"leases\"") &&
    index($0, "verb=\"PUT\"") && index($0, "dry_run=\"All\"") && index($0, "code=\"200\"") { n += $NF } END { print n + 0 }'
}
export -f dry_run_lease_puts
check "both elections warmed the Lease's write path up: dry-run PUTs of the Lease (the API server's count)" \
  wait_for bash -c '[ "$(dry_run_lease_puts)" -ge 2 ]'
if [ "$(dry_run_lease_puts)" -lt 2 ]; then # what to look at: each agent's warm-up line, the dry runs by answer
  grep -h "write path" "$dir"/agent-lvs-0?.log | sed 's/^/  (/; s/$/)/'
  kubectl get --raw /metrics | grep '^apiserver_request_total{' | grep 'resource="leases"' | grep 'dry_run="All"' |
    sed 's/^/  (/; s/$/)/'
fi
check "...which wrote nothing: the Lease names the active $active" wait_for bash -c \
  "[ \"\$(kubectl get lease -n halvs-system halvs-lvs -o jsonpath='{.spec.holderIdentity}')\" = $active ]"
check "the HTTP health checks reach the real servers (requests in the real servers' namespace)" wait_for bash -c \
  "grep -q 'GET / ' '$dir/web.log'"
check "sysctl net.ipv4.ip_forward=1 written in both directors' namespaces" bash -c \
  "[ \$(ip netns exec ${netns[lvs-01]} cat /proc/sys/net/ipv4/ip_forward) = 1 ] && [ \$(ip netns exec ${netns[lvs-02]} cat /proc/sys/net/ipv4/ip_forward) = 1 ]"
check "kubectl get hdp lvs: ACTIVE $active, STANDBY $standby, READY True" wait_for bash -c \
  "kubectl get hdp lvs --no-headers | grep -qE '^lvs +$active +$standby +True'"
check "DirectorPair Programmed=True" wait_for bash -c \
  "kubectl get hdp lvs -o jsonpath='{.status.conditions[?(@.type==\"Programmed\")].status}' | grep -qx True"
check "kubectl get hvs web: ACTIVE $active, READY 3/3 (health-checked)" wait_for bash -c \
  "kubectl get hvs web -n default --no-headers | grep -qE '$active +3/3'"
# A real server goes away (its address leaves the bridge): the checks of both directors notice, hvs shows 2/3.
ip -n "$rs_ns" addr del 10.0.1.13/24 dev br0
check "real server 10.0.1.13 gone: kubectl get hvs web shows READY 2/3 (the in-cluster health checks)" wait_for bash -c \
  "kubectl get hvs web -n default --no-headers | grep -qE '$active +2/3'"
ip -n "$rs_ns" addr add 10.0.1.13/24 dev br0
check "...and 3/3 again once it is back" wait_for bash -c "kubectl get hvs web -n default --no-headers | grep -qE '$active +3/3'"
# The operator caches objects without managedFields (LeanStore); its status writes since the gitops apply above
# (the readiness changes) must have left the server's field ownership alone.
check "after the operator's status writes the server still records gitops (Apply, spec) and the status writer" bash -c \
  "[ \"\$(kubectl get hvs web -n default -o jsonpath='{.metadata.managedFields[?(@.manager==\"gitops\")].operation}')\" = Apply ] && \
   kubectl get hvs web -n default -o jsonpath='{.metadata.managedFields[?(@.manager==\"gitops\")].fieldsV1}' | grep -q 'f:vip' && \
   [ \"\$(kubectl get hvs web -n default -o jsonpath='{.metadata.managedFields[?(@.subresource==\"status\")].operation}')\" = Update ]"

# A weight edit: a new plan hash, both agents converge to it with one IPVS operation each.
old_hash=$(plan_hash)
k patch hrs web-1 -n default --type merge -p '{"spec":{"weight":50}}' >/dev/null
check "a weight edit publishes a new plan" wait_for bash -c "[ -n \"\$(plan_hash)\" ] && [ \"\$(plan_hash)\" != '$old_hash' ]"
check "...which both agents program and report" wait_for bash -c "programmed lvs-01 && programmed lvs-02"
check "...with one IPVS operation (edit destination 10.0.1.11:80, weight 50)" bash -c \
  "grep -q 'full pass: 1 operations, 0 failures' '$dir/agent-lvs-01.log'"

# A director cut off from the API server (its forwarder stopped) keeps serving and says so once.
kill "${forward_pid[lvs-01]}"; wait "${forward_pid[lvs-01]}" 2>/dev/null
check "lvs-01 cut off from the API server logs one clear line" wait_for bash -c \
  "grep -q 'API server unreachable: the last good plan keeps serving' '$dir/agent-lvs-01.log'"
sleep 5
check "...only that (at most one line per reader, no stack trace)" bash -c \
  "[ \$(grep -c 'unreachable' '$dir/agent-lvs-01.log') -le 2 ] && ! grep -q '^\\s*at ' '$dir/agent-lvs-01.log'"
check "...and the VIP stays where it was ($active) while lvs-01 is cut off" bash -c '[ "$(holders)" = '"$active"' ]'
python3 "$here/netns-forward.py" "${netns[lvs-01]}" "$api_port" & forward_pid[lvs-01]=$!
check "...and follows the plan again when the API server is back" wait_for bash -c \
  "grep -q 'API server reachable again' '$dir/agent-lvs-01.log'"

# An operator missing one permission says so in one line and keeps running (no crash loop, no stack traces).
op_log_before=$(wc -l < "$dir/operator.log")
k get clusterrole halvs-operator -o json > "$dir/clusterrole.json"
jq '.rules |= map(.resources |= map(select(. != "virtualservices/status"))) | del(.metadata.resourceVersion)' \
  "$dir/clusterrole.json" | k replace -f - >/dev/null
k patch hvs web -n default --type merge -p '{"spec":{"scheduler":"rr"}}' >/dev/null
check "operator without virtualservices/status logs a clear line naming the denied request" wait_for bash -c \
  "grep -iE 'forbidden|403' '$dir/operator.log' | grep -q virtualservices"
sleep 5
check "...keeps running" kill -0 "$operator_pid"
check "...and logs no stack trace for it" bash -c "! sed -n '$((op_log_before + 1)),\$p' '$dir/operator.log' | grep -q '^\\s*at '"
echo "  (forbidden lines in the operator log: $(grep -ciE 'forbidden|403' "$dir/operator.log"))"
check "...the refused status writes are counted (halvs_operator_status_writes_total{VirtualService,error} >= 1)" bash -c \
  "[ \"\$(metric $health_a halvs_operator_status_writes_total kind=VirtualService result=error)\" -ge 1 ]"
k apply -k "$repo/deploy" >/dev/null
check "...and catches up once the permission is back (status observedGeneration = generation)" wait_for bash -c \
  "test \"\$(kubectl get hvs web -n default -o jsonpath='{.status.observedGeneration}')\" = \"\$(kubectl get hvs web -n default -o jsonpath='{.metadata.generation}')\""

# Failover: the active agent dies (kill -9) and its namespace's link goes down; the standby takes the VIP over,
# the DirectorPair's ACTIVE column follows and a Failover Event is recorded.
kill -9 "${agent_pid[$active]}"; wait "${agent_pid[$active]}" 2>/dev/null
ip -n "${netns[$active]}" link set eth0 down
t_failover=$(date +%s%N)
for _ in $(seq 1 300); do [ "$(addrs "$standby" eth0 | grep -c ' 192.0.2.110/32 ')" -gt 0 ] && break; sleep 0.05; done
failover_ms=$(( ($(date +%s%N) - t_failover) / 1000000 ))
echo "  (takeover: the VIP on $standby ${failover_ms} ms after the kill and link down)"
check "kill -9 $active + link down: $standby holds the VIP and gateway within 10 s (${failover_ms} ms)" bash -c \
  "[ $failover_ms -lt 10000 ] && addrs $standby eth0 | grep -q ' 192.0.2.110/32 ' && addrs $standby eth1 | grep -q ' 10.0.1.254/24 '"
check "...$standby reports active" wait_for bash -c "[ \"\$(report $standby role)\" = active ]"
check "...kubectl get hdp lvs: ACTIVE $standby" wait_for bash -c "kubectl get hdp lvs --no-headers | grep -qE '^lvs +$standby +$active '"
check "...a Failover Event names the takeover" wait_for bash -c \
  "kubectl get events -A --field-selector reason=Failover --no-headers | grep -q '$standby took over from $active'"
# The old active comes back (its VIP still on its interface, adopted): the pair settles on one holder.
ip -n "${netns[$active]}" link set eth0 up
start_agent "$active"
check "$active restarted with its old VIP: the pair settles on exactly one holder" wait_for bash -c \
  '[ "$(holders | wc -l)" = 1 ] && [ "$(report lvs-01 role)" != "$(report lvs-02 role)" ] && sleep 3 && [ "$(holders | wc -l)" = 1 ]'
echo "  (after the return: $(holders) holds the VIP; transitions $(kubectl get hdp lvs -o jsonpath='{.status.transitions}'))"
source "$here/kubectl-plugin.sh" # kubectl halvs status, why, drain/undrain, conns, render

# Operator leader election: replica B stands by (ready, warm, writing nothing) until A dies, then takes over
# within the lease (15 s) and the pair's deletion below is its work.
start_operator operator-b "$health_b" "$dir/operator-b.log"; operator_b_pid=$!
check "operator replica B: ready as a standby while A holds the Lease" wait_for bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$health_b/readyz)\" = 200 ] && \
   [ \"\$(kubectl get lease -n halvs-system halvs-operator -o jsonpath='{.spec.holderIdentity}')\" = operator-a ]"
check "...B wrote nothing as a standby" bash -c "! grep -qE 'wrote|published|leading as' '$dir/operator-b.log'"
check "...B's /metrics: halvs_operator_leader 0, no status written; A's: 1" bash -c \
  "[ \"\$(metric $health_b halvs_operator_leader)\" = 0 ] && [ \"\$(metric $health_a halvs_operator_leader)\" = 1 ] && \
   [ -z \"\$(curl -s http://127.0.0.1:$health_b/metrics | grep '^halvs_operator_status_writes_total' | grep -v ' 0.0\$')\" ]"
kill -9 "$operator_pid"; wait "$operator_pid" 2>/dev/null; operator_pid=""
t_lead=$(date +%s%N)
for _ in $(seq 1 600); do
  [ "$(kubectl get lease -n halvs-system halvs-operator -o jsonpath='{.spec.holderIdentity}')" = operator-b ] && break
  sleep 0.1
done
takeover_ms=$(( ($(date +%s%N) - t_lead) / 1000000 ))
echo "  (operator leader takeover after kill -9 of the leader: ${takeover_ms} ms; lease 15 s)"
check "kill -9 of leader A: B holds the Lease within the lease duration + retry (${takeover_ms} ms)" bash -c \
  "[ $takeover_ms -lt 20000 ] && grep -q 'leading as operator-b' '$dir/operator-b.log'"
check "...B's /metrics: halvs_operator_leader 1" wait_for bash -c "[ \"\$(metric $health_b halvs_operator_leader)\" = 1 ]"

# Deleting the pair: the finalizer waits for both directors. lvs-02's agent is down at first (an upgrade, say).
kill "${agent_pid[lvs-02]}"; wait "${agent_pid[lvs-02]}" 2>/dev/null
k delete hdp lvs --wait=false >/dev/null 2>&1
sleep 3
check "deleting a DirectorPair waits for its directors (finalizer)" k get hdp lvs
check "...and publishes the plan in state Deleting" bash -c \
  "kubectl get cm -n halvs-system halvs-plan-lvs -o jsonpath='{.data.manifest\\.json}' | grep -q '\"state\":\"Deleting\"'"
check "agent lvs-01 cleans up and reports cleaned" wait_for bash -c '[ "$(report lvs-01 cleaned)" = True ]'
check "...and the VIP and gateway are gone from its namespace" bash -c \
  "! addrs lvs-01 eth0 | grep -q 192.0.2.110 && ! addrs lvs-01 eth1 | grep -q 10.0.1.254"
check "the finalizer still waits for lvs-02" k get hdp lvs
start_agent lvs-02
check "agent lvs-02, restarted, cleans up and reports cleaned" wait_for bash -c '[ "$(report lvs-02 cleaned)" = True ]'
check "...and no VIP or gateway is left in its namespace either" bash -c \
  "! addrs lvs-02 eth0 | grep -q 192.0.2.110 && ! addrs lvs-02 eth1 | grep -q 10.0.1.254"
check "the finalizer completes: the DirectorPair is gone" wait_for bash -c "! kubectl get hdp lvs"
check "the agents logged no stack trace" bash -c "! grep -q '^\\s*at ' '$dir'/agent-lvs-0*.log"
check "the operator logged no stack trace (its informers' retried 403s are one line each)" bash -c \
  "! grep -q '^\\s*at ' '$dir/operator.log'"

# A rolling update's case: the leader stops (SIGTERM) and hands the Lease back, so a standby leads at its next
# retry (2 s) instead of after the 15 s lease.
start_operator operator-c "$health_a" "$dir/operator-c.log"; operator_pid=$!
check "operator replica C: ready as a standby while B leads" wait_for bash -c \
  "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$health_a/readyz)\" = 200 ] && \
   [ \"\$(kubectl get lease -n halvs-system halvs-operator -o jsonpath='{.spec.holderIdentity}')\" = operator-b ]"
kill -TERM "$operator_b_pid"
t_lead=$(date +%s%N)
for _ in $(seq 1 600); do
  [ "$(kubectl get lease -n halvs-system halvs-operator -o jsonpath='{.spec.holderIdentity}')" = operator-c ] && break
  sleep 0.1
done
handover_ms=$(( ($(date +%s%N) - t_lead) / 1000000 ))
wait "$operator_b_pid" 2>/dev/null; operator_b_pid=""
echo "  (operator leader handover on SIGTERM of the leader: ${handover_ms} ms)"
check "SIGTERM of leader B: it released the Lease; C leads before the lease would have run out (${handover_ms} ms)" bash -c \
  "grep -q 'released Lease' '$dir/operator-b.log' && [ $handover_ms -lt 10000 ] && grep -q 'leading as operator-c' '$dir/operator-c.log'"
check "operator replica B logged no stack trace" bash -c "! grep -q '^\\s*at ' '$dir/operator-b.log'"
check "operator replica C logged no stack trace" bash -c "! grep -q '^\\s*at ' '$dir/operator-c.log'"

# API Priority and Fairness for the elections' Leases (deploy/base/flowcontrol.yaml), on an API server of its own
# with it on: this one runs with it off, as every other tier's does. Its checks count here.
"$here/flowschema.sh" 2>&1 | tee "$dir/flowschema.out"
fs_counts=$(grep -oE '^[0-9]+ passed, [0-9]+ failed$' "$dir/flowschema.out" | tail -1)
if [ -n "$fs_counts" ]; then
  passed=$((passed + $(awk '{print $1}' <<<"$fs_counts"))); failed=$((failed + $(awk '{print $3}' <<<"$fs_counts")))
else
  fail "flowschema.sh printed no counts"
fi

echo "apiserver tier: $((SECONDS - t)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
