# SPDX-License-Identifier: MIT
# Shared by the kv_server tests (tests/kv_server_*.py): starting kv_server and redis-server,
# a small RESP client, and redis-cli. Every wait has a generous timeout that only guards
# against hangs (ASan builds and loaded CI machines are slow); no test measures time.

import atexit
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 120.0  # seconds, for anything that should take milliseconds

# Servers still running when the test ends (a failed check exits early) are killed.
_children = []


@atexit.register
def _kill_children():
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def need(tool):
    path = shutil.which(tool)
    # CI installs them (scripts/install-deps.sh): a missing tool is a failure, not a skip.
    check(path is not None, tool + " not found: run scripts/install-deps.sh")
    return path


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        check(hard == resource.RLIM_INFINITY or hard >= n, "fd limit %d below %d" % (hard, n))
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def start_kv(binary, *args):
    """Starts kv_server on a free loopback port; returns (process, port)."""
    env = dict(os.environ)
    # Under ASan, freed memory waits in a 256 MiB quarantine: keep it small, so that RSS
    # shows what the server holds (tests/kv_server_bad_input.py bounds it).
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":quarantine_size_mb=8:thread_local_quarantine_size_kb=256").lstrip(":")
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", *args], stdout=subprocess.PIPE,
                            env=env)
    _children.append(proc)
    line = proc.stdout.readline().decode()
    check(line.startswith("listening on 127.0.0.1:"), "first line: %r" % line)
    return proc, int(line.strip().rsplit(":", 1)[1])


def stop_kv(proc, sig=signal.SIGTERM):
    """Signals kv_server and checks it exits with 0."""
    proc.send_signal(sig)
    try:
        rc = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("kv_server did not exit on signal %d" % sig)
    check(rc == 0, "kv_server exited with %d on signal %d" % (rc, sig))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis():
    """Starts a real redis-server on a free loopback port; returns (process, port)."""
    server = need("redis-server")
    for _ in range(10):
        port = free_port()
        proc = subprocess.Popen([server, "--save", "", "--appendonly", "no", "--port", str(port),
                                 "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL)
        _children.append(proc)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with Client(port) as c:
                    if c.call("PING") == b"+PONG\r\n":
                        return proc, port
            except OSError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
    fail("redis-server did not start")


def stop_redis(proc):
    proc.terminate()
    proc.wait(timeout=TIMEOUT)


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Client:
    """A blocking RESP client that returns each reply as its raw bytes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def reply(self):
        line = self._line()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:-2])
            if n < 0:
                return line
            while len(self.buf) < n + 2:
                self._fill()
            body, self.buf = self.buf[:n + 2], self.buf[n + 2:]
            return line + body
        if kind == b"*":
            n = int(line[1:-2])
            return line + b"".join(self.reply() for _ in range(max(n, 0)))
        return line

    def call(self, *args):
        self.send(encode(*args))
        return self.reply()

    def read_to_eof(self):
        """Everything until the server closes (a reset counts as closing)."""
        while True:
            try:
                self._fill()
            except (EOFError, ConnectionResetError):
                out, self.buf = self.buf, b""
                return out


def cli(port, *args, stdin=None):
    """redis-cli's output for one command (or for --pipe with stdin)."""
    r = subprocess.run([need("redis-cli"), "-p", str(port), *map(str, args)], input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=TIMEOUT)
    return r.stdout.decode()


def wait_until(pred, what):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    fail("timed out waiting for " + what)


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    fail("no %s in /proc/%d/status" % (field, pid))


def main_binary():
    check(len(sys.argv) == 2, "usage: %s KV_SERVER" % sys.argv[0])
    need("redis-cli")
    need("redis-server")
    os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
    return sys.argv[1]
