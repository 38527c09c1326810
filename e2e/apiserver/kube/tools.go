//go:build tools

// Package tools pins the binaries this module builds; build.sh runs go build on them.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
