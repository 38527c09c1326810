# Sourced by the benchmarks that run the operator or the agent outside a pod with the flags a deployment gives
# them (full-size.sh, resources.sh, e2e/vm/suites/bench-programming.sh), and by the image tier, which checks
# image_flags against the images jib builds.
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
# serial_flags: image_flags' lines (stdin) with the serial collector instead of G1 and without G1's pause goal,
# for the benchmarks' runs that set the serial collector beside the image's
serial_flags() { sed -e 's/^-XX:+UseG1GC$/-XX:+UseSerialGC/' -e '/^-XX:MaxGCPauseMillis=/d'; }
