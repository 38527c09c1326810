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
operator_pid=""
cleanup() {
  [ -n "$operator_pid" ] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
  "$here/stop.sh" "$dir"
}
trap cleanup EXIT

t=$SECONDS
bin=$("$here/build.sh")
echo "build (cached after the first run): $((SECONDS - t)) s"
"$here/start.sh" "$dir" "$bin" || exit 1
export KUBECONFIG=$dir/admin.kubeconfig
k() { kubectl "$@"; }

check "kubectl apply -k deploy/" k apply -k "$repo/deploy"
check "CRDs become Established" k wait --for condition=established --timeout=60s \
  crd/virtualservices.halvs.io crd/realservers.halvs.io crd/directorpairs.halvs.io
if out=$(bash "$repo/e2e/admission/run.sh" 2>&1); then pass "admission table: $(tail -1 <<<"$out")"
else echo "$out" | grep FAIL; fail "admission table: $(tail -1 <<<"$out")"; fi
check "kubectl apply -f deploy/examples/" k apply -f "$repo/deploy/examples/"
# The pair's director nodes exist (no kubelet: just the objects), so the finalizer has directors to wait for.
for n in lvs-01 lvs-02; do
  k create -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata: {name: $n, labels: {kubernetes.io/hostname: $n}}
NODE
done

# The operator, as a local process authenticated as its ServiceAccount, with exactly deploy/'s RBAC.
jar=$repo/operator/target/halvs-operator.jar
KUBECONFIG=$dir/operator.kubeconfig POD_NAMESPACE=halvs-system java -jar "$jar" run > "$dir/operator.log" 2>&1 &
operator_pid=$!
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
check "the plan is published" wait_for k get configmap -n halvs-system halvs-plan-lvs
check "the finalizer is on the pair" bash -c "kubectl get hdp lvs -o jsonpath='{.metadata.finalizers}' | grep -q halvs.io/cleanup"

# GitOps: a second field manager applies the same objects server-side after the operator wrote status.
check "server-side apply of the examples after the operator wrote status: no conflict" \
  k apply --server-side --field-manager=gitops -f "$repo/deploy/examples/"
rv1=$(k get hvs web -n default -o jsonpath='{.metadata.generation}')
sleep 3
check "...and again: no flapping (generation unchanged)" bash -c \
  "kubectl apply --server-side --field-manager=gitops -f '$repo/deploy/examples/' && sleep 3 && \
   test \"\$(kubectl get hvs web -n default -o jsonpath='{.metadata.generation}')\" = '$rv1'"

# Least privilege.
can() { kubectl --kubeconfig "$dir/$1.kubeconfig" auth can-i "${@:2}" 2>/dev/null; }
check "operator may patch VirtualService status" test "$(can operator patch virtualservices/status -A)" = yes
check "operator may not delete nodes" test "$(can operator delete nodes)" = no
check "operator may not read secrets outside its namespace" test "$(can operator get secrets -n default)" = no
check "agent may read the plan" test "$(can agent get configmaps/halvs-plan-lvs -n halvs-system)" = yes
check "agent may update its own report" test "$(can agent update configmaps/halvs-agent-lvs-lvs-01 -n halvs-system)" = yes
check "agent may not update the plan" test "$(can agent update configmaps/halvs-plan-lvs -n halvs-system)" = no
check "agent may not create configmaps" test "$(can agent create configmaps -n halvs-system)" = no
check "agent may update its pair's Lease" test "$(can agent update leases/halvs-lvs -n halvs-system)" = yes
check "agent may not touch VirtualServices" test "$(can agent update virtualservices -A)" = no

# A DirectorPair deletion waits for the finalizer (no agents here: it stays until they confirm or time out).
k delete hdp lvs --wait=false >/dev/null 2>&1
sleep 3
check "deleting a DirectorPair waits for its directors (finalizer)" k get hdp lvs
check "...and publishes the plan in state Deleting" bash -c \
  "kubectl get cm -n halvs-system halvs-plan-lvs -o jsonpath='{.data.manifest\\.json}' | grep -q '\"state\":\"Deleting\"'"
check "the operator logged no stack trace" bash -c "! grep -q '^\\s*at ' '$dir/operator.log'"

echo "apiserver tier: $((SECONDS - t)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
