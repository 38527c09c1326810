#!/usr/bin/env bash
# API Priority and Fairness for the elections' Leases (deploy/base/flowcontrol.yaml), against a kube-apiserver of
# its own with priority and fairness on (start.sh APF=on; the tier's other server runs with it off). Each request
# is sent with curl as the identity named and classified by what the API server says in its response headers
# X-Kubernetes-PF-FlowSchema-UID and X-Kubernetes-PF-PriorityLevel-UID. First without deploy/ (the agent's Lease
# requests fall into the built-in `service-accounts` at `workload-low`: the check that this test can fail), then
# with it. Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dir=$(mktemp -d /tmp/halvs-flowschema.XXXXXX)
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }
wait_for() { for _ in $(seq 1 120); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
trap '"$here/stop.sh" "$dir" "$failed"' EXIT

APF=on "$here/start.sh" "$dir" || { fail "the API server and etcd start"; exit 1; }
export KUBECONFIG=$dir/admin.kubeconfig
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
token_of() { kubectl config view --kubeconfig "$dir/$1.kubeconfig" --raw -o jsonpath='{.users[0].user.token}'; }
agent=$(token_of agent); operator=$(token_of operator)
ns=halvs-system lease=halvs-lvs # the pair lvs: its agents are the ServiceAccount halvs-agent-lvs (start.sh's agent)

# call TOKEN METHOD PATH [BODY]: "<status> <FlowSchema name> <PriorityLevel name>" of one request, the UIDs of the
# response headers looked up among the API server's objects.
call() {
  local headers; headers=$(curl -sS -o "$dir/body" -D - --cacert "$dir/ca.crt" -H "Authorization: Bearer $1" \
    -X "$2" ${4:+-H "Content-Type: ${5:-application/json}" --data-binary "$4"} "$server$3" | tr -d '\r')
  local status fs pl
  status=$(awk 'NR==1 {print $2}' <<<"$headers")
  fs=$(awk -F': ' 'tolower($1)=="x-kubernetes-pf-flowschema-uid" {print $2}' <<<"$headers")
  pl=$(awk -F': ' 'tolower($1)=="x-kubernetes-pf-prioritylevel-uid" {print $2}' <<<"$headers")
  echo "$status $(name_of flowschemas "$fs") $(name_of prioritylevelconfigurations "$pl")"
}
name_of() { # kind uid
  [ -n "$2" ] || { echo "-"; return; }
  kubectl get "$1" -o jsonpath="{range .items[?(@.metadata.uid==\"$2\")]}{.metadata.name}{end}"
}
# expect NAME WANT TOKEN METHOD PATH [BODY [TYPE]]: one check that the request got WANT ("status flowschema level").
expect() {
  local name=$1 want=$2; shift 2
  local got; got=$(call "$@")
  if [ "$got" = "$want" ]; then pass "$name ($got)"; else fail "$name: got '$got', want '$want'"; fi
}
lease_path=/apis/coordination.k8s.io/v1/namespaces/$ns/leases
renewed() { # the Lease as last read, renewTime set to now (a PUT's body)
  jq -c --arg t "$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)" '.spec.renewTime=$t | .spec.holderIdentity="lvs-01"' "$dir/body"
}

# What the operator creates for the pair lvs: the Lease and the agents' Role from its own template.
kubectl create namespace "$ns" >/dev/null
kubectl create -n "$ns" -f - >/dev/null <<EOF
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: $lease}
spec: {leaseDurationSeconds: 4}
EOF
sed -e 's/name: AGENT/name: halvs-agent-lvs/' -e "s/LEASE/$lease/" -e 's/REPORT_A/halvs-agent-lvs-lvs-01/' \
  -e 's/REPORT_B/halvs-agent-lvs-lvs-02/' -e 's/SECRET/halvs-lvs-hmac/' \
  "$repo/operator/src/main/resources/templates/agent-role.yaml" | kubectl apply -n "$ns" -f - >/dev/null
kubectl create rolebinding -n "$ns" halvs-agent-lvs --role halvs-agent-lvs --serviceaccount "$ns:halvs-agent-lvs" >/dev/null
kubectl create configmap -n "$ns" halvs-plan-lvs --from-literal=manifest.json='{}' >/dev/null
check "the built-in priority levels are there (APF on)" wait_for kubectl get prioritylevelconfiguration leader-election

# Without deploy/: the agent's Lease renewal queues with every ServiceAccount's traffic.
expect "without deploy/: the agent's Lease GET is served at workload-low" "200 service-accounts workload-low" \
  "$agent" GET "$lease_path/$lease"

check "kubectl apply -k deploy/" kubectl apply -k "$repo/deploy"
check "the FlowSchema halvs-leader-election refers to a priority level that exists (not Dangling)" wait_for bash -c \
  "[ \"\$(kubectl get flowschema halvs-leader-election -o jsonpath='{.status.conditions[?(@.type==\"Dangling\")].status}')\" = False ]"
# The API server's APF controller picks the new FlowSchema up from its informer: wait until it classifies by it.
check "the API server classifies by it" wait_for bash -c \
  "[ \"\$(curl -sS -o /dev/null -D - --cacert '$dir/ca.crt' -H 'Authorization: Bearer $agent' '$server$lease_path/$lease' \
     | tr -d '\r' | awk -F': ' 'tolower(\$1)==\"x-kubernetes-pf-flowschema-uid\" {print \$2}')\" = \
     \"\$(kubectl get flowschema halvs-leader-election -o jsonpath='{.metadata.uid}')\" ]"

expect "the agent's Lease GET: halvs-leader-election at leader-election" "200 halvs-leader-election leader-election" \
  "$agent" GET "$lease_path/$lease"
expect "the agent's Lease PUT (a renewal): halvs-leader-election at leader-election" \
  "200 halvs-leader-election leader-election" "$agent" PUT "$lease_path/$lease" "$(renewed)"
expect "the agent's Lease PATCH: halvs-leader-election at leader-election" "200 halvs-leader-election leader-election" \
  "$agent" PATCH "$lease_path/$lease" '{"spec":{"leaseTransitions":1}}' application/merge-patch+json
check "...and the renewal was stored" bash -c "[ \"\$(kubectl get lease -n $ns $lease -o jsonpath='{.spec.holderIdentity}')\" = lvs-01 ]"
# Nothing else of the agents' traffic: the plans (large ConfigMaps, list and watch) stay where they were.
expect "the agent's ConfigMap GET (a plan) does not match it" "200 service-accounts workload-low" \
  "$agent" GET "/api/v1/namespaces/$ns/configmaps/halvs-plan-lvs"
expect "the agent's ConfigMap LIST does not match it" "200 service-accounts workload-low" \
  "$agent" GET "/api/v1/namespaces/$ns/configmaps"
expect "a Lease LIST does not match it (the agent may not list: 403, classified first)" \
  "403 service-accounts workload-low" "$agent" GET "$lease_path"
expect "the agent's Lease GET of a Lease RBAC does not grant: matched, and refused" \
  "403 halvs-leader-election leader-election" "$agent" GET "$lease_path/halvs-other"
# The operator's own leader election (Lease halvs-operator) is a ServiceAccount of the namespace too.
expect "the operator's leader-election Lease create: halvs-leader-election at leader-election" \
  "201 halvs-leader-election leader-election" "$operator" POST "$lease_path" \
  '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"halvs-operator"},"spec":{"holderIdentity":"operator-a"}}'
expect "the operator's other requests (a ConfigMap GET) do not match it" "200 service-accounts workload-low" \
  "$operator" GET "/api/v1/namespaces/$ns/configmaps/halvs-plan-lvs"
# A ServiceAccount of another namespace with the same name and the same rights does not match.
kubectl create namespace other >/dev/null
kubectl create serviceaccount -n other halvs-agent-lvs >/dev/null
kubectl create rolebinding -n "$ns" other-agent --role halvs-agent-lvs --serviceaccount other:halvs-agent-lvs >/dev/null
other=$(kubectl create token -n other halvs-agent-lvs)
expect "a ServiceAccount of another namespace: its Lease GET stays at workload-low" "200 service-accounts workload-low" \
  "$other" GET "$lease_path/$lease"

# An overlay that installs halvs in another namespace moves the FlowSchema's subject with it.
mkdir -p "$dir/overlay"
printf 'namespace: lb\nresources:\n  - %s\n' "$(realpath --relative-to="$dir/overlay" "$repo/deploy")" \
  > "$dir/overlay/kustomization.yaml"
check "an overlay's namespace: lb gives lb's ServiceAccounts the priority (kustomize)" bash -c \
  "kubectl kustomize '$dir/overlay' | python3 -c '
import sys, yaml
fs = [d for d in yaml.safe_load_all(sys.stdin) if d and d[\"kind\"] == \"FlowSchema\"]
subjects = [s[\"serviceAccount\"][\"namespace\"] for s in fs[0][\"spec\"][\"rules\"][0][\"subjects\"]]
sys.exit(0 if subjects == [\"lb\"] else 1)'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
