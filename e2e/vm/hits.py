#!/usr/bin/env python3
"""N HTTP GETs to URL one after another, each on a new connection; prints one line per request: the answer (the
real server's name, its page's body) and the client port, or "error PORT" when it failed. Unlike curl it knows
the port of a connection that never got an answer, so a request lost to an old connection of the same client
port (the director's table keeps them minutes after close) can be told from one lost on its way.

   hits.py URL N [TIMEOUT_SECONDS]
"""
import socket
import sys
from urllib.parse import urlsplit


def request(host, port, path, timeout):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        try:
            s.connect((host, port))
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(4096):
                data += chunk
        except OSError:
            return "error", local_port(s)
        head, _, body = data.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1:2]
        if status != [b"200"] or not body.strip():
            return "error", local_port(s)
        return body.split()[0].decode(errors="replace"), local_port(s)
    finally:
        s.close()


def local_port(s):
    try:
        return s.getsockname()[1]
    except OSError:
        return 0


def main():
    url = urlsplit(sys.argv[1])
    n = int(sys.argv[2])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 30
    for _ in range(n):
        answer, port = request(url.hostname, url.port or 80, url.path or "/", timeout)
        print(answer, port, flush=True)


if __name__ == "__main__":
    main()
