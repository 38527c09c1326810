#!/usr/bin/env bash
# Failover of a halvs director pair in network namespaces, and the same faults with keepalived (VRRP) for a
# side-by-side. Root only; makes namespaces hvc (client, bridge br0), hva and hvb (directors, eth0 on the
# bridge), deletes them on exit. IPVS is faked (standalone --fake-ipvs); each director runs a TCP server on
# 0.0.0.0:80, so a client connection to the VIP succeeds exactly when a director holds the VIP and the client's
# neighbour entry points at it.
#
#   e2e/netns/failover.sh            # RUNS=20 per fault kind, PARTITIONS=5
#   RUNS=3 PARTITIONS=1 KEEPALIVED=0 NOQUORUM=0 e2e/netns/failover.sh   # a quick correctness run (~2 min)
#   KEEP_WORK=1 keeps the agents' logs; HALVS=0 runs only keepalived; FAULTS="sigterm sigterm3" picks fault
#   kinds (default: link freeze kill9 sigterm sigterm3); SIGTERM_RUNS (default: RUNS, at most 3) for those;
#   JAR=... runs another build of the agent (a before/after)
#
# Prints per fault kind and implementation p50/p99 of "fault -> first new connection answered by the other
# director" (ms) and the longest gap without any successful connection; partitions between the directors are
# sampled every 10 ms for two VIP holders (asserted 0 with the Lease quorum); an API outage must change no role.
# sigterm / sigterm3: SIGTERM to the active's agent, restarted as soon as it exited / 3 s later (a rolling
# update); both directors are sampled every 10 ms from the fault until the restarted agent settled, asserted
# never two holders for halvs, and the restart must not move the VIP back (at most one failover).
# Asserts correctness (failover happened, no split brain), never time. halvs' /metrics (both agents, port 8850 in
# their namespaces) must agree: the holder says active 1 and vip_held 1, the other 0 and 0; a takeover counts one
# transition on the taker; the checked real server the test stops shows up 0 on both.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-20}
KEEPALIVED=${KEEPALIVED:-1}
JAR=${JAR:-$ROOT/director-agent/target/halvs-agent.jar}
FAULTS=${FAULTS:-link freeze kill9 sigterm sigterm3}
VIP=198.51.100.10
C=hvc
WORK=$(mktemp -d /tmp/halvs-failover.XXXXXX)
declare -A IP=([hva]=198.51.100.2 [hvb]=198.51.100.3) NODE=([hva]=dir-a [hvb]=dir-b) OTHER=([hva]=hvb [hvb]=hva)
FAILED=0
PASSED=0
# each SIGTERM run samples until the restarted agent settled (a JVM start is slow on a busy machine): fewer runs
SIGTERM_RUNS=${SIGTERM_RUNS:-$((RUNS < 3 ? RUNS : 3))}

# the privilege itself, not a user id: making a network namespace needs CAP_SYS_ADMIN, configuring it CAP_NET_ADMIN
probe=halvs-fo-probe-$$
{ ip netns add "$probe" && ip -n "$probe" link set lo up && ip netns del "$probe"; } 2>/dev/null \
  || { ip netns del "$probe" 2>/dev/null; echo "failover.sh: cannot make and configure a network namespace (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"; exit 1; }
# the namespace names are fixed: runs from other checkouts on this machine wait for each other
exec 9> /tmp/halvs-netns-failover.lock
flock 9
if [ ! -f "$JAR" ]; then
  (cd "$ROOT" && ./mvnw -B -o -q -pl director-agent -am package -DskipTests)
fi
if [ "$KEEPALIVED" = 1 ] && ! command -v keepalived >/dev/null; then
  apt-get install -y -qq keepalived >/dev/null
fi
command -v nft >/dev/null || apt-get install -y -qq nftables >/dev/null

cleanup() {
  for f in "$WORK"/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
  for ns in $C hva hvb; do ip netns del $ns 2>/dev/null || true; done
  if [ -n "${KEEP_WORK:-}" ]; then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
pass() { PASSED=$((PASSED + 1)); }

# --- halvs' /metrics: values that follow from what the test did --------------------------------------------------
metric() { # NS NAME [LABEL=VALUE...]: the sum of NAME's samples with these labels from the agent in NS; "none"
  # when it has no such sample (or does not answer)
  local ns=$1 name=$2
  shift 2
  ip netns exec "$ns" curl -s --max-time 3 http://127.0.0.1:8850/metrics | awk -v name="$name" -v want="$*" '
    BEGIN { n = split(want, w, " ") }
    index($0, name "{") == 1 || index($0, name " ") == 1 {
      for (i = 1; i <= n; i++) {
        eq = index(w[i], "="); l = substr(w[i], 1, eq - 1) "=\"" substr(w[i], eq + 1) "\""
        if (index($0, "{" l) == 0 && index($0, "," l) == 0) next
      }
      found = 1; sum += $NF
    }
    END { if (found) printf "%d\n", sum; else print "none" }'
}

await_metric() { # WANT NS NAME [LABEL=VALUE...]: until the value is WANT, at most 5 s; prints the last value
  local want=$1 got
  shift
  for _ in $(seq 1 50); do
    got=$(metric "$@")
    [ "$got" = "$want" ] && break
    sleep 0.1
  done
  echo "$got"
}

check_roles_metrics() { # IMPL HOLDER: both agents' /metrics agree with who holds the VIP
  local h=$2 o=${OTHER[$2]} got
  got="$(await_metric 1 "$h" halvs_director_active) $(metric "$h" halvs_vip_held address=$VIP)"
  got="$got $(await_metric 0 "$o" halvs_director_active) $(metric "$o" halvs_vip_held address=$VIP)"
  got="$got $(metric "$h" halvs_director_peer_alive) $(metric "$o" halvs_director_peer_alive)"
  if [ "$got" = "1 1 0 0 1 1" ]; then pass; else
    fail "$1: /metrics disagree with the VIP on $h: active, vip_held on $h then on $o, peer_alive on both: $got" \
      "(want 1 1 0 0 1 1)"; fi
}

check_takeover_metrics() { # WHAT TAKER TRANSITIONS_BEFORE: one more transition, active, holding the VIP
  local got
  got="$(await_metric $(($3 + 1)) "$2" halvs_director_transitions_total) $(await_metric 1 "$2" halvs_director_active)"
  got="$got $(metric "$2" halvs_vip_held address=$VIP)"
  if [ "$got" = "$(($3 + 1)) 1 1" ]; then pass; else
    fail "$1: /metrics of the taker $2: transitions (were $3), active, vip_held: $got (want $(($3 + 1)) 1 1)"; fi
}

check_realserver_metrics() { # the checked real server probe-1 is up on both; stopped, it is down on both
  local d got
  for d in hva hvb; do
    got=$(await_metric 1 "$d" halvs_realserver_up realserver=probe-1 virtualservice=probe remote_port=8080)
    if [ "$got" = 1 ]; then pass; else fail "/metrics of $d: probe-1 up is $got while it serves (want 1)"; fi
  done
  kill "$(cat "$WORK/serve-probe.pid")"
  for d in hva hvb; do
    got="$(await_metric 0 "$d" halvs_realserver_up realserver=probe-1)"
    got="$got $(metric "$d" halvs_health_check_failures_total realserver=probe-1 reason=refused | awk '{print ($1 + 0 > 0)}')"
    if [ "$got" = "0 1" ]; then pass; else
      fail "/metrics of $d after probe-1 stopped: up, refused failures > 0: $got (want 0 1)"; fi
  done
}

topology() {
  for ns in $C hva hvb; do ip netns del $ns 2>/dev/null || true; ip netns add $ns; ip -n $ns link set lo up; done
  ip -n $C link add br0 type bridge
  ip -n $C link set br0 up
  ip -n $C addr add 198.51.100.1/24 dev br0
  for d in hva hvb; do
    ip -n $C link add "p-$d" type veth peer name eth0 netns $d
    ip -n $C link set "p-$d" master br0 up
    ip -n $d link set eth0 up
    ip -n $d addr add "${IP[$d]}/24" dev eth0
    ip netns exec $d python3 "$HERE/hv.py" serve "${NODE[$d]}" 80 &
    echo $! > "$WORK/serve-$d.pid"
    disown
  done
  # the checked real server of pair.yaml's probe service (failover.sh stops it to see it down in /metrics)
  ip netns exec $C python3 "$HERE/hv.py" serve probe 8080 &
  echo $! > "$WORK/serve-probe.pid"
  disown
  head -c 32 /dev/urandom > "$WORK/hmac.key"
}

holder() { # which director namespaces hold the VIP now
  for d in hva hvb; do ip -n $d -4 -o addr show dev eth0 | grep -q " $VIP/" && echo -n "$d "; done; echo
}

wait_single_holder() { # until exactly one director holds the VIP for 1.5 s; prints it
  local stable=0 last="" h
  for _ in $(seq 1 300); do
    h=$(holder)
    if [ "$(echo "$h" | wc -w)" = 1 ] && [ "$h" = "$last" ]; then
      stable=$((stable + 1))
      [ $stable -ge 15 ] && { echo "$h" | tr -d ' '; return 0; }
    else
      stable=0
    fi
    last=$h
    sleep 0.1
  done
  echo "none"
  return 1
}

# --- the two implementations: start/stop one director's agent -----------------------------------------------
start_halvs() { # NS
  local d=$1
  ip netns exec "$d" java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$JAR" standalone \
    --plan "$HERE/pair.yaml" --fake-ipvs --node "${NODE[$d]}" --interval-ms 5000 --state-dir "$WORK/state-$d" \
    --peer "${IP[${OTHER[$d]}]}:8849" --hmac-key-file "$WORK/hmac.key" \
    --quorum "$QUORUM" --quorum-file "$WORK/lease" >> "$WORK/agent-$d.log" 2>&1 &
  echo $! > "$WORK/agent-$d.pid"
  date +%s%N > "$WORK/started-$d"
  disown
}

past_startup_grace() { # a halvs standby in its first 5 s waits 4x the dead interval (ElectionMachine
  # STARTUP_GRACE_MILLIS): a fault injected then would measure that, not a failover
  local d started left
  for d in hva hvb; do
    [ -f "$WORK/started-$d" ] || continue
    started=$(cat "$WORK/started-$d")
    left=$(( (started + 5500000000 - $(date +%s%N)) / 1000000 ))
    [ "$left" -gt 0 ] && sleep "$(awk -v ms="$left" 'BEGIN {print ms / 1000}')"
  done
  return 0
}

start_keepalived() { # NS
  local d=$1 prio=100
  [ "$d" = hva ] && prio=150
  cat > "$WORK/keepalived-$d.conf" <<CONF
global_defs {
  router_id ${NODE[$d]}
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 3
  script_user root
  enable_script_security
}
vrrp_instance hv {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $prio
  nopreempt
  $KA_TIMING
  unicast_src_ip ${IP[$d]}
  unicast_peer { ${IP[${OTHER[$d]}]} }
  virtual_ipaddress { $VIP/32 dev eth0 }
}
CONF
  KA_STARTS=$((${KA_STARTS:-0} + 1)) # fresh pid files: keepalived refuses to start over a live-looking one
  ip netns exec "$d" keepalived -n -l -P -f "$WORK/keepalived-$d.conf" -p "$WORK/ka-$d-$KA_STARTS.main" \
    -r "$WORK/ka-$d-$KA_STARTS.vrrp" >> "$WORK/keepalived-$d.log" 2>&1 &
  echo $! > "$WORK/agent-$d.pid"
  disown
}

agent_pids() { # NS: the agent's process and its children (keepalived forks a VRRP child)
  local p
  p=$(cat "$WORK/agent-$1.pid")
  echo "$(pgrep -P "$p" | xargs) $p" # children first: a VRRP child outliving its parent would shut down cleanly
}

# --- faults: inject on the holder, restore after ---------------------------------------------------------------
fault_cmd() { # KIND NS
  local d=$2
  case $1 in
    link) echo "ip -n $d link set eth0 down; touch $WORK/lease.${NODE[$d]}.down" ;;
    freeze) echo "kill -STOP $(agent_pids "$d"); ip netns exec $d nft -f $WORK/drop.nft" ;;
    kill9) echo "kill -9 $(agent_pids "$d")" ;;
    sigterm*) echo "kill -TERM $(cat "$WORK/agent-$d.pid")" ;; # the main process: keepalived stops its children
  esac
}

restore() { # KIND NS IMPL
  local d=$2
  case $1 in
    link) ip -n "$d" link set eth0 up; rm -f "$WORK/lease.${NODE[$d]}.down" ;;
    freeze) ip netns exec "$d" nft delete table inet hvdrop; kill -CONT $(agent_pids "$d") ;;
    kill9)
      sleep 0.2
      "start_$3" "$d" ;;
    sigterm*)
      local p
      p=$(cat "$WORK/agent-$d.pid")
      for _ in $(seq 1 1000); do kill -0 "$p" 2>/dev/null || break; sleep 0.01; done # until it exited
      kill -0 "$p" 2>/dev/null && { fail "$3 $1: the agent did not exit within 10 s of SIGTERM"; kill -9 "$p"; }
      [ "$1" = sigterm3 ] && sleep 3
      "start_$3" "$d" ;;
  esac
}

cat > "$WORK/drop.nft" <<'NFT'
table inet hvdrop {
  chain in { type filter hook input priority -10; policy drop; }
  chain out { type filter hook output priority -10; policy drop; }
}
NFT

percentiles() { # FILE -> "p50 p99 max n"
  sort -n "$1" | awk '{v[NR]=$1} END {if (NR==0) {print "- - - 0"; exit}
    i50=int((NR+1)*0.50); i99=int(NR*0.99+0.999); if (i50<1) i50=1; if (i99<1) i99=1; if (i99>NR) i99=NR;
    printf "%.0f %.0f %.0f %d\n", v[i50], v[i99], v[NR], NR}'
}

measure() { # IMPL KIND
  local impl=$1 kind=$2 h other out
  : > "$WORK/$impl-$kind.ms"
  : > "$WORK/$impl-$kind.gap"
  rm -f "$WORK/$impl-$kind.dual"
  local runs=$RUNS
  [[ $kind == sigterm* ]] && runs=$SIGTERM_RUNS
  for i in $(seq 1 "$runs"); do
    [[ $impl == halvs* ]] && past_startup_grace
    h=$(wait_single_holder) || { fail "$impl $kind run $i: no single holder before the fault"; return; }
    other=${OTHER[$h]}
    local before=""
    if [[ $impl == halvs* ]]; then
      check_roles_metrics "$impl $kind run $i" "$h"
      before=$(metric "$other" halvs_director_transitions_total)
      [ "$before" = none ] && before=0 # no role change yet: the counter has no sample
    fi
    out=$(ip netns exec $C python3 "$HERE/hv.py" probe $VIP 80 "${NODE[$h]}" true) # the client points at h
    [ "$out" = timeout ] && { fail "$impl $kind run $i: $h holds the VIP but does not answer"; continue; }
    local sampler=""
    if [[ $kind == sigterm* ]]; then
      # from the fault until the restarted agent settled; the director taking over is read first, so a takeover
      # in progress is never counted as two holders unless both really held the VIP at once
      local seconds=5
      [ "$kind" = sigterm3 ] && seconds=8
      ip netns exec $C python3 "$HERE/hv.py" sample "$seconds" $VIP "$other" "$h" \
        > "$WORK/sample.out" &
      sampler=$!
    fi
    out=$(ip netns exec $C python3 "$HERE/hv.py" probe $VIP 80 "${NODE[$other]}" "$(fault_cmd "$kind" "$h")")
    if [ "$out" = timeout ]; then
      fail "$impl $kind run $i: no takeover by ${NODE[$other]} within 15 s"
      if [[ $impl == halvs* ]]; then tail -n 15 "$WORK/agent-$other.log" | sed "s/^/  $other's log: /"; fi
    else
      pass
      [ -n "$before" ] && check_takeover_metrics "$impl $kind run $i" "$other" "$before"
      echo "$out" | awk '{print $1}' >> "$WORK/$impl-$kind.ms"
      echo "$out" | awk '{print $2}' >> "$WORK/$impl-$kind.gap"
    fi
    restore "$kind" "$h" "$impl"
    if [ -n "$sampler" ]; then
      wait "$sampler"
      read -r n d none longest < "$WORK/sample.out"
      echo "$n $d $none $longest" >> "$WORK/$impl-$kind.dual"
      if [[ $impl == halvs* ]]; then
        if [ "$d" = 0 ]; then pass; else fail "$impl $kind run $i: $d of $n samples with two VIP holders"; fi
        # the restart costs at most one failover: the VIP stays where it went
        local now
        now=$(wait_single_holder) || true
        if [ "$now" = "$other" ]; then pass; else fail "$impl $kind run $i: the VIP moved back to $now"; fi
      fi
    fi
  done
  read -r p50 p99 max n < <(percentiles "$WORK/$impl-$kind.ms")
  read -r g50 g99 gmax _ < <(percentiles "$WORK/$impl-$kind.gap")
  local dual=""
  if [ -f "$WORK/$impl-$kind.dual" ]; then
    dual=$(awk '{n+=$1; d+=$2; z+=$3; if ($4>m) m=$4} END {printf "  |  %d samples: two holders %d, none %d " \
      "(longest %d ms)", n, d, z, m}' "$WORK/$impl-$kind.dual")
  fi
  printf "%-22s %-8s runs %3s  takeover p50 %5s ms  p99 %5s ms  max %5s ms  |  gap p50 %5s ms  p99 %5s ms%s\n" \
    "$impl" "$kind" "$n" "$p50" "$p99" "$max" "$g50" "$g99" "$dual"
  echo "$impl $kind $p50 $p99" >> "$WORK/summary"
}

cut() { # NS PEER-IP: drop everything between this director and its peer (nft: SO_BINDTODEVICE senders such as
  # keepalived ignore a prohibit route, a firewall rule they cannot)
  ip netns exec "$1" nft -f - <<NFT
table inet hvpart {
  chain in { type filter hook input priority -20; ip saddr $2 drop; }
  chain out { type filter hook output priority -20; ip daddr $2 drop; }
}
NFT
}

partition() { # IMPL: cut only the directors' path to each other (both still reach the client and the quorum)
  local impl=$1 tot=0 dual=0 n d s ends=""
  for i in $(seq 1 "${PARTITIONS:-5}"); do
    wait_single_holder >/dev/null || { fail "$impl partition: no single holder"; return; }
    cut hva "${IP[hvb]}"; cut hvb "${IP[hva]}"
    read -r n d _ < <(ip netns exec $C python3 "$HERE/hv.py" sample 5 $VIP hva hvb)
    tot=$((tot + n)); dual=$((dual + d))
    ends="$ends[$(holder | xargs)] "
    ip netns exec hva nft delete table inet hvpart; ip netns exec hvb nft delete table inet hvpart
    read -r n d _ < <(ip netns exec $C python3 "$HERE/hv.py" sample 1.5 $VIP hva hvb) # the heal
    tot=$((tot + n)); dual=$((dual + d))
  done
  printf "%-22s partition: %d samples, %d with two VIP holders; holders as each partition ended: %s\n" \
    "$impl" "$tot" "$dual" "$ends"
  echo "$impl partition-dual $dual" >> "$WORK/summary"
  if [ "$impl" = halvs ]; then
    if [ "$dual" = 0 ]; then pass; else fail "halvs: $dual samples with two VIP holders during partitions"; fi
  fi
  if wait_single_holder >/dev/null; then pass; else fail "$impl: no single holder after the partitions healed"; fi
}

api_down() {
  local before after n d none
  before=$(wait_single_holder)
  touch "$WORK/lease.down"
  read -r n d none _ < <(ip netns exec $C python3 "$HERE/hv.py" sample 10 $VIP hva hvb)
  rm -f "$WORK/lease.down"
  after=$(wait_single_holder)
  printf "%-22s API down 10 s: %d samples, %d two holders, %d none; holder %s -> %s\n" halvs "$n" "$d" "$none" \
    "$before" "$after"
  if [ "$before" = "$after" ] && [ "$d" = 0 ] && [ "$none" = 0 ]; then pass; else
    fail "halvs: the API outage changed roles"; fi
}

stop_all() {
  for d in hva hvb; do
    for p in $(agent_pids "$d" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip -n $d addr del $VIP/32 dev eth0 2>/dev/null || true
  done
  rm -rf "$WORK/lease"* "$WORK/started-"* # the quorum directory and its markers
  sleep 0.3
}

run_impl() { # IMPL
  start_"$1" hva
  start_"$1" hvb
  sleep 5 # let the start-up election settle (keepalived's may preempt once)
  wait_single_holder >/dev/null || { fail "$1: no single holder after start"; cat "$WORK"/agent-*.log | tail -20; }
  [ "$1" = halvs ] && check_realserver_metrics
  for kind in $FAULTS; do
    measure "$1" "$kind"
  done
  partition "$1"
  stop_all
}

topology
QUORUM=file
if [ "${HALVS:-1}" = 1 ]; then
echo "== halvs (defaults: advertIntervalMillis 50, missesBeforeDead 3; quorum: file, standing in for the Lease)"
run_impl halvs
start_halvs hva; start_halvs hvb
api_down
stop_all
if [ "${NOQUORUM:-1}" = 1 ]; then
  QUORUM=none
  start_halvs_noquorum() { start_halvs "$1"; }
  echo "== halvs without quorum (--quorum none: a silent peer is dead, as in VRRP)"
  run_impl halvs_noquorum
fi
fi
if [ "$KEEPALIVED" = 1 ]; then
  start_keepalived_default() { KA_TIMING="advert_int 1" start_keepalived "$1"; }
  start_keepalived_fast() { KA_TIMING=$'version 3\n  advert_int 0.05' start_keepalived "$1"; }
  echo "== keepalived, VRRPv2 defaults (advert_int 1)"
  run_impl keepalived_default
  echo "== keepalived, VRRPv3 advert_int 0.05 (the same advert interval as halvs' default)"
  run_impl keepalived_fast
  echo "== ratio (other / halvs with quorum, takeover time)"
  awk '$2!="partition-dual" {p50[$1" "$2]=$3; p99[$1" "$2]=$4}
    END {split("link freeze kill9", k, " "); split("keepalived_default keepalived_fast", ka, " ");
      ka[3]="halvs_noquorum"
      for (j in ka) for (i in k) { h=k[i]; if (p50["halvs " h] > 0 && p50[ka[j] " " h] != "")
        printf "%-20s %-7s p50 %.1fx  p99 %.1fx\n", ka[j], h, p50[ka[j] " " h]/p50["halvs " h],
          p99[ka[j] " " h]/p99["halvs " h] } }' "$WORK/summary"
fi
echo "failover: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
