#!/usr/bin/env python3
"""CR edit -> both agents' kernels programmed, per kind of edit (full-size.sh runs it; prints, asserts no time).

Usage: edits.py [--operator-log LOG] [--operator-gc GC_LOG] DIR SERVICES PER_SERVICE EDITS AGENT_LOG...

DIR is the API server tier's work directory (admin.kubeconfig's token, ca.crt). The objects are full-size.sh's:
VirtualService vs-I selects RealServers labelled app: app-I; RealServer rs-N has app-(N // PER_SERVICE). For
each kind, EDITS edits one after the other, each through the API (as kubectl would) and then waited for: the
pair's plan ConfigMap names a new planHash and every agent's report names it programmed. The time of an edit is
from just before its API request to the log line of the agent pass that applied it ("full pass: N operations",
millisecond timestamps), the later of the agents; the time until the reports showed it is printed beside it.
Every edit is also written as one JSON line to DIR/edits.jsonl (its kind, start, each agent's time, the reports'
time), to set the slow ones beside the agents' logs and GC logs.
Where an edit's time went (a second table): the API server's answer to the edit's request; from the logs, the
operator's "published plan H" line (with --operator-log), each agent's "plan H of DirectorPair" line (the plan
read from its ConfigMaps) and its pass; with --operator-gc (a -Xlog:gc log with utctime) the operator's GC pauses
that began within the edit.
Kinds: a RealServer's weight, a RealServer added, a VirtualService added (100 destinations), a VirtualService's
selector changed (its 100 destinations replaced by another app's). Every tenth added VirtualService keeps the
default tcp health check, the others say type none, as in full-size.sh.
"""
import json
import os
import re
import ssl
import sys
import time
import urllib.request
from datetime import datetime, timezone

from stats import nearest_rank as percentile

NS = "halvs-system"
PAIR = "lvs"
CRD = "/apis/halvs.io/v1alpha1/namespaces/default/"
PASS = re.compile(r"^(\S+Z) .*full pass: ([0-9]+) operations")
SPENT = re.compile(r"; on a CPU ([0-9]+) ms, waiting for one ([0-9]+) ms")
REBUILT = re.compile(r"^(\S+Z) .*model rebuilt \(objects\)")
GC_PAUSE = re.compile(r"^\[(\S+?)\+0000\].* Pause .* ([0-9.]+)ms$")


class Api:
    def __init__(self, work):
        cfg = open(os.path.join(work, "admin.kubeconfig")).read()
        self.server = re.search(r"server: (\S+)", cfg).group(1)
        self.token = re.search(r"token: (\S+)", cfg).group(1)
        self.ctx = ssl.create_default_context(cafile=os.path.join(work, "ca.crt"))
        self.requests = 0  # this driver's own, subtracted from the API server's count by full-size.sh

    def call(self, method, path, body=None, content_type="application/json"):
        self.requests += 1
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", content_type)
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def config_map_field(self, name, key, field):
        try:
            cm = self.call("GET", "/api/v1/namespaces/%s/configmaps/%s" % (NS, name))
        except urllib.error.HTTPError:
            return None
        value = (cm.get("data") or {}).get(key)
        return None if value is None else json.loads(value).get(field)

    def plan_hash(self):
        return self.config_map_field("halvs-plan-" + PAIR, "manifest.json", "planHash")

    def programmed(self, node):
        try:
            cm = self.call("GET", "/api/v1/namespaces/%s/configmaps/halvs-agent-%s-%s" % (NS, PAIR, node))
        except urllib.error.HTTPError:
            return None
        r = json.loads((cm.get("data") or {}).get("report.json") or "{}")
        return r.get("programmedPlanHash") if r.get("programmed") else None

    def patch(self, kind, name, body):
        self.call("PATCH", CRD + kind + "/" + name, body, "application/merge-patch+json")

    def create(self, kind, body):
        self.call("POST", CRD + kind, body)


def stamp(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f" + ("Z" if text.endswith("Z") else "")) \
        .replace(tzinfo=timezone.utc).timestamp()


def line_after(log, t0, offset, pattern, wanted=lambda m: True):
    """The first line matching pattern (its group 1 the line's time) that wanted accepts, logged at or after t0, as
    (epoch seconds, the line); (None, None): none yet. Read from offset (the log's size before the edit: at full
    size the agents' logs grow to tens of MB, read whole for every edit)."""
    if log is None:
        return None, None
    with open(log, errors="replace") as f:
        if offset:
            f.seek(offset - 1)
            f.readline()  # up to the end of the line that holds byte offset - 1 (at offset when it ended there)
        for line in f:
            m = pattern.match(line)
            if m and wanted(m):
                t = stamp(m.group(1))
                if t >= t0 - 0.0005:  # the log has milliseconds
                    return t, line
    return None, None


def spent(line):
    """A log line's thread time from /proc/thread-self/schedstat, (on a CPU, waiting for one) in ms, or None."""
    m = SPENT.search(line or "")
    return None if m is None else (int(m.group(1)), int(m.group(2)))


def passes_after(log, t0, offset=0):
    """The first pass with operations logged at or after t0 (line_after)."""
    return line_after(log, t0, offset, PASS, lambda m: int(m.group(2)) > 0)


def first_line_after(log, t0, offset, needle):
    """The first line holding needle logged at or after t0 (line_after)."""
    return line_after(log, t0, offset, re.compile(r"^(\S+Z) .*" + re.escape(needle)))


def gc_pauses(gc_log, offset):
    """(start epoch seconds, ms) of every collector pause logged from offset on; [] without a log."""
    if gc_log is None or not os.path.exists(gc_log):
        return []
    out = []
    with open(gc_log, errors="replace") as f:
        f.seek(offset)
        for line in f:
            m = GC_PAUSE.match(line.rstrip())
            if m:
                ms = float(m.group(2))
                out.append((stamp(m.group(1)) - ms / 1000, ms))  # logged at its end
    return out


def size(path):
    return os.path.getsize(path) if path is not None and os.path.exists(path) else 0


def main():
    args, operator_log, operator_gc = sys.argv[1:], None, None
    while args and args[0].startswith("--"):
        if args[0] == "--operator-log":
            operator_log = args[1]
        elif args[0] == "--operator-gc":
            operator_gc = args[1]
        else:
            sys.exit("edits.py: unknown option " + args[0])
        args = args[2:]
    work, services, per_service, edits = args[0], int(args[1]), int(args[2]), int(args[3])
    logs = args[4:]
    nodes = ["lvs-0%d" % (i + 1) for i in range(len(logs))]
    api = Api(work)
    counter = {"n": 0}

    def weight(i):
        # a different RealServer each time (7919 is prime), never the 100 it has
        api.patch("realservers", "rs-%d" % (i * 7919 % (services * per_service)), {"spec": {"weight": 1 + i % 99}})

    def realserver(i):
        app = i * 31 % services
        api.create("realservers", {"apiVersion": "halvs.io/v1alpha1", "kind": "RealServer",
                                   "metadata": {"name": "rs-edit-%d" % i, "labels": {"app": "app-%d" % app}},
                                   "spec": {"address": "172.30.%d.%d" % (i // 250, i % 250 + 1), "weight": 100}})

    def virtualservice(i):
        spec = {"directorPair": PAIR, "vip": "10.99.%d.%d" % (i // 250, i % 250 + 1), "port": 80,
                "realServerSelector": {"matchLabels": {"app": "app-%d" % (i * 17 % services)}}}
        if i % 10:
            spec["healthCheck"] = {"type": "none"}  # as full-size.sh's: every tenth service checked
        api.create("virtualservices", {"apiVersion": "halvs.io/v1alpha1", "kind": "VirtualService",
                                       "metadata": {"name": "vs-edit-%d" % i}, "spec": spec})

    def selector(i):
        vs = i // 2 * 13 % services
        # to the next app's RealServers, then back: every edit changes the destinations
        app = vs if i % 2 else (vs + 1) % services
        api.patch("virtualservices", "vs-%d" % vs, {"spec": {"realServerSelector": {"matchLabels": {"app": "app-%d" % app}}}})

    kinds = [("weight of a RealServer", weight), ("RealServer added", realserver),
             ("VirtualService added (%d destinations)" % per_service, virtualservice),
             ("selector changed (%d destinations out, %d in)" % (per_service, per_service), selector)]
    started = time.time()
    record = open(os.path.join(work, "edits.jsonl"), "a")
    print("edits: %d of each kind, one at a time; agents %s" % (edits, ", ".join(nodes)), flush=True)
    print("%-46s %8s %8s %8s %8s %10s" % ("edit -> both agents programmed", "p50 ms", "p99 ms", "max ms", "failed",
                                          "report p50"))
    split = {}  # kind -> lists of the split's parts (ms), for the second table
    per_agent = {n: {"programmed": [], "pass": []} for n in nodes}  # every kind together, for the third
    # each step's thread on a CPU and waiting for one, every kind together, for the fourth
    steps = {k: [] for k in ["operator: model rebuilt", "operator: plan published"]
             + ["%s: %s" % (n, what) for n in nodes for what in ("plan read", "pass")]}
    for name, edit in kinds:
        took, seen, failed = [], [], 0
        parts = split.setdefault(name, {"answered": [], "published": [], "read": [], "pass": [], "gc": [], "slow": 0,
                                        "slow_gc": 0})
        for i in range(edits):
            before = api.plan_hash()
            offsets = [os.path.getsize(log) for log in logs]
            op_offset, gc_offset = size(operator_log), size(operator_gc)
            t0 = time.time()
            edit(i)
            t_answered = time.time()  # the API server's answer to the edit itself: its share of a late edit
            deadline = t0 + 60
            done = False
            while time.time() < deadline:
                h = api.plan_hash()
                if h and h != before and all(api.programmed(n) == h for n in nodes):
                    done = True
                    break
                time.sleep(0.02)
            t_seen = time.time()
            # each (time, line): the times for the split, the lines for their thread time
            pass_lines = [passes_after(log, t0, offset) for log, offset in zip(logs, offsets)] if done else []
            published_line = first_line_after(operator_log, t0, op_offset, "published plan %s " % h) if done \
                else (None, None)
            read_lines = [first_line_after(log, t0, offset, "plan %s of DirectorPair" % h)
                          for log, offset in zip(logs, offsets)] if done else []
            applied, published, read = [t for t, _ in pass_lines], published_line[0], [t for t, _ in read_lines]
            ms = lambda t: None if t is None else round((t - t0) * 1000)
            pauses = [(s, p) for s, p in gc_pauses(operator_gc, gc_offset) if t0 <= s <= t_seen]
            if done:
                steps["operator: model rebuilt"].append(spent(line_after(operator_log, t0, op_offset, REBUILT)[1]))
                steps["operator: plan published"].append(spent(published_line[1]))
                for n, (_, read_line), (_, pass_line) in zip(nodes, read_lines, pass_lines):
                    steps[n + ": plan read"].append(spent(read_line))
                    steps[n + ": pass"].append(spent(pass_line))
            record.write(json.dumps({"kind": name, "i": i, "start": round(t0, 3), "done": done,
                                     "agents_ms": {n: ms(a) for n, a in zip(nodes, applied)},
                                     "reports_ms": round((t_seen - t0) * 1000),
                                     "answered_ms": ms(t_answered),
                                     "published_ms": ms(published),
                                     "read_ms": {n: ms(r) for n, r in zip(nodes, read)},
                                     "operator_gc_ms": round(sum(p for _, p in pauses), 1)}) + "\n")
            if not done:
                failed += 1
                continue
            took.append(((max(applied) if all(applied) else t_seen) - t0) * 1000)
            seen.append((t_seen - t0) * 1000)
            parts["answered"].append((t_answered - t0) * 1000)
            if published is not None:
                parts["published"].append((published - t0) * 1000)
            for n, a, r in zip(nodes, applied, read):  # both one per node once the edit is done
                if a is not None:
                    per_agent[n]["programmed"].append((a - t0) * 1000)
                    if r is not None:
                        per_agent[n]["pass"].append((a - r) * 1000)
            if read and all(read):
                parts["read"].append((max(read) - t0) * 1000)
                if all(applied):
                    parts["pass"].append(max(a - r for a, r in zip(applied, read)) * 1000)
            parts["gc"].append(sum(p for _, p in pauses))
            if took[-1] > 1000:
                parts["slow"] += 1
                parts["slow_gc"] += any(p > 100 for _, p in pauses)
        if took:
            print("%-46s %8.0f %8.0f %8.0f %8d %10.0f" % (name, percentile(took, 50), percentile(took, 99), max(took),
                                                           failed, percentile(seen, 50)), flush=True)
        else:
            print("%-46s %8s %8s %8s %8d" % (name, "-", "-", "-", failed), flush=True)
    record.close()
    print("where the time went, ms from the edit (p50 / p99): the API server's answer to it; the operator's "
          "\"published plan\" line; both agents "
          "read the plan; an agent's pass (the longer); the operator's GC pauses within the edit; edits over 1 s "
          "(with an operator pause over 100 ms)")
    fmt = lambda v: "-" if not v else "%.0f / %.0f" % (percentile(v, 50), percentile(v, 99))
    for name, parts in split.items():
        print("%-46s answered %s; published %s; read %s; pass %s; operator GC %s; over 1 s: %d (%d)" % (
            name, fmt(parts["answered"]), fmt(parts["published"]), fmt(parts["read"]), fmt(parts["pass"]),
            fmt(parts["gc"]), parts["slow"], parts["slow_gc"]), flush=True)
    # one agent against the other: with AGENT_VARIANT_OPTIONS (full-size.sh) the second runs other JVM flags
    print("each agent, every kind together (p50 / p90 / p99 / max ms): edit -> it programmed the plan; its pass "
          "(the plan read -> programmed)")
    fmt4 = lambda v: "-" if not v else "%.0f / %.0f / %.0f / %.0f" % (
        percentile(v, 50), percentile(v, 90), percentile(v, 99), max(v))
    fmt3 = lambda v: "-" if not v else "%.0f / %.0f / %.0f" % (percentile(v, 50), percentile(v, 90), max(v))
    for n in nodes:
        print("%-46s programmed %s; pass %s" % (n, fmt4(per_agent[n]["programmed"]), fmt4(per_agent[n]["pass"])),
              flush=True)
    # a step's wall time less both is time its thread was blocked (I/O, a lock, a sleep)
    print("each step's thread, every kind together (p50 / p90 / max ms; /proc/thread-self/schedstat in its log "
          "line): on a CPU; runnable, waiting for one")
    for step, values in steps.items():
        known = [v for v in values if v is not None]
        print("%-46s on a CPU %s; waiting for one %s (%d of %d edits)" % (
            step, fmt3([c for c, _ in known]), fmt3([w for _, w in known]), len(known), len(values)), flush=True)
    print("edits driver: %d API requests of its own in %.1f s" % (api.requests, time.time() - started), flush=True)


if __name__ == "__main__":
    main()
