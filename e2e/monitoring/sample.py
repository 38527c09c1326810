#!/usr/bin/env python3
"""Reads a Prometheus text exposition on stdin and prints the value of one sample.

  sample.py NAME [LABEL=VALUE ...]   the value of the one sample of NAME with those labels (exit 1: none or several)
  sample.py --names                  every sample name, one a line
  sample.py --labels NAME            the label names NAME's samples carry, one a line
"""
import re
import sys

LINE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def samples(text):
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            sys.exit(f"sample.py: not a sample line: {line}")
        yield m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))


def main(args):
    data = list(samples(sys.stdin.read()))
    if args[:1] == ["--names"]:
        print("\n".join(sorted({n for n, _, _ in data})))
        return 0
    if args[:1] == ["--labels"]:
        print("\n".join(sorted({k for n, labels, _ in data if n == args[1] for k in labels})))
        return 0
    want = dict(a.split("=", 1) for a in args[1:])
    found = [v for n, labels, v in data if n == args[0] and all(labels.get(k) == v for k, v in want.items())]
    if len(found) != 1:
        print(f"sample.py: {len(found)} samples of {args[0]} {want}", file=sys.stderr)
        return 1
    # integers as integers (shell arithmetic compares them), whatever their size
    print(int(found[0]) if found[0].is_integer() else found[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
