#!/usr/bin/env python3
"""Change a running QEMU's hardware when its console says so: attach a
disk, a DIMM, or take one away, at the moment a test's guest asks.

Each step is --on REGEX followed by QMP commands as JSON objects
({"execute": ..., "arguments": ...}); when the guest's serial console
(SERIAL, a file QEMU writes) shows REGEX after where the previous step
was met, the commands are sent in order; a device_del is complete only
once QEMU reports the device gone (DEVICE_DELETED), which it does after
the guest let go of it.  Every command and its reply goes to LOG.  The exit status is 1 if QEMU ended before every step ran,
or if a command failed.

usage: qmpdo.py QMP_SOCKET SERIAL LOG --on REGEX CMD... [--on REGEX CMD...]
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import Qmp, drain  # noqa: E402


def parse_steps(args):
    steps = []
    for a in args:
        if a == "--on":
            steps.append([None, []])
        elif steps and steps[-1][0] is None:
            steps[-1][0] = re.compile(a, re.MULTILINE)
        elif steps:
            steps[-1][1].append(json.loads(a))
        else:
            raise ValueError(f"a command before --on: {a}")
    return steps


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def wait_deleted(qmp, dev, timeout=60, again=5):
    """Until QEMU reports dev gone, or timeout seconds.  The request is
    made again every few seconds: a guest under load was once seen to let
    go of the device (its disk gone) without ejecting it, and QEMU, which
    deletes the device at the eject, waited for good; asked again, the
    guest ejects what it has let go of."""
    end = time.time() + timeout
    asked = time.time()
    while time.time() < end:
        for i, ev in enumerate(qmp.pending):
            if (ev["event"] == "DEVICE_DELETED"
                    and ev.get("data", {}).get("device") == dev):
                del qmp.pending[i]
                return True
        if time.time() - asked > again:
            print(f"qmpdo: {dev} not deleted after {again} s, asked again",
                  file=sys.stderr)
            qmp.command("device_del", {"id": dev})
            asked = time.time()
        qmp.command("query-status")
        time.sleep(0.1)
    return False


def main():
    sock, serial, logpath = sys.argv[1:4]
    steps = parse_steps(sys.argv[4:])
    with open(logpath, "w") as log:
        qmp = Qmp(sock, log)
        pos = 0
        for regex, cmds in steps:
            while True:
                m = regex.search(read_text(serial), pos)
                if m:
                    break
                try:
                    qmp.command("query-status")
                except (EOFError, OSError, ValueError):
                    print(f"qmpdo: /{regex.pattern}/ not met before QEMU "
                          "ended", file=sys.stderr)
                    return 1
                time.sleep(0.1)
            pos = m.end()
            for c in cmds:
                reply = qmp.command(c["execute"], c.get("arguments"))
                if "error" in reply:
                    print(f"qmpdo: {c}: {reply['error']}", file=sys.stderr)
                    return 1
                if (c["execute"] == "device_del"
                        and not wait_deleted(qmp, c["arguments"]["id"])):
                    print(f"qmpdo: {c}: the device is still there",
                          file=sys.stderr)
                    return 1
        drain(qmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
