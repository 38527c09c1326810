#!/usr/bin/env python3
"""Makes the host's 127.0.0.1:PORT reachable as 127.0.0.1:PORT inside network namespace NETNS.

The agents of the apiserver tier run in namespaces of their own (their VIPs and sysctls are real there), while
kube-apiserver listens on the host's loopback with a certificate for 127.0.0.1 only. The listening socket is
opened inside NETNS, the connections to the API server from the host namespace: setns(2) moves only the calling
thread, and a socket stays in the namespace it was created in. Usage: netns-forward.py NETNS PORT
"""
import ctypes
import os
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


def pipe(src, dst):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    netns, port = sys.argv[1], int(sys.argv[2])
    host = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns("/run/netns/" + netns)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    if libc.setns(host, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns back to the host namespace")
    while True:
        inside, _ = listener.accept()
        try:
            outside = socket.create_connection(("127.0.0.1", port))
        except OSError:
            inside.close()  # the API server is away: the agent sees a refused connection, as it would
            continue
        threading.Thread(target=pipe, args=(inside, outside), daemon=True).start()
        threading.Thread(target=pipe, args=(outside, inside), daemon=True).start()


if __name__ == "__main__":
    main()
