#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go modules beside this script into a cache keyed by their go.sum,
# so a second run (or a CI run on the same machine) reuses the binaries. Prints where they are.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${HALVS_CACHE:-$HOME/.cache/halvs}/apiserver
command -v go >/dev/null || { echo "build.sh: Go is required (go build of kube-apiserver and etcd)" >&2; exit 1; }
ldflags=$("$here/ldflags.sh")
key=$( (cat "$here/kube/go.mod" "$here/kube/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum"; echo "$ldflags") | sha256sum | cut -c1-16)
bin="$cache/$key/bin"
if [ -x "$bin/kube-apiserver" ] && [ -x "$bin/etcd" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$bin"
start=$SECONDS
export CGO_ENABLED=0 GOFLAGS=-mod=mod
# nice: the build takes minutes on two cores; whatever else runs should stay responsive.
(cd "$here/kube" && nice go build -trimpath -ldflags="$ldflags" -o "$bin/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver) >&2
(cd "$here/etcd" && nice go build -trimpath -ldflags='-s -w' -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3) >&2
mv "$bin/kube-apiserver.tmp" "$bin/kube-apiserver"
mv "$bin/etcd.tmp" "$bin/etcd"
echo "build.sh: built kube-apiserver and etcd in $((SECONDS - start)) s" >&2
echo "$bin"
