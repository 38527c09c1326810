# Helpers for guest suites with a director PAIR (source it after lib.sh): two directors on shared segments so
# the VIP and the NAT gateway address can move between them, real servers running a line "chat" server that
# keeps connections open, and a client holding long-lived connections through the VIP.
#
#   client c0 198.51.100.2 ──┐ bridge br-c ┌── dir0 d0 198.51.100.3     (VIP 198.51.100.10 floats on d0)
#                            └─────────────┴── dir1 d0 198.51.100.4
#   dir0 h0 10.0.0.1 ── bridge br-h (director link: heartbeats, sync daemon multicast) ── dir1 h0 10.0.0.2
#   dir0 d1 10.0.1.2, dir1 d1 10.0.1.3 ── bridge br-rs ── rs1..rsN 10.0.1.11..  (gateway 10.0.1.254 floats on d1)
#   client c1 10.0.1.100 on br-rs: the DR return path (replies from the VIP go straight to the client)
DIRS="dir0 dir1"
declare -A DIR_IP=([dir0]=198.51.100.3 [dir1]=198.51.100.4) LINK_IP=([dir0]=10.0.0.1 [dir1]=10.0.0.2)
declare -A RS_SIDE_IP=([dir0]=10.0.1.2 [dir1]=10.0.1.3) PEER=([dir0]=dir1 [dir1]=dir0)
GATEWAY=10.0.1.254

# pair_topology N: client, dir0, dir1 and N real servers running chat_server on PORTS (default 7000 7001)
pair_topology() {
  set -e
  local n=$1 i
  modprobe ip_vs
  ip link set lo up
  for br in br-c br-rs br-h; do
    ip link add $br type bridge
    # no snooping: the bridges flood multicast and carry no IGMP state across a link flap or a reboot
    echo 0 > /sys/class/net/$br/bridge/multicast_snooping; ip link set $br up
  done
  ip netns add client; nsx client ip link set lo up
  ip link add c0-br type veth peer name c0 netns client
  ip link set c0-br master br-c up
  nsx client ip addr add 198.51.100.2/24 dev c0; nsx client ip link set c0 up
  for d in $DIRS; do pair_director $d; done
  write_chat_scripts
  for i in $(seq 1 "$n"); do
    ip netns add rs$i; nsx rs$i ip link set lo up
    ip link add r$i-br type veth peer name r$i netns rs$i; ip link set r$i-br master br-rs up
    nsx rs$i ip addr add 10.0.1.1$i/24 dev r$i; nsx rs$i ip link set r$i up
    nsx rs$i ip route add default via $GATEWAY # NAT: replies go back through the active director
    nsx rs$i python3 $work/chat_server.py rs$i ${PORTS:-7000 7001} > $work/chat-rs$i.log 2>&1 &
  done
  for i in $(seq 1 "$n"); do for p in ${PORTS:-7000 7001}; do wait_port rs$i 10.0.1.1$i $p; done; done
  set +e
}

# pair_director DIR: the director's namespace with its three links (d0 client side, d1 real-server side, h0
# director link), its own addresses, forwarding. Also a "reboot": ip netns del DIR, then this again.
pair_director() {
  local d=$1
  ip netns add $d; nsx $d ip link set lo up
  ip link add $d-c type veth peer name d0 netns $d; ip link set $d-c master br-c up
  ip link add $d-r type veth peer name d1 netns $d; ip link set $d-r master br-rs up
  ip link add $d-h type veth peer name h0 netns $d; ip link set $d-h master br-h up
  nsx $d ip addr add ${DIR_IP[$d]}/24 dev d0; nsx $d ip link set d0 up
  nsx $d ip addr add ${RS_SIDE_IP[$d]}/24 dev d1; nsx $d ip link set d1 up
  nsx $d ip addr add ${LINK_IP[$d]}/24 dev h0; nsx $d ip link set h0 up
  nsx $d sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  # vs.sync_threshold stays at the kernel's "3 50" here: the agents must set "3 0" from the plan (preempt on).
}

# pair_dr_real_servers N: DR as well as NAT on the same real servers. The VIP on lo without ARP answers
# (lib.sh's dr_real_servers); replies FROM the VIP (DR) take the client's leg on br-rs, replies from the real
# server's own address (NAT) keep the default route through the gateway: a source rule tells them apart.
pair_dr_real_servers() {
  local n=$1 i
  dr_real_servers "$n"
  ip link add c1-br type veth peer name c1 netns client; ip link set c1-br master br-rs up
  nsx client ip addr add 10.0.1.100/24 dev c1; nsx client ip link set c1 up
  nsx client sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.c0.rp_filter=0 net.ipv4.conf.c1.rp_filter=0
  for i in $(seq 1 "$n"); do
    nsx rs$i ip rule add from $VIP table 100
    nsx rs$i ip route add default via 10.0.1.100 table 100
  done
}

# holders: the directors that hold the VIP on a link that is up ("dir0", "dir1", "dir0 dir1" or ""); a
# killed agent leaves its VIP on the interface by design, a downed link makes it unreachable
holders() {
  local d h=""
  for d in $DIRS; do
    nsx $d ip -4 -o addr show dev d0 up 2>/dev/null | grep -q " $VIP/" && h="$h $d"
  done
  echo ${h# }
}

# wait_settled DIR SECONDS STABLE [SINCE]: until DIR alone has held the VIP for STABLE seconds in a row (under
# emulation a JVM can stall past the dead interval: the peer takes over and the both-active rule hands the VIP
# back, so the first moment DIR alone holds it is not yet the settled pair; STABLE 0: the first moment); prints
# the seconds from SINCE (a date +%s.%N, default now) until that hold began and how often the holders changed
# before it
wait_settled() {
  local t0 deadline since="" changes=0 last="-" h
  t0=${4:-$(date +%s.%N)}; deadline=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -le $deadline ]; do
    h=$(holders)
    if [ "$h" != "$last" ]; then [ "$last" != "-" ] && changes=$((changes + 1)); last=$h; since=""; fi
    if [ "$h" = "$1" ]; then
      [ -z "$since" ] && since=$(date +%s.%N)
      if awk -v a="$since" -v b="$(date +%s.%N)" -v s="$3" 'BEGIN {exit !(b - a >= s)}'; then
        awk -v a="$t0" -v b="$since" -v c=$changes 'BEGIN {printf "%.1f s (holders changed %d times before)", b - a, c}'
        return 0
      fi
    fi
    sleep 0.2
  done
  echo "timeout (holders: [$(holders)], changed $changes times)"; return 1
}

# timeline FILE: in the background, every change of the VIP holders and every new agent role line, timestamped
# from tl_t0 (the agents print no times); mark FILE TEXT adds the suite's own events. For the failover log.
tl_t0=$(date +%s.%N)
tl_now() { awk -v a="$tl_t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%6.1f s", b - a}'; }
mark() { echo "$(tl_now)  -- $2" >> "$1"; }
timeline() {
  local last="-" h d n
  declare -A seen=()
  while sleep 0.2; do
    h=$(holders)
    [ "$h" != "$last" ] && echo "$(tl_now)  VIP on [$h]" >> "$1"
    last=$h
    for d in $DIRS; do
      # no process substitution: the guest's devtmpfs has no /dev/fd
      grep -h '^role:' $work/agent-$d.log > $work/roles-$d.tmp 2>/dev/null
      n=$(wc -l < $work/roles-$d.tmp)
      [ "$n" -gt "${seen[$d]:-0}" ] && tail -n $((n - ${seen[$d]:-0})) $work/roles-$d.tmp | sed "s/^/$(tl_now)  $d /" >> "$1"
      seen[$d]=$n
    done
  done
}

# synced DIR PORT: the ESTABLISHED IPVS connection entries for VIP:PORT in DIR (what its sync backup holds)
synced() { nsx "$1" ipvsadm -Lnc | awk -v v="$VIP:$2" '$3 == "ESTABLISHED" && $5 == v' | wc -l; }

write_chat_scripts() {
  # chat_server.py NAME PORT...: answers every line with "NAME line", keeps connections open
  cat > $work/chat_server.py <<'PY'
import asyncio, sys
name = sys.argv[1]
async def chat(reader, writer):
    while line := await reader.readline():
        writer.write(f"{name} {line.decode().strip()}\n".encode())
        await writer.drain()
    writer.close()
async def main():
    servers = [await asyncio.start_server(chat, "0.0.0.0", int(p)) for p in sys.argv[2:]]
    await asyncio.gather(*(s.serve_forever() for s in servers))
asyncio.run(main())
PY
  # chat_client.py DIR VIP N PORT...: N connections per port; for each file DIR/go.ROUND that appears, one line
  # on every connection, awaited up to 90 s; writes DIR/result.ROUND: "PORT established N survived N max MS"
  # (survived: the answer came on the same connection from the real server that answered at the start)
  cat > $work/chat_client.py <<'PY'
import asyncio, os, sys, time
d, vip, n, ports = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(p) for p in sys.argv[4:]]
async def ask(conn, text):
    r, w, who = conn
    t = time.monotonic()
    w.write(f"{text}\n".encode()); await w.drain()
    line = (await asyncio.wait_for(r.readline(), 90)).decode().split()
    if not line or line[1:] != [text] or (who and line[0] != who):
        raise RuntimeError(f"unexpected answer {line}")
    return line[0], (time.monotonic() - t) * 1000
async def round_(conns, name):
    out = []
    for p in ports:
        res = await asyncio.gather(*(ask(c, f"{name}-{i}") for i, c in enumerate(conns[p])), return_exceptions=True)
        ok = [x for x in res if not isinstance(x, BaseException)]
        errs = sorted({repr(x) for x in res if isinstance(x, BaseException)})
        rs = {}
        for who, _ in ok: rs[who] = rs.get(who, 0) + 1
        out.append(f"{p} established {len(conns[p])} survived {len(ok)} max_ms {max([ms for _, ms in ok], default=0):.0f}"
                   f" per_rs {','.join(f'{k}={v}' for k, v in sorted(rs.items()))} {' '.join(errs)[:300]}")
    with open(f"{d}/result.{name}.tmp", "w") as f: f.write("\n".join(out) + "\n")
    os.rename(f"{d}/result.{name}.tmp", f"{d}/result.{name}")
async def main():
    conns = {}
    for p in ports:
        conns[p] = []
        for i in range(n):
            r, w = await asyncio.open_connection(vip, p)
            conns[p].append((r, w, None))
        # the first answer names the real server each connection landed on
        for i, c in enumerate(conns[p]):
            who, _ = await ask(c, f"hello-{i}")
            conns[p][i] = (c[0], c[1], who)
    await round_(conns, "established")
    done = set()
    while True:
        for f in sorted(os.listdir(d)):
            if f.startswith("go.") and f not in done:
                done.add(f); await round_(conns, f[3:])
        await asyncio.sleep(0.2)
asyncio.run(main())
PY
}

# chat_round NAME SECONDS: one line on every connection; prints the result lines
chat_round() {
  local i
  touch $work/chat/go.$1
  for i in $(seq 1 $(( $2 * 5 ))); do [ -f $work/chat/result.$1 ] && break; sleep 0.2; done
  cat $work/chat/result.$1 2>/dev/null || echo "no result for round $1 after $2 s"
}

# expect_survival ROUND PORT METHOD: asserts every connection of PORT answered in ROUND; prints the count line
expect_survival() {
  local line est surv
  line=$(grep "^$2 " $work/chat/result.$1 2>/dev/null)
  est=$(awk '{print $3}' <<<"$line"); surv=$(awk '{print $5}' <<<"$line")
  echo "  $3 $1: ${est:-0} established, ${surv:-0} survived (${line:-no result})"
  if [ -n "$est" ] && [ "$est" -gt 0 ] && [ "$est" = "$surv" ]; then pass "$3: every connection survives the $1"
  else fail "$3: connections lost in the $1: ${line:-no result}"; fi
}
