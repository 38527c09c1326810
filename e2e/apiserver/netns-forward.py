#!/usr/bin/env python3
"""Makes the host's 127.0.0.1:PORT reachable as 127.0.0.1:PORT inside network namespace NETNS.

The agents of the apiserver tier run in namespaces of their own (their VIPs and sysctls are real there), while
kube-apiserver listens on the host's loopback with a certificate for 127.0.0.1 only. The listening socket is
opened inside NETNS, the connections to the API server from the host namespace: setns(2) moves only the calling
thread, and a socket stays in the namespace it was created in. Usage: netns-forward.py NETNS PORT

Reverse mode, for an API server run inside NETNS (start.sh's APISERVER_NETNS) that the agents reach directly:
listens on the host's 127.0.0.1:PORT and connects inside NETNS to ADDRESS (127.0.0.1):PORT, so host clients keep
their 127.0.0.1 kubeconfigs. Usage: netns-forward.py --reverse NETNS PORT [ADDRESS]
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


def listen(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    return listener


def serve(listener, address, port):
    """Accepts on listener, connects to address:port from this thread's namespace, and copies both ways."""
    while True:
        client, _ = listener.accept()
        try:
            server = socket.create_connection((address, port))
        except OSError:
            client.close()  # the API server is away: the client sees a refused connection, as it would
            continue
        threading.Thread(target=pipe, args=(client, server), daemon=True).start()
        threading.Thread(target=pipe, args=(server, client), daemon=True).start()


def main():
    args = sys.argv[1:]
    reverse = bool(args) and args[0] == "--reverse"
    if reverse:
        args = args[1:]
    if len(args) not in ((2, 3) if reverse else (2,)) or not args[1].isdigit():
        sys.exit(__doc__)
    netns, port = args[0], int(args[1])
    if reverse:
        listener = listen(port)  # in the host namespace; the connections from inside NETNS (the main thread stays)
        setns("/run/netns/" + netns)
        serve(listener, args[2] if len(args) == 3 else "127.0.0.1", port)
    host = os.open("/proc/self/ns/net", os.O_RDONLY)
    setns("/run/netns/" + netns)
    listener = listen(port)
    if libc.setns(host, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns back to the host namespace")
    serve(listener, "127.0.0.1", port)


if __name__ == "__main__":
    main()
