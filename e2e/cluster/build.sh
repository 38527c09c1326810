#!/usr/bin/env bash
# Builds what the cluster tier runs besides kube-apiserver and etcd (../apiserver/build.sh): the kubelet,
# kube-controller-manager, kube-scheduler and kube-proxy from the same Go module (../apiserver/kube, Kubernetes
# v1.34.4), into the same cache directory keyed by that module's go.sum, and the pause image (pause/). Prints the
# binary directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$("$here/../apiserver/build.sh")
components=(kubelet kube-controller-manager kube-scheduler kube-proxy)
missing=()
for c in "${components[@]}"; do [ -x "$bin/$c" ] || missing+=("$c"); done
if [ ${#missing[@]} -gt 0 ]; then
  start=$SECONDS
  export CGO_ENABLED=0 GOFLAGS=-mod=mod
  tmp=$(mktemp -d "$bin/.build.XXXXXX")
  pkgs=(); for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  # One go build for all: the packages they share compile once. nice: minutes on two cores.
  (cd "$here/../apiserver/kube" && nice go build -trimpath -ldflags="$("$here/../apiserver/ldflags.sh")" -o "$tmp/" "${pkgs[@]}") >&2
  for c in "${missing[@]}"; do mv "$tmp/$c" "$bin/$c"; done
  rmdir "$tmp"
  echo "cluster/build.sh: built ${missing[*]} in $((SECONDS - start)) s" >&2
fi
# The pause image: a static Go program that sleeps until SIGTERM, as an OCI image tarball for `ctr images import`.
if [ ! -f "$bin/pause.tar" ] || [ "$here/pause/main.go" -nt "$bin/pause.tar" ]; then
  "$here/pause/build.sh" "$bin/pause.tar" >&2
fi
echo "$bin"
