#!/usr/bin/env bash
# render as a GitOps gate agrees with the API server: every fixture in plan/src/test/resources/render/apiserver/
# (one object each) is sent as YAML, exactly as written, to a real API server (POST, Content-Type application/yaml,
# fieldValidation=Strict, dryRun=All: the server reads the YAML itself) and given to `halvs render` with the
# fixtures' context.yaml; both must accept it or both refuse it, and the file's name says which (accept-*, reject-*).
# Also, generated: a document over 3 MiB (the API server answers 413, render refuses it before parsing) and
# annotations over 256 KiB.
# Needs KUBECONFIG pointing at an API server where the CRDs are applied, and operator/target/halvs-operator.jar.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fixtures=$repo/plan/src/test/resources/render/apiserver
jar=${HALVS_JAR:-$repo/operator/target/halvs-operator.jar}
passed=0
failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

server=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d > "$tmp/ca.crt"
token=$(kubectl config view --minify --raw -o jsonpath='{.users[0].user.token}')

# HTTP status of a dry-run create of the YAML file as the API server reads it.
apiserver() { # file -> status code; the server's message in $tmp/body
  local kind plural
  kind=$(sed -n 's/^kind: *//p' "$1" | head -1)
  case $kind in
    RealServer) plural=namespaces/default/realservers ;;
    VirtualService) plural=namespaces/default/virtualservices ;;
    *) plural=directorpairs ;;
  esac
  curl -s -o "$tmp/body" -w '%{http_code}' --cacert "$tmp/ca.crt" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/yaml' --data-binary @"$1" \
    "$server/apis/halvs.io/v1alpha1/$plural?dryRun=All&fieldValidation=Strict"
}

compare() { # file expected(accept|reject)
  local f=$1 expected=$2 name code api render out
  name=$(basename "$f" .yaml)
  code=$(apiserver "$f")
  case $code in 2??) api=accept ;; 4??) api=reject ;; *) api="error $code" ;; esac
  if out=$(java -jar "$jar" render "$fixtures/context.yaml" "$f" 2>&1 >/dev/null); then render=accept; else render=reject; fi
  if [ "$api" = "$expected" ] && [ "$render" = "$expected" ]; then
    echo "PASS $name: both ${expected}"
    passed=$((passed + 1))
  else
    echo "FAIL $name: expected $expected; API server: $api ($(head -c 300 "$tmp/body")); render: $render ($out)"
    failed=$((failed + 1))
  fi
}

for f in "$fixtures"/accept-*.yaml; do compare "$f" accept; done
for f in "$fixtures"/reject-*.yaml; do compare "$f" reject; done

python3 - "$tmp/reject-over-3mib.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("apiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata:\n  name: big\n  labels: {app: web}\n"
            "spec:\n  address: 10.0.1.99\n")
    f.write("".join("# %s\n" % ("x" * 1000) for _ in range(3300)))  # 3.2 MiB of comment lines
PY
compare "$tmp/reject-over-3mib.yaml" reject

python3 - "$tmp/reject-annotations-over-256kib.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("apiVersion: halvs.io/v1alpha1\nkind: RealServer\nmetadata:\n  name: annotated\n  labels: {app: web}\n"
            "  annotations:\n    note: " + "x" * (256 * 1024) + "\nspec:\n  address: 10.0.1.98\n")
PY
compare "$tmp/reject-annotations-over-256kib.yaml" reject

echo "render agrees with the API server: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
