#!/bin/bash
# The agent's /metrics on the real kernel: the IPVS counters it exports grow with real traffic through the VIP
# and equal what ipvsadm -Ln --stats --exact prints for the same service and the same real servers, with the
# plan's objects as labels.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
source "$here/../lib.sh"
work=/tmp/agent-metrics; mkdir -p $work
need_agent "$repo"
suite_start=$SECONDS
topology 3

plan rr masq 1 1 1
nsx dir0 java "${agent_jvm[@]}" -jar "$jar" standalone --plan $work/plan.yaml --hold-vips \
  --state-dir $work/state --interval-ms 2000 --node dir0 > $work/agent.log 2>&1 &
agent_pid=$!

scrape() { nsx dir0 curl -s --max-time 20 http://127.0.0.1:8850/metrics; }
# value FILE NAME LABEL=VALUE...: the one sample of NAME with these labels in a scrape saved to FILE
value() {
  local file=$1 name=$2
  shift 2
  awk -v name="$name" -v want="$*" '
    BEGIN { n = split(want, w, " ") }
    index($0, name "{") == 1 {
      for (i = 1; i <= n; i++) {
        eq = index(w[i], "="); l = substr(w[i], 1, eq - 1) "=\"" substr(w[i], eq + 1) "\""
        if (index($0, "{" l) == 0 && index($0, "," l) == 0) next
      }
      found++; v = $NF
    }
    END { if (found == 1) print v; else print "found " found + 0 }' "$file"
}
SVC="local_address=$VIP local_port=80 proto=tcp virtualservice=web"

# until the first pass has added the service and its three real servers: a scrape reads the kernel as it is, and
# under TCG one may land between the service's add and its destinations'
for _ in $(seq 1 300); do
  scrape > $work/m0.txt 2>/dev/null && grep -q '^halvs_ipvs_service_connections_total{' $work/m0.txt \
    && [ "$(grep -c '^halvs_ipvs_backend_weight{' $work/m0.txt)" -ge 3 ] && break
  sleep 0.5
done
expect_eq "/metrics answers with the planned service" "0" \
  "$(value $work/m0.txt halvs_ipvs_service_connections_total $SVC)"
expect_eq "every real server with its RealServer name and weight" "1 1 1" \
  "$(for i in 1 2 3; do value $work/m0.txt halvs_ipvs_backend_weight realserver=rs$i remote_address=10.0.1.1$i \
      remote_port=80 $SVC; done | paste -sd' ')"

hits=$(count_hits 30)
expect_eq "30 requests through the VIP" "rs1=10 rs2=10 rs3=10" "$hits"
# until the counters rest (the last FIN/ACKs), then scrape and compare with ipvsadm's exact figures
prev=""
for _ in $(seq 1 50); do
  now=$(nsx dir0 ipvsadm -Ln --stats --exact)
  [ "$now" = "$prev" ] && break
  prev=$now
  sleep 0.5
done
sleep 1.1 # past the exporter's one-second reuse of a kernel read
entries_before=$(nsx dir0 ipvsadm -Lnc | tail -n +3 | wc -l)
scrape > $work/m1.txt
entries_after=$(nsx dir0 ipvsadm -Lnc | tail -n +3 | wc -l)
nsx dir0 ipvsadm -Ln --stats --exact > $work/stats.txt
cat $work/stats.txt

expect_eq "service connections grew by the 30 requests" "30" \
  "$(value $work/m1.txt halvs_ipvs_service_connections_total $SVC)"
# ipvsadm --stats columns: Conns InPkts OutPkts InBytes OutBytes
svc_line=$(awk -v vip="$VIP:80" '$1 == "TCP" && $2 == vip {print $3, $4, $5, $6, $7}' $work/stats.txt)
expect_eq "service counters equal ipvsadm -Ln --stats --exact" "$svc_line" \
  "$(for m in connections incoming_packets outgoing_packets incoming_bytes outgoing_bytes; do
      value $work/m1.txt halvs_ipvs_service_${m}_total $SVC; done | paste -sd' ')"
for i in 1 2 3; do
  rs_line=$(awk -v rs="10.0.1.1$i:80" '$1 == "->" && $2 == rs {print $3, $4, $5, $6, $7}' $work/stats.txt)
  expect_eq "rs$i: counters equal ipvsadm -Ln --stats --exact" "$rs_line" \
    "$(for m in connections incoming_packets outgoing_packets incoming_bytes outgoing_bytes; do
        value $work/m1.txt halvs_ipvs_backend_${m}_total realserver=rs$i remote_address=10.0.1.1$i $SVC
      done | paste -sd' ')"
done
in_bytes=$(value $work/m1.txt halvs_ipvs_service_incoming_bytes_total $SVC)
if [ "${in_bytes:-0}" -gt 0 ] 2>/dev/null; then pass "incoming bytes grew ($in_bytes)"; else
  fail "incoming bytes did not grow: $in_bytes"; fi
# no traffic now, but the first requests' TIME_WAIT entries may expire around the scrape (under TCG the 30 took
# long enough): the scrape must count what ipvsadm listed just before or after it, or a number between
entries=$(value $work/m1.txt halvs_ipvs_connection_entries directorpair=vm)
if [ "$entries" -le "$entries_before" ] 2>/dev/null && [ "$entries" -ge "$entries_after" ]; then
  pass "connection entries equal ipvsadm -Lnc's lines ($entries; ipvsadm $entries_before before the scrape, $entries_after after)"
else
  fail "connection entries: the scrape says $entries, ipvsadm -Lnc $entries_before before it and $entries_after after"
fi
expect_eq "the VIP is held and said so" "1" "$(value $work/m1.txt halvs_vip_held address=$VIP)"

start=$(date +%s%N)
scrape > /dev/null
echo "  (a scrape of this table in the guest: $(( ($(date +%s%N) - start) / 1000000 )) ms)"
kill $agent_pid; wait $agent_pid 2>/dev/null
echo "agent-metrics suite: $((SECONDS - suite_start)) s"
finish
