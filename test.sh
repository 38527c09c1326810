#!/usr/bin/env bash
# The whole halvs test suite, every tier, as CI runs it. Run as root on Debian 12 (network namespaces, QEMU).
#   ./test.sh              all tiers
#   HALVS_TIERS="maven vm" ./test.sh   a subset (maven, vm, apiserver)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
tiers=${HALVS_TIERS:-maven vm apiserver}
summary=()
status=0

run_tier() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== tier $name: $*"
  if "$@"; then
    summary+=("tier $name: ok ($((SECONDS - start)) s)")
  else
    summary+=("tier $name: FAILED ($((SECONDS - start)) s)")
    status=1
  fi
}

maven_tier() {
  # Unit, schema, reconciler, operator-vs-mock and (as root) network-namespace tests.
  ./mvnw -B verify
  # Surefire's per-module totals, summed into one line.
  find . -path '*/target/surefire-reports/*.txt' -newer pom.xml -print0 2>/dev/null \
    | xargs -0 -r cat | awk -F'[ ,:]+' '/^Tests run:/ {t+=$3; f+=$5; e+=$7; s+=$9}
        END {printf "maven: %d passed, %d failed, %d skipped\n", t-f-e-s, f+e, s}'
}

for tier in $tiers; do
  case $tier in
    maven) run_tier maven maven_tier ;;
    vm) [ -x e2e/vm/run-all.sh ] && run_tier vm e2e/vm/run-all.sh ;;
    apiserver) [ -x e2e/apiserver/run-all.sh ] && run_tier apiserver e2e/apiserver/run-all.sh ;;
    *) echo "unknown tier $tier"; exit 2 ;;
  esac
done

printf '%s\n' "${summary[@]}"
exit $status
