# Holds N TCP connections to VIP:80 open (idle) from the moment READY appears until GO does, then sends one
# HTTP/1.0 request on each and prints which real server answered, counted: "rs1=10 rs2=20 reset=1 error=1"
# (reset: the connection was reset; error: any other failure).
# Usage: python3 hold-conns.py N VIP READY GO [TIMEOUT_SECONDS [rst]]
#   TIMEOUT_SECONDS: each request's (default 10); rst: each connection ends with a reset, not a FIN that an
#   unanswered connection would send again for minutes
import collections, os, socket, struct, sys, time

n, vip, ready, go = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 10
rst = len(sys.argv) > 6 and sys.argv[6] == "rst"
conns = [socket.create_connection((vip, 80), 10) for _ in range(n)]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.2)
names = collections.Counter()
for s in conns:
    try:
        s.settimeout(timeout)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        names[data.split(b"\r\n\r\n", 1)[1].decode().strip()] += 1
    except ConnectionResetError:
        names["reset"] += 1
    except (OSError, IndexError):
        names["error"] += 1
    if rst:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
print(" ".join("%s=%d" % kv for kv in sorted(names.items())))
