#!/usr/bin/env bash
# Stops the API server and etcd started by start.sh DIR: SIGTERM, then SIGKILL after 10 s. Logs stay in DIR.
# stop.sh DIR FAILED (a suite's count of failed checks): DIR is removed when FAILED is 0 and KEEP is not 1; else it
# is kept, with its logs to read, and said.
set -uo pipefail
dir=$1
failed=${2-}
for name in apiserver etcd; do
  pidfile="$dir/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null
  rm -f "$pidfile"
done
if [ -n "$failed" ]; then
  if [ "$failed" -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$dir"; else echo "work directory kept: $dir"; fi
fi
exit 0
