#!/usr/bin/env python3
"""Watches which directors hold a VIP, every INTERVAL (default 2 ms), through an RTM_GETADDR dump in each
director's network namespace (e2e/cluster/vipwatch.py's reader, without the pings). On SIGTERM or SIGINT it prints
one JSON line: samples (and those with two holders), holder changes, the longest stretch with two holders and with
none (ms), and the holders at the end. It writes "watching" to stderr once it has taken its first sample.

Usage: holders.py VIP NAME=NETNS... [--interval 0.002]
"""
import importlib.util
import json
import os
import signal
import socket
import sys
import time

spec = importlib.util.spec_from_file_location(
    "vipwatch", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cluster", "vipwatch.py"))
vipwatch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vipwatch)


def main():
    args = sys.argv[1:]
    interval = 0.002
    if "--interval" in args:
        i = args.index("--interval")
        interval = float(args[i + 1])
        del args[i:i + 2]
    vip, directors = args[0], [a.split("=", 1) for a in args[1:]]
    nls = [(name, vipwatch.in_netns(ns, lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)))
           for name, ns in directors]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    start = time.monotonic()
    samples = seq = two_samples = 0
    changes = []
    last = None
    two_since = none_since = None
    longest_two = longest_none = two_total = 0.0
    longest_gap = 0.0  # between two samples: how late this watcher itself ran (a loaded machine)
    prev = None
    current = []
    while not stop:
        now = time.monotonic()
        if prev is not None:
            longest_gap = max(longest_gap, now - prev)
        prev = now
        seq = (seq + 1) & 0xFFFFFFFF
        current = [name for name, nl in nls if vipwatch.holds(nl, vip, seq)]
        samples += 1
        if samples == 1:
            print("watching", file=sys.stderr, flush=True)
        key = ",".join(current)
        if last is not None and key != last:
            changes.append([round((now - start) * 1000), last, key])
        last = key
        if len(current) > 1:
            two_samples += 1
            two_since = now if two_since is None else two_since
        elif two_since is not None:
            longest_two = max(longest_two, now - two_since)
            two_total += now - two_since
            two_since = None
        if not current:
            none_since = now if none_since is None else none_since
        elif none_since is not None:
            longest_none = max(longest_none, now - none_since)
            none_since = None
        time.sleep(interval)
    now = time.monotonic()
    if two_since is not None:
        longest_two = max(longest_two, now - two_since)
        two_total += now - two_since
    if none_since is not None:
        longest_none = max(longest_none, now - none_since)
    print(json.dumps({
        "seconds": round(now - start, 2), "samples": samples, "two_holder_samples": two_samples,
        "changes": changes,
        "longest_two_holders_ms": round(longest_two * 1000, 1), "two_holders_total_ms": round(two_total * 1000, 1),
        "longest_without_holder_ms": round(longest_none * 1000, 1),
        "longest_sample_gap_ms": round(longest_gap * 1000, 1), "holders_at_end": current,
    }), flush=True)


if __name__ == "__main__":
    main()
