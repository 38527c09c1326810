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
tier_start=$SECONDS
# The agent's class-data archive for the suites (train-cds.sh, one VM): without it they run, slower. The guest's
# java is the host's (its PATH): the host mapping the archive with -Xshare:on says the guest's JVM can.
jsa=$here/out/train-cds/agent.jsa
if out=$(HALVS_VM_OUT="$here/out/train-cds" "$here/run-in-vm.sh" "$here/train-cds.sh" 2>&1) \
    && PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      java -Xshare:on -XX:SharedArchiveFile="$jsa" -jar "$HALVS_AGENT_JAR" --version > /dev/null 2>&1; then
  export HALVS_AGENT_JSA=$jsa
  echo "vm tier: the agent's class-data archive, $(( $(stat -c %s "$HALVS_AGENT_JSA") / 1048576 )) MiB, in" \
    "$((SECONDS - tier_start)) s (boot included)"
else
  echo "vm tier: no class-data archive for the agent (the suites start it without):"; echo "$out"
fi
# The suites, longest first after the smoke (its first line names the guest's kernel and IPVS): a second lane
# takes from the same queue once it opens (below), and short suites at the end let two lanes finish together.
# agent-restarts runs 4 restarts (two kill -9, two SIGTERM) here so it cannot rot; its 50-restart figure is a
# command of its own (e2e/vm/README.md).
queue=$(mktemp); counts=$(mktemp); lock=$(mktemp)
trap 'rm -f "$queue" "$counts" "$lock"' EXIT
printf '%s\n' ipvsadm-smoke ha-failover agent-dataplane real-server-agent agent-traffic "agent-restarts 4" \
  agent-gate-routes kernel-restore agent-metrics agent-soak > "$queue"
take() { ( flock 9; head -n1 "$queue"; sed -i 1d "$queue" ) 9>"$lock"; }
# lane N: runs suites from the queue, one VM at a time, until it is empty; each suite's output is printed whole.
lane() {
  local entry suite args out rc line start
  while entry=$(take) && [ -n "$entry" ]; do
    read -r suite args <<<"$entry"
    start=$SECONDS
    # shellcheck disable=SC2086 # args: words
    out=$("$here/run-in-vm.sh" "$here/suites/$suite.sh" $args 2>&1); rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
    ( flock 9
      echo "$out"
      echo "vm tier: $suite took $((SECONDS - start)) s (boot included; lane $1)"
      echo "${line:-0 passed, 1 failed} $rc" >> "$counts" ) 9>"$lock"
  done
}
# Each suite's VM runs one TCG thread, a core of its own. Beside the other tiers (test.sh) one lane runs; when
# they are done (the file HALVS_FOREGROUND_DONE names appears: e2e/tiers/lib.sh) a second lane opens on the core
# they leave. Alone (no such file named), two lanes from the start: HALVS_VM_LANES=1 keeps one.
lane 1 &
lane1=$!
if [ "${HALVS_VM_LANES:-2}" -ge 2 ]; then
  ( if [ -n "${HALVS_FOREGROUND_DONE:-}" ]; then
      while [ ! -e "$HALVS_FOREGROUND_DONE" ] && [ -s "$queue" ]; do sleep 5; done
      ( flock 9; [ ! -s "$queue" ] \
          || echo "vm tier: the other tiers are done after $((SECONDS - tier_start)) s: a second lane opens" ) 9>"$lock"
    fi
    lane 2 ) &
  wait $!
fi
wait $lane1
passed=$(awk '{p += $1} END {print p + 0}' "$counts")
failed=$(awk '{f += $3} END {print f + 0}' "$counts")
status=$(awk '$5 != 0 {s = 1} END {print s + 0}' "$counts")
echo "vm tier: $passed passed, $failed failed in $((SECONDS - tier_start)) s"
exit "$status"
