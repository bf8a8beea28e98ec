#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# redis-benchmark against examples/kv_server (1 and 2 workers) and a real redis-server, in
# one run: requests per second and CPU time per request (the server's utime+stime from
# /proc/PID/stat), each as a ratio to redis-server's.
#
#   bench/kv_server.py BUILD_DIR/examples/kv_server [-n REQUESTS] [-c CLIENTS]
#
# Each test (ping inline and multibulk, set, get, incr, mset) runs on its own, plain and pipelined (-P 16), so
# the CPU a server spent is attributed to one test. Run on an otherwise idle machine: the
# client, redis-benchmark, needs a core of its own.

import argparse
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from kv_server_util import need, start_kv, start_redis, stop_kv, stop_redis  # noqa: E402

TESTS = ["ping_inline", "ping_mbulk", "set", "get", "incr", "mset"]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def run(port, pid, test, n, clients, pipeline):
    before = cpu_seconds(pid)
    out = subprocess.run([need("redis-benchmark"), "-p", str(port), "-t", test, "-n", str(n),
                          "-c", str(clients), "-P", str(pipeline), "--csv"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    cpu = cpu_seconds(pid) - before
    for line in out.stdout.decode().splitlines()[1:]:
        cells = [c.strip('"') for c in line.split(",")]
        return float(cells[1]), cpu / n
    raise RuntimeError("no result for " + test)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kv_server")
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("-c", type=int, default=50)
    args = ap.parse_args()
    servers = []
    redis, rport = start_redis()
    servers.append(("redis-server", redis, rport))
    for w in ("1", "2"):
        proc, port = start_kv(args.kv_server, "--workers", w)
        servers.append(("kv_server -w" + w, proc, port))
    try:
        for pipeline in (1, 16):
            print("\n-n %d -c %d -P %d" % (args.n, args.c, pipeline))
            print("%-12s %-16s %12s %8s %12s %8s" % ("test", "server", "req/s", "ratio",
                                                     "cpu us/req", "ratio"))
            for test in TESTS:
                base = None
                for name, proc, port in servers:
                    rps, cpu = run(port, proc.pid, test, args.n, args.c, pipeline)
                    if base is None:
                        base = (rps, cpu)
                    print("%-12s %-16s %12.0f %8.2f %12.2f %8.2f" % (
                        test, name, rps, rps / base[0], cpu * 1e6,
                        cpu / base[1] if base[1] else float("nan")), flush=True)
    finally:
        for name, proc, _ in servers[1:]:
            stop_kv(proc)
        stop_redis(redis)


main()
