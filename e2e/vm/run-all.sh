#!/usr/bin/env bash
# The VM tier, as test.sh and CI run it: real IPVS in Debian's kernel under QEMU. Needs the agent jar
# (./mvnw -pl director-agent -am package). Prints "N passed, N failed" over all suites.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ -f "$repo/director-agent/target/halvs-agent.jar" ] || (cd "$repo" && ./mvnw -B -q -pl director-agent -am package -DskipTests)
"$here/setup.sh" >/dev/null || exit 1
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
