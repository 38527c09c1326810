#!/usr/bin/env python3
"""The pair Lease's GET and PUT latency, with and without the FlowSchema halvs-leader-election, side by side.

Two renewal loops run at the same time against the same API server: the agent of namespace halvs-system (matched
by the FlowSchema: priority level leader-election) and the same agent, same Role, in a namespace the FlowSchema
does not name (the built-in service-accounts schema: workload-low, where every ServiceAccount's traffic is). Each
loop GETs its Lease and PUTs it back with a new renewTime, as LeaseQuorum does, every INTERVAL seconds. First at
rest, then while LOAD workers spread over FLOWS other ServiceAccounts LIST ConfigMaps and PUT ConfigMaps
(operators' status writes and controllers' relists: workload-low too, each ServiceAccount a flow of its own). Prints p50/p99/max per phase and side, and the API server's
own queue wait per FlowSchema from its /metrics.

usage: lease_priority.py SERVER CA PROTECTED_TOKEN CONTROL_TOKEN LOAD_TOKENS_FILE ADMIN_TOKEN (options in the env)
"""
import http.client
import json
import multiprocessing
import os
import ssl
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import urlparse

from stats import nearest_rank

REST_S = float(os.environ.get("REST_S", "10"))
LOAD_S = float(os.environ.get("LOAD_S", "60"))
LOAD = int(os.environ.get("LOAD", "48"))
INTERVAL = float(os.environ.get("INTERVAL", "0.1"))
LOAD_NS = "load"


class Client:
    def __init__(self, server, ca, token):
        url = urlparse(server)
        self.host, self.port = url.hostname, url.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, ctype="application/json"):
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = ctype
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data, resp.headers
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def lease_path(ns, name):
    return f"/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/{name}"


def renew_loop(client, ns, name, samples, stop):
    """GET then PUT, as a renewal does; (phase, get_ms, put_ms, status) per round."""
    path = lease_path(ns, name)
    while not stop["end"]:
        phase = stop["phase"]
        t0 = time.monotonic()
        status, body, _ = client.request("GET", path)
        t1 = time.monotonic()
        if status != 200:
            samples.append((phase, (t1 - t0) * 1000, None, status))
            time.sleep(INTERVAL)
            continue
        lease = json.loads(body)
        lease["spec"]["holderIdentity"] = "lvs-01"
        lease["spec"]["renewTime"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        status, _, _ = client.request("PUT", path, json.dumps(lease).encode())
        t2 = time.monotonic()
        samples.append((phase, (t1 - t0) * 1000, (t2 - t1) * 1000, status))
        time.sleep(INTERVAL)


COUNT_LOCK = threading.Lock()


def count(statuses, key):
    with COUNT_LOCK:
        statuses[key] = statuses.get(key, 0) + 1


def load_worker(server, ca, token, index, end, statuses):
    """Alternately LIST the namespace's ConfigMaps and PUT one of its own: mostly waiting on the API server."""
    client = Client(server, ca, token)
    own = f"/api/v1/namespaces/{LOAD_NS}/configmaps/load-{index % 50}"
    n = 0
    while time.monotonic() < end:
        try:
            status, _, _ = client.request("GET", f"/api/v1/namespaces/{LOAD_NS}/configmaps")
            count(statuses, status)
            status, body, _ = client.request("GET", own)
            count(statuses, status)
            if status == 200:
                cm = json.loads(body)
                cm["data"]["n"] = str(n)
                status, _, _ = client.request("PUT", own, json.dumps(cm).encode())
                count(statuses, status)
        except OSError:
            count(statuses, "error")
        n += 1


def load_process(server, ca, tokens, end, workers, result):
    statuses = {}
    threads = [threading.Thread(target=load_worker, args=(server, ca, tokens[i % len(tokens)], i, end, statuses),
                                daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.put(statuses)


def pct(values, p):
    v = nearest_rank(values, p)
    return float("nan") if v is None else v


def flowcontrol_wait(admin):
    """The API server's mean queue wait (ms) and request count per FlowSchema, from its /metrics."""
    status, body, _ = admin.request("GET", "/metrics")
    sums, counts = {}, {}
    for line in body.decode().splitlines():
        if not line.startswith("apiserver_flowcontrol_request_wait_duration_seconds_"):
            continue
        name, _, value = line.rpartition(" ")
        if 'execute="true"' not in name:
            continue
        fs = name.split('flow_schema="')[1].split('"')[0]
        if name.startswith("apiserver_flowcontrol_request_wait_duration_seconds_sum"):
            sums[fs] = sums.get(fs, 0) + float(value)
        elif name.startswith("apiserver_flowcontrol_request_wait_duration_seconds_count"):
            counts[fs] = counts.get(fs, 0) + float(value)
    return sums, counts


def main():
    server, ca, protected_token, control_token, load_tokens_file, admin_token = sys.argv[1:7]
    with open(load_tokens_file) as f:
        load_tokens = f.read().split()
    sides = {"with the FlowSchema (leader-election)": (protected_token, "halvs-system"),
             "without (workload-low)": (control_token, "halvs-nofs")}
    stop = {"end": False, "phase": "rest"}
    samples = {side: [] for side in sides}
    threads = [threading.Thread(target=renew_loop, args=(Client(server, ca, token), ns, "halvs-lvs", samples[side],
                                                           stop), daemon=True) for side, (token, ns) in sides.items()]
    admin = Client(server, ca, admin_token)
    before = flowcontrol_wait(admin)
    for t in threads:
        t.start()
    time.sleep(REST_S)
    at_load = flowcontrol_wait(admin)
    stop["phase"] = "load"
    end = time.monotonic() + LOAD_S
    # the load in a process of its own: its threads must not hold the measuring loops' interpreter lock
    result = multiprocessing.Queue()
    load = multiprocessing.Process(target=load_process, args=(server, ca, load_tokens, end, LOAD, result))
    load.start()
    load_statuses = result.get()
    load.join()
    stop["end"] = True
    for t in threads:
        t.join(timeout=65)
    after = flowcontrol_wait(admin)

    print(f"Lease GET + PUT every {INTERVAL * 1000:.0f} ms per side; rest {REST_S:.0f} s, then {LOAD_S:.0f} s with "
          f"{LOAD} workers of {len(load_tokens)} ServiceAccounts LISTing {LOAD_NS}/configmaps and PUTting ConfigMaps "
          f"(workload-low)")
    print(f"{'phase':5} {'side':38} {'n':>5} {'GET p50':>8} {'p99':>7} {'max':>7} {'PUT p50':>8} {'p99':>7} "
          f"{'max':>7} {'GET+PUT p50':>11} {'p99':>7} {'max':>7} {'>1 s':>5} errors")
    for phase in ("rest", "load"):
        for side in sides:
            rows = [s for s in samples[side] if s[0] == phase]
            ok = [s for s in rows if s[3] == 200 and s[2] is not None]
            gets = [s[1] for s in ok]
            puts = [s[2] for s in ok]
            both = [s[1] + s[2] for s in ok]
            slow = sum(1 for b in both if b > 1000)
            print(f"{phase:5} {side:38} {len(ok):5} {pct(gets, 50):8.0f} {pct(gets, 99):7.0f} {max(gets, default=0):7.0f} "
                  f"{pct(puts, 50):8.0f} {pct(puts, 99):7.0f} {max(puts, default=0):7.0f} {pct(both, 50):11.0f} "
                  f"{pct(both, 99):7.0f} {max(both, default=0):7.0f} {slow:5} {len(rows) - len(ok)}")
    print("the load's responses by status:", ", ".join(f"{k}: {v}" for k, v in sorted(load_statuses.items(), key=str)))
    print("the API server's mean queue wait per FlowSchema (apiserver_flowcontrol_request_wait_duration_seconds):")
    for label, (a, b) in (("rest", (before, at_load)), ("load", (at_load, after))):
        for fs in ("halvs-leader-election", "service-accounts"):
            n = b[1].get(fs, 0) - a[1].get(fs, 0)
            s = b[0].get(fs, 0) - a[0].get(fs, 0)
            print(f"  {label}: {fs}: {n:.0f} requests, mean wait {s / n * 1000 if n else float('nan'):.1f} ms")


if __name__ == "__main__":
    main()
