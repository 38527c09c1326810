# What the cluster tier checks, with the user's commands only (kubectl apply -k / -f, kubectl rollout,
# kubectl get/describe/patch/scale/delete pod, stopping a node). Sourced by a runner that provides:
#   kubectl on PATH (talking to the cluster), $repo, $pair_manifest (a DirectorPair "lvs" on the nodes
#   ${directors[@]} with VirtualService "web" in default on $vip and RealServers web-1..3 at ${rs_ips[@]}),
#   and these functions:
#     node_sh NODE CMD...   run CMD in NODE's network namespace (host network)
#     holders               the directors holding $vip, one per line
#     client_neigh_mac      the MAC the client's neighbour table has for $vip after one ping (empty: no answer)
#     node_mac NODE         the MAC of NODE's VIP interface
#     rs_down ADDR / rs_up ADDR   take a real server off the network / back
#     netns_ref NAME        NODE's or the client's ("client") network namespace as vipwatch.py takes it: a name
#                           `ip netns` knows or a path such as /proc/PID/ns/net
#     stop_node NODE        stop NODE as a power cut would (kubelet, runtime, containers, link)
#     rs_requests           how many requests the real servers have answered so far
#     fake_ipvs             true when the agents must run with the in-memory IPVS (no IPVS in this kernel)
#   and $watch_dir (a directory for the VIP watcher's files), and optionally reset_ip_forward=1: turn forwarding off on the directors before the agents start.
# and pass/fail/check/wait_for (below, unless defined). Prints figures as it goes.

checks_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)  # vipwatch.py lies beside this file
# watch_start NODE...: watch $vip (an ICMP echo from the client and the holders among NODE... every 10 ms) until
# watch_stop, which prints the watcher's JSON (vipwatch.py).
watch_start() {
  local args=() n
  for n in "$@"; do args+=("$n=$(netns_ref "$n")"); done
  : > "$watch_dir/watch.err"
  python3 "$checks_dir/vipwatch.py" "$vip" "$(netns_ref client)" "${args[@]}" > "$watch_dir/watch.json" \
    2> "$watch_dir/watch.err" &
  watch_pid=$!
  # the first sample must be taken before the disruption starts, or a fast first failover goes unseen
  for _ in $(seq 1 100); do grep -q watching "$watch_dir/watch.err" 2>/dev/null && break; sleep 0.05; done
}
# (called in a command substitution: not the watcher's parent, so it polls for the watcher's end)
watch_stop() {
  kill -TERM "$watch_pid"
  while kill -0 "$watch_pid" 2>/dev/null; do sleep 0.05; done
  cat "$watch_dir/watch.json"
}

declare -F pass >/dev/null || {
  passed=0; failed=0
  pass() { echo "PASS $*"; passed=$((passed + 1)); }
  fail() { echo "FAIL $*"; failed=$((failed + 1)); }
}
declare -F check >/dev/null || check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name"; fi; }
# wait_for [-t SECONDS] CMD...: until CMD succeeds (default 90 s); the machine may be busy, a timeout is a failure.
declare -F wait_for >/dev/null || wait_for() {
  local t=90; [ "$1" = -t ] && { t=$2; shift 2; }
  local end=$((SECONDS + t))
  while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}
ns_=halvs-system
agent_ds=halvs-agent-lvs
agent_pods() { kubectl -n $ns_ get pods -l app.kubernetes.io/instance=$agent_ds "$@"; }
one_holder() { [ "$(holders | wc -l)" = 1 ]; }
# The operator says the agents run the newest template, and the DaemonSet controller's counts say the same: it
# observed the newest generation, and both pods are of its newest revision and available.
agents_rolled_out() {
  kubectl wait hdp/lvs --for=condition=AgentsUpToDate --timeout=1s >/dev/null &&
    test "$(kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.metadata.generation} {.status.observedGeneration} {.status.desiredNumberScheduled} {.status.updatedNumberScheduled} {.status.numberAvailable}')" = \
      "$(kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.metadata.generation} {.metadata.generation}') 2 2 2"
}
# The DaemonSet controller has seen the new template: from here on its counts are of the new revision.
ds_observed() {
  test "$(kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.status.observedGeneration}')" = \
    "$(kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.metadata.generation}')"
}
# NODE's agent pod, as "creationTimestamp name"
agent_pod_on() {
  agent_pods -o jsonpath='{range .items[*]}{.spec.nodeName} {.metadata.creationTimestamp} {.metadata.name}{"\n"}{end}' \
    | awk -v n="$1" '$1 == n {print $2, $3}'
}
json() { jq -r "$2" <<<"$1"; }
other() { [ "$1" = "${directors[0]}" ] && echo "${directors[1]}" || echo "${directors[0]}"; }
ip_forward_on() { [ "$(node_sh "$1" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]; }
neigh_is() { [ "$(client_neigh_mac)" = "$(node_mac "$1")" ]; }
holds() { holders | grep -qx "$1"; }
rs_requests_over() { [ "$(rs_requests)" -gt "$1" ]; }
rs_requests_grow() { local a; a=$(rs_requests); wait_for -t 30 rs_requests_over "$a"; }

# --- Install ------------------------------------------------------------------------------------------------------
check "kubectl apply -k deploy/" kubectl apply -k "$repo/deploy"
check "CRDs Established" kubectl wait --for condition=established --timeout=60s \
  crd/directorpairs.halvs.io crd/virtualservices.halvs.io crd/realservers.halvs.io
check "operator rolls out: its pods Ready" kubectl -n $ns_ rollout status deploy/halvs-operator --timeout=180s
op_placement=$(kubectl -n $ns_ get pods -l app.kubernetes.io/name=halvs-operator \
  -o jsonpath='{range .items[*]}{.spec.nodeName}:{.status.containerStatuses[0].restartCount} {end}')
echo "  (operator pods on node:restarts $op_placement)"
check "...on workers only, none on a director node" bash -c "! grep -qwE '$(tr ' ' '|' <<<"${directors[*]}")' <<<'$op_placement'"
check "...without a restart (they waited for their CRDs)" bash -c "! grep -qE ':[1-9]' <<<'$op_placement'"
op_pod=$(kubectl -n $ns_ get pods -l app.kubernetes.io/name=halvs-operator -o jsonpath='{.items[0].metadata.name}')
check "...Ready through their probes (readiness and liveness probes set)" bash -c \
  "kubectl -n $ns_ get pod $op_pod -o jsonpath='{.spec.containers[0].readinessProbe.httpGet.path} {.spec.containers[0].livenessProbe.httpGet.path}' | grep -qE '^/[a-z]+ /[a-z]+$'"
check "...their containers run as non-root with a read-only root filesystem" bash -c \
  "kubectl -n $ns_ get pod $op_pod -o jsonpath='{.spec.securityContext.runAsNonRoot} {.spec.containers[0].securityContext.readOnlyRootFilesystem}' | grep -qx 'true true'"
# Forwarding off on the directors before their agents start, so the agents' sysctl write is what turns it on (the
# bridge CNI plugin turns it on for a node's first pod network, should a pod ever have landed there).
# (Only where the runner says the nodes are the tier's own: reset_ip_forward=1.)
[ "${reset_ip_forward:-}" = 1 ] && for n in "${directors[@]}"; do node_sh "$n" sysctl -qw net.ipv4.ip_forward=0; done

# --- The pair --------------------------------------------------------------------------------------------------------
# Watched from before the agents exist until the first deliberate disruption: the pair's start and the health
# checks' comings and goings must neither put the VIP on both directors nor move it.
watch_start "${directors[@]}"
check "kubectl apply -f ${pair_manifest#$repo/}" kubectl apply -f "$pair_manifest"
check "the operator creates the agent DaemonSet" wait_for kubectl -n $ns_ get ds $agent_ds
t=$SECONDS
# The DaemonSet is OnDelete (the operator orders its rollouts): `kubectl rollout status` does not follow it; the
# pair's condition AgentsUpToDate does, and the DaemonSet controller's own counts must agree with it.
check "agent DaemonSet rolls out: both pods Ready (hdp condition AgentsUpToDate, the DaemonSet's counts)" \
  wait_for -t 180 agents_rolled_out
echo "  (agent rollout: $((SECONDS - t)) s)"
check "agent pods on exactly the director nodes ${directors[*]}" bash -c \
  "test \"\$(kubectl -n $ns_ get pods -l app.kubernetes.io/instance=$agent_ds -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | sort | tr '\\n' ' ')\" = '${directors[*]} '"
check "...and the DaemonSet wants no more (desiredNumberScheduled 2)" \
  test "$(kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.status.desiredNumberScheduled}')" = 2
agent_pod=$(agent_pods -o jsonpath='{.items[0].metadata.name}')
check "...Ready through their probes (readiness and liveness probes set)" bash -c \
  "kubectl -n $ns_ get pod $agent_pod -o jsonpath='{.spec.containers[0].readinessProbe.httpGet.path} {.spec.containers[0].livenessProbe.httpGet.path}' | grep -qE '^/[a-z]+ /[a-z]+$'"
check "agent security context as shipped: not privileged, no privilege escalation, read-only root, caps NET_ADMIN NET_RAW" \
  bash -c "kubectl -n $ns_ get pod $agent_pod -o jsonpath='{.spec.containers[0].securityContext}' | jq -e \
    '(.privileged != true) and .allowPrivilegeEscalation == false and .readOnlyRootFilesystem == true and .capabilities.add == [\"NET_ADMIN\",\"NET_RAW\"] and .capabilities.drop == [\"ALL\"]'"
for n in "${directors[@]}"; do
  check "sysctl written through the agent's mount: net.ipv4.ip_forward=1 in $n's network namespace" \
    wait_for ip_forward_on "$n"
done
check "exactly one director holds the VIP $vip" wait_for -t 120 one_holder
active=$(holders | head -1); [ -n "$active" ] || active=${directors[0]}
standby=$(other "$active")
echo "  (active: $active, standby: $standby)"
check "the client reaches the VIP (TCP) and its neighbour table has $active's MAC" neigh_is "$active"
check "kubectl get hdp lvs: ACTIVE $active, STANDBY $standby, READY True" wait_for bash -c \
  "kubectl get hdp lvs --no-headers | grep -qE '^lvs +$active +$standby +True '"
check "kubectl get hvs web: ENDPOINT $vip:80/TCP, ACTIVE $active, READY 3/3 (health checks)" wait_for bash -c \
  "kubectl get hvs web -n default --no-headers | grep -qE '^web +$vip:80/TCP +wlc +$active +3/3 '"
check "the health checks are real: the real servers see the directors' requests" test "$(rs_requests)" -gt 0
rs_down "${rs_ips[2]}"
check "real server ${rs_ips[2]} gone: kubectl get hvs web shows READY 2/3" wait_for bash -c \
  "kubectl get hvs web -n default --no-headers | grep -qE ' 2/3 '"
rs_up "${rs_ips[2]}"
check "...and 3/3 once it is back" wait_for bash -c "kubectl get hvs web -n default --no-headers | grep -qE ' 3/3 '"
check "kubectl describe hdp lvs shows both agents" bash -c \
  "kubectl describe hdp lvs | grep -q '${directors[0]}' && kubectl describe hdp lvs | grep -q '${directors[1]}'"
w=$(watch_stop)
echo "  (from the pair's apply to here: $(json "$w" '"\(.samples) samples, most holders at once \(.most_holders), holder changes \(.changes)"'))"
check "from the agents' start through the health checks: never two holders" jq -e '.most_holders == 1' <<<"${w:-null}"
check "...and the VIP never moved without a disruption (no failover)" jq -e '.failovers == 0' <<<"${w:-null}"
active=$(holders | head -1); [ -n "$active" ] || active=${directors[0]}
standby=$(other "$active")

# --- A rollout under watch: never two holders, exactly one handover (standby replaced first), the longest gap -------
settled() { one_holder && kubectl get hdp lvs --no-headers | grep -qE '^lvs +[^ ]+ +[^ ]+ +True '; }
declare -A before_pods
watched() { # label command...
  local label=$1 n; shift
  # the replaced pods' logs, followed to their end: the kubelet deletes a deleted pod's log files, and a failed
  # check below needs the old agents' election lines (their SIGTERM handover) to be understood
  local followers=()
  for n in "${directors[@]}"; do
    before_pods[$n]=$(agent_pod_on "$n" | cut -d' ' -f2)
    [ -n "${before_pods[$n]}" ] || continue
    kubectl -n $ns_ logs -f "${before_pods[$n]}" > "$watch_dir/replaced.$n.log" 2>&1 &
    followers+=($!)
  done
  watch_start "${directors[@]}"
  local t0=$SECONDS ok=0 told=0
  "$@" && ok=1
  wait_for -t 120 settled
  sleep 3  # a quiet stretch after the change: a late second holder or failover would show in it
  local w; w=$(watch_stop)
  # (never a bare wait: it would wait for the tier's other background processes too)
  [ ${#followers[@]} = 0 ] || { kill "${followers[@]}" 2>/dev/null; wait "${followers[@]}" 2>/dev/null; }
  # replaced_story: the old agents' role changes and shutdown lines, once per rollout
  replaced_story() {
    [ $told = 1 ] && return; told=1
    for n in "${directors[@]}"; do
      echo "  (the replaced agent on $n, ${before_pods[$n]:-none}: its election's last lines)"
      grep -E 'role |shutdown|VIPs|peer' "$watch_dir/replaced.$n.log" 2>/dev/null | tail -8 | cut -c1-400 | sed 's/^/     /'
    done
  }
  [ $ok = 1 ] && pass "$label: done ($((SECONDS - t0)) s)" || fail "$label: did not complete"
  echo "  ($label: $(json "$w" '"\(.samples) samples, most holders at once \(.most_holders), failovers \(.failovers) \(.changes), longest gap in answers \(.longest_gap_ms) ms, longest without holder \(.longest_without_holder_ms) ms, \(.answered)/\(.pings) pings answered"'))"
  if [ "$(json "$w" .most_holders)" -le 1 ]; then pass "$label: never two holders ($(json "$w" .samples) samples every 10 ms)"
  else fail "$label: two holders in $(json "$w" .samples_two_holders) of $(json "$w" .samples) samples"; replaced_story; fi
  # The operator replaces the standby's pod first and the active's once the new standby is available: the active
  # hands the VIP over once, to the upgraded standby (a SIGTERM handover), and its replacement stays standby.
  if jq -e --arg a "$active" --arg s "$standby" '.failovers == 1 and .changes[0][1] == $a and .changes[0][2] == $s' \
      <<<"${w:-null}" >/dev/null; then
    pass "$label: exactly one handover, $active -> $standby"
  else fail "$label: not exactly one handover $active -> $standby: $(json "$w" -c .changes)"; replaced_story; fi
  check "$label: the VIP answered throughout the watch and at its end" jq -e '.answered > 0 and .holder != null' <<<"${w:-null}"
  check "$label: afterwards exactly one holder, hdp READY True" settled
  # The order, from the new pods: the standby's replacement was created (its old pod deleted) before the active's.
  local on_standby on_active; on_standby=$(agent_pod_on "$standby"); on_active=$(agent_pod_on "$active")
  echo "  ($label: new pods: $standby ${on_standby:-none}, $active ${on_active:-none}; the operator's Events:"
  kubectl get events -n default --field-selector involvedObject.name=lvs,reason=ReplacingAgent \
    -o jsonpath='{range .items[*]}{.lastTimestamp} {.message}{"\n"}{end}' 2>/dev/null | sort | tail -2 | sed 's/^/     /'
  echo "  )"
  if [ -n "$on_standby" ] && [ -n "$on_active" ] && [[ "${on_standby%% *}" < "${on_active%% *}" ]] \
      && [ "${on_standby#* }" != "${before_pods[$standby]:-}" ] && [ "${on_active#* }" != "${before_pods[$active]:-}" ]; then
    pass "$label: both pods replaced, the standby's ($standby) before the active's ($active)"
  else fail "$label: pods not replaced standby first: $standby ${on_standby:-none}, $active ${on_active:-none}"; fi
  active=$(holders | head -1); [ -n "$active" ] || active=${directors[0]}
  standby=$(other "$active")
}
restart_agents() {
  kubectl -n $ns_ rollout restart ds/$agent_ds >/dev/null && wait_for ds_observed && wait_for -t 300 agents_rolled_out
}
watched "kubectl rollout restart ds/$agent_ds" restart_agents

new_image=ghcr.io/halvs/director-agent:0.1.0-upgrade
upgrade_agents() {
  kubectl patch hdp lvs --type merge -p "{\"spec\":{\"agent\":{\"image\":\"$new_image\"}}}" >/dev/null || return 1
  wait_for bash -c "kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.spec.template.spec.containers[0].image}' | grep -qx '$new_image'" &&
    wait_for ds_observed && wait_for -t 300 agents_rolled_out
}
watched "upgrade to $new_image (spec.agent.image)" upgrade_agents
check "...both agent pods run $new_image" bash -c \
  "test \"\$(kubectl -n $ns_ get pods -l app.kubernetes.io/instance=$agent_ds -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | sort -u)\" = '$new_image'"
fake_ipvs && check "...still with the in-memory IPVS flag" bash -c \
  "kubectl -n $ns_ get ds $agent_ds -o jsonpath='{.spec.template.spec.containers[0].args}' | grep -q -- --fake-ipvs"

# --- Metrics: the agents' /metrics (host network: node IP, the DaemonSet's port "metrics"), the operator's ---------
# What a Prometheus scrape would read, fetched with curl from a director node's network namespace.
monitoring_json=$(kubectl kustomize "$repo/deploy/monitoring" 2>/dev/null \
  | python3 -c 'import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))' 2>/dev/null)
monitoring() { jq -r "$1" <<<"${monitoring_json:-[]}"; }
pm_port=$(monitoring '.[] | select(.kind == "PodMonitor") | .spec.podMetricsEndpoints[0].port')
pm_selector=$(monitoring '.[] | select(.kind == "PodMonitor") | .spec.selector.matchLabels | to_entries | map("\(.key)=\(.value)") | join(",")')
check "kubectl kustomize deploy/monitoring: a PodMonitor (port ${pm_port:-none}, pods $pm_selector) and a ServiceMonitor" \
  test -n "$pm_port" -a -n "$pm_selector" -a -n "$(monitoring '.[] | select(.kind == "ServiceMonitor") | .metadata.name')"
agent_metrics_port=$(agent_pods -l "$pm_selector" -o jsonpath="{.items[0].spec.containers[0].ports[?(@.name==\"$pm_port\")].containerPort}")
check "the PodMonitor's selector picks both running agent pods, and their pod spec has its port '$pm_port' ($agent_metrics_port)" bash -c \
  "test \"\$(kubectl -n $ns_ get pods -l app.kubernetes.io/instance=$agent_ds,$pm_selector -o jsonpath='{range .items[*]}{.spec.containers[0].ports[?(@.name==\"$pm_port\")].containerPort}{\"\\n\"}{end}' | grep -c '^[0-9]')\" = 2"
node_ip_of() { kubectl get node "$1" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'; }
# scrape NODE URL: into $watch_dir/metrics.NODE-or-pod (kept for a failure's story)
scrape() { node_sh "$1" curl -sf --max-time 20 "$2"; }
# (a whole exposition: a scrape that fails after its 200 leaves the body empty or cut short)
scrape_agent() {
  scrape "$1" "http://$(node_ip_of "$1"):$agent_metrics_port/metrics" > "$watch_dir/metrics.$1" &&
    grep -q '^halvs_build_info{' "$watch_dir/metrics.$1" && grep -q '^jvm_threads_current ' "$watch_dir/metrics.$1"
}
# metric FILE NAME [LABEL...]: the value of the first sample of NAME whose labels include each LABEL (name="value")
metric() {
  local file=$1 name=$2; shift 2
  awk -v name="$name" -v want="$*" '
    index($0, name "{") == 1 || index($0, name " ") == 1 {
      n = split(want, w, " "); ok = 1
      for (i = 1; i <= n; i++) if (index($0, w[i]) == 0) ok = 0
      if (ok) { print $NF + 0; exit }
    }' "$file"
}
# Both agents say who is active, and it is the node whose kernel holds the VIP; so do their halvs_vip_held.
metrics_agree_with_holder() {
  local h n a v; h=$(holders); [ "$(wc -l <<<"$h")" = 1 ] && [ -n "$h" ] || return 1
  for n in "${directors[@]}"; do
    scrape_agent "$n" || return 1
    a=$(metric "$watch_dir/metrics.$n" halvs_director_active "node=\"$n\"")
    v=$(metric "$watch_dir/metrics.$n" halvs_vip_held "node=\"$n\"" "address=\"$vip\"")
    if [ "$n" = "$h" ]; then [ "$a" = 1 ] && [ "$v" = 1 ] || return 1
    else [ "$a" = 0 ] && [ "$v" = 0 ] || return 1; fi
  done
}
for n in "${directors[@]}"; do
  check "curl http://$(node_ip_of "$n"):$agent_metrics_port/metrics on director $n (the agent's host-network port): a whole exposition" \
    wait_for scrape_agent "$n"
done
check "halvs_director_active and halvs_vip_held{address=\"$vip\"}: 1 on the VIP's holder ($(holders | head -1)), 0 on the other" \
  wait_for metrics_agree_with_holder
for n in "${directors[@]}"; do
  echo "  ($n: halvs_director_active $(metric "$watch_dir/metrics.$n" halvs_director_active), halvs_vip_held $(metric "$watch_dir/metrics.$n" halvs_vip_held "address=\"$vip\""), peer alive $(metric "$watch_dir/metrics.$n" halvs_director_peer_alive), heartbeats received $(metric "$watch_dir/metrics.$n" halvs_heartbeats_received_total), $(grep -c '^halvs_' "$watch_dir/metrics.$n") halvs samples)"
done
# Every real server is healthy here (the one taken away earlier is back): both directors check them all.
realservers_up() {
  local n r
  for n in "${directors[@]}"; do
    scrape_agent "$n" || return 1
    for r in web-1 web-2 web-3; do
      [ "$(metric "$watch_dir/metrics.$n" halvs_realserver_up 'virtualservice="web"' "realserver=\"$r\"")" = 1 ] || return 1
    done
  done
}
check "halvs_realserver_up{virtualservice=\"web\"} is 1 for web-1, web-2 and web-3 on both directors" wait_for realservers_up
# The pods are the ones the rollout restart and the upgrade made: each says what it runs.
for n in "${directors[@]}"; do
  bi=$(grep -m1 '^halvs_build_info{' "$watch_dir/metrics.$n")
  check "halvs_build_info on $n's new agent pod ($(agent_pod_on "$n" | cut -d' ' -f2)): ${bi:-absent}" \
    test "$(metric "$watch_dir/metrics.$n" halvs_build_info 'component="agent"')" = 1
done

# The operator's replicas: /metrics on their pod IPs (port "metrics", 8081), as the ServiceMonitor scrapes them.
op_ips=$(kubectl -n $ns_ get pods -l app.kubernetes.io/name=halvs-operator --field-selector=status.phase=Running \
  -o jsonpath='{range .items[*]}{.metadata.name}={.status.podIP}{"\n"}{end}')
leaders_sum() {
  local sum=0 p v
  for p in $op_ips; do
    scrape "${directors[0]}" "http://${p#*=}:8081/metrics" > "$watch_dir/metrics.${p%%=*}" || return 1
    v=$(metric "$watch_dir/metrics.${p%%=*}" halvs_operator_leader); [ -n "$v" ] || return 1
    sum=$((sum + v))
  done
  [ "$sum" = 1 ]
}
check "halvs_operator_leader sums to 1 over the $(wc -w <<<"$op_ips") operator replicas (curl POD_IP:8081/metrics)" wait_for leaders_sum
for p in $op_ips; do
  echo "  (operator ${p%%=*} at ${p#*=}: halvs_operator_leader $(metric "$watch_dir/metrics.${p%%=*}" halvs_operator_leader 2>/dev/null); the Lease's holder: $(kubectl -n $ns_ get lease halvs-operator -o jsonpath='{.spec.holderIdentity}'))"
done
# The ServiceMonitor selects Services by label: deploy/monitoring's Service must carry it and reach the replicas.
# (Applied on its own where the Prometheus operator's CRDs are absent: the ServiceMonitor would be refused.)
sm_selector=$(monitoring '.[] | select(.kind == "ServiceMonitor") | .spec.selector.matchLabels | to_entries | map("\(.key)=\(.value)") | join(",")')
sm_port=$(monitoring '.[] | select(.kind == "ServiceMonitor") | .spec.endpoints[0].port')
apply_monitoring_service() { jq '.[] | select(.kind == "Service")' <<<"$monitoring_json" | kubectl apply -f -; }
if kubectl get crd servicemonitors.monitoring.coreos.com >/dev/null 2>&1; then
  check "kubectl apply -k deploy/monitoring" kubectl apply -k "$repo/deploy/monitoring"
else
  check "no Prometheus operator CRDs: deploy/monitoring's Service alone (kubectl kustomize, kubectl apply -f)" \
    apply_monitoring_service
fi
metrics_svc=$(monitoring '.[] | select(.kind == "Service") | .metadata.name')
check "the ServiceMonitor's selector ($sm_selector) matches the operator Service $metrics_svc, which has its port '$sm_port'" bash -c \
  "kubectl -n $ns_ get svc -l '$sm_selector' -o name | grep -qx 'service/$metrics_svc' && kubectl -n $ns_ get svc $metrics_svc -o jsonpath='{.spec.ports[*].name}' | grep -qw '$sm_port'"
svc_endpoints() {
  kubectl -n $ns_ get endpointslices -l kubernetes.io/service-name="$metrics_svc" \
    -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}{.addresses[0]}{"\n"}{end}' | sort | xargs
}
op_pod_ips=$(sed 's/.*=//' <<<"$op_ips" | sort | xargs)
endpoints_are_operators() { test "$(svc_endpoints)" = "$op_pod_ips"; }
check "...and its ready endpoints are the operator replicas' pod IPs ($op_pod_ips)" wait_for endpoints_are_operators

# --- People's roles: deploy/base/user-rbac.yaml aggregated into Kubernetes' view/edit by the controller manager ------
kubectl create rolebinding jane-edit -n default --clusterrole=edit --user=jane >/dev/null
jane() { kubectl auth can-i --as=jane "$@" 2>/dev/null; }
jane_may_edit_services() { test "$(jane create virtualservices.halvs.io -n default)" = yes && test "$(jane patch realservers.halvs.io -n default)" = yes; }
check "a user with edit in default may create VirtualServices and patch RealServers there (aggregated halvs-edit)" wait_for jane_may_edit_services
jane_may_not_elsewhere() {
  test "$(jane create virtualservices.halvs.io -n kube-system)" = no && test "$(jane create directorpairs.halvs.io)" = no
}
check "...but not in another namespace, and no DirectorPair (cluster-scoped: cluster administrators)" jane_may_not_elsewhere

# --- kubectl halvs on the real cluster: the launcher on the PATH, as docs/KUBECTL.md installs it -------------------
plugin_dir=$watch_dir/kubectl-plugin
mkdir -p "$plugin_dir" && ln -sf "$repo/deploy/kubectl-plugin/kubectl-halvs" "$plugin_dir/kubectl-halvs"
export PATH=$plugin_dir:$PATH
check "kubectl plugin list: $plugin_dir/kubectl-halvs" bash -c "kubectl plugin list 2>/dev/null | grep -qx '$plugin_dir/kubectl-halvs'"
t=$SECONDS
kubectl halvs status lvs > "$watch_dir/halvs.out" 2>&1
echo "  (the first kubectl halvs: $((SECONDS - t)) s, including building the jar if it was not current)"
# status lvs names the node whose kernel holds the VIP (the tier's own holder detection) as active and as the VIP's
status_names_holder() {
  local h; h=$(holders); [ "$(wc -l <<<"$h")" = 1 ] && [ -n "$h" ] || return 1
  kubectl halvs status lvs > "$watch_dir/halvs.out" 2>&1 || return 1
  grep -qE "^  active: +$h since " "$watch_dir/halvs.out" && grep -qE "^  VIP +$vip on $h " "$watch_dir/halvs.out" &&
    grep -qE "^  standby: +$(other "$h"): healthy" "$watch_dir/halvs.out"
}
check "kubectl halvs status lvs: active $(holders | head -1), VIP $vip on $(holders | head -1), standby healthy (the holder the tier sees)" \
  wait_for status_names_holder
sed 's/^/     /' "$watch_dir/halvs.out"
# conns: an exec into the active's agent pod running the image's own java with jib's classpath file.
h=$(holders | head -1)
conn_pid=""
client_r=$(netns_ref client)
case $client_r in /*) client_in=(nsenter --net="$client_r") ;; *) client_in=(ip netns exec "$client_r") ;; esac
if fake_ipvs; then
  # No IPVS in this kernel: a connection to the VIP is answered by the holder's kernel with a reset (the in-memory
  # table forwards nothing) and there is no /proc/net/ip_vs_conn to read: conns shows the header and no entries.
  check "a TCP connection to $vip:80 from the client is refused (reset: the in-memory IPVS forwards nothing)" bash -c \
    "! timeout 5 ${client_in[*]} bash -c 'exec 3<>/dev/tcp/$vip/80'"
  check "...and $h has no connection table (/proc/net/ip_vs_conn absent: no ip_vs)" node_sh "$h" test ! -e /proc/net/ip_vs_conn
else
  # Three long-lived connections through the VIP from the client, held while conns reads the table.
  "${client_in[@]}" python3 -c "import socket, time; c = [socket.create_connection(('$vip', 80), 5) for _ in range(3)]; time.sleep(120)" \
    > /dev/null 2>&1 &
  conn_pid=$!
  sleep 1
fi
t=$SECONDS
kubectl halvs conns lvs "$vip" > "$watch_dir/conns.out" 2> "$watch_dir/conns.err"; rc=$?
entries=$(grep -cE "^[A-Z]+ +[0-9]+ +[A-Z_]+ +[^ ]+ +$vip:80 " "$watch_dir/conns.out")
echo "  (kubectl halvs conns lvs $vip: exit $rc in $((SECONDS - t)) s, $entries entries)"
sed 's/^/     /' "$watch_dir/conns.out" "$watch_dir/conns.err"
check "kubectl halvs conns lvs $vip: exec into $h's agent pod ($(agent_pod_on "$h" | cut -d' ' -f2)) ran java -cp @/app/jib-classpath-file" \
  bash -c "test $rc = 0 && grep -qx '# lvs: active director $h (pod $(agent_pod_on "$h" | cut -d' ' -f2))' '$watch_dir/conns.out' \
    && grep -qx 'IPVS connection entries' '$watch_dir/conns.out' && grep -qE '^pro +expire +state +source +virtual +destination' '$watch_dir/conns.out'"
if fake_ipvs; then
  check "...prints the header and no entries (no connection table in this kernel)" test "$entries" = 0
else
  check "...shows the client's connections to $vip:80 ($entries entries)" test "$entries" -ge 1
  kill "$conn_pid" 2>/dev/null
fi
# drain --wait on one real server: the agents program weight 0 and report it Draining; undrain brings it back.
draining() { # RS: the VirtualService's status lists it as Draining
  kubectl get hvs web -n default -o json | jq -e --arg r "$1" '[.status.unavailable[]? | select(.name == $r and .state == "Draining")] | length == 1'
}
weight_on_active() { # RS WEIGHT: the active director's IPVS table (its /metrics) has that weight for RS
  local h; h=$(holders | head -1); scrape_agent "$h" &&
    [ "$(metric "$watch_dir/metrics.$h" halvs_ipvs_backend_weight "realserver=\"$1\"")" = "$2" ]
}
t=$SECONDS
kubectl halvs drain web-1 -n default --wait --timeout 60 > "$watch_dir/drain.out" 2>&1; rc=$?
echo "  (kubectl halvs drain web-1 --wait --timeout 60: exit $rc in $((SECONDS - t)) s)"
sed 's/^/     /' "$watch_dir/drain.out"
check "kubectl halvs drain web-1 -n default --wait --timeout 60: spec.drain true, the connections counted on $h, drained" bash -c \
  "test $rc = 0 && test \"\$(kubectl get hrs web-1 -n default -o jsonpath='{.spec.drain}')\" = true \
    && grep -q '^  connections on lvs (active $h): [0-9]' '$watch_dir/drain.out' && grep -qx '  drained: no connections left' '$watch_dir/drain.out'"
t=$SECONDS
check "...the agents report web-1 Draining (VirtualService web's status.unavailable)" wait_for draining web-1
echo "  (web-1 Draining in the status $((SECONDS - t)) s after drain --wait returned)"
drained_weights() { weight_on_active web-1 0 && weight_on_active web-2 100; }
check "...weight 0 for web-1 in the active's IPVS table (its halvs_ipvs_backend_weight), web-2 keeps 100" wait_for drained_weights
check "...kubectl halvs status lvs lists it out of rotation: Draining" bash -c "kubectl halvs status lvs | grep -qE '^    web: web-1 .*Draining'"
kubectl halvs undrain web-1 -n default > "$watch_dir/drain.out" 2>&1; rc=$?
sed 's/^/     /' "$watch_dir/drain.out"
check "kubectl halvs undrain web-1 -n default: back in rotation, weight 100" bash -c \
  "test $rc = 0 && grep -q 'back in rotation: weight 100' '$watch_dir/drain.out' && test \"\$(kubectl get hrs web-1 -n default -o jsonpath='{.spec.drain}')\" = false"
check "...no longer Draining in the status, READY 3/3" wait_for bash -c \
  "! kubectl get hvs web -n default -o json | jq -e '[.status.unavailable[]? | select(.name == \"web-1\")] | length > 0' && kubectl get hvs web -n default --no-headers | grep -qE ' 3/3 '"
check "...weight 100 again in the active's IPVS table" wait_for weight_on_active web-1 100

leader() { kubectl -n $ns_ get lease halvs-operator -o jsonpath='{.spec.holderIdentity}' 2>/dev/null; }
# --- The operator: two replicas (as deploy/ ships it), one leader --------------------------------------------------
op_pods=$(kubectl -n $ns_ get pods -l app.kubernetes.io/name=halvs-operator --field-selector=status.phase=Running -o jsonpath='{.items[*].metadata.name}')
check "two operator replicas Running ($op_pods)" test "$(wc -w <<<"$op_pods")" = 2
check "...on two different workers" test "$(kubectl -n $ns_ get pods -l app.kubernetes.io/name=halvs-operator \
  -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u | grep -cvwE "$(tr ' ' '|' <<<"${directors[*]}")")" = 2
check "one of them holds the Lease halvs-operator" wait_for bash -c "grep -qwE '$(tr ' ' '|' <<<"$op_pods")' <<<\"\$(kubectl -n $ns_ get lease halvs-operator -o jsonpath='{.spec.holderIdentity}')\""
old_leader=$(leader)
follower=$(tr ' ' '\n' <<<"$op_pods" | grep -vx "$old_leader" | head -1)
# The Lease's holders while it changes hands, as "seconds:holder" (for the figure and for a failure's story); done
# once a replica other than the deleted leader holds it. The leader hands the Lease back as it stops, and whichever
# live replica asks first takes it: usually the standby, sometimes the Deployment's replacement pod when it starts
# within the standby's retry period (both are what a user wants: a live replica leads).
lease_history() { # old-leader timeout
  local end=$((SECONDS + $2)) last="" h t0=$SECONDS
  while [ $SECONDS -lt $end ]; do
    h=$(leader)
    [ "$h" != "$last" ] && { echo -n "$((SECONDS - t0))s:${h:-none} "; last=$h; }
    [ -n "$h" ] && [ "$h" != "$1" ] && return 0
    sleep 0.5
  done
  return 1
}
kubectl -n $ns_ delete pod "$old_leader" --wait=false >/dev/null
t=$SECONDS
history=$(lease_history "$old_leader" 120); took=$((SECONDS - t))
echo "  (Lease halvs-operator after the leader's pod was deleted: $history)"
new_leader=$(leader)
if [ -n "$new_leader" ] && [ "$new_leader" != "$old_leader" ] \
    && kubectl -n $ns_ get pod "$new_leader" >/dev/null 2>&1; then
  pass "kubectl delete pod $old_leader (the leader): $new_leader takes the Lease over ($took s$([ "$new_leader" = "$follower" ] && echo ', the standby' || echo ', the replacement pod'))"
else
  fail "kubectl delete pod $old_leader (the leader): no other replica took the Lease over in 120 s"
  kubectl -n $ns_ get pods -o wide; kubectl -n $ns_ logs "$follower" --tail 30
fi
kubectl patch hrs web-2 -n default --type merge -p '{"spec":{"weight":50}}' >/dev/null
hrs_observed() {
  [ "$(kubectl get hrs web-2 -n default -o jsonpath='{.status.observedGeneration}')" = \
    "$(kubectl get hrs web-2 -n default -o jsonpath='{.metadata.generation}')" ]
}
check "...and status keeps moving (a weight edit: RealServer web-2's status.observedGeneration follows)" wait_for -t 120 hrs_observed
check "...the Deployment is back to two Ready replicas" kubectl -n $ns_ rollout status deploy/halvs-operator --timeout=180s

# --- A director node stopped ----------------------------------------------------------------------------------------
active=$(holders | head -1); standby=$(other "$active")
watch_start "$standby"
sleep 1
stop_at=$(date +%s.%N)
stop_node "$active"
check "director $active stopped: $standby holds the VIP" wait_for -t 60 holds "$standby"
sleep 2
w=$(watch_stop)
takeover_ms=$(jq -r --arg n "$standby" --argjson s "$stop_at" \
  'if .first_held_ms[$n] == null then "never" else ((.started_at + .first_held_ms[$n] / 1000 - $s) * 1000 | round) end' <<<"${w:-null}")
echo "  (director $active stopped: $standby held the VIP after $takeover_ms ms; longest gap in answers $(json "$w" .longest_gap_ms) ms; $(json "$w" .answered)/$(json "$w" .pings) pings answered)"
check "...the client's neighbour table follows to $standby's MAC" wait_for neigh_is "$standby"
check "...kubectl get hdp lvs: ACTIVE $standby" wait_for -t 120 bash -c "kubectl get hdp lvs --no-headers | grep -qE '^lvs +$standby '"

# --- The operator's node stopped: the data path does not notice --------------------------------------------------
op_pod=$(leader)
operator_node=$(kubectl -n $ns_ get pod "$op_pod" -o jsonpath='{.spec.nodeName}')
watch_start "$standby"
sleep 2
stop_node "$operator_node"
sleep 8
w=$(watch_stop)
echo "  (operator node $operator_node stopped: $(json "$w" '"\(.answered)/\(.pings) pings answered, longest gap \(.longest_gap_ms) ms, holder \(.holder), failovers \(.failovers)"'))"
other_op=$(kubectl -n $ns_ get pods -l app.kubernetes.io/name=halvs-operator --field-selector=status.phase=Running \
  -o jsonpath='{range .items[*]}{.metadata.name} {.spec.nodeName}{"\n"}{end}' | awk -v n="$operator_node" '$2 != n {print $1}' | head -1)
t=$SECONDS
check "...the operator on the other worker takes the Lease over ($other_op)" wait_for -t 120 bash -c \
  "test \"\$(kubectl -n $ns_ get lease halvs-operator -o jsonpath='{.spec.holderIdentity}')\" = '$other_op'"
echo "  (operator leader after its node stopped: $((SECONDS - t)) s more)"
check "operator node $operator_node stopped: $standby keeps the VIP, no failover, the VIP answers throughout" \
  jq -e --arg s "$standby" '.holder == $s and .failovers == 0 and .most_holders == 1 and .longest_without_holder_ms == 0 and .answered > 0' <<<"${w:-null}"
check "...and the real servers still get the health checks" rs_requests_grow
