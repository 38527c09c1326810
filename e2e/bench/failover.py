#!/usr/bin/env python3
"""Helpers of full-size.sh's failover step and health checks (root; prints figures, asserts no time).

serve PORT
    TCP server on 0.0.0.0:PORT that accepts and closes every connection, for the real servers' namespace: with a
    local route for their prefix (ip route add local 172.16.0.0/12 dev lo) it answers the agents' tcp checks of
    every real-server address without one address per server. Backlog 4096: a busy machine may leave it
    unscheduled for a while, and a full accept queue would drop SYNs (a failed check, not the director's doing).

watch KILL_PID FROM_NS TO_NS OUT
    The VIPs are the addresses FROM_NS holds on eth0 besides its own (192.0.2.x). Sends SIGKILL to KILL_PID (the
    active's agent), then reads both namespaces' addresses (an RTM_GETADDR dump in each, by sockets made inside
    them) every SAMPLE_MS (5) until SIGTERM, and the ARP packets arriving on FROM_NS's eth0 (the taker's
    gratuitous ARPs: the veth's other end; their kernel receive time). Once TO_NS holds every VIP it writes
    "took over" to OUT; on SIGTERM it writes one JSON line to OUT: the kill's wall time (epoch ms, for the agents'
    logs), kill -> TO_NS holds the first VIP / every VIP (first_ms, all_ms: see held()), the same as the samples
    alone saw it (first_seen_ms, all_seen_ms), kill -> the first gratuitous ARP for a VIP / one for every VIP (ms),
    how long FROM_NS kept what kill -9 left on its interface (until its restarted agent dropped them), and, after
    that, how many samples had two holders and how many had TO_NS missing a VIP.
"""
import json
import os
import signal
import socket
import struct
import sys
import time
import ctypes
import fcntl
import math
import re
from datetime import datetime, timezone

from stats import nearest_rank

CLONE_NEWNET = 0x40000000
ETH_P_ARP = 0x0806
SIOCGSTAMP = 0x8906
SO_RCVBUFFORCE = 33
SOL_PACKET = 263
PACKET_STATISTICS = 6
RTM_GETADDR, RTM_NEWADDR, NLMSG_DONE, NLMSG_ERROR = 22, 20, 3, 2
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
IFA_LOCAL, IFA_ADDRESS = 2, 1
libc = ctypes.CDLL(None, use_errno=True)


def serve(port, processes=4):
    """Accepts and closes every connection to PORT: the health checks' real servers. Several processes, each with
    a queue of its own (SO_REUSEPORT), and a deep backlog: at full size 20,000 targets are checked, and one loaded
    process fell behind, so its queue overflowed and the checks' SYNs were dropped (connect timeouts by the
    hundred thousand). The backlog is capped by the namespace's net.core.somaxconn (full-size.sh raises it)."""
    parent = os.getpid()
    for _ in range(int(processes) - 1):
        if os.fork() == 0:
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: the children end with the process full-size.sh kills
            if os.getppid() != parent:
                sys.exit(0)
            break
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(65535)
    while True:
        c, _ = s.accept()
        c.close()


def netlink_in(ns):
    """A NETLINK_ROUTE socket made inside /run/netns/NS: it answers for that namespace from anywhere."""
    return made_in(ns, lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))


def arp_in(ns):
    """A packet socket on NS's eth0 receiving ARP, non-blocking."""
    def make():
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
        # A takeover's round is one packet per VIP at once: 1,100 at full size overflow the default buffer
        # (about 200 KiB, a few hundred packets). Root may force it larger; drops() counts what was lost anyway.
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        s.bind(("eth0", ETH_P_ARP))
        s.setblocking(False)
        return s
    return made_in(ns, make)


def drops(sock):
    """Packets the kernel dropped for SOCK since the last call (PACKET_STATISTICS resets on read)."""
    _, dropped = struct.unpack("=II", sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    return dropped


def made_in(ns, make):
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(there, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
        return make()
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(home)
        os.close(there)


def addresses(nl, seq):
    """Every IPv4 address of the namespace (packed 4 bytes), all interfaces."""
    nl.send(struct.pack("=LHHLL", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
            + struct.pack("=BBBBI", socket.AF_INET, 0, 0, 0, 0))
    found = set()
    while True:
        data = nl.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            length, kind, _, _, _ = struct.unpack_from("=LHHLL", data, off)
            if kind in (NLMSG_DONE, NLMSG_ERROR):
                return found
            if kind == RTM_NEWADDR:
                a = off + 16 + 8
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if atype == IFA_LOCAL:
                        found.add(data[a + 4:a + alen])
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3


def held(vips, seen, announced):
    """(first, every): ms from the kill until TO_NS held the first VIP and every VIP; None when it never did. A VIP
    was held at the end of the first dump of TO_NS that listed it (seen) and no later than its first gratuitous ARP
    (announced): the taker adds a VIP before it announces it, and an ARP's time is the kernel's, while a sample on a
    busy machine can come tens of milliseconds late."""
    at = [min(seen.get(v, math.inf), announced.get(v, math.inf)) for v in vips]
    first, every = min(at, default=math.inf), max(at, default=math.inf)
    return (None if first == math.inf else first), (None if every == math.inf else every)


def watch(kill_pid, from_ns, to_ns, out):
    period = float(os.environ.get("SAMPLE_MS", "5")) / 1000
    a, b = netlink_in(from_ns), netlink_in(to_ns)
    vips = {x for x in addresses(a, 1)
            if not x.startswith(socket.inet_aton("192.0.2.0")[:3]) and x != socket.inet_aton("127.0.0.1")
            and not x.startswith(socket.inet_aton("10.0.1.0")[:3])}
    if not vips:
        print("failover.py: %s holds no VIP (it moved meanwhile); nothing killed" % from_ns, file=sys.stderr)
        sys.exit(3)
    arp = arp_in(from_ns)
    while True:  # what arrived before the kill is not the taker's
        try:
            arp.recv(2048)
        except BlockingIOError:
            break
    drops(arp)  # from here on
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    seq = 1
    kill_wall = time.time()
    t0 = time.monotonic()
    os.kill(int(kill_pid), signal.SIGKILL)
    first = every = stale_gone = None
    seen = {}  # VIP -> ms of the end of the first dump of TO_NS that listed it
    announced = {}  # VIP -> ms of its first gratuitous ARP after the kill
    samples = dual = missing = 0  # after FROM_NS dropped what kill -9 left
    while not stop:
        seq += 2
        have_b = addresses(b, seq) & vips
        ms = (time.monotonic() - t0) * 1000  # before FROM_NS's dump: what TO_NS listed it held by now
        have_a = addresses(a, seq + 1) & vips
        for v in have_b:
            seen.setdefault(v, ms)
        while len(announced) < len(vips):
            try:
                pkt, addr = arp.recvfrom(2048)
            except BlockingIOError:
                break
            if addr[2] == socket.PACKET_OUTGOING:
                continue  # FROM_NS's own (its restarted agent's), not the taker's
            spa = pkt[28:32]  # Ethernet 14 bytes, then ARP: htype, ptype, hlen, plen, oper, sender MAC, sender IP
            if spa in vips and spa not in announced:
                sec, usec = struct.unpack("@ll", fcntl.ioctl(arp.fileno(), SIOCGSTAMP, bytes(16)))
                announced[spa] = (sec + usec / 1e6 - kill_wall) * 1000
        if have_b and first is None:
            first = ms
        if every is None and have_b == vips:
            every = ms
            with open(out + ".took", "w") as f:
                f.write("took over\n")
        if every is not None and stale_gone is None and not have_a:
            stale_gone = ms
        elif stale_gone is not None:
            samples += 1
            dual += bool(have_a and have_b)
            missing += have_b != vips
        time.sleep(period)
    first_held, every_held = held(vips, seen, announced)
    with open(out, "w") as f:
        f.write(json.dumps({"kill_wall_ms": round(kill_wall * 1000), "vips": len(vips),
                            "first_ms": first_held, "all_ms": every_held,
                            "first_seen_ms": first, "all_seen_ms": every,
                            "first_garp_ms": min(announced.values()) if announced else None,
                            "all_garp_ms": max(announced.values()) if len(announced) == len(vips) else None,
                            "garp_dropped": drops(arp), "stale_ms": stale_gone,
                            "samples": samples, "two_holders": dual, "missing": missing}) + "\n")


def timeline(out, log, gc_log):
    """OUT's figures with where the time went: the taker's log lines after the kill ("role ACTIVE", then "added
    vip"), its takeover's Lease call (the line the taker logs for it: the call that gave it the Lease, not a renewal
    after), the API server's own time per Lease GET/PUT over the failover (OUT.lease: seconds and requests before
    and after), the taker's GC pauses overlapping
    kill -> role ACTIVE (its GC log's [utctime] is a pause's end). One JSON line."""
    r = json.load(open(out))

    def at(line):
        return datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=timezone.utc).timestamp() * 1000
    role = vips = lease = None
    for line in open(log, errors="replace"):
        if not re.match(r"^\d{4}-\d\d-\d\dT\S+Z ", line) or at(line) < r["kill_wall_ms"] - 1:
            continue
        m = re.search(r"HeartbeatElection: takeover's Lease call: HELD in (\d+) ms", line)
        if role is None and lease is None and m:
            lease = int(m.group(1))
        if role is None and "HeartbeatElection: role ACTIVE" in line:
            role = at(line) - r["kill_wall_ms"]
        elif role is not None and vips is None and "HeartbeatElection: added vip " in line:
            vips = at(line) - r["kill_wall_ms"]
    r["role_logged_ms"], r["vips_logged_ms"] = role, vips
    r["lease_ms"] = lease
    s0, n0, s1, n1 = (float(x) for x in open(out + ".lease").read().split())
    r["api_lease_ms"] = (s1 - s0) / (n1 - n0) * 1000 if n1 > n0 else None
    gc = 0.0
    if role is not None:
        try:
            for line in open(gc_log, errors="replace"):
                m = re.match(r"^\[(\S+)\].* Pause .* ([0-9.]+)ms$", line.strip())
                if m:
                    end = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000
                    start = end - float(m.group(2))
                    gc += max(0.0, min(end, r["kill_wall_ms"] + role) - max(start, r["kill_wall_ms"]))
        except FileNotFoundError:
            gc = None
    r["gc_ms"] = gc
    print(json.dumps(r))


def summary(path):
    """The failovers' figures (timeline's lines), p50/p99 as edits.py takes them."""
    runs = [json.loads(line) for line in open(path)]

    def pct(key, p):
        v = nearest_rank([r[key] for r in runs if r.get(key) is not None], p)
        return "-" if v is None else "%.0f" % v

    def both(key):
        return pct(key, 50), pct(key, 99)
    print("failover, kill -9 of the active's agent, %d times (%d VIPs): kill -> the peer holds the first VIP p50 %s "
          "p99 %s ms; every VIP p50 %s p99 %s ms" % ((len(runs), runs[0]["vips"] if runs else 0) + both("first_ms")
                                                     + both("all_ms")))
    if any(r.get("first_seen_ms") is not None for r in runs):
        print("failover, kill -> the watcher's samples alone saw the first VIP held p50 %s p99 %s ms; every VIP p50 %s "
              "p99 %s ms" % (both("first_seen_ms") + both("all_seen_ms")))
    print("failover, kill -> the first gratuitous ARP for a VIP p50 %s p99 %s ms; one for every VIP p50 %s p99 %s ms"
          % (both("first_garp_ms") + both("all_garp_ms")))
    lost = sum(r.get("garp_dropped") or 0 for r in runs)
    if lost:
        print("failover: the watcher's ARP socket dropped %d packets: 'one for every VIP' misses the VIPs whose "
              "only announcement was among them" % lost)
    print("failover, from the taker's log: kill -> role ACTIVE logged p50 %s p99 %s ms; -> its VIPs added logged "
          "p50 %s p99 %s ms; its takeover's Lease call p50 %s p99 %s ms" % (both("role_logged_ms") + both("vips_logged_ms")
                                                                       + both("lease_ms")))
    print("failover, kill -> role ACTIVE: the taker's GC pauses p50 %s p99 %s ms; the API server's mean time per "
          "Lease request p50 %s p99 %s ms" % (both("gc_ms") + both("api_lease_ms")))
    print("failover, after the restarted agent dropped the VIPs kill -9 left (p50 %s ms after the kill): %d samples, "
          "%d with two holders, %d with the taker missing a VIP" % (
              pct("stale_ms", 50), sum(r["samples"] for r in runs), sum(r["two_holders"] for r in runs),
              sum(r["missing"] for r in runs)))


if __name__ == "__main__":
    {"serve": serve, "watch": watch, "timeline": timeline, "summary": summary}[sys.argv[1]](*sys.argv[2:])
