#!/usr/bin/env bash
# Benchmark (prints, asserts nothing): `halvs render` of one pair with SERVICES VirtualServices x DESTS
# RealServers each, as one block-style YAML file, including JVM start. Usage: render-scale.sh [SERVICES [DESTS]]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
services=${1:-1000}; dests=${2:-100}
file=$(mktemp --suffix=.yaml); trap 'rm -f "$file"' EXIT
awk -v S="$services" -v D="$dests" 'BEGIN {
  print "apiVersion: halvs.io/v1alpha1\nkind: DirectorPair\nmetadata:\n  name: lvs\nspec:\n  nodes:\n  - lvs-01\n  - lvs-02\n  vipInterface: eth0"
  for (i = 0; i < S; i++) {
    printf "---\napiVersion: halvs.io/v1alpha1\nkind: VirtualService\nmetadata:\n  name: vs-%d\n  namespace: default\nspec:\n  directorPair: lvs\n  vip: 10.%d.%d.1\n  port: 80\n  realServerSelector:\n    matchLabels:\n      app: app-%d\n", i, 100 + int(i / 250), i % 250, i
    for (j = 0; j < D; j++) {
      n = i * D + j
      printf "---\napiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata:\n  name: rs-%d\n  namespace: default\n  labels:\n    app: app-%d\nspec:\n  address: 172.%d.%d.%d\n  weight: 100\n", n, i, 16 + int(n / 65536), int(n / 256) % 256, n % 256
    }
  }
}' > "$file"
"$repo/halvs" --version >/dev/null # build first, outside the measurement
start=$(date +%s%N)
HALVS_RENDER_TIMINGS=1 "$repo/halvs" render "$file" > /dev/null
echo "render of $services x $dests ($(du -h "$file" | cut -f1) of YAML): $(( ($(date +%s%N) - start) / 1000000 )) ms including JVM start"
