#!/usr/bin/env bash
# Prints the -ldflags for the Kubernetes binaries built from ./kube: stripped, and stamped with the release the
# module requires (what hack/lib/version.sh stamps), so `kubectl version` and `kubectl get nodes` show v1.34.4
# rather than v0.0.0-master.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(cd "$here/kube" && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' k8s.io/kubernetes)
major=${version#v}; major=${major%%.*}
minor=${version#v*.}; minor=${minor%%.*}
flags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  flags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
echo "$flags"
