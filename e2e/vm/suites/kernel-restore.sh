#!/bin/bash
# Two things real clusters do to a director's kernel, on the real kernel:
#  1. ip_vs not loaded (kernels before 5.16 do not load it for a generic netlink lookup; simulated on this 6.1
#     guest by pointing the kernel's module loader at /bin/false): the agent says exactly that, and
#     `halvs-agent load-modules ip_vs` (the init container's command) loads it with its dependencies from the
#     guest's /lib/modules with Debian's modprobe.
#  2. kube-proxy deleting halvs' services: in IPVS mode it deletes, on every sync, the virtual services it did not
#     create unless ipvs.excludeCIDRs covers them (`ipvsadm -D -t`), in nftables mode it flushes the table when it
#     starts (`ipvsadm -C`). This suite does the same netlink deletes with ipvsadm (no kube-proxy runs here) while
#     a client requests the VIP, and measures how long the agent's kernel watch takes to put them back. The agent's
#     full pass is set 10 minutes apart, so whatever comes back within the suite came back through the watch.
#   RESTORE_ROUNDS=N rounds of each delete (default 3), RESTORE_FOREIGN=N kube-proxy-like services (default 1000).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/kernel-restore; mkdir -p $work
out=${HALVS_VM_OUT:-$work}
need_agent "$repo"
suite_start=$SECONDS
rounds=${RESTORE_ROUNDS:-3}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
java_agent() { java "${agent_jvm[@]}" -jar "$jar" "$@"; }

# ---- 1. ip_vs: missing, then loaded by load-modules ---------------------------------------------------------
expect_eq "ip_vs is not loaded when the guest boots" "absent" "$([ -d /sys/module/ip_vs ] && echo present || echo absent)"
loader=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe # the kernel cannot load modules by itself now, as before 5.16
java_agent ipvs list > $work/missing.log 2>&1; rc=$?
cat $work/missing.log
expect_eq "without ip_vs the agent fails with what to do" "1 halvs-agent: generic netlink family IPVS not found: kernel module ip_vs not loaded; load it at boot (/etc/modules-load.d) or enable the load-modules init container" \
  "$rc $(tail -1 $work/missing.log)"
t=$(now_ms)
java_agent load-modules ip_vs > $work/load-modules.log 2>&1; rc=$?
load_ms=$(( $(now_ms) - t ))
cat $work/load-modules.log
echo "$loader" > /proc/sys/kernel/modprobe
expect_eq "load-modules exits 0" 0 $rc
expect_eq "load-modules loaded ip_vs from /lib/modules/$(uname -r)" "present" \
  "$([ -d /sys/module/ip_vs ] && echo present || echo absent)"
echo "  (load-modules: $load_ms ms from exec, JVM start included under TCG; $(grep -o 'loaded ip_vs in [0-9]* ms' $work/load-modules.log) by modprobe; dependencies: $(grep -o 'insmod [^ ]*' $work/load-modules.log | awk '{print $2}' | xargs -n1 basename | paste -sd' '))"

# ---- 2. services deleted behind the agent's back ------------------------------------------------------------
topology 3
cat > $work/plan.yaml <<YAML
apiVersion: halvs.io/v1alpha1
kind: DirectorPair
metadata: {name: vm}
spec:
  nodes: [dir0, dir1]
  vipInterface: d0
  syncDaemon: {enabled: false}
---
apiVersion: halvs.io/v1alpha1
kind: VirtualService
metadata: {name: web}
spec:
  directorPair: vm
  vip: $VIP
  port: 80
  scheduler: rr
  forwarding: {method: masq}
  realServerSelector: {matchLabels: {app: web}}
---
apiVersion: halvs.io/v1alpha1
kind: VirtualService
metadata: {name: web-alt}
spec:
  directorPair: vm
  vip: $VIP
  port: 8080
  scheduler: rr
  forwarding: {method: masq}
  realServerSelector: {matchLabels: {app: web}}
YAML
for i in 1 2 3; do
  printf -- '---\napiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata: {name: rs%s, labels: {app: web}}\nspec: {address: 10.0.1.1%s, port: 80}\n' $i $i >> $work/plan.yaml
done
# kube-proxy's own services (ClusterIPs) are foreign to halvs; RESTORE_FOREIGN of them (default 1000) make the
# watch's dump as big as on a cluster node, and its first look logs what one dump costs.
for i in $(seq 1 "${RESTORE_FOREIGN:-1000}"); do echo "-A -t 10.96.$((i / 250)).$((i % 250 + 1)):443 -s rr"; done \
  | nsx dir0 ipvsadm -R
nsx dir0 java "${agent_jvm[@]}" -jar "$jar" standalone --plan $work/plan.yaml --hold-vips \
  --no-health-checks --state-dir $work/state --interval-ms 600000 --watch-interval-ms 1000 > $out/agent.log 2>&1 &
agent_pid=$!
for _ in $(seq 1 600); do grep -q '^pass:' $out/agent.log && break; sleep 0.2; done
expect_eq "the agent programs two services" "2" "$(nsx dir0 ipvsadm -Sn | grep -c "^-A -t $VIP:")"
# kube-proxy's own services (a ClusterIP) are foreign: never restored, never touched.
nsx dir0 ipvsadm -A -t 10.96.0.1:443 -s rr

# The client requests the VIP every ~20 ms from one process (a curl per request costs ~1 s under TCG); each
# line: epoch ms and the answer (rsN) or "error".
nsx client python3 -u -c '
import os, socket, sys, time
while not os.path.exists(sys.argv[2]):
    t = int(time.time() * 1000)
    try:
        s = socket.create_connection((sys.argv[1], 80), timeout=1)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        d = b""
        while True:
            c = s.recv(4096)
            if not c:
                break
            d += c
        s.close()
        r = d.split(b"\r\n\r\n", 1)[1].strip().decode() if b"\r\n\r\n" in d else "error"
    except OSError:
        r = "error"
    print(t, r or "error", flush=True)
    time.sleep(0.02)
' $VIP $work/stop > $work/traffic.txt &
traffic=$!
for _ in $(seq 1 300); do grep -q ' rs[0-9]$' $work/traffic.txt && break; sleep 0.1; done

# restore_time WHAT: the ms until both services are back with their 3 destinations each (-1: not within 60 s).
restored() { [ "$(nsx dir0 ipvsadm -Sn | grep -c "^-a -t $VIP:")" = 6 ]; }
restore_time() {
  local start=$1
  for _ in $(seq 1 3000); do
    restored && { echo $(( $(now_ms) - start )); return; }
    sleep 0.02
  done
  echo -1
}
times_d=(); times_c=(); errors_d=0; errors_c=0
for r in $(seq 1 "$rounds"); do
  for what in delete flush; do
    sleep 1.5 # the watch's next look is 0-1 s away: spread the deletes over its phase
    t=$(now_ms)
    if [ $what = delete ]; then nsx dir0 ipvsadm -D -t $VIP:80; else nsx dir0 ipvsadm -C; fi
    ms=$(restore_time "$t")
    # the requests that failed from the delete to 200 ms after the restore, and how long the client saw failures
    read -r errs outage <<<"$(awk -v a="$t" -v b=$((t + ms + 200)) '$1 >= a && $1 <= b && $2 == "error" {
      n++; if (!first) first = $1; last = $1 } END {print n + 0, n ? last - first : 0}' $work/traffic.txt)"
    warn=$(grep 'outside halvs' $out/agent.log | tail -1 | cut -d' ' -f1)
    detected=$(( $(date -d "$warn" +%s%3N) - t ))
    echo "  round $r: ipvsadm $([ $what = delete ] && echo "-D -t $VIP:80" || echo -C): found by the watch after" \
      "$detected ms, back in ipvsadm -Sn after $ms ms; the client: $errs failed requests over $outage ms"
    if [ $what = delete ]; then times_d+=("$ms"); errors_d=$((errors_d + errs)); else times_c+=("$ms"); errors_c=$((errors_c + errs)); fi
  done
done
last_restored=$(now_ms)
for _ in $(seq 1 300); do [ "$(awk -v a="$last_restored" '$1 > a + 200' $work/traffic.txt | wc -l)" -ge 10 ] && break; sleep 0.1; done
touch $work/stop; wait $traffic
expect_eq "every deleted service came back (no resync within the suite: the watch restored them)" "" \
  "$(printf '%s\n' "${times_d[@]}" "${times_c[@]}" | grep -x -- -1)"
echo "  restore after ipvsadm -D (kube-proxy IPVS mode): ${times_d[*]} ms; failed requests: $errors_d"
echo "  restore after ipvsadm -C (kube-proxy nftables mode start): ${times_c[*]} ms; failed requests: $errors_c"
requests=$(wc -l < $work/traffic.txt)
echo "  requests in all: $requests, failed: $(grep -c ' error$' $work/traffic.txt)"
expect_eq "the log names the deleted service and the likely cause" "yes" \
  "$(grep -q "1 IPVS service(s) deleted outside halvs - kube-proxy without ipvs.excludeCIDRs? $VIP:80/TCP; restoring" \
    $out/agent.log && echo yes || echo no)"
expect_eq "kube-proxy's own service, flushed with the rest, is not restored by halvs" "0" \
  "$(nsx dir0 ipvsadm -Ln -t 10.96.0.1:443 2>/dev/null | grep -c 10.96.0.1)"
after=$(awk -v a="$last_restored" '$1 > a + 200' $work/traffic.txt)
n=$(wc -l <<<"$after"); errs=$(awk '$2 == "error"' <<<"$after" | wc -l)
expect_eq "after the last restore, requests answer again (10 or more, none failed)" "0" \
  "$([ "$n" -ge 10 ] && echo "$errs" || echo "only $n requests")"
echo "  repair passes (agent's own figure, from its finding to the table restored): $(awk '/outside halvs/ {w = 1} w && /^pass:/ {print $(NF - 1); w = 0}' $out/agent.log | paste -sd' ') ms"
grep -m1 'watching the kernel' $out/agent.log | sed 's/^/  (agent: /; s/$/)/'
kill $agent_pid; wait $agent_pid 2>/dev/null

echo "kernel-restore suite: $((SECONDS - suite_start)) s"
finish
