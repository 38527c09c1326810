#!/usr/bin/env bash
# The whole halvs test suite, every tier, as CI runs it. Run as root on Debian 12 (network namespaces, QEMU).
#   ./test.sh              all tiers
#   HALVS_TIERS="maven vm" ./test.sh   a subset (maven, image, vm, apiserver, cluster, bench, netns, monitoring)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
tiers=${HALVS_TIERS:-maven image vm apiserver cluster bench netns monitoring}
summary=()
status=0
total_passed=0
total_failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs one tier, shows its output, and adds its closing "N passed, N failed" line to the totals.
run_tier() {
  local name=$1; shift
  local start=$SECONDS rc=0
  echo "=== tier $name: $*"
  # a failing tier must not end the script (set -e): every tier runs and the summary always prints
  "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  local counts
  counts=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
  if [ -n "$counts" ]; then
    total_passed=$((total_passed + $(awk '{print $1}' <<<"$counts")))
    total_failed=$((total_failed + $(awk '{print $3}' <<<"$counts")))
  fi
  if [ "$rc" -eq 0 ]; then
    summary+=("tier $name: ok, ${counts:-no counts} ($((SECONDS - start)) s)")
  else
    summary+=("tier $name: FAILED, ${counts:-no counts} ($((SECONDS - start)) s)")
    status=1
    [ -n "$counts" ] || total_failed=$((total_failed + 1))
  fi
}

maven_tier() {
  # Unit, schema, reconciler, operator-vs-mock and (as root) network-namespace tests.
  local rc=0
  ./mvnw -B verify || rc=$?
  # Surefire's per-module totals, summed into one line.
  find . -path '*/target/surefire-reports/*.txt' -newer pom.xml -print0 2>/dev/null \
    | xargs -0 -r cat | awk -F'[ ,:]+' '/^Tests run:/ {t+=$3; f+=$5; e+=$7; s+=$9}
        END {printf "maven: %d passed, %d failed, %d skipped\n", t-f-e-s, f+e, s}'
  return $rc
}

for tier in $tiers; do
  case $tier in
    maven) run_tier maven maven_tier ;;
    image) run_tier image e2e/image/run.sh ;;
    vm) [ -x e2e/vm/run-all.sh ] && run_tier vm e2e/vm/run-all.sh ;;
    apiserver) [ -x e2e/apiserver/run-all.sh ] && run_tier apiserver e2e/apiserver/run-all.sh ;;
    # The deployed form: operator and agents as pods from the images on a four-node cluster (kubelets,
    # containerd) in network namespaces.
    cluster) run_tier cluster e2e/cluster/run-all.sh ;;
    # The resources benchmark at a tenth of its size (10,000 destinations, ~4 min), so it cannot rot.
    bench) run_tier bench env SCALE=0.1 e2e/bench/resources.sh ;;
    # Director pair failover in network namespaces, halvs and keepalived side by side: the full figures take
    # ~17 min (RUNS=20); CI runs a shorter smoke of every fault (FAILOVER_RUNS, default 20).
    netns) run_tier netns env RUNS="${FAILOVER_RUNS:-20}" PARTITIONS="${FAILOVER_PARTITIONS:-5}" e2e/netns/failover.sh ;;
    # deploy/monitoring/ offline: promtool check/test rules, the dashboard, kubectl kustomize, monitor ports.
    monitoring) run_tier monitoring e2e/monitoring/run.sh ;;
    *) summary+=("tier $tier: unknown (tiers: maven image vm apiserver cluster bench netns monitoring)"); status=1; total_failed=$((total_failed + 1)) ;;
  esac
done

printf '%s\n' "${summary[@]}"
echo "total: $total_passed passed, $total_failed failed"
exit $status
