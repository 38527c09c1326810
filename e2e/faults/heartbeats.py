#!/usr/bin/env python3
"""Captures, replays and forges heartbeat datagrams inside a network namespace (fault tests).

  heartbeats.py capture NETNS SRC_IP PORT N    prints the UDP payloads of N datagrams from SRC_IP to PORT (hex)
  heartbeats.py replay NETNS DST_IP PORT       sends each hex line of stdin to DST_IP:PORT as it was
  heartbeats.py forge NETNS DST_IP PORT        sends each hex line of stdin with its HMAC tag altered (last byte)
                                               and as many random datagrams of the same length
Prints how many datagrams it sent.
"""
import os
import socket
import struct
import sys
import time
import importlib.util

spec = importlib.util.spec_from_file_location(
    "vipwatch", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cluster", "vipwatch.py"))
vipwatch = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vipwatch)

ETH_P_IP = 0x0800


def capture(netns, src, port, n):
    s = vipwatch.in_netns(netns, lambda: socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP)))
    s.settimeout(10)
    want = socket.inet_aton(src)
    got = 0
    while got < n:
        pkt = s.recv(65536)
        if len(pkt) < 28 or pkt[9] != socket.IPPROTO_UDP or pkt[12:16] != want:
            continue
        ihl = (pkt[0] & 0x0F) * 4
        dport = struct.unpack_from("!H", pkt, ihl + 2)[0]
        if dport != port:
            continue
        print(pkt[ihl + 8:].hex(), flush=True)
        got += 1


def send(netns, dst, port, forge):
    s = vipwatch.in_netns(netns, lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    sent = 0
    for line in sys.stdin:
        data = bytes.fromhex(line.strip())
        if not data:
            continue
        if forge:
            s.sendto(data[:-1] + bytes([data[-1] ^ 0xFF]), (dst, port))
            s.sendto(os.urandom(len(data)), (dst, port))
            sent += 2
        else:
            s.sendto(data, (dst, port))
            sent += 1
        time.sleep(0.001)
    print(sent)


def main():
    cmd, netns, ip, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if cmd == "capture":
        capture(netns, ip, port, int(sys.argv[5]))
    elif cmd in ("replay", "forge"):
        send(netns, ip, port, cmd == "forge")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
