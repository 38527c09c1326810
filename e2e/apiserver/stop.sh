#!/usr/bin/env bash
# Stops the API server and etcd started by start.sh DIR: SIGTERM, then SIGKILL after 10 s. Logs stay in DIR.
set -uo pipefail
dir=$1
for name in apiserver etcd; do
  pidfile="$dir/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pidfile"
done
exit 0
