#!/usr/bin/env bash
# The whole halvs test suite, every tier, as CI runs it. Run as root on Debian 12 (network namespaces, QEMU).
#   ./test.sh              all tiers
#   HALVS_TIERS="maven vm" ./test.sh   a subset (tiers, maven, image, vm, apiserver, faults, cluster, bench, netns, monitoring)
# The vm tier runs in the background beside the tiers after it (HALVS_VM_BESIDE=0: alone); its output comes last.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
tiers=${HALVS_TIERS:-tiers maven vm monitoring image apiserver faults cluster bench netns}
# run_tier, unknown_tier, print_summary (tested by the `tiers` tier itself)
source e2e/tiers/lib.sh

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

bench_tier() {
  local rc=0 out dir
  out=$(mktemp)
  SCALE=0.1 KEEP=1 HEAP_DUMP=1 e2e/bench/resources.sh | tee "$out" || rc=$?
  # The heap tool reads the operator's dump: each of the 10,000 RealServers' addresses, held by its spec alone.
  # Besides them, a RealServer replaced by a status write since the last object build keeps its old instance in
  # the model until 1,000 such replacements are bound together (PlanService.BIND_AFTER): the status writes after
  # the last bind left 783 of them in one CI run. 1,000 or more is a copy per object.
  dir=$(sed -n 's/^work directory kept: //p' "$out")
  local found=
  if [ -n "$dir" ] && e2e/bench/heap-referrers.py "$dir/operator.hprof" java.lang.String 1 6 | tee "$out"; then
    found=$(awk '$2 == "io.halvs.api.v1alpha1.RealServerSpec.address" && $3 == "<-" { print $1; exit }' "$out")
  fi
  if [ -n "$found" ] && [ "$found" -ge 10000 ] && [ "$found" -lt 11000 ]; then
    echo "heap-referrers.py: the 10,000 addresses found, each held by its RealServer's spec (and $((found - 10000))" \
      "of replaced RealServers not yet bound)"
  else
    echo "FAIL: heap-referrers.py did not find the 10,000 RealServers' addresses in the operator's heap dump, each" \
      "held by its spec, with fewer than 1,000 replaced ones beside them (found: ${found:-none})"; rc=1
  fi
  # and an array class: the Object[]s, by whose they are, the largest groups first with their bytes
  if [ -n "$dir" ] && e2e/bench/heap-referrers.py "$dir/operator.hprof" '[Ljava.lang.Object;' 1 3 > "$out" \
    && grep -qE '^ +[0-9]+ +[0-9]+\.[0-9]+ MiB  [^ ]' "$out"; then
    echo "heap-referrers.py: the operator's Object[]s grouped by their referrers, with their bytes ($(sed -n 2p "$out" | tr -s ' '))"
  else
    echo "FAIL: heap-referrers.py did not group the operator's Object[]s with their bytes"; rc=1
  fi
  # a takeover's VIPs added and announced (takeover.sh at 200 VIPs, no busy loops): its figures and the
  # reference's printed; before the smoke, whose line is the tier's count
  if VIPS=200 ROUNDS=8 BUSY=0 e2e/bench/takeover.sh | tee "$out" && grep -qE '^  agent: takeover of 200 VIPs, 6 rounds' "$out" \
    && grep -qE '^  agent: first takeover \(after the election.s warm-up\): hold [0-9.]+ ms' "$out" && grep -qE '^  ratio, .*: [0-9]+\.[0-9]+$' "$out"; then
    echo "takeover.sh: the agent's figures and the reference's printed"
  else
    echo "FAIL: takeover.sh printed no figures for 200 VIPs"; rc=1
  fi
  rm -rf "$out" "$dir"
  # the figure scripts' pure parts (the percentile, a failover's "held"), against hand-worked answers
  e2e/bench/figures_test.py | grep -v '^PASS' || rc=$?
  e2e/bench/full-size-smoke.sh || rc=$?
  return $rc
}

for tier in $tiers; do
  case $tier in
    # this runner's own test: a tier that fails or prints no counts must not stop the tiers after it
    tiers) run_tier tiers e2e/tiers/test.sh ;;
    maven) run_tier maven maven_tier ;;
    image) run_tier image e2e/image/run.sh ;;
    # The VM tier (about 37 min of suites, one TCG thread each) runs beside the tiers after it, one VM at a time,
    # and two at a time once they are done (HALVS_FOREGROUND_DONE, e2e/tiers/lib.sh). What it needs first (the agent jar,
    # apt, the kernel, its own copy of the jar) is prepared here in the foreground, so no other tier's Maven or
    # apt-get meets it; a failed preparation fails the tier (its setup fails again, or its suites find no jar).
    # HALVS_VM_BESIDE=0: alone.
    vm) if [ "${HALVS_VM_BESIDE:-1}" = 1 ]; then
          e2e/vm/run-all.sh --prepare || true
          start_tier vm env HALVS_AGENT_JAR="$repo/e2e/vm/out/halvs-agent.jar" e2e/vm/run-all.sh
        else
          run_tier vm e2e/vm/run-all.sh
        fi ;;
    apiserver) run_tier apiserver e2e/apiserver/run-all.sh ;;
    # Faults against the real API server (docs/RELIABILITY.md): a damaged plan, an operator killed mid-publish,
    # the API server frozen, etcd frozen, the API server killed (20 s each here, under client traffic to the VIP;
    # the figure is PAUSE_SECONDS=300), expired watches, forged heartbeats, a key rotation, the active agent
    # stopped 500 ms, a CPU hog beside it for 10 s (~6 min; the full set: e2e/faults/run.sh).
    faults) run_tier faults env FAULTS="corrupt torn pause gone heartbeats rotate starve hog" \
      PAUSE_SECONDS="${FAULTS_PAUSE_SECONDS:-20}" STARVE_MS="${FAULTS_STARVE_MS:-500}" \
      HOG_SECONDS="${FAULTS_HOG_SECONDS:-10}" HOG_PER_CORE="${FAULTS_HOG_PER_CORE:-4}" e2e/faults/run.sh ;;
    # The deployed form: operator and agents as pods from the images on a four-node cluster (kubelets,
    # containerd) in network namespaces.
    cluster) run_tier cluster e2e/cluster/run-all.sh ;;
    # The resources benchmark at a tenth of its size (10,000 destinations, ~4 min) and the full-size benchmark at
    # a hundredth (~4 min; fails when a figure is missing, the agents never program the plan or a failover leaves
    # two VIP holders), so neither rots.
    bench) run_tier bench bench_tier ;;
    # Director pair failover in network namespaces, halvs and keepalived side by side: the full figures take
    # ~17 min (RUNS=20); CI runs a shorter smoke of every fault (FAILOVER_RUNS, default 20).
    netns) run_tier netns env RUNS="${FAILOVER_RUNS:-20}" PARTITIONS="${FAILOVER_PARTITIONS:-5}" e2e/netns/failover.sh ;;
    # deploy/monitoring/ offline: promtool check/test rules, the dashboard, kubectl kustomize, monitor ports.
    monitoring) run_tier monitoring e2e/monitoring/run.sh ;;
    *) unknown_tier "$tier" "tiers maven image vm apiserver faults cluster bench netns monitoring" ;;
  esac
done

print_summary
