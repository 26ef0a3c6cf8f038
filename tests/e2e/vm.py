# SPDX-License-Identifier: GPL-2.0-only
"""Drive a QEMU guest over its serial console (stdio), for tests/e2e.

Markers printed by the guest are matched, never the echo of a command
(busybox wraps long echoed lines). Every match ends at a newline, so a line
still arriving is never taken cut short.
"""
import os
import re
import select
import subprocess
import threading
import time


class VM:
    def __init__(self, argv, log_path):
        self.t0 = time.monotonic()
        self.buf = b""
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, bufsize=0)

    def now(self):
        return time.monotonic() - self.t0

    def expect(self, pattern, timeout=120):
        """Wait for @pattern (a regex ending at a line end); return the match."""
        rx = re.compile(pattern.encode())
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            if time.monotonic() > end:
                raise TimeoutError(f"{pattern!r} not seen in {timeout} s")
            r, _, _ = select.select([self.p.stdout], [], [], 1.0)
            if r:
                d = os.read(self.p.stdout.fileno(), 65536)
                if not d:
                    raise EOFError("qemu exited")
                self.buf += d
                self.log.write(d)
                self.log.flush()

    def drain(self):
        """From now on a thread reads the console into the log (and the
        buffer), so that a guest nobody expects anything from is never held
        up by a full pipe; expect() is not used after this."""
        def pump():
            while True:
                d = os.read(self.p.stdout.fileno(), 65536)
                if not d:
                    return
                self.buf += d
                try:
                    self.log.write(d)
                    self.log.flush()
                except ValueError:  # closed: the scenario is over
                    return
        threading.Thread(target=pump, daemon=True).start()

    def send(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def run(self, cmd, timeout=120):
        """Run @cmd in the guest shell; return (exit code, output)."""
        tag = f"@@{int(time.monotonic() * 1000) % 100000}"
        self.send(f"( {cmd} ) > /tmp/out 2>&1; echo {tag}-rc=$?; cat /tmp/out; echo {tag}-end")
        m = self.expect(rf"{tag}-rc=(\d+)\r?\n((?:.|\n)*?){tag}-end\r?\n", timeout)
        return int(m.group(1)), m.group(2).decode(errors="replace")

    def close(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.log.close()
