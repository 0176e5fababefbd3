#!/usr/bin/env python3
"""Watch a QEMU through its QMP socket: log every event, one JSON line
each, to a file; with --wakeup, answer a SUSPEND (S3) by asking
query-status at once (QEMU sends the event once the machine is
suspended, so nothing can have woken it yet) and sending system_wakeup
after a pause.

usage: qmp.py SOCKET LOG [--wakeup SECONDS]
"""
import json
import os
import socket
import sys
import time


def connect(path, timeout=60):
    end = time.time() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


class Qmp:
    def __init__(self, path, log):
        self.sock = connect(path)
        self.file = self.sock.makefile("rw")
        self.log = log
        self.pending = []
        self.read()  # greeting
        self.command("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        if not line:
            raise EOFError
        msg = json.loads(line)
        if "event" in msg:
            self.log.write(json.dumps(msg) + "\n")
            self.log.flush()
            self.pending.append(msg)
        return msg

    def command(self, name, arguments=None):
        cmd = {"execute": name}
        if arguments is not None:
            cmd["arguments"] = arguments
        self.file.write(json.dumps(cmd) + "\n")
        self.file.flush()
        while True:
            msg = self.read()
            if "return" in msg or "error" in msg:
                self.log.write(json.dumps({"command": name, "reply": msg})
                               + "\n")
                self.log.flush()
                return msg

    def next_event(self):
        if self.pending:
            return self.pending.pop(0)
        while True:
            msg = self.read()
            if "event" in msg:
                return self.pending.pop(0)


def drain(qmp):
    """Log the events left until QEMU ends."""
    try:
        while qmp.next_event():
            pass
    except (EOFError, OSError, ValueError):
        pass


def main():
    path, logpath = sys.argv[1], sys.argv[2]
    wakeup = None
    if len(sys.argv) > 4 and sys.argv[3] == "--wakeup":
        wakeup = float(sys.argv[4])
    with open(logpath, "w") as log:
        try:
            qmp = Qmp(path, log)
            while True:
                ev = qmp.next_event()
                if ev["event"] == "SUSPEND" and wakeup is not None:
                    qmp.command("query-status")
                    time.sleep(wakeup)
                    qmp.command("system_wakeup")
        except EOFError:
            pass
        except (OSError, ValueError) as e:
            # a watcher that gave up says why, where its events go
            log.write(json.dumps({"watcher": f"{type(e).__name__}: {e}"})
                      + "\n")


if __name__ == "__main__":
    main()
