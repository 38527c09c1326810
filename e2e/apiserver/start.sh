#!/usr/bin/env bash
# Starts etcd and kube-apiserver on loopback in DIR with generated certificates, a service-account signing key,
# RBAC authorization and static tokens for the admin, the operator's and the agents' identities. Writes
# DIR/{admin,operator,agent}.kubeconfig. Usage: start.sh DIR [BIN_DIR]
# API Priority and Fairness is off (requests are limited by count only, never queued), as before; APF=on turns it
# on (the FlowSchema test and the Lease priority benchmark). APISERVER_FLAGS: more kube-apiserver flags.
# Opt-in, for clients in network namespaces without a forwarder on their path (full-size.sh): APISERVER_NETNS runs
# etcd and kube-apiserver inside that existing namespace (its lo up; the kubeconfigs' 127.0.0.1 is then that
# namespace's: host clients need netns-forward.py --reverse), APISERVER_BIND (127.0.0.1) its --bind-address,
# APISERVER_SANS (e.g. "IP:10.0.1.1") more subjectAltNames on the serving certificate.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=$(realpath -m "$1"); bin=${2:-$("$here/build.sh")}
mkdir -p "$dir"
case ${APF:-off} in on) apf=true ;; off) apf=false ;; *) echo "start.sh: APF must be on or off, not '$APF'" >&2; exit 2 ;; esac
netns=${APISERVER_NETNS:-}; bind=${APISERVER_BIND:-127.0.0.1}
in_ns=(); [ -z "$netns" ] || in_ns=(ip netns exec "$netns")
if [ -n "$netns" ] && ! ip netns exec "$netns" true 2>/dev/null; then
  echo "start.sh: APISERVER_NETNS=$netns is not a network namespace this user can enter" >&2; exit 2
fi
start=$SECONDS
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)

# Certificates: a CA and a serving certificate for 127.0.0.1 (and APISERVER_SANS); a key pair for service-account tokens.
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=halvs-test-ca" -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost%s\n' "${APISERVER_SANS:+,$APISERVER_SANS}" > san.ext
openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext \
  -out apiserver.crt 2>/dev/null
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
token() { head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9'; }
admin_token=$(token); operator_token=$(token); agent_token=$(token)
cat > tokens.csv <<CSV
$admin_token,admin,admin,"system:masters"
$operator_token,system:serviceaccount:halvs-system:halvs-operator,op-uid,"system:serviceaccounts,system:serviceaccounts:halvs-system,system:authenticated"
$agent_token,system:serviceaccount:halvs-system:halvs-agent-lvs,agent-uid,"system:serviceaccounts,system:serviceaccounts:halvs-system,system:authenticated"
CSV
# each identity's token as a pod's service account mounts it (pod-config.sh): one line, no newline
printf %s "$admin_token" > admin.token; printf %s "$operator_token" > operator.token; printf %s "$agent_token" > agent.token

"${in_ns[@]}" "$bin/etcd" --name default --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "default=http://127.0.0.1:$peer_port" \
  --log-level warn > "$dir/etcd.log" 2>&1 &
echo $! > "$dir/etcd.pid"

"${in_ns[@]}" "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address "$bind" \
  --advertise-address 127.0.0.1 --secure-port "$api_port" --cert-dir "$dir/certs" \
  --tls-cert-file "$dir/apiserver.crt" --tls-private-key-file "$dir/apiserver.key" \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$dir/sa.pub" \
  --service-account-signing-key-file "$dir/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
  --authorization-mode RBAC --token-auth-file "$dir/tokens.csv" --allow-privileged=true \
  --disable-admission-plugins ServiceAccount --enable-priority-and-fairness="$apf" ${APISERVER_FLAGS:-} \
  > "$dir/apiserver.log" 2>&1 &
echo $! > "$dir/apiserver.pid"

kubeconfig() { # name token
  local f="$dir/$1.kubeconfig"
  kubectl config --kubeconfig "$f" set-cluster halvs-test --server "https://127.0.0.1:$api_port" \
    --certificate-authority "$dir/ca.crt" --embed-certs=true >/dev/null
  kubectl config --kubeconfig "$f" set-credentials "$1" --token "$2" >/dev/null
  kubectl config --kubeconfig "$f" set-context "$1" --cluster halvs-test --user "$1" >/dev/null
  kubectl config --kubeconfig "$f" use-context "$1" >/dev/null
}
kubeconfig admin "$admin_token"; kubeconfig operator "$operator_token"; kubeconfig agent "$agent_token"

for _ in $(seq 1 120); do
  if "${in_ns[@]}" kubectl --kubeconfig "$dir/admin.kubeconfig" get --raw /readyz >/dev/null 2>&1; then
    echo "apiserver: ready on https://$bind:$api_port${netns:+ in namespace $netns} after $((SECONDS - start)) s (logs in $dir)"
    exit 0
  fi
  if ! kill -0 "$(cat "$dir/apiserver.pid")" 2>/dev/null; then break; fi
  sleep 0.5
done
echo "apiserver: not ready; last log lines:" >&2
tail -20 "$dir/apiserver.log" >&2
"$here/stop.sh" "$dir"
exit 1
