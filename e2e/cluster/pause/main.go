// The pause container of the cluster tier's pods: holds the pod's namespaces and exits on SIGTERM or SIGINT.
// Built here so the tier needs no registry (the kubelet's default, registry.k8s.io/pause, is never pulled).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	// As PID 1 of the pod it also reaps the zombies of processes that joined the pod's PID namespace.
	signal.Ignore(syscall.SIGCHLD)
	<-stop
}
