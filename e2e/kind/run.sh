#!/usr/bin/env bash
# halvs on kind, for a machine with Docker (none runs in halvs' own CI): builds the images without a daemon,
# loads them into a three-node kind cluster, installs halvs, applies a pair on the two workers and waits for
# its status. The workers program IPVS in the host's kernel: load it first (sudo modprobe ip_vs ip_vs_rr).
# e2e/kind/check.sh runs the cluster tier's checks (e2e/cluster/checks.sh) on kind instead.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/e2e/kind
cluster=halvs
for tool in kind kubectl docker; do command -v $tool >/dev/null || { echo "needs $tool"; exit 1; }; done
kind get clusters | grep -qx $cluster || kind create cluster --config "$here/cluster.yaml"
(cd "$repo" && ./mvnw -B -q -Pimage -pl operator,director-agent -am package -DskipTests)
kind load image-archive "$repo/operator/target/halvs-operator-image.tar" --name $cluster
kind load image-archive "$repo/director-agent/target/halvs-director-agent-image.tar" --name $cluster
kubectl apply -k "$repo/deploy"
kubectl wait --for condition=established --timeout=60s crd/directorpairs.halvs.io crd/virtualservices.halvs.io \
  crd/realservers.halvs.io
kubectl -n halvs-system rollout status deploy/halvs-operator --timeout=120s
cp_ip=$(kubectl get node $cluster-control-plane -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
sed "s/CONTROL_PLANE_IP/$cp_ip/" "$here/pair.yaml" | kubectl apply -f -
# The agent DaemonSet is OnDelete (the operator replaces its pods, the standby first): `kubectl rollout status`
# does not follow it, the pair's condition does.
kubectl wait --for condition=AgentsUpToDate --timeout=180s hdp/kind
kubectl wait --for condition=Ready --timeout=120s hvs/demo
kubectl get hdp,hvs,hrs
# NAT needs the replies to pass a director: a director itself is the simplest client (IPVS schedules local
# connections too).
echo "try it: docker exec $cluster-worker curl -s http://172.18.255.10:10256/healthz"
