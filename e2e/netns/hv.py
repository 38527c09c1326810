#!/usr/bin/env python3
"""Helpers of failover.sh (run inside network namespaces with `ip netns exec`).

serve NAME PORT            TCP server on 0.0.0.0:PORT answering NAME: it serves the VIP exactly while this
                           namespace holds the VIP (IPVS is faked, so the director answers new connections itself)
probe VIP PORT EXPECT CMD  runs CMD (the fault), then connects to VIP:PORT again and again (20 ms timeout) until
                           the answer names EXPECT; prints "takeover_ms gap_ms" (gap: longest time without any
                           successful connection). Gives up after 15 s and prints "timeout".
sample SECONDS VIP NS...   every 10 ms, for SECONDS: which namespaces hold VIP on eth0; prints
                           "samples dual none" (dual: two holders at once)
"""
import socket
import subprocess
import sys
import time


def serve(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(128)
    while True:
        c, _ = s.accept()
        try:
            c.sendall(name.encode() + b"\n")
        except OSError:
            pass
        c.close()


def ask(vip, port):
    try:
        with socket.create_connection((vip, int(port)), timeout=0.02) as c:
            c.settimeout(0.05)
            return c.recv(64).decode().strip()
    except OSError:
        return None


def probe(vip, port, expect, cmd):
    t0 = time.monotonic()
    subprocess.run(cmd, shell=True, check=True)
    last_ok = t0
    gap = 0.0
    while time.monotonic() - t0 < 15:
        who = ask(vip, port)
        now = time.monotonic()
        if who is not None:
            gap = max(gap, now - last_ok)
            last_ok = now
        if who == expect:
            print("%.1f %.1f" % ((now - t0) * 1000, gap * 1000))
            return
        if who is None:
            time.sleep(0.002)
    print("timeout")


def holds(ns, vip):
    out = subprocess.run(["ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0"], capture_output=True,
                         text=True).stdout
    return (" " + vip + "/") in out


def sample(seconds, vip, *namespaces):
    end = time.monotonic() + float(seconds)
    n = dual = none = 0
    while time.monotonic() < end:
        held = sum(1 for ns in namespaces if holds(ns, vip))
        n += 1
        dual += held >= 2
        none += held == 0
        time.sleep(0.01)
    print("%d %d %d" % (n, dual, none))


if __name__ == "__main__":
    {"serve": serve, "probe": probe, "sample": sample}[sys.argv[1]](*sys.argv[2:])
