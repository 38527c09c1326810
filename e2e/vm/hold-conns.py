# Holds N TCP connections to VIP:80 open (idle) from the moment READY appears until GO does, then sends one
# HTTP/1.0 request on each and prints which real server answered, counted: "rs1=10 rs2=20 reset=1 error=1"
# (reset: the connection was reset; error: any other failure).
# Usage: python3 hold-conns.py N VIP READY GO
import collections, os, socket, sys, time

n, vip, ready, go = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conns = [socket.create_connection((vip, 80), 10) for _ in range(n)]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.2)
names = collections.Counter()
for s in conns:
    try:
        s.settimeout(10)
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
print(" ".join("%s=%d" % kv for kv in sorted(names.items())))
