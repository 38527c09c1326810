#!/usr/bin/env python3
"""The figure scripts' pure parts against hand-worked answers: stats.nearest_rank, failover.held (the bench tier
runs it; prints PASS / FAIL lines and a count)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stats import nearest_rank  # noqa: E402
from failover import held  # noqa: E402
from api_requests import rates, read, summary  # noqa: E402
from edits import spent  # noqa: E402

passed = failed = 0


def check(name, expected, actual):
    global passed, failed
    if expected == actual:
        passed += 1
        print("PASS", name)
    else:
        failed += 1
        print("FAIL %s: expected %r, got %r" % (name, expected, actual))


hundred = list(range(1, 101))  # 1..100; the first check gives them reversed: the order must not matter
check("p99 of 100 values is the 99th, not the largest", 99, nearest_rank(reversed(hundred), 99))
check("p50 of 100 values is the 50th", 50, nearest_rank(hundred, 50))
check("p100 is the largest", 100, nearest_rank(hundred, 100))
check("p1 of 100 is the smallest", 1, nearest_rank(hundred, 1))
forty = list(range(1, 41))
check("p99 of 40 values is the largest (rank 39.6 up to 40)", 40, nearest_rank(forty, 99))
check("p50 of 40 values is the 20th", 20, nearest_rank(forty, 50))
check("p90 of 40 values is the 36th", 36, nearest_rank(forty, 90))
check("p50 of 3 values is the middle one", 2, nearest_rank([3, 1, 2], 50))
check("p99.9 of 1,000 values is the 999th", 999, nearest_rank(range(1, 1001), 99.9))
check("one value is every percentile", 7, nearest_rank([7], 1))
check("no values: None", None, nearest_rank([], 99))
for bad in (0, 101, -1):
    try:
        nearest_rank(hundred, bad)
        check("p=%r is refused" % bad, "ValueError", "returned")
    except ValueError:
        check("p=%r is refused" % bad, "ValueError", "ValueError")

a, b, c = b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x03"
check("a late sample: the VIP held by its gratuitous ARP", (270.0, 300.0), held({a, b}, {a: 358.0, b: 358.0}, {a: 270.0, b: 300.0}))
check("a sample before the ARP counts", (205.6, 210.0), held({a, b}, {a: 205.6, b: 210.0}, {a: 205.7, b: 280.0}))
check("each VIP by its own earlier time", (200.0, 260.0), held({a, b, c}, {a: 250.0, c: 260.0}, {a: 200.0, b: 230.0}))
check("a VIP never held nor announced: no 'every'", (230.0, None), held({a, b}, {a: 240.0}, {a: 230.0}))
check("nothing seen, nothing announced", (None, None), held({a}, {}, {}))
check("an ARP for an address that is no VIP does not count", (None, None), held({a}, {}, {b: 100.0}))

before = read([
    'operator halvs_operator_api_requests_total{verb="update",resource="realservers/status",code="200"} 100',
    'operator halvs_operator_api_requests_total{verb="update",resource="realservers/status",code="409"} 2',
    'operator halvs_operator_api_requests_total{verb="list",resource="pods",code="200"} 10',
    'lvs-01 halvs_api_requests_total{directorpair="lvs",node="lvs-01",verb="patch",resource="configmaps",code="200"} 50',
    'lvs-01 halvs_api_requests_total{directorpair="lvs",node="lvs-01",verb="update",resource="leases",code="200"} 7',
    'not a sample line',
])
after = read([
    'operator halvs_operator_api_requests_total{verb="update",resource="realservers/status",code="200"} 190',
    'operator halvs_operator_api_requests_total{verb="update",resource="realservers/status",code="409"} 12',
    'operator halvs_operator_api_requests_total{verb="list",resource="pods",code="200"} 10',
    'operator halvs_operator_api_requests_total{verb="get",resource="nodes",code="200"} 20',
    'lvs-01 halvs_api_requests_total{directorpair="lvs",node="lvs-01",verb="patch",resource="configmaps",code="200"} 4',
    'lvs-01 halvs_api_requests_total{directorpair="lvs",node="lvs-01",verb="update",resource="leases",code="200"} 7',
])
r = rates(before, after, 10.0)
check("codes summed, busiest first, unchanged series left out, a new series from 0",
      [("update", "realservers/status", 10.0), ("get", "nodes", 2.0)], r["operator"])
check("a counter that went down (a restart) counts from 0", [("patch", "configmaps", 0.4)], r["lvs-01"])
check("the summary line", "operator 12.0/s (update realservers/status 10.0)", summary("operator", r["operator"], 1))
check("a component with no request in the window", "lvs-02 0.0/s (none)", summary("lvs-02", [], 3))
pass_line = ("2026-12-06T19:20:04.471Z INFO  [halvs-director-lvs] InCluster: full pass: 200 operations, 0 failures, "
             "89 ms; on a CPU 12 ms, waiting for one 50 ms directorpair=lvs")
check("a pass's thread time: on a CPU, waiting for one", (12, 50), spent(pass_line))
check("a read line's thread time inside its parentheses", (3, 41), spent(
    "plan c3 of DirectorPair lvs: 1100 services, 110111 destinations (read in 78 ms, 102 ms after the first event; "
    "on a CPU 3 ms, waiting for one 41 ms) directorpair=lvs"))
check("a line from a kernel without schedstat: None", None, spent("full pass: 200 operations, 0 failures, 89 ms"))
check("no line: None", None, spent(None))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
