#!/usr/bin/env python3
"""Drive a shell in a guest through QEMU's serial socket.

The Debian test system logs root in on its second serial port (ttyS1);
QEMU serves that port on a Unix socket.  Each call connects, runs one
command and leaves: the same shell lives on across hibernations, so a
call after a resume talks to the shell of before.

usage: guest.py SOCKET wait [TIMEOUT [CMD]]
                                           until the shell answers (and
                                           CMD succeeds in it)
       guest.py SOCKET run CMD [TIMEOUT]   run CMD; its output, its status
       guest.py SOCKET send TEXT           type TEXT and a newline
       guest.py SOCKET answer LOG TEXT ANSWER [TIMEOUT]
                                           when LOG (the port's log) shows
                                           TEXT, type ANSWER and a newline
"""

import os
import re
import socket
import sys
import time

import qmp

# Terminal control sequences a shell may print between lines
CSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
# Quoted apart in what is typed, whole only in what the shell prints; each
# command's own, so that the answer to an earlier one is never taken for it
MARK = "kjump-guest-done-"
TYPED_MARK = 'kjump-guest-""done-'
# and where its output begins: the shell may print first (a new line
# after an interrupt)
START = "kjump-guest-start-"
TYPED_START = 'kjump-guest-""start-'


def connect(path, deadline):
    try:
        return qmp.connect(path, max(1.0, deadline - time.monotonic()))
    except OSError:
        sys.exit(f"guest: {path}: cannot connect")


class Quiet(Exception):
    pass


def read_until(s, token, deadline, on_idle=None, quiet_until=None):
    buf = b""
    s.settimeout(1.0)
    while token.encode() not in buf:
        if quiet_until and not buf and time.monotonic() > quiet_until:
            raise Quiet()
        if time.monotonic() > deadline:
            tail = buf[-400:].decode(errors="replace")
            sys.exit(f"guest: no answer in time; last output: {tail!r}")
        try:
            data = s.recv(65536)
            if not data:
                sys.exit("guest: the serial port closed (the machine stopped?)")
            buf += data
        except socket.timeout:
            if on_idle:
                on_idle()
    return CSI.sub("", buf.decode(errors="replace").replace("\r", ""))


def typed(cmd):
    # a tab typed into an interactive shell completes instead
    return cmd.replace("\t", " ")


# echo off and no prompt, so that only what is asked for comes back
QUIET = "stty -echo 2>/dev/null; PS1=''; PS2=''; "


def command(cmd, token):
    cmd = typed(cmd)
    return (f"{QUIET}"
            f"export SYSTEMD_COLORS=0 SYSTEMD_PAGER=; "
            f"echo \"{TYPED_START}{token}\"; {{ {cmd}\n}} 2>&1; "
            f"echo \"{TYPED_MARK}{token} $?\"\n")


# A connection that closes drops what QEMU did not read of it yet: a
# probe cut short, an open brace or quote that every later command would
# land in.  Ctrl-C first makes the shell drop any command half typed.
INTERRUPT = b"\x03"


def interrupt(s):
    s.sendall(INTERRUPT)
    time.sleep(0.2)


def new_token():
    return os.urandom(6).hex()


def probe_command(cond, token):
    # the mark only once cond holds; until then, silence and a new probe
    cond = typed(cond)
    return (f"{QUIET}"
            f"{{ {cond}\n}} >/dev/null 2>&1 && "
            f"echo \"{TYPED_MARK}{token} 0\"\n")


def wait(path, timeout, cond="true"):
    """Probe every few seconds: a port nobody reads yet takes no more, and
    a probe typed while the system is away (a jump) may be lost.  A
    connection that stays silent for a minute is made again: QEMU may not
    serve one it took while the machine was being restored."""
    deadline = time.monotonic() + timeout
    token = new_token()
    probe = probe_command(cond, token).encode()
    while True:
        s = connect(path, deadline)
        interrupt(s)
        last = [0.0]

        def send_probe():
            if time.monotonic() - last[0] < 5:
                return
            last[0] = time.monotonic()
            try:
                s.sendall(b"\n" + probe)
            except (socket.timeout, BlockingIOError):
                pass

        send_probe()
        try:
            read_until(s, MARK + token, deadline, on_idle=send_probe,
                       quiet_until=time.monotonic() + 60)
            return
        except Quiet:
            s.close()


def run(s, cmd, timeout):
    deadline = time.monotonic() + timeout
    token = new_token()
    interrupt(s)
    s.sendall(command(cmd, token).encode())
    out = read_until(s, MARK + token, deadline)
    done = re.compile(MARK + token + r" (\d+)\n")
    while not done.search(out):
        out += read_until(s, "\n", deadline)
    m = done.search(out)
    begin = out.find(START + token + "\n")
    begin = begin + len(START + token + "\n") if begin >= 0 else 0
    # without what probes typed earlier answered
    body = re.sub(MARK + r"[0-9a-f]+ \d+\n", "", out[begin:m.start()])
    sys.stdout.write(body)
    sys.stdout.flush()
    return int(m.group(1))


def answer(path, log, text, reply, timeout):
    """A prompt printed while no client is connected is only in the log."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(log, errors="replace") as f:
                if text in f.read():
                    break
        except FileNotFoundError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"guest: {log}: no {text!r} in {timeout:.0f} s")
        time.sleep(0.5)
    s = connect(path, deadline)
    s.sendall((reply + "\n").encode())
    time.sleep(0.5)
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, verb = sys.argv[1], sys.argv[2]
    if verb == "wait":
        timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 300
        wait(path, timeout, *sys.argv[4:5])
        return 0
    if verb == "run" and len(sys.argv) > 3:
        timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120
        s = connect(path, time.monotonic() + 30)
        return run(s, sys.argv[3], timeout)
    if verb == "send" and len(sys.argv) > 3:
        s = connect(path, time.monotonic() + 30)
        s.sendall((sys.argv[3] + "\n").encode())
        # QEMU may drop what it did not read yet when the client goes
        time.sleep(0.5)
        return 0
    if verb == "answer" and len(sys.argv) > 5:
        timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 300
        return answer(path, sys.argv[3], sys.argv[4], sys.argv[5], timeout)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
