#!/usr/bin/env bash
# The container images, without a container engine: build both OCI tarballs (-Pimage), unpack each image's
# layers into a root filesystem, and run its own entrypoint there under chroot — what a kubelet would start.
# Proves the jlink'd runtime, the libraries it loads, jffi's native stub (jnr-ffi → libc → netlink) and the
# entrypoint all work with nothing from the host. Then the supply chain: the operator image carries no test-only
# code (the CRUD mock is the demo's), each image has a CycloneDX SBOM that lists exactly its jars, a second clean
# build gives the same digests (reproducible), and the Maven wrapper verifies its distribution's SHA-256.
# Needs root. Prints "N passed, N failed".
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
open(os.path.join(d, "env"), "w").write("".join(e + "\n" for e in cfg.get("Env") or []))
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

# The benchmarks run the JVMs with the flags and the environment they read from the poms
# (e2e/bench/deployed-flags.sh): the same as each image's entrypoint puts between java and -cp and its config's Env,
# or the figures measure another JVM than the one deployed.
source "$repo/e2e/bench/deployed-flags.sh"
for image in operator:operator agent:director-agent; do
  name=${image%%:*}
  in_image=$(sed -n '2,/^-cp$/p' "$work/$name/entrypoint" | sed '$d' | paste -sd' ')
  read_flags=$(image_flags "${image#*:}" | paste -sd' ')
  [ -n "$in_image" ] && [ "$in_image" = "$read_flags" ] \
    && pass "$name image: its JVM flags are the ones the benchmarks read from the poms ($in_image)" \
    || fail "$name image's JVM flags: '$in_image' in the image, '$read_flags' read from the poms"
  in_image=$(sort "$work/$name/env" | paste -sd' ')
  read_env=$(image_env "${image#*:}" | sort | paste -sd' ')
  [ -n "$in_image" ] && [ "$in_image" = "$read_env" ] \
    && pass "$name image: its environment is the one the benchmarks read from the poms ($in_image)" \
    || fail "$name image's environment: '$in_image' in the image, '$read_env' read from the poms"
done

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

# Test-only classes stay out of the operator's image: the CRUD mock (kubernetes-server-mock, mockwebserver) backs
# `halvs demo` from the demo module's jar. Every jar under the image's /app is opened, so a shaded copy counts too.
# Exit 0 only when the jars were read and none has them: a check that cannot run must not pass.
mock=$(python3 - "$work/operator/root/app" 2>&1 <<'PY'
import sys, zipfile, pathlib
jars = sorted(pathlib.Path(sys.argv[1]).rglob("*.jar"))
if not jars:
    sys.exit(f"no jars under {sys.argv[1]}")
found = []
for jar in jars:
    for n in zipfile.ZipFile(jar).namelist():
        if n.startswith(("io/fabric8/kubernetes/client/server/mock/", "io/fabric8/mockwebserver/")):
            found.append(f"{jar.name}: {n}"); break
if found:
    sys.exit("; ".join(found))
print(f"{len(jars)} jars")
PY
) && pass "operator image: no kubernetes-server-mock or mockwebserver classes in its $mock" \
  || fail "operator image carries test-only classes, or they could not be looked for: $mock"

# sbom NAME ARTIFACT MUST-LIST...: the image's CycloneDX SBOM describes ARTIFACT, lists a component for every jar
# in the image's /app/libs and nothing that is not there, and names the given libraries.
sbom() {
  local name=$1 artifact=$2; shift 2
  python3 - "$work/$name/root" "$artifact" "$@" <<'PY'
import json, sys, pathlib
root, artifact, must = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
f = root / "usr/share/sbom" / f"{artifact}-image.cdx.json"
if not f.is_file():
    sys.exit(f"no {f.relative_to(root)}")
b = json.load(open(f))
if b.get("bomFormat") != "CycloneDX" or b["metadata"]["component"]["name"] != artifact:
    sys.exit(f"not a CycloneDX SBOM of {artifact}: {b.get('bomFormat')} {b['metadata']['component'].get('name')}")
listed = {f"{c['name']}-{c['version']}" + (f"-{c['purl'].split('classifier=')[1].split('&')[0]}" if "classifier=" in c.get("purl", "") else "")
          for c in b["components"]}
jars = {j.name[:-4] for j in (root / "app/libs").glob("*.jar")}
missing, extra = sorted(jars - listed), sorted(listed - jars)
if missing or extra:
    sys.exit(f"SBOM and /app/libs differ: not in the SBOM {missing}, not in the image {extra}")
absent = [m for m in must if not any(j.startswith(m + "-") for j in jars)]
if absent:
    sys.exit(f"SBOM lacks {absent}")
print(f"{len(listed)} components")
PY
}
out=$(sbom operator halvs-operator operator-framework kubernetes-client 2>&1) \
  && pass "operator image: CycloneDX SBOM at /usr/share/sbom lists exactly its jars ($out)" || fail "operator image SBOM: $out"
out=$(sbom agent halvs-director-agent jnr-ffi jffi 2>&1) \
  && pass "agent image: CycloneDX SBOM at /usr/share/sbom lists exactly its jars ($out)" || fail "agent image SBOM: $out"
for m in operator director-agent; do
  [ -s "$repo/$m/target/image-sbom/usr/share/sbom/halvs-$m-image.cdx.json" ] || fail "$m: no SBOM beside the image tar"
done

# Reproducible: a second build from clean (new jars, a new jlink'd runtime, a new image) gives the same image
# digests and the same tar bytes. Build time must not leak in (jib's creationTime, jar entry times).
first=$(cd "$repo" && sha256sum operator/target/halvs-operator-image.tar director-agent/target/halvs-director-agent-image.tar; \
  cat operator/target/jib-image.digest director-agent/target/jib-image.digest)
(cd "$repo" && ./mvnw -B -q -Pimage -pl operator,director-agent -am clean package -DskipTests) >"$work/build2.log" 2>&1 \
  || { tail -30 "$work/build2.log"; fail "second image build"; }
second=$(cd "$repo" && sha256sum operator/target/halvs-operator-image.tar director-agent/target/halvs-director-agent-image.tar; \
  cat operator/target/jib-image.digest director-agent/target/jib-image.digest)
[ "$first" = "$second" ] \
  && pass "images reproducible: a clean rebuild gives the same tars and digests (operator $(cut -c1-19 "$repo/operator/target/jib-image.digest")...)" \
  || { fail "images differ between two builds of the same sources"; diff <(echo "$first") <(echo "$second"); }

# The Maven wrapper pins its distribution: a fresh download is checked against distributionSha256Sum, and a
# wrong sum is refused (mvnw and .mvn copied, so the real ones and ~/.m2 stay untouched).
props="$repo/.mvn/wrapper/maven-wrapper.properties"
if grep -q '^distributionSha256Sum=[0-9a-f]\{64\}$' "$props"; then
  mkdir -p "$work/mvnw"; cp "$repo/mvnw" "$work/mvnw/"; cp -r "$repo/.mvn" "$work/mvnw/"
  out=$(cd "$work/mvnw" && MAVEN_USER_HOME="$work/mvnw/home" ./mvnw --version 2>&1)
  grep -q '^Apache Maven ' <<<"$out" && pass "Maven wrapper: the downloaded distribution matches distributionSha256Sum" \
    || { fail "Maven wrapper download"; echo "$out" | tail -5; }
  sed -i "s/^distributionSha256Sum=.*/distributionSha256Sum=$(printf '0%.0s' {1..64})/" "$work/mvnw/.mvn/wrapper/maven-wrapper.properties"
  out=$(cd "$work/mvnw" && MAVEN_USER_HOME="$work/mvnw/home2" ./mvnw --version 2>&1)
  grep -q 'Failed to validate Maven distribution SHA-256' <<<"$out" && pass "Maven wrapper: a wrong distributionSha256Sum is refused" \
    || { fail "Maven wrapper accepted a wrong SHA-256"; echo "$out" | tail -5; }
else
  fail "Maven wrapper: no distributionSha256Sum in .mvn/wrapper/maven-wrapper.properties"
fi
echo "image tier: $((SECONDS - t)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
