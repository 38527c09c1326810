#!/usr/bin/env python3
"""Who holds the instances of one class in a heap dump (jcmd <pid> GC.heap_dump FILE, HPROF 1.0.2).

Prints the instances of CLASS grouped by the chain of their referrers (class.field, DEPTH levels up, the first
referrer followed at each level), the largest groups first, with a few values of each group when CLASS is
java.lang.String. What found the operator's copies per object (docs/PERFORMANCE.md, "The operator's heap, read
from a heap dump"): a histogram says how many Strings there are; this says whose they are.

Usage: heap-referrers.py DUMP [CLASS=java.lang.String] [DEPTH=3] [GROUPS=25]
CLASS may be an object array class ("[Ljava.lang.Object;"): its arrays, by referrers, largest groups by bytes.
A dump of the operator at 10,000 RealServers (80 MB) takes about 10 s and 1.5 GB here. Nothing is written.
"""
import collections
import struct
import sys

SIZES = {4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}  # HPROF basic types; 2 (object) is the id size


def main():
    path = sys.argv[1]
    target = sys.argv[2] if len(sys.argv) > 2 else 'java.lang.String'
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    groups = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    data = open(path, 'rb').read()
    p = data.index(b'\0') + 1
    idsz = struct.unpack_from('>I', data, p)[0]
    p += 12
    sizes = dict(SIZES)
    sizes[2] = idsz
    rid = (lambda o: struct.unpack_from('>I', data, o)[0]) if idsz == 4 else (
        lambda o: struct.unpack_from('>Q', data, o)[0])
    names, class_names, classes = {}, {}, {}  # id -> utf8; class id -> name; class id -> (super, fields)
    instances, arrays, primitives = {}, {}, {}  # object id -> (class, offset) / (class, offset, n) / (offset, n)
    while p < len(data):
        tag, length = data[p], struct.unpack_from('>I', data, p + 5)[0]
        body, p = p + 9, p + 9 + length
        if tag == 0x01:  # UTF8
            names[rid(body)] = data[body + idsz:p].decode('utf-8', 'replace')
        elif tag == 0x02:  # LOAD CLASS
            class_names[rid(body + 4)] = names.get(rid(body + 8 + idsz), '?').replace('/', '.')
        elif tag in (0x0C, 0x1C):  # HEAP DUMP (SEGMENT)
            q = body
            while q < p:
                sub = data[q]
                q += 1
                if sub in (0xFF, 0x05, 0x07):
                    q += idsz
                elif sub == 0x01:
                    q += 2 * idsz
                elif sub in (0x02, 0x03, 0x08):
                    q += idsz + 8
                elif sub in (0x04, 0x06):
                    q += idsz + 4
                elif sub == 0x20:  # CLASS DUMP
                    cid, sup = rid(q), rid(q + 4 + idsz)
                    q += 4 + 7 * idsz + 4  # stack serial, super, loader, signers, domain, 2 reserved, size
                    n = struct.unpack_from('>H', data, q)[0]
                    q += 2
                    for _ in range(n):  # constant pool: index, type, value
                        q += 3 + sizes[data[q + 2]]
                    n = struct.unpack_from('>H', data, q)[0]
                    q += 2
                    for _ in range(n):  # statics
                        q += idsz + 1 + sizes[data[q + idsz]]
                    n = struct.unpack_from('>H', data, q)[0]
                    q += 2
                    fields = []
                    for _ in range(n):
                        fields.append((rid(q), data[q + idsz]))
                        q += idsz + 1
                    classes[cid] = (sup, fields)
                elif sub == 0x21:  # INSTANCE DUMP
                    n = struct.unpack_from('>I', data, q + 4 + 2 * idsz)[0]
                    instances[rid(q)] = (rid(q + 4 + idsz), q + 8 + 2 * idsz)
                    q += 8 + 2 * idsz + n
                elif sub == 0x22:  # OBJECT ARRAY DUMP
                    n = struct.unpack_from('>I', data, q + 4 + idsz)[0]
                    arrays[rid(q)] = (rid(q + 8 + idsz), q + 8 + 2 * idsz, n)
                    q += 8 + 2 * idsz + n * idsz
                elif sub == 0x23:  # PRIMITIVE ARRAY DUMP
                    n, t = struct.unpack_from('>I', data, q + 4 + idsz)[0], data[q + 8 + idsz]
                    primitives[rid(q)] = (q + 9 + idsz, n * sizes[t])
                    q += 9 + idsz + n * sizes[t]
                else:
                    sys.exit(f'heap-referrers.py: unknown heap dump record {sub:#x} at {q}')
    layouts = {}

    def layout(cid):  # (name, type) of every instance field, the class's own first, as HPROF lays them out
        if cid not in layouts:
            out, c = [], cid
            while c in classes:
                sup, fields = classes[c]
                out.extend((names.get(n, '?'), t) for n, t in fields)
                c = sup
            layouts[cid] = out
        return layouts[cid]

    referrers = collections.defaultdict(list)  # object id -> [(referrer id, "class.field")]
    for oid, (cid, off) in instances.items():
        label = class_names.get(cid, '?')
        for name, t in layout(cid):
            if t == 2 and rid(off):
                referrers[rid(off)].append((oid, label + '.' + name))
            off += sizes[t]
    for oid, (cid, off, n) in arrays.items():
        label = class_names.get(cid, '?') + '[]'
        for i in range(n):
            v = rid(off + i * idsz)
            if v:
                referrers[v].append((oid, label))

    def chain(oid, levels):
        held = referrers.get(oid)
        if not held:
            return '(a root)'
        label = ' | '.join(sorted({lab for _, lab in held}))
        return label if levels == 0 else label + ' <- ' + chain(held[0][0], levels - 1)

    def value(oid):  # a String's characters (Latin-1 or UTF-16, as its coder says), cut at 60
        off = instances[oid][1]
        for name, t in layout(instances[oid][0]):
            if name == 'value':
                at, n = primitives.get(rid(off), (0, 0))
                raw = data[at:at + min(n, 120)]
                return raw.decode('latin-1') if b'\0' not in raw else raw.decode('utf-16-be', 'replace')
            off += sizes[t]
        return '?'

    chosen = [o for o, (c, _) in instances.items() if class_names.get(c) == target]
    # an object array class ("[Ljava.lang.Object;"): its arrays, each group with the bytes its arrays take
    chosen += [o for o, (c, _, _) in arrays.items() if class_names.get(c) == target]
    # an array's bytes in the heap, as the class histogram counts them: a 16-byte header and 4 bytes a slot
    # (compressed oops; HPROF writes 8-byte ids whatever the heap holds), rounded up to 8 bytes
    size = lambda o: (16 + 4 * arrays[o][2] + 7) // 8 * 8 if o in arrays else 0
    by_chain = collections.defaultdict(list)
    for o in chosen:
        by_chain[chain(o, depth)].append(o)
    print(f'{len(chosen)} instances of {target}, by their referrers {depth} levels up:')
    for key, members in sorted(by_chain.items(), key=lambda kv: -sum(map(size, kv[1])) or -len(kv[1]))[:groups]:
        total = sum(map(size, members))
        print(f'{len(members):9d}  ' + (f'{total / 1048576:8.2f} MiB  ' if total else '') + key)
        if target == 'java.lang.String':
            print('           e.g. ' + ', '.join(repr(value(o)[:60]) for o in members[:3]))


if __name__ == '__main__':
    main()
