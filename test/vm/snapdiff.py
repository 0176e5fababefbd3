#!/usr/bin/env python3
"""Compare the kpattern holder's memory in two ELF snapshots.

usage: snapdiff.py SNAP1 SNAP2 SEED MIB MARKER1 MARKER2

The marker page ("kpattern-marker-page:" and the text) must hold MARKER1 in the first snapshot and MARKER2 in the
second, at the same physical address; every page of the SEED/MIB pattern
must be in both, at the same address, unchanged.  Exit 0 if so.
"""
import struct
import sys

PAGE = 4096
MASK = (1 << 64) - 1


def loads(path):
    f = open(path, 'rb')
    eh = f.read(64)
    if eh[:4] != b'\x7fELF':
        sys.exit('%s: not an ELF file' % path)
    phoff, = struct.unpack_from('<Q', eh, 32)
    phnum, = struct.unpack_from('<H', eh, 56)
    f.seek(phoff)
    out = []
    for _ in range(phnum):
        typ, _, off, _, paddr, filesz, memsz, _ = struct.unpack(
            '<IIQQQQQQ', f.read(56))
        if typ == 1:
            out.append((paddr, off, filesz, memsz))
    return f, out


def pages(path):
    """Yield (paddr, data) for every page with data on file."""
    f, lds = loads(path)
    for paddr, off, filesz, _ in lds:
        f.seek(off)
        data = f.read(filesz)
        for i in range(0, len(data) - PAGE + 1, PAGE):
            yield paddr + i, data[i:i + PAGE]


def pattern_word(seed, index):
    z = (seed + (index + 1) * 0x9e3779b97f4a7c15) & MASK
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & MASK
    return z ^ (z >> 31)


def scan(path, first_words, marker):
    found, marker_at = {}, None
    for paddr, data in pages(path):
        if data.startswith(b"kpattern-marker-page:" + marker):
            marker_at = paddr
        k = first_words.get(struct.unpack_from('<Q', data)[0])
        if k is not None:
            found[k] = (paddr, data)
    return found, marker_at


def main():
    snap1, snap2, seed, mib = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    marker1, marker2 = sys.argv[5].encode(), sys.argv[6].encode()
    seed, npages = int(seed, 0), int(mib) * 256
    first = {pattern_word(seed, k * 512): k for k in range(npages)}
    found1, at1 = scan(snap1, first, marker1)
    found2, at2 = scan(snap2, first, marker2)
    ok = True
    if at1 is None or at1 != at2:
        print('marker page: %s in the first, %s in the second' % (at1, at2))
        ok = False
    else:
        print('marker page 0x%x: changed as asked' % at1)
    same = sum(1 for k in range(npages)
               if k in found1 and k in found2 and found1[k] == found2[k])
    print('pattern pages: %d of %d at the same address, unchanged' %
          (same, npages))
    return 0 if ok and same == npages else 1


if __name__ == '__main__':
    sys.exit(main())
