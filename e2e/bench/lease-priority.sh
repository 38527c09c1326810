#!/usr/bin/env bash
# Does the FlowSchema halvs-leader-election (deploy/base/flowcontrol.yaml) keep the pair Lease's renewals fast
# while the API server is loaded? A kube-apiserver with priority and fairness on (e2e/apiserver/start.sh APF=on),
# deploy/ applied, and two renewal loops side by side in one run (lease_priority.py): the agent of halvs-system
# (matched: leader-election) and the same agent with the same Role in halvs-nofs (not matched: workload-low), at
# rest and then under LOAD workers of FLOWS other ServiceAccounts (LIST and PUT of ConfigMaps). Prints p50/p99/max.
#   e2e/bench/lease-priority.sh                    the API server's default capacity (600 seats)
#   SEATS=60 e2e/bench/lease-priority.sh           a tenth of it: an API server at its limit under this load
# Env: LOAD (48 workers), FLOWS (16 ServiceAccounts), REST_S (10), LOAD_S (60), INTERVAL (0.1 s between one side's renewals), OBJECTS (300
# ConfigMaps of SIZE bytes, 4096, for the LISTs), SEATS (--max-requests-inflight + --max-mutating-requests-inflight
# split 2:1 as the defaults 400 + 200 are; unset: the defaults).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
api=$repo/e2e/apiserver
dir=$(mktemp -d /tmp/halvs-lease-priority.XXXXXX)
trap '"$api/stop.sh" "$dir" >/dev/null 2>&1' EXIT
objects=${OBJECTS:-300} size=${SIZE:-4096}
flags=""
if [ -n "${SEATS:-}" ]; then
  [[ $SEATS =~ ^[0-9]+$ ]] && [ "$SEATS" -ge 3 ] || { echo "SEATS must be a number of at least 3, not '$SEATS'" >&2; exit 2; }
  flags="--max-requests-inflight=$((SEATS * 2 / 3)) --max-mutating-requests-inflight=$((SEATS - SEATS * 2 / 3))"
fi
APF=on APISERVER_FLAGS="$flags" "$api/start.sh" "$dir" >&2
export KUBECONFIG=$dir/admin.kubeconfig
kubectl apply -k "$repo/deploy" >/dev/null
token_of() { kubectl config view --kubeconfig "$dir/$1.kubeconfig" --raw -o jsonpath='{.users[0].user.token}'; }

# The pair lvs's Lease and its agents' Role (the operator's template) in halvs-system, and the same in halvs-nofs,
# a namespace the FlowSchema does not name: the same requests of the same kind of identity, only unmatched.
for ns in halvs-system halvs-nofs; do
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  printf 'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: halvs-lvs}\nspec: {leaseDurationSeconds: 4}\n' \
    | kubectl create -n "$ns" -f - >/dev/null
  sed -e 's/name: AGENT/name: halvs-agent-lvs/' -e 's/LEASE/halvs-lvs/' -e 's/REPORT_A/r-a/' -e 's/REPORT_B/r-b/' \
    -e 's/SECRET/halvs-lvs-hmac/' "$repo/operator/src/main/resources/templates/agent-role.yaml" \
    | kubectl apply -n "$ns" -f - >/dev/null
  kubectl create rolebinding -n "$ns" halvs-agent-lvs --role halvs-agent-lvs --serviceaccount "$ns:halvs-agent-lvs" >/dev/null
done
kubectl create serviceaccount -n halvs-nofs halvs-agent-lvs >/dev/null
control=$(kubectl create token -n halvs-nofs halvs-agent-lvs --duration 2h)

# The load's identities and objects: FLOWS controllers' ServiceAccounts that may list and update ConfigMaps in
# `load`. Each ServiceAccount is a flow of its own, as many controllers are: priority and fairness queues each
# flow apart and serves them in turn, so one heavy flow alone would hardly delay the Lease's flow.
flows=${FLOWS:-16}
[[ $flows =~ ^[0-9]+$ ]] && [ "$flows" -ge 1 ] || { echo "FLOWS must be a number of at least 1, not '$flows'" >&2; exit 2; }
kubectl create namespace load >/dev/null
kubectl create role -n load loader --verb get,list,update --resource configmaps >/dev/null
: > "$dir/load-tokens"
for i in $(seq 1 "$flows"); do
  kubectl create serviceaccount -n load "loader-$i" >/dev/null
  kubectl create rolebinding -n load "loader-$i" --role loader --serviceaccount "load:loader-$i" >/dev/null
  echo "$(kubectl create token -n load "loader-$i" --duration 2h)" >> "$dir/load-tokens"
done
python3 - "$objects" "$size" <<'EOF' | kubectl create -n load -f - >/dev/null
import json, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"load-{i}"}, "data": {"n": "0", "blob": "x" * size}}
    for i in range(n)]}))
EOF
# The API server classifies by the FlowSchema once its controller has seen it: wait for that, not a fixed time.
agent=$(token_of agent)
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
uid=$(kubectl get flowschema halvs-leader-election -o jsonpath='{.metadata.uid}')
for _ in $(seq 1 120); do
  curl -sS -o /dev/null -D - --cacert "$dir/ca.crt" -H "Authorization: Bearer $agent" \
    "$server/apis/coordination.k8s.io/v1/namespaces/halvs-system/leases/halvs-lvs" | grep -qi "flowschema-uid: $uid" && break
  sleep 0.5
done

echo "lease-priority: $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, API server seats: ${SEATS:-600 (default)}"
python3 "$here/lease_priority.py" "$server" "$dir/ca.crt" "$agent" "$control" "$dir/load-tokens" "$(token_of admin)"
