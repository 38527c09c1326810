#!/usr/bin/env bash
# deploy/monitoring/ checked offline: the PrometheusRule's rules (promtool check rules) and their unit tests
# (promtool test rules: each alert fires on its input and a healthy pair fires none), the dashboard (JSON,
# every panel a datasource and a query, every query valid PromQL), kubectl kustomize of deploy/monitoring/
# (and deploy/ without any Prometheus operator kind), the monitors' ports against the operator's Deployment and
# the agents' DaemonSet template, and a runbook section per alert. Needs promtool (Debian: prometheus),
# python3 with yaml, kubectl. Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
mon=$repo/deploy/monitoring
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
# Shows the command's output only when it fails.
check() { local name=$1 out; shift; if out=$("$@" 2>&1); then pass "$name"; else fail "$name"; echo "$out" | sed 's/^/    /'; fi; }
for tool in promtool python3 kubectl; do
  command -v "$tool" >/dev/null || { echo "monitoring tier: $tool is required (promtool: apt-get install prometheus)"; echo "0 passed, 1 failed"; exit 1; }
done
work=$(mktemp -d /tmp/halvs-monitoring.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The rules live once, in the PrometheusRule; promtool reads plain rule files.
python3 - "$mon/prometheusrule.yaml" "$work/halvs-rules.yaml" <<'PY' || { echo "0 passed, 1 failed"; exit 1; }
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
assert doc["kind"] == "PrometheusRule", doc["kind"]
yaml.safe_dump(doc["spec"], open(sys.argv[2], "w"), sort_keys=False)
PY
check "promtool check rules (the PrometheusRule's spec)" promtool check rules "$work/halvs-rules.yaml"
for t in "$mon"/tests/*.yaml; do
  cp "$t" "$work/"
  check "promtool test rules $(basename "$t")" promtool test rules "$work/$(basename "$t")"
done

check "every alert has a severity (critical or warning), a summary, a description and a runbook section" \
  python3 - "$work/halvs-rules.yaml" "$repo/docs/RUNBOOK.md" <<'PY'
import re, sys, yaml
rules = [r for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"] if "alert" in r]
anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
           for h in re.findall(r"^#+ (.*)$", open(sys.argv[2]).read(), re.M)}
bad = []
for r in rules:
    a, labels, ann = r["alert"], r.get("labels", {}), r.get("annotations", {})
    if labels.get("severity") not in ("critical", "warning"): bad.append(f"{a}: severity {labels.get('severity')}")
    for k in ("summary", "description", "runbook_url"):
        if not ann.get(k): bad.append(f"{a}: no {k}")
    anchor = ann.get("runbook_url", "").rpartition("#")[2]
    if anchor != a.lower() or anchor not in anchors: bad.append(f"{a}: runbook anchor #{anchor} not a heading of docs/RUNBOOK.md")
print(f"{len(rules)} alerts"); print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
check "every alert has a unit test in which it fires" python3 - "$work/halvs-rules.yaml" "$mon"/tests/*.yaml <<'PY'
import sys, yaml
alerts = {r["alert"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"] if "alert" in r}
fired = set()
for f in sys.argv[2:]:
    for t in yaml.safe_load(open(f))["tests"]:
        fired |= {c["alertname"] for c in t.get("alert_rule_test", []) if c.get("exp_alerts")}
print("never shown firing:", sorted(alerts - fired)); sys.exit(1 if alerts - fired else 0)
PY

# The dashboard: parses; every panel (rows are only headings) has a datasource and queries that each have one;
# ids unique; every query valid PromQL (promtool checks them as recording rules, Grafana's variables replaced).
check "dashboard: JSON; every panel has a datasource and a query" python3 - "$mon/dashboards/halvs.json" "$work/dashboard-rules.yaml" <<'PY'
import json, sys, yaml
d = json.load(open(sys.argv[1]))
bad, exprs, ids = [], [], set()
panels = [p for p in d["panels"] if p.get("type") != "row"]
for p in panels:
    t = p.get("title") or f"panel {p.get('id')}"
    if p.get("id") in ids: bad.append(f"{t}: id {p.get('id')} twice")
    ids.add(p.get("id"))
    if not p.get("datasource"): bad.append(f"{t}: no datasource")
    if not p.get("targets"): bad.append(f"{t}: no query")
    for q in p.get("targets", []):
        if not q.get("datasource"): bad.append(f"{t} {q.get('refId')}: no datasource")
        if not q.get("expr", "").strip(): bad.append(f"{t} {q.get('refId')}: empty query")
        else: exprs.append(q["expr"])
    if "gridPos" not in p: bad.append(f"{t}: no gridPos")
names = {v["name"] for v in d.get("templating", {}).get("list", [])}
if "datasource" not in names: bad.append("no datasource variable")
sub = lambda e: (e.replace("$__rate_interval", "5m").replace("$directorpair", ".*").replace("$virtualservice", ".*"))
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query:{i}", "expr": sub(e)}
                for i, e in enumerate(exprs)]}]}, open(sys.argv[2], "w"))
print(f"{len(panels)} panels, {len(exprs)} queries"); print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
check "dashboard: every query is valid PromQL (promtool)" promtool check rules "$work/dashboard-rules.yaml"

# kustomize: deploy/monitoring renders; deploy/ carries no Prometheus operator kind (it applies without the CRDs).
kubectl kustomize "$mon" > "$work/monitoring.yaml" 2> "$work/kustomize.err"; rc=$?
check "kubectl kustomize deploy/monitoring" bash -c "[ $rc = 0 ] || { cat '$work/kustomize.err'; false; }"
kubectl kustomize "$repo/deploy" > "$work/deploy.yaml" 2>> "$work/kustomize.err"
check "deploy/ holds no monitoring.coreos.com object (applies on clusters without the Prometheus operator)" \
  bash -c "[ -s '$work/deploy.yaml' ] && ! grep -q 'monitoring.coreos.com' '$work/deploy.yaml'"
check "deploy/monitoring: Service, ServiceMonitor, PodMonitor, PrometheusRule and the dashboard ConfigMap, in halvs-system; the monitors' ports match the operator's Deployment and the agents' DaemonSet" \
  python3 - "$work/monitoring.yaml" "$work/deploy.yaml" "$repo/operator/src/main/resources/templates/agent-daemonset.yaml" "$mon/dashboards/halvs.json" <<'PY'
import sys, yaml
mon = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d]
ds = yaml.safe_load(open(sys.argv[3]))
kinds = sorted(d["kind"] for d in mon)
bad = []
if kinds != ["ConfigMap", "PodMonitor", "PrometheusRule", "Service", "ServiceMonitor"]: bad.append(f"kinds {kinds}")
for d in mon:
    if d["metadata"].get("namespace") != "halvs-system": bad.append(f"{d['kind']} in {d['metadata'].get('namespace')}")
    if "annotations" in d["metadata"] and any(k.startswith("prometheus.io/") for k in d["metadata"]["annotations"]):
        bad.append(f"{d['kind']}: prometheus.io annotations")
one = lambda kind, objs: next(d for d in objs if d["kind"] == kind)
cm = one("ConfigMap", mon)
if cm["metadata"].get("labels", {}).get("grafana_dashboard") != "1": bad.append("dashboard ConfigMap without grafana_dashboard label")
if cm["data"].get("halvs.json") != open(sys.argv[4]).read(): bad.append("dashboard ConfigMap differs from dashboards/halvs.json")
# operator: ServiceMonitor -> Service (label, port name) -> Deployment's pods (selector, container port name)
sm, svc, deploy = one("ServiceMonitor", mon), one("Service", mon), one("Deployment", dep)
pod_labels = deploy["spec"]["template"]["metadata"]["labels"]
if any(svc["metadata"]["labels"].get(k) != v for k, v in sm["spec"]["selector"]["matchLabels"].items()): bad.append("ServiceMonitor does not select the Service")
if any(pod_labels.get(k) != v for k, v in svc["spec"]["selector"].items()): bad.append("Service does not select the operator's pods")
container = deploy["spec"]["template"]["spec"]["containers"][0]
ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
svc_ports = {p["name"]: p for p in svc["spec"]["ports"]}
ep = sm["spec"]["endpoints"][0]["port"]
if ep not in svc_ports or svc_ports[ep]["targetPort"] not in ports: bad.append(f"ServiceMonitor port {ep} -> Service -> container ports {ports}")
for probe in ("readinessProbe", "livenessProbe"):
    if container[probe]["httpGet"]["port"] not in ports: bad.append(f"operator {probe} port {container[probe]['httpGet']['port']} is no container port")
if "prometheus.io/scrape" in (deploy["spec"]["template"]["metadata"].get("annotations") or {}): bad.append("scrape annotations on the operator")
# agents: PodMonitor -> the DaemonSet template's pod labels and container port name
pm = one("PodMonitor", mon)
agent_labels = ds["spec"]["template"]["metadata"]["labels"]
if any(agent_labels.get(k) != v for k, v in pm["spec"]["selector"]["matchLabels"].items()): bad.append("PodMonitor does not select the agents' pods")
agent_ports = {p.get("name") for p in ds["spec"]["template"]["spec"]["containers"][0]["ports"]}
if pm["spec"]["podMetricsEndpoints"][0]["port"] not in agent_ports: bad.append(f"PodMonitor port not in the agent's ports {agent_ports}")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
