#!/usr/bin/env python3
"""Cut the power of a running QEMU at named points, many times in one run.

A power cut leaves exactly what the disks hold at that moment.  So at each
point this stops the guest (QMP "stop", which first completes every
write QEMU has in flight), copies its disk files to OUTDIR/NAME/, and lets
it go on ("cont"): one run yields the disk state of every cut, and each
is then booted on its own, as the machine would after the cut.

A point is NAME=REGEX, met when the guest's serial console (SERIAL, a file
QEMU writes) shows REGEX after where the previous point was met; with
NAME=REGEX@FRACTION, REGEX must have the groups (done) and (total) of a
progress line, met once done/total >= FRACTION; with NAME=REGEX#N, met at
the Nth match (cuts spread in time over a progress line that moves
unevenly).  OUTDIR/NAME/at gets the
console text that met it.  The exit status is 1 if QEMU ended before
every point was met, naming the first missed.

usage: powercut.py QMP_SOCKET SERIAL OUTDIR DISK[,DISK...] POINT...
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import Qmp, drain  # noqa: E402


def parse_point(text):
    name, _, rest = text.partition("=")
    regex, frac, nth = rest, None, 1
    m = re.fullmatch(r"(.*)@([0-9.]+)", rest)
    if m:
        regex, frac = m.group(1), float(m.group(2))
    m = re.fullmatch(r"(.*)#([0-9]+)", rest)
    if m:
        regex, nth = m.group(1), int(m.group(2))
    return name, re.compile(regex, re.MULTILINE), frac, nth


def find(text, pos, regex, frac, nth):
    """Where in text, from pos, the point is met: (start, end) or None."""
    for m in regex.finditer(text, pos):
        if frac is not None:
            done, total = int(m.group(1)), int(m.group(2))
            if not total or done / total < frac:
                continue
        nth -= 1
        if nth == 0:
            return m.start(), m.end()
    return None


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def qemu_running(qmp):
    try:
        return qmp.command("query-status").get("return", {}).get("running")
    except (EOFError, OSError, ValueError):
        return None


def cut(qmp, name, outdir, disks, at):
    if "error" in qmp.command("stop"):
        raise OSError("QMP stop failed")
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    for disk in disks:
        subprocess.run(["cp", "--sparse=always", disk,
                        os.path.join(d, os.path.basename(disk))], check=True)
    with open(os.path.join(d, "at"), "w") as f:
        f.write(at.replace("\r", "\n").strip() + "\n")
    qmp.command("cont")
    print(f"powercut: {name}: disks copied at: {at.strip()[-100:]!r}",
          flush=True)


def main():
    sock, serial, outdir, disks = sys.argv[1:5]
    points = [parse_point(p) for p in sys.argv[5:]]
    disks = disks.split(",")
    with open(os.devnull, "w") as log:
        qmp = Qmp(sock, log)
        pos = 0
        for name, regex, frac, nth in points:
            while True:
                text = read_text(serial)
                hit = find(text, pos, regex, frac, nth)
                if hit:
                    break
                if qemu_running(qmp) is None:
                    print(f"powercut: {name}: not met before QEMU ended",
                          file=sys.stderr)
                    return 1
                time.sleep(0.05)
            line_start = text.rfind("\n", 0, hit[0]) + 1
            cut(qmp, name, outdir, disks, text[line_start:hit[1]])
            pos = hit[1]
        # the rest of the run is the caller's
        drain(qmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
