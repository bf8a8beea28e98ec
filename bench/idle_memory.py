#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# User-space memory per idle connection of an echo server (examples/tcp_echo,
# examples/exec_echo): N clients connect, each echoes one 64-byte message and then stays
# connected and silent; the figure is the growth of the server's anonymous resident memory
# (heap, stacks: RssAnon in /proc/PID/status) divided by N. Kernel socket buffers are not
# in it. Linux only.
#   bench/idle_memory.py SERVER [N] [SERVER_ARGS...]    e.g. build/rel/examples/tcp_echo 10000
import resource
import socket
import subprocess
import sys
import time


def rss_anon(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no RssAnon")


def main():
    server = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    extra = sys.argv[3:]
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    p = subprocess.Popen([server, "--listen", "127.0.0.1:0", *extra],
                         stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline().rsplit(":", 1)[1])
        time.sleep(0.5)
        before = rss_anon(p.pid)
        clients = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"x" * 64)
            clients.append(s)
        for s in clients:
            got = 0
            while got < 64:
                chunk = s.recv(64 - got)
                if not chunk:
                    raise RuntimeError("server closed a connection")
                got += len(chunk)
        time.sleep(0.5)  # let the server finish its last writes and go idle
        after = rss_anon(p.pid)
        print(f"{server} {' '.join(extra)}: {n} idle connections after one echo: "
              f"{(after - before) / n:.1f} bytes each (RssAnon {before} -> {after})")
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
