#!/usr/bin/env bash
# Benchmark (prints, asserts nothing): `halvs render` of deploy/examples/seed-nat.yaml plus one ConfigMap holding
# a single value of SIZE KiB, written on one line (the worst case for the YAML parser) and as 1 KiB lines, including
# JVM start. Shows the cost staying proportional to the size and the limits (a line over 1.5 MiB, a document over
# 3 MiB) refusing input before it is parsed. Usage: render-large-value.sh [SIZE_KIB ...]
# HALVS_JAR=path/to/halvs-operator.jar measures another build (e.g. one from before a change).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(256 1024 1536 2048 4096 8192)
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
if [ -n "${HALVS_JAR:-}" ]; then render=(java -XX:+UseParallelGC -Xmn1g -jar "$HALVS_JAR" render)
else "$repo/halvs" --version >/dev/null; render=("$repo/halvs" render); fi # build first, outside the measurement
# Wall time and CPU time (user + system, all threads: steadier than wall time on a shared machine).
printf '%-10s %-12s %8s %8s  %s\n' size layout wall-ms cpu-ms outcome
for kib in "${sizes[@]}"; do
  for layout in one-line 1KiB-lines; do
    f=$dir/blob.yaml
    python3 - "$f" "$kib" "$layout" <<'PY'
import sys
path, kib, layout = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = kib * 1024
with open(path, "w") as f:
    f.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: blob\ndata:\n  blob: ")
    if layout == "one-line":
        f.write("x" * n + "\n")
    else:
        f.write("|\n" + "".join("    " + "x" * 1019 + "\n" for _ in range(n // 1024)))
PY
    if /usr/bin/time -f '%e %U %S' -o "$dir/time" "${render[@]}" "$repo/deploy/examples/seed-nat.yaml" "$f" \
        >/dev/null 2>"$dir/err"; then outcome=rendered
    else outcome="refused: $(grep -v '^render:' "$dir/err" | head -1 | sed "s#$f#blob.yaml#" | cut -c1-110)"; fi
    read -r wall user sys < <(tail -1 "$dir/time")
    printf '%-10s %-12s %8.0f %8.0f  %s\n' "${kib} KiB" "$layout" "$(bc <<<"$wall * 1000")" \
      "$(bc <<<"($user + $sys) * 1000")" "$outcome"
  done
done
