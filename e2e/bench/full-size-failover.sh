# Sourced by full-size.sh after the edits (bash reads it only then: it may change while a long run is under way).
# The health targets up on each agent, the role changes before any fault, then FAILOVERS times kill -9 of the
# active's agent (failover.py watch), the killed agent restarted and settled as standby before the next.
# Health checks: every checked destination's target (halvs_realserver_up in each agent's /metrics: full-size.sh's
# metrics), all up.
metric() { # INDEX NAME: the sum of NAME's samples on that agent ("none": no sample, or no answer)
  metrics "$1" | awk -v n="$2" 'index($0, n "{") == 1 || index($0, n " ") == 1 { s += $NF; f = 1 }
    END { if (f) printf "%d\n", s; else print "none" }'
}
targets() { metrics "$1" | awk '/^halvs_realserver_up\{/ { n++; up += $NF } END { printf "%d %d\n", up, n }'; }
all_up() { local i up n; for i in 0 1; do read -r up n <<<"$(targets "$i")"; [ "$n" -gt 0 ] && [ "$up" = "$n" ] || return 1; done; }
until_true 600 1 all_up
health=""
for i in 0 1; do read -r up n <<<"$(targets "$i")"; health="$health lvs-0$((i + 1)) $up of $n up;"; done
echo "health checks (tcp, every 1 s, against the real servers' namespace):${health%;}"

# Failover: kill -9 of the active's agent, FAILOVERS times; the killed one restarted and settled as standby
# before the next. The active: the director holding vs-0's VIP (10.100.0.1).
lease_requests() { # the API server's own: "seconds requests" for Lease GETs and PUTs so far (every client; not the
  # watches: a watch's duration is its lifetime)
  kubectl get --raw /metrics | awk '/^apiserver_request_duration_seconds_(sum|count)\{/ && index($0, "resource=\"leases\"") &&
    (index($0, "verb=\"GET\"") || index($0, "verb=\"PUT\"")) {
    if (index($1, "_sum{")) s += $NF; else n += $NF } END { printf "%f %d", s, n }'
}
holds() { ip -n "${nss[$1]}" -4 -o addr show dev eth0 | grep -q " $2/"; }
vips_on() { ip -n "${nss[$1]}" -4 -o addr show dev eth0 | grep -vc ' 192\.0\.2\.' || true; }
standby_since=()
settled() { # INDEX: standby, sees its peer, holds none of the VIPs, out of its start-up grace: 5 s from the
  # election's start (after the JVM's start, the plan and the Nodes), so 5.5 s from the first time it was seen so
  if [ "$(metric "$1" halvs_director_active)" = 0 ] && [ "$(metric "$1" halvs_director_peer_alive)" = 1 ] &&
    [ "$(vips_on "$1")" = 0 ]; then
    [ -n "${standby_since[$1]:-}" ] || standby_since[$1]=$(now_ms)
    [ $(( $(now_ms) - ${standby_since[$1]} )) -ge 5500 ]
  else
    return 1
  fi
}
pick_holder() { # holder=the index of the one director holding vs-0's VIP
  local h=""; holds 0 10.100.0.1 && h=0; if holds 1 10.100.0.1; then [ -z "$h" ] || return 1; h=1; fi
  [ -n "$h" ] && holder=$h
}
# Role changes so far: there was no fault yet, so any beyond the first election's are the load's (late heartbeats
# with the Lease term over: "quorum lost", the VIPs dropped, taken again).
election=""
for i in 0 1; do
  t=$(metric "$i" halvs_director_transitions_total); [ "$t" = none ] && t=0 # no role change yet: no sample
  election="$election lvs-0$((i + 1)) $t ($(grep -c 'HeartbeatElection: role .*quorum lost' "$dir/lvs-0$((i + 1)).log" ||
    true) for quorum lost);"
done
echo "role changes before the failovers (none injected):${election%;}"
: > "$dir/failover.out"
took_or_gone() { [ -f "$1" ] || ! kill -0 "$2" 2>/dev/null; }
f=1; tries=0
while [ "$f" -le "$failovers" ]; do
  tries=$((tries + 1))
  [ "$tries" -le $((3 * failovers)) ] || { echo "full-size.sh: no steady active to kill" >&2; exit 1; }
  until_true 600 0.2 pick_holder # read once: a loaded machine's flaps move the VIPs, a second read may disagree
  a=$holder; b=$((1 - a))
  until_true 600 0.2 settled "$b"
  out=$dir/failover-$f.json; rm -f "$out" "$out.took"
  lease_before=$(lease_requests)
  disown "${agent_pids[$a]}" 2>/dev/null || true # not reported as a killed job: it is the point
  python3 "$here/failover.py" watch "${agent_pids[$a]}" "${nss[$a]}" "${nss[$b]}" "$out" & watcher=$!
  until_true 60 0.05 took_or_gone "$out.took" "$watcher" || { kill "$watcher"; exit 1; }
  if [ ! -f "$out.took" ]; then # the watcher left before the kill: the VIPs had moved (a flap); again
    wait "$watcher" || [ $? = 3 ] || exit 1
    continue
  fi
  # the API server's time per Lease request over the failover (the taker logs its own call: failover.py timeline)
  echo "$lease_before $(lease_requests)" > "$out.lease"
  [ "${AGENT_JFR:-0}" = 0 ] || jcmd "${agent_pids[$b]}" JFR.dump name=halvs filename="$dir/failover-$f-taker.jfr" > /dev/null
  until_true 60 0.05 bash -c "! kill -0 ${agent_pids[$a]}"
  start_agent "$a"; standby_since[$a]=""
  until_true 600 0.2 settled "$a"
  kill -TERM "$watcher"; wait "$watcher"
  # where the time went: the taker's log lines after the kill ("role ACTIVE", then the VIPs it added)
  python3 "$here/failover.py" timeline "$out" "$dir/lvs-0$((b + 1)).log" \
    "$dir/lvs-0$((b + 1))-gc-${agent_pids[$b]}.log" >> "$dir/failover.out"
  echo "failover $f: $(tail -1 "$dir/failover.out")"
  f=$((f + 1))
done
