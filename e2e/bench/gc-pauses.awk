# From a -Xlog:gc log: the collector's pauses as "COUNT OVER_150_MS LONGEST_MS FULL". 150 ms is the pair's dead
# interval (3 heartbeats of 50 ms): an agent paused longer is taken over by its peer. FULL: the collections that
# stop the JVM for the whole heap, G1's or the serial collector's Full and Shenandoah's Degenerated (the cycle
# finished in a pause when the allocations outran it). full-size.sh, agent-memory.sh.
/ Pause / && match($0, /[0-9.]+ms$/) {
  ms = substr($0, RSTART, RLENGTH - 2) + 0; n++
  if (ms > max) max = ms
  if (ms > 150) over++
  if ($0 ~ /Pause (Full|Degenerated)/) full++
}
END { printf "%d %d %.0f %d\n", n, over, max, full }
