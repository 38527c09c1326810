//go:build tools

// Package tools pins the binaries this module builds: kube-apiserver for the apiserver tier (build.sh), the
// kubelet, controller manager, scheduler and kube-proxy for the cluster tier (e2e/cluster/build.sh).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
