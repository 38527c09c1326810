#!/bin/bash
# Guest job (run-all.sh runs it before the suites): an application class-data archive (AppCDS) of the agent, written
# by one agent run that programs a NAT service, its VIP and sysctls, into $HALVS_VM_OUT/agent.jsa. The suites map it
# (lib.sh's need_agent): a harness speed-up under TCG, where a JVM start costs 25-30 s and the archive takes about
# 10 s off each (2026-12-04: 27.5 and 28.5 s -> 18.2 and 16.9 s, a standalone pass that changes nothing). It does
# not change what runs: classes the archive lacks load from the jar, and an archive that does not match is ignored.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$here/lib.sh"
work=/tmp/train; mkdir -p $work
jar=${HALVS_AGENT_JAR:-$repo/director-agent/target/halvs-agent.jar}
# dir0 alone (the plan's real servers need not answer): what the agent touches, IPVS, the VIP on d0 and sysctls.
# Not lib.sh's topology 0: its client and bridge cost 10 s more under TCG (72 and 88 s against 61, 2026-12-04).
modprobe ip_vs
ip netns add dir0; nsx dir0 ip link set lo up
ip link add d0 type veth peer name c0; ip link set d0 netns dir0
nsx dir0 ip addr add 198.51.100.1/24 dev d0; nsx dir0 ip link set d0 up
plan rr masq 1 1 1
# -Xlog:cds=off: the libraries' classes built for Java 5 (picocli, ASM) cannot be archived, a warning each
nsx dir0 java -XX:TieredStopAtLevel=1 -Xlog:cds=off -XX:ArchiveClassesAtExit="$HALVS_VM_OUT/agent.jsa" -jar "$jar" \
  standalone --plan $work/plan.yaml --once --hold-vips --state-dir $work/state > $work/train.log 2>&1
expect_eq "the training run programs the plan" 0 $?
expect_eq "it wrote the archive" yes "$([ -s "$HALVS_VM_OUT/agent.jsa" ] && echo yes || echo no)"
[ $failed -eq 0 ] || cat $work/train.log
finish
