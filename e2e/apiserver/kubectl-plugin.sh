# kubectl halvs against the real API server, sourced by run-all.sh after the failover (the pair has an active
# and a standby, a Failover Event, READY 3/3 from real health checks). Uses run-all.sh's check/wait_for and
# $repo, $jar, $dir. kubectl finds the plugin on the PATH as a user would install it (docs/KUBECTL.md); the
# agents run as processes here, not pods, so `conns` and drain's connection count must say there is no pod.
export PATH="$repo/deploy/kubectl-plugin:$PATH" HALVS_JAR=$jar
kh() { kubectl halvs "$@"; }
export -f kh
check "kubectl plugin list finds kubectl-halvs" bash -c "kubectl plugin list 2>/dev/null | grep -q '/kubectl-halvs$'"
# The holder is read in the same attempt as the plugin's output: the pair may still settle after the return.
check "kubectl halvs status: the active, the standby healthy, the VIP on the active, web 3/3 Ready" wait_for bash -c '
  a=$(kubectl get hdp lvs -o jsonpath="{.status.activeNode}"); s=$(kubectl get hdp lvs -o jsonpath="{.status.standbyNode}")
  out=$(kh status) && grep -qx "DirectorPair lvs: Ready: $a holds the VIPs" <<<"$out" &&
  grep -q "^  active:    $a since " <<<"$out" && grep -q "^  standby:   $s: healthy, programmed the current plan" <<<"$out" &&
  grep -qx "  VIP        192.0.2.110 on $a (eth0)" <<<"$out" &&
  grep -qE "^    default +web +192.0.2.110:80/TCP +3/3 +Ready$" <<<"$out"'
check "...and the last failover with its reason, from the Failover Event" bash -c \
  "kh status lvs | grep -qE '^  failovers: [1-9][0-9]*; last .* ago\\): lvs-0[12] took over from lvs-0[12]$'"
echo "$(kh status lvs | sed 's/^/  | /')"
check "kubectl halvs status of a pair that does not exist: exit 1, one line" bash -c \
  "! kh status nope >/dev/null 2>&1 && [ \"\$(kh status nope 2>&1)\" = 'halvs: DirectorPair nope not found' ]"
check "kubectl halvs why web: conditions Ready True, no plan findings, an Events section" bash -c \
  "out=\$(kh why web -n default) && grep -qx 'VirtualService default/web: pair lvs, 192.0.2.110:80/TCP, active lvs-0[12], ready 3/3' <<<\"\$out\" && \
   grep -qE '^  Ready +True +Ready ' <<<\"\$out\" && grep -A1 -x 'Plan findings:' <<<\"\$out\" | grep -qx '  none' && grep -qx 'Events:' <<<\"\$out\""
echo "$(kh why web -n default | sed 's/^/  | /')"
check "kubectl halvs why in another namespace (-n): not found there, exit 1" bash -c \
  "[ \"\$(kh why web -n kube-system 2>&1)\" = 'halvs: VirtualService kube-system/web not found' ]"
check "kubectl halvs drain web-1: spec.drain true, its weight kept; says the connection count needs an agent pod" bash -c \
  "out=\$(kh drain web-1 -n default) && grep -q '^RealServer default/web-1 (10.0.1.11) draining: weight 0 on the directors' <<<\"\$out\" && \
   grep -q 'connections on lvs (active lvs-0[12]): unknown: no running agent pod of DaemonSet halvs-system/halvs-agent-lvs' <<<\"\$out\" && \
   [ \"\$(kubectl get hrs web-1 -n default -o jsonpath='{.spec.drain}/{.spec.weight}')\" = true/50 ]"
check "...the directors take it out (weight 0): status shows web 2/3 and web-1 Draining" wait_for bash -c \
  "out=\$(kh status lvs) && grep -qE '^    default +web +192.0.2.110:80/TCP +2/3 ' <<<\"\$out\" && \
   grep -qx '    web: web-1 10.0.1.11:80 Draining: weight 0 in the plan' <<<\"\$out\""
check "...drain --wait cannot count without an agent pod: exit 1 at once, still drained" bash -c \
  "! kh drain web-1 -n default --wait >/dev/null 2>&1 && kh drain web-1 -n default --wait 2>&1 | grep -q '^halvs: cannot wait for the connections to finish: their count is unknown' && \
   [ \"\$(kubectl get hrs web-1 -n default -o jsonpath='{.spec.drain}')\" = true ]"
check "...why web shows it too" bash -c "kh why web -n default | grep -A1 -x 'Out of rotation:' | grep -qx '  web-1 10.0.1.11:80 Draining: weight 0 in the plan'"
check "kubectl halvs undrain web-1: spec.drain false, back at weight 50; status 3/3 again" bash -c \
  "kh undrain web-1 -n default | grep -q '^RealServer default/web-1 (10.0.1.11) back in rotation: weight 50$' && \
   [ \"\$(kubectl get hrs web-1 -n default -o jsonpath='{.spec.drain}')\" = false ] && \
   for _ in \$(seq 1 120); do kh status lvs | grep -qE '^    default +web +192.0.2.110:80/TCP +3/3 +Ready$' && exit 0; sleep 0.5; done; exit 1"
check "kubectl halvs conns lvs without agent pods: exit 1 naming the missing pod" bash -c \
  "! kh conns lvs >/dev/null 2>&1 && kh conns lvs 2>&1 | grep -q '^halvs: no running agent pod of DaemonSet halvs-system/halvs-agent-lvs on node lvs-0[12]$'"
check "kubectl halvs render delegates to halvs render" bash -c \
  "kh render '$repo/deploy/examples/seed-nat.yaml' | grep -q -- '-A -t 192.0.2.110:80 -s wlc'"
check "kubectl halvs --context that is not in the kubeconfig: exit 1, one line" bash -c \
  "[ \"\$(kh status --context nope 2>&1)\" = 'halvs: context nope is not in the kubeconfig' ]"
