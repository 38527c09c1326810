# From a -Xlog:gc log of Shenandoah: its concurrent uncommits (free regions given back to the OS) as "COUNT
# OVER_100_MS LONGEST_MS". Not a pause, but while one runs it takes the heap's lock region by region, and a thread
# that needs a new allocation buffer waits for that lock: the active's election stalled across a 413 ms uncommit
# and its peer took over (fsBD, docs/PERFORMANCE.md). full-size.sh.
/ Concurrent uncommit / && match($0, /[0-9.]+ms$/) {
  ms = substr($0, RSTART, RLENGTH - 2) + 0; n++
  if (ms > max) max = ms
  if (ms > 100) over++
}
END { printf "%d %d %.0f\n", n, over, max }
