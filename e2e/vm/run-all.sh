#!/usr/bin/env bash
# The VM tier, as test.sh and CI run it: real IPVS in Debian's kernel under QEMU. Needs the agent jar
# (./mvnw -pl director-agent -am package; built here when missing). Prints "N passed, N failed" over all suites.
#   run-all.sh --prepare   only what the suites need first (the jar, QEMU and the kernel, the agent's copy); test.sh
#                          runs it in the foreground, then the suites in the background beside other tiers with
#                          HALVS_AGENT_JAR naming the copy
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# The suites run a copy of the agent: the tiers beside this one rebuild the jar in place, and a JVM in the guest
# reads its jar over 9p for as long as it runs.
if [ "${1:-}" = --prepare ] || [ -z "${HALVS_AGENT_JAR:-}" ]; then
  [ -f "$repo/director-agent/target/halvs-agent.jar" ] \
    || (cd "$repo" && ./mvnw -B -q -pl director-agent -am package -DskipTests)
  mkdir -p "$here/out"; rm -f "$here/out/halvs-agent.jar"
  cp "$repo/director-agent/target/halvs-agent.jar" "$here/out/halvs-agent.jar" || exit 1
  export HALVS_AGENT_JAR=$here/out/halvs-agent.jar
fi
"$here/setup.sh" >/dev/null || exit 1
[ "${1:-}" != --prepare ] || exit 0
passed=0; failed=0; status=0
tier_start=$SECONDS
# A suite with its arguments: agent-restarts runs 4 restarts (two kill -9, two SIGTERM) here so it cannot rot; its
# 50-restart figure is a command of its own (e2e/vm/README.md).
for entry in ipvsadm-smoke agent-dataplane agent-traffic agent-metrics agent-soak ha-failover kernel-restore \
    real-server-agent "agent-restarts 4"; do
  read -r suite args <<<"$entry"
  suite_start=$SECONDS
  # shellcheck disable=SC2086 # args: words
  out=$("$here/run-in-vm.sh" "$here/suites/$suite.sh" $args 2>&1); rc=$?
  echo "$out"
  echo "vm tier: $suite took $((SECONDS - suite_start)) s (boot included)"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
  passed=$((passed + $(awk '{print $1}' <<<"${line:-0 passed, 1 failed}")))
  failed=$((failed + $(awk '{print $3}' <<<"${line:-0 passed, 1 failed}")))
  [ $rc -eq 0 ] || status=1
done
echo "vm tier: $passed passed, $failed failed in $((SECONDS - tier_start)) s"
exit $status
