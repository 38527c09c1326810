# Sourced by the benchmarks that run the operator or the agent outside a pod with the flags a deployment gives
# them (full-size.sh, resources.sh, e2e/vm/suites/bench-programming.sh), and by the image tier, which checks
# image_flags and image_env against the images jib builds.
deployed_flags_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# tool_options FILE: the first JAVA_TOOL_OPTIONS value in a manifest (the Deployment, the DaemonSet template)
tool_options() { sed -n '/name: JAVA_TOOL_OPTIONS/{n;s/^ *value: *//p;q}' "$1" | tr -d '"'; }
# image_flags MODULE: the JVM flags on MODULE's image's command line, one per line: the parent's jib jvmFlags
# (pom.xml), then the module's appended ones (MODULE/pom.xml, profile image), with the ${image.*} properties
# resolved as Maven does (the module's value, else the parent's). Read from the poms so a benchmark runs what the
# image runs; fails on a property neither pom sets.
image_flags() {
  local parent=$deployed_flags_repo/pom.xml module=$deployed_flags_repo/$1/pom.xml flags name value
  [ -f "$module" ] || { echo "image_flags: no $module" >&2; return 1; }
  flags=$(sed -n 's:^ *<jvmFlag>\(.*\)</jvmFlag> *$:\1:p' "$parent" "$module")
  while [[ $flags =~ \$\{([A-Za-z0-9._-]+)\} ]]; do
    name=${BASH_REMATCH[1]}
    value=$(sed -n "s:^ *<$name>\(.*\)</$name> *$:\1:p" "$module" | head -1)
    [ -n "$value" ] || value=$(sed -n "s:^ *<$name>\(.*\)</$name> *$:\1:p" "$parent" | head -1)
    [ -n "$value" ] || { echo "image_flags: \${$name} is set in neither $parent nor $module" >&2; return 1; }
    flags=${flags//"\${$name}"/$value}
  done
  printf '%s\n' "$flags"
}
# read_image_flags ARRAY MODULE: image_flags into the array named ARRAY; exits the script when none were read
read_image_flags() {
  local -n into=$1
  mapfile -t into < <(image_flags "$2")
  [ "${#into[@]}" -gt 0 ] || { echo "$(basename "$0"): no JVM flags read from the poms for $2's image" >&2; exit 2; }
}
# image_env MODULE: the environment MODULE's image sets, NAME=VALUE a line: every jib <environment> entry in the
# parent's pom (PATH) and the module's (profile image), in that order; fails on a value with a property in it (not
# resolved here) or when MODULE has no pom.
image_env() {
  local module=$deployed_flags_repo/$1/pom.xml
  [ -f "$module" ] || { echo "image_env: no $module" >&2; return 1; }
  python3 - "$deployed_flags_repo/pom.xml" "$module" <<'PY'
import sys, xml.etree.ElementTree as ET
pom = "{http://maven.apache.org/POM/4.0.0}"
for path in sys.argv[1:]:
    for env in ET.parse(path).getroot().iter(pom + "environment"):
        for var in env:
            value = (var.text or "").strip()
            if "${" in value:
                sys.exit(f"image_env: {path}: {var.tag[len(pom):]}={value} has a property this does not resolve")
            print(f"{var.tag[len(pom):]}={value}")
PY
}
# read_image_env ARRAY MODULE: image_env without PATH (a benchmark keeps the host's) into the array named ARRAY;
# exits the script when the poms could not be read
read_image_env() {
  local -n into=$1
  local lines
  lines=$(image_env "$2") || { echo "$(basename "$0"): the environment of $2's image not read from the poms" >&2; exit 2; }
  mapfile -t into < <(grep -v '^PATH=' <<<"$lines")
}
# collector_flags COLLECTOR: image_flags' lines (stdin) with COLLECTOR and its tuning in place of the image's, for
# the benchmarks' runs that set another collector beside the image's: serial (no tuning), g1 (the agent image's of
# 2026-12-01 to 12-05: G1 with a 50 ms pause goal), shenandoah (the agent image's since: its footprint mode, a
# concurrent cycle after each 10 % of the heap allocated, at most 30 s apart, free regions given back after 1 s)
collector_flags() {
  local with
  case $1 in
    serial) with='-XX:+UseSerialGC' ;;
    g1) with='-XX:+UseG1GC\n-XX:MaxGCPauseMillis=50' ;;
    shenandoah) with='-XX:+UseShenandoahGC\n-XX:ShenandoahGCHeuristics=compact' ;;
    *) echo "collector_flags: serial, g1 or shenandoah, not '$1'" >&2; return 1 ;;
  esac
  sed -E -e '/^-XX:(MaxGCPauseMillis|ShenandoahGCHeuristics)=/d' -e "s/^-XX:\+Use[A-Za-z0-9]+GC$/$with/"
}
