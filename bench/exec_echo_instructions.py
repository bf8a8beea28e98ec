#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# User-space instructions per echoed message of an echo server (examples/exec_echo by
# default), all of its threads, under callgrind: the server runs twice, once echoing M
# and once 2M rounds over C connections (each round: every connection sends one 64-byte
# message, then every echo is read back), and the figure is (I(2M) - I(M)) / (C * M), so that
# start-up, accepting and shutting down cancel out. The client is this script, outside
# valgrind. With more than one worker thread the count depends on how valgrind
# interleaves the threads: the least of --runs runs is printed.
#   bench/exec_echo_instructions.py SERVER [--conns C] [--rounds M] [--runs R] [-- ARGS...]
#   e.g. bench/exec_echo_instructions.py build/rel/examples/exec_echo -- --workers 0
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile


def run_once(server, args, conns, rounds):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        p = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                              server, "--listen", "127.0.0.1:0", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = int(p.stdout.readline().rsplit(":", 1)[1])
            socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
            msg = b"m" * 64
            for s in socks:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # Lockstep rounds: every connection sends, then every echo is collected, so
            # that the server sees about the same batches from run to run.
            for _ in range(rounds):
                for s in socks:
                    s.sendall(msg)
                for s in socks:
                    if len(s.recv(64, socket.MSG_WAITALL)) != 64:
                        raise RuntimeError("server closed a connection")
            for s in socks:
                s.close()
        finally:
            p.terminate()
            p.wait()
        total = 0
        with open(out) as f:
            for line in f:
                m = re.match(r"(summary|totals):\s+(\d+)", line)
                if m:
                    total = int(m.group(2))
        if os.environ.get("KEEP_CG"):
            import shutil
            shutil.copy(out, os.environ["KEEP_CG"])
        return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--runs", type=int, default=1)
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    a = ap.parse_args(argv)
    a.args = extra
    best = None
    for _ in range(a.runs):
        i1 = run_once(a.server, a.args, a.conns, a.rounds)
        i2 = run_once(a.server, a.args, a.conns, 2 * a.rounds)
        per = (i2 - i1) / (a.conns * a.rounds)
        best = per if best is None else min(best, per)
    print(f"{a.server} {' '.join(a.args)}: {a.conns} connections x {a.rounds} rounds: "
          f"{best:.0f} instructions per message")


if __name__ == "__main__":
    sys.exit(main())
