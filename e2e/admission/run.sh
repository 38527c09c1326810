#!/usr/bin/env bash
# Admission table: every file in invalid/ must be REJECTED by a real API server with a message holding each
# of its "# expect:" lines (the field path and the reason); deploy/examples must be ACCEPTED.
# Needs KUBECONFIG pointing at an API server where deploy/ (the CRDs) is applied.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
passed=0
failed=0

for f in "$here"/invalid/*.yaml; do
  name=$(basename "$f" .yaml)
  if out=$(kubectl apply --dry-run=server --validate=strict -f "$f" 2>&1); then
    echo "FAIL $name: accepted, should be rejected"
    failed=$((failed + 1))
    continue
  fi
  missing=""
  while IFS= read -r expect; do
    grep -qF -- "$expect" <<<"$out" || missing+=" [$expect]"
  done < <(sed -n 's/^# expect: //p' "$f")
  if [ -n "$missing" ]; then
    echo "FAIL $name: rejected, but the message lacks$missing: $out"
    failed=$((failed + 1))
  else
    echo "PASS $name: $(tr '\n' ' ' <<<"$out" | cut -c1-200)"
    passed=$((passed + 1))
  fi
done

for f in "$repo"/deploy/examples/*.yaml; do
  if out=$(kubectl apply --dry-run=server --validate=strict -f "$f" 2>&1); then
    echo "PASS example $(basename "$f") accepted"
    passed=$((passed + 1))
  else
    echo "FAIL example $(basename "$f") rejected: $out"
    failed=$((failed + 1))
  fi
done

echo "admission: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
