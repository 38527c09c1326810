#!/usr/bin/env bash
# The container images, without a container engine: build both OCI tarballs (-Pimage), unpack each image's
# layers into a root filesystem, and run its own entrypoint there under chroot — what a kubelet would start.
# Proves the jlink'd runtime, the libraries it loads, jffi's native stub (jnr-ffi → libc → netlink) and the
# entrypoint all work with nothing from the host. Needs root. Prints "N passed, N failed".
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/halvs-image.XXXXXX)
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
cleanup() { for r in "$work"/*/root; do umount "$r/proc" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT

t=$SECONDS
(cd "$repo" && ./mvnw -B -q -Pimage -pl operator,director-agent -am package -DskipTests) >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; echo "0 passed, 1 failed"; exit 1; }
echo "images built in $((SECONDS - t)) s: $(du -h "$repo"/operator/target/*-image.tar "$repo"/director-agent/target/*-image.tar | awk '{printf "%s %s  ", $2, $1}')"

# unpack TAR NAME: the image's layers, in order, into $work/NAME/root; its entrypoint into $work/NAME/entrypoint
unpack() {
  local dir=$work/$2
  mkdir -p "$dir/tar" "$dir/root"
  tar -xf "$1" -C "$dir/tar"
  python3 - "$dir" <<'PY'
import json, sys, tarfile, os
d = sys.argv[1]
m = json.load(open(os.path.join(d, "tar", "manifest.json")))[0]
for layer in m["Layers"]:
    with tarfile.open(os.path.join(d, "tar", layer)) as t:
        t.extractall(os.path.join(d, "root"))
cfg = json.load(open(os.path.join(d, "tar", m["Config"])))["config"]
open(os.path.join(d, "entrypoint"), "w").write("\n".join(cfg["Entrypoint"] + (cfg.get("Cmd") or [])))
open(os.path.join(d, "user"), "w").write(cfg.get("User", ""))
PY
  chmod 755 "$dir/root"
  mkdir -p "$dir/root/proc"; mount -t proc proc "$dir/root/proc"
}
# run NAME ARGS...: the image's entrypoint with these arguments, in its root, as its user, with PATH from it
run() {
  local dir=$work/$1; shift
  local -a entry; mapfile -t entry < "$dir/entrypoint"
  env -i PATH=/opt/java/bin "$(command -v chroot)" --userspec="$(cat "$dir/user"):$(cat "$dir/user")" "$dir/root" \
    "${entry[@]}" "$@" 2>&1
}

unpack "$repo"/operator/target/halvs-operator-image.tar operator
unpack "$repo"/director-agent/target/halvs-director-agent-image.tar agent
cp "$repo/deploy/examples/seed-nat.yaml" "$work/operator/root/tmp/"
cp "$repo/deploy/examples/seed-nat.yaml" "$work/agent/root/tmp/"

[ "$(cat "$work/operator/user")" = 65532 ] && pass "operator image runs as 65532 (nobody)" || fail "operator image user: $(cat "$work/operator/user")"
out=$(run operator render /tmp/seed-nat.yaml)
grep -qx -- '-a -t 192.0.2.110:80 -r 10.0.1.13:80 -m -w 100' <<<"$out" \
  && pass "operator image: its entrypoint renders the seed example" || { fail "operator image render"; echo "$out" | tail -5; }
out=$(run agent --version)
grep -q 'halvs-agent' <<<"$out" && pass "agent image: entrypoint starts ($out)" || { fail "agent image --version"; echo "$out" | tail -5; }
# This kernel has no IPVS: reaching the kernel's answer proves jffi's stub, libc and netlink load in the image.
out=$(run agent ipvs list)
grep -q 'generic netlink family IPVS not found' <<<"$out" \
  && pass "agent image: jnr-ffi opens a netlink socket and asks the kernel (answer: no IPVS here)" \
  || { fail "agent image netlink"; echo "$out" | tail -5; }
# The init container's command: modprobe from the image runs (its libraries are there), and on this kernel,
# which has no loadable module support, load-modules says so and exits 0 rather than failing the pod.
out=$(chroot "$work/agent/root" /usr/sbin/modprobe --version 2>&1)
grep -q '^kmod version' <<<"$out" && pass "agent image: modprobe runs ($(head -1 <<<"$out"))" \
  || { fail "agent image modprobe"; echo "$out" | tail -5; }
out=$(run agent load-modules ip_vs); rc=$?
if [ -e /proc/modules ]; then
  [ $rc -eq 0 ] && pass "agent image: load-modules exits 0 ($(tail -1 <<<"$out"))" || { fail "agent image load-modules exited $rc"; echo "$out" | tail -5; }
else
  [ $rc -eq 0 ] && grep -q 'no loadable module support' <<<"$out" \
    && pass "agent image: load-modules on a kernel without module support says so and exits 0" \
    || { fail "agent image load-modules (exit $rc)"; echo "$out" | tail -5; }
fi
echo "image tier: $((SECONDS - t)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
