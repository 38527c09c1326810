# Sourced: how a process finds the API server as it would in a pod (fabric8's in-cluster configuration), instead of
# a kubeconfig file: no kubeconfig, the service's address in KUBERNETES_SERVICE_HOST/PORT, the service account's
# token and CA as files. This is the path the components take when deployed; a kubeconfig file takes another (the
# client parses it with a reader that loads every model jar's kinds, about 700 classes, at the start).
# pod_config DIR IDENTITY HOST PORT sets pod_env (for env) and pod_jvm (JVM flags); DIR is start.sh's, which writes
# DIR/IDENTITY.token (admin, operator, agent).
pod_config() {
  pod_env=(KUBECONFIG="$1/no-kubeconfig-in-a-pod" KUBERNETES_SERVICE_HOST="$3" KUBERNETES_SERVICE_PORT="$4")
  pod_jvm=(-Dkubernetes.auth.serviceAccount.token="$1/$2.token" -Dkubernetes.certs.ca.file="$1/ca.crt")
}
