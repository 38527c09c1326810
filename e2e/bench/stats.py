"""The benchmarks' percentiles: nearest rank, one definition for every script that prints p50 / p99.

The p-th percentile of n values is the smallest value with at least p % of them at or below it: the value at
rank ceil(p * n / 100), counted from 1. Of 40 values p99 is the largest; of 100 it is the 99th, so one outlier
in 100 edits is not the figure (edits.py's former rounding took the 100th: round() of 99.5 is 100).
"""
import math


def nearest_rank(values, p):
    """The p-th percentile (0 < p <= 100) of values by nearest rank; None for no values."""
    if not 0 < p <= 100:
        raise ValueError("a percentile is in (0, 100], not %r" % (p,))
    s = sorted(values)
    if not s:
        return None
    # p * n is exact for an integer p, and a quotient that is a whole number divides exactly: 99 of 100 is rank 99
    return s[max(1, math.ceil(p * len(s) / 100)) - 1]
