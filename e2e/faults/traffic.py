#!/usr/bin/env python3
"""Continuous client traffic to a VIP, and the stand-in server that answers it (fault tests; run each inside its
network namespace with `ip netns exec`).

The faults tier has no IPVS forwarding (this host's kernel has no ip_vs; the agents use the in-memory table), so
nothing forwards to the real servers: each director runs `serve`, bound to the VIP whether or not it holds it
(IP_FREEBIND), and answers with its name. Only the holder has the address, so only the holder answers ARP and
accepts connections: the traffic shows that the VIP stays reachable at the director holding it, not IPVS.

  traffic.py serve VIP PORT NAME            answers every HTTP request on VIP:PORT with NAME
  traffic.py send VIP PORT [--interval S] [--timeout S]
        one request per connection every S seconds (default 0.05) until SIGTERM or SIGINT, then one JSON line:
        requests, ok, failed, failures by reason, answers by director, answerer changes, the longest time
        between two answers (ms). Writes "sending" to stderr after the first answer.
"""
import http.server
import json
import signal
import socket
import socketserver
import sys
import time

IP_FREEBIND = 15


def serve(vip, port, name):
    body = (name + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def server_bind(self):
            # the VIP may be on the peer now: bind it anyway, the holder's kernel delivers
            self.socket.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
            super().server_bind()

    Server((vip, port), Handler).serve_forever()


def request(vip, port, timeout):
    """The answering director's name, or raises."""
    with socket.create_connection((vip, port), timeout=timeout) as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200") and not head.startswith(b"HTTP/1.1 200"):
        raise ValueError("bad_status")
    return body.decode().strip()


def send(vip, port, interval, timeout):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    start = time.monotonic()
    requests = ok = 0
    reasons, answers, changes = {}, {}, []
    last_ok = start
    longest_gap = 0.0
    last_name = None
    while not stop:
        t = time.monotonic()
        requests += 1
        try:
            name = request(vip, port, timeout)
            ok += 1
            answers[name] = answers.get(name, 0) + 1
            if last_name is not None and name != last_name:
                changes.append([round((t - start) * 1000), last_name, name])
            if last_name is None:
                print("sending", file=sys.stderr, flush=True)
            last_name = name
            now = time.monotonic()
            if ok > 1:
                longest_gap = max(longest_gap, now - last_ok)
            last_ok = now
        except socket.timeout:
            reasons["timeout"] = reasons.get("timeout", 0) + 1
        except OSError as e:
            reason = {111: "refused", 104: "reset", 113: "no_route", 110: "timeout"}.get(e.errno, "errno_%s" % e.errno)
            reasons[reason] = reasons.get(reason, 0) + 1
        except ValueError as e:
            reasons[str(e)] = reasons.get(str(e), 0) + 1
        rest = interval - (time.monotonic() - t)
        if rest > 0 and not stop:
            time.sleep(rest)
    print(json.dumps({
        "seconds": round(time.monotonic() - start, 2), "requests": requests, "ok": ok, "failed": requests - ok,
        "failures": reasons, "answered_by": answers, "answerer_changes": changes,
        "longest_between_answers_ms": round(longest_gap * 1000, 1),
    }), flush=True)


def main():
    args = sys.argv[1:]
    opts = {"--interval": 0.05, "--timeout": 2.0}
    for opt in opts:
        if opt in args:
            i = args.index(opt)
            opts[opt] = float(args[i + 1])
            del args[i:i + 2]
    if len(args) == 4 and args[0] == "serve":
        serve(args[1], int(args[2]), args[3])
    elif len(args) == 3 and args[0] == "send":
        send(args[1], int(args[2]), opts["--interval"], opts["--timeout"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
