#!/usr/bin/env python3
"""Helpers of failover.sh (run inside network namespaces with `ip netns exec`).

serve NAME PORT            TCP server on 0.0.0.0:PORT answering NAME: it serves the VIP exactly while this
                           namespace holds the VIP (IPVS is faked, so the director answers new connections itself)
probe VIP PORT EXPECT CMD  runs CMD (the fault), then connects to VIP:PORT again and again (20 ms timeout) until
                           the answer names EXPECT; prints "takeover_ms gap_ms" (gap: longest time without any
                           successful connection). Gives up after 15 s and prints "timeout".
sample SECONDS VIP NS...   every 10 ms, for SECONDS: which namespaces hold VIP; prints "samples dual none
                           longest_none_ms" (dual: two holders at once). Reads every namespace's addresses in
                           process (SIOCGIFCONF on a socket made in each namespace), in the order given, a few
                           microseconds apart: name the director expected to take the VIP first, so a takeover in
                           progress is never counted as two holders unless both really held it at once.
"""
import array
import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
SIOCGIFCONF = 0x8912
IFREQ = 40  # struct ifreq on 64-bit Linux: name[16], then the union (sockaddr_in at offset 16)


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


def socket_in(ns):
    """A socket made inside /run/netns/NS: its ioctls answer for that namespace from anywhere."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(there, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + ns)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(home)
        os.close(there)
    return s


def ipv4_addresses(sock):
    buf = array.array("B", bytes(8192))
    out = fcntl.ioctl(sock.fileno(), SIOCGIFCONF, struct.pack("iL", len(buf), buf.buffer_info()[0]))
    n = struct.unpack("iL", out)[0]
    data = buf.tobytes()
    return {socket.inet_ntoa(data[i + 20:i + 24]) for i in range(0, n, IFREQ)}


def sample(seconds, vip, *namespaces):
    socks = [socket_in(ns) for ns in namespaces]
    end = time.monotonic() + float(seconds)
    n = dual = none = 0
    longest = 0.0
    last_held = time.monotonic()
    while time.monotonic() < end:
        held = sum(1 for s in socks if vip in ipv4_addresses(s))
        now = time.monotonic()
        n += 1
        dual += held >= 2
        none += held == 0
        if held:
            last_held = now
        else:
            longest = max(longest, now - last_held)
        time.sleep(0.01)
    print("%d %d %d %.0f" % (n, dual, none, longest * 1000))


if __name__ == "__main__":
    {"serve": serve, "probe": probe, "sample": sample}[sys.argv[1]](*sys.argv[2:])
