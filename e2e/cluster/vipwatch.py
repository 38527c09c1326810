#!/usr/bin/env python3
"""Watches a VIP during a disruption: every INTERVAL it pings the VIP from the client's network namespace and
reads which directors hold it (an RTM_GETADDR dump in each director's namespace). On SIGTERM or SIGINT it prints
one JSON line: samples, the most holders seen at once and how often two held it, the holder changes
(failovers), the longest time between two answers from the VIP and how many pings went unanswered.

Usage: vipwatch.py VIP CLIENT_NETNS NAME=NETNS... [--interval 0.01]
It writes "watching" to stderr once it has taken its first sample.
A namespace is a name under /run/netns or a path (/proc/PID/ns/net: a container's). Sockets stay in the namespace they were created in, so one process
watches all of them.
"""
import ctypes
import json
import os
import select
import signal
import socket
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
RTM_GETADDR, RTM_NEWADDR, NLMSG_DONE, NLMSG_ERROR = 22, 20, 3, 2
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
IFA_ADDRESS, IFA_LOCAL = 1, 2


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def in_netns(name, make):
    """A socket created inside network namespace NAME."""
    host = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(name if name.startswith("/") else "/run/netns/" + name, os.O_RDONLY)
    try:
        setns(target)
        return make()
    finally:
        setns(host)
        os.close(host)
        os.close(target)


def holds(nl, vip, seq):
    """True when the namespace of netlink socket NL has address VIP (IPv4) on any interface."""
    want = socket.inet_aton(vip)
    nl.send(struct.pack("=LHHLL", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
            + struct.pack("=BBBBI", socket.AF_INET, 0, 0, 0, 0))
    found = False
    while True:
        data = nl.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, kind, _, _, _ = struct.unpack_from("=LHHLL", data, off)
            if kind == NLMSG_DONE or kind == NLMSG_ERROR:
                return found
            if kind == RTM_NEWADDR:
                a = off + 16 + 8
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if atype in (IFA_ADDRESS, IFA_LOCAL) and data[a + 4:a + alen] == want:
                        found = True
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3


def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def main():
    args = sys.argv[1:]
    interval = 0.01
    if "--interval" in args:
        i = args.index("--interval")
        interval = float(args[i + 1])
        del args[i:i + 2]
    vip, client, directors = args[0], args[1], [a.split("=", 1) for a in args[2:]]
    icmp = in_netns(client, lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP))
    icmp.setblocking(False)
    nls = [(name, in_netns(ns, lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)))
           for name, ns in directors]
    ident = os.getpid() & 0xFFFF
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    start = time.monotonic()
    started_at = time.time()
    first_held = {}
    samples = two = 0
    most = 0
    holder = None  # the last single holder seen
    changes = []  # [t_ms, from, to]
    sent = answered = 0
    last_answer = None
    longest_gap = 0.0
    longest_gap_at = None
    none_since = None
    longest_none = 0.0
    seq = 0
    nxt = start
    while not stop:
        now = time.monotonic()
        seq = (seq + 1) & 0xFFFF
        body = struct.pack("!d", now)
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        icmp.sendto(struct.pack("!BBHHH", 8, 0, checksum(hdr + body), ident, seq) + body, (vip, 0))
        sent += 1
        current = [name for name, nl in nls if holds(nl, vip, seq)]
        samples += 1
        if samples == 1:
            print("watching", file=sys.stderr, flush=True)  # the caller may start the disruption now
        for name in current:
            first_held.setdefault(name, round((now - start) * 1000))
        most = max(most, len(current))
        if len(current) > 1:
            two += 1
        if len(current) == 1:
            if holder is not None and current[0] != holder:
                changes.append([round((now - start) * 1000), holder, current[0]])
            holder = current[0]
            if none_since is not None:
                longest_none = max(longest_none, now - none_since)
                none_since = None
        elif not current and none_since is None:
            none_since = now
        nxt += interval
        while True:
            timeout = nxt - time.monotonic()
            r, _, _ = select.select([icmp], [], [], max(timeout, 0))
            if not r:
                break
            try:
                pkt = icmp.recv(2048)
            except BlockingIOError:
                continue
            ihl = (pkt[0] & 0x0F) * 4
            if len(pkt) >= ihl + 8 and pkt[ihl] == 0 and struct.unpack_from("!H", pkt, ihl + 4)[0] == ident:
                answered += 1
                t = time.monotonic()
                if last_answer is not None and t - last_answer > longest_gap:
                    longest_gap = t - last_answer
                    longest_gap_at = round((last_answer - start) * 1000)
                last_answer = t
        if nxt < time.monotonic() - 1:
            nxt = time.monotonic()  # fell behind (machine busy): resume the cadence, do not burst
    end = time.monotonic()
    if last_answer is not None and end - last_answer > longest_gap:  # still unanswered at the end
        longest_gap = end - last_answer
        longest_gap_at = round((last_answer - start) * 1000)
    if none_since is not None:
        longest_none = max(longest_none, time.monotonic() - none_since)
    print(json.dumps({
        "started_at": started_at, "first_held_ms": first_held,
        "seconds": round(time.monotonic() - start, 2), "samples": samples, "most_holders": most,
        "samples_two_holders": two, "holder": holder, "failovers": len(changes), "changes": changes,
        "pings": sent, "answered": answered, "longest_gap_ms": round(longest_gap * 1000),
        "longest_gap_at_ms": longest_gap_at, "longest_without_holder_ms": round(longest_none * 1000),
    }), flush=True)


if __name__ == "__main__":
    main()
