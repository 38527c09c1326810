# Two NMT summaries (jcmd PID VM.native_memory summary) of one JVM, earlier then later -> one line: each
# category's committed MiB "earlier/later", the total first; categories under 1 MiB in both left out.
# Usage: awk -v who=lvs-01 -f nmt-compare.awk earlier.txt later.txt
FNR == 1 { f++ }
/committed=[0-9]+KB/ {
  c = $0
  if (c ~ /^Total:/) c = "Total"
  else {
    p = index(c, "(reserved="); if (p == 0) next
    c = substr(c, 1, p - 1); sub(/^[- ]+/, "", c); sub(/ +$/, "", c)
    if (c == "") next
  }
  v = $0; sub(/.*committed=/, "", v); sub(/KB.*/, "", v)
  if (!((c, f) in val)) val[c, f] = v + 0
  if (!(c in seen)) { seen[c] = 1; order[++k] = c }
}
END {
  line = who " NMT committed MiB, earlier/later:"
  for (i = 1; i <= k; i++) {
    c = order[i]
    if (val[c, 1] + val[c, 2] >= 1024) line = line sprintf(" %s %.1f/%.1f;", c, val[c, 1] / 1024, val[c, 2] / 1024)
  }
  print line
}
