# Sourced by the benchmarks that run the operator or the agent outside a pod with the flags a deployment gives
# them (full-size.sh, resources.sh, e2e/vm/suites/bench-programming.sh).
# tool_options FILE: the first JAVA_TOOL_OPTIONS value in a manifest (the Deployment, the DaemonSet template)
tool_options() { sed -n '/name: JAVA_TOOL_OPTIONS/{n;s/^ *value: *//p;q}' "$1" | tr -d '"'; }
