#!/usr/bin/env python3
"""Each component's requests to the API server over a window, from two reads of their own counters
(halvs_operator_api_requests_total, halvs_api_requests_total), as full-size.sh saves them: lines "COMPONENT
SAMPLE" where SAMPLE is a Prometheus text line.

  api_requests.py BEFORE AFTER SECONDS [TOP]   prints "COMPONENT RATE/s (TOP verb resource RATE/s, ...)" lines
"""
import re
import sys
from collections import defaultdict

SAMPLE = re.compile(r'^(\S+) [a-z_]+\{([^}]*)\} (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def read(lines):
    """component -> (verb, resource) -> count, codes summed."""
    out = defaultdict(lambda: defaultdict(float))
    for line in lines:
        m = SAMPLE.match(line.strip())
        if not m:
            continue
        labels = dict(LABEL.findall(m.group(2)))
        out[m.group(1)][(labels.get("verb", "?"), labels.get("resource", "?"))] += float(m.group(3))
    return out


def rates(before, after, seconds):
    """component -> [(verb, resource, per second)], busiest first; a series new in AFTER counts from 0. A counter
    that went down (the component restarted) counts from 0 too."""
    out = {}
    for component, series in after.items():
        rows = []
        for key, n in series.items():
            b = before.get(component, {}).get(key, 0.0)
            d = n - b if n >= b else n
            if d > 0:
                rows.append((key[0], key[1], d / seconds))
        out[component] = sorted(rows, key=lambda r: (-r[2], r[1], r[0]))
    return out


def summary(component, rows, top):
    total = sum(r[2] for r in rows)
    busiest = ", ".join("%s %s %.1f" % r for r in rows[:top])
    return "%s %.1f/s (%s)" % (component, total, busiest or "none")


if __name__ == "__main__":
    before = read(open(sys.argv[1]))
    after = read(open(sys.argv[2]))
    seconds = float(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    r = rates(before, after, seconds)
    for component in sorted(r):
        print(summary(component, r[component], top))
