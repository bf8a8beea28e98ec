#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# redis-benchmark against examples/kv_server (1 and 2 workers) and a real redis-server:
# requests per second and the server's CPU time per request, each as a ratio to
# redis-server's, made robust against a machine that other work shares.
#
#   bench/kv_server.py BUILD_DIR/examples/kv_server [-n REQUESTS] [-c CLIENTS] [--reps R]
#                      [--tests set,get,...] [--pipelines 1,16] [--stealing] [--no-pin]
#                      [--before OLD_KV_SERVER]
#
# --stealing adds kv_server -w2 --work-stealing; --before adds another build's -w1 and
# -w2 (say, the commit before a change), measured in the same interleaved rounds.
#
# How it copes with a loaded machine:
# - Interleaved: every server is started once, then each repetition runs each test against
#   each server in turn (redis, w1, w2, redis, w1, w2, ...; the order rotates from one
#   repetition to the next), so a burst of outside load falls on all of them alike. The
#   ratio is taken within a repetition (to the redis run just beside it) and the median
#   over repetitions is reported, with the lowest and highest.
# - Pinned (unless --no-pin, or on a machine with fewer than 2 CPUs): redis-benchmark runs
#   on CPU 0; redis-server and kv_server -w1 (one thread each) on CPU 1, so client and
#   server never take each other's core. kv_server -w2 may use both CPUs (two workers on
#   one core would measure nothing), so it shares CPU 0 with the client: on a 2-CPU
#   machine that is the whole point of the 2-worker question.
# - CPU per request is the server's on-CPU time summed over its threads, from
#   /proc/PID/task/*/schedstat (nanoseconds, not 10 ms ticks), divided by the requests.
#   It is steadier than requests per second: outside load delays a server more than it
#   makes it work more. The last column is redis-benchmark's own CPU time per request
#   (user+system, from getrusage): what the client needs of the two cores.
# Each test runs on its own, so the CPU a server spent is attributed to one test. The load
# average is printed at the start and the end.

import argparse
import os
import resource
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from kv_server_util import need, start_kv, start_redis, stop_kv, stop_redis  # noqa: E402

TESTS = ["ping_inline", "ping_mbulk", "set", "get", "incr", "mset"]


def cpu_ns(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that just ended
    return total


def pin(pid, cpus):
    for tid in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(tid), cpus)


def run(client_cpus, port, pid, test, n, clients, pipeline):
    cmd = [need("redis-benchmark"), "-p", str(port), "-t", test, "-n", str(n), "-c",
           str(clients), "-P", str(pipeline), "--csv"]
    if client_cpus:
        cmd = ["taskset", "-c", ",".join(map(str, sorted(client_cpus)))] + cmd
    before = cpu_ns(pid)
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    cpu = cpu_ns(pid) - before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after.ru_utime + after.ru_stime - child.ru_utime - child.ru_stime) / n * 1e6
    for line in out.stdout.decode().splitlines()[1:]:
        cells = [c.strip('"') for c in line.split(",")]
        return float(cells[1]), cpu / 1e3 / n, client  # req/s, us per request (server, client)
    raise RuntimeError("no result for " + test)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kv_server")
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--tests", default=",".join(TESTS))
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--stealing", action="store_true",
                    help="also kv_server -w2 --work-stealing (one multi-thread runtime)")
    ap.add_argument("--no-pin", action="store_true")
    ap.add_argument("--before", help="another kv_server binary, run as 'before -w1/-w2'")
    args = ap.parse_args()
    tests = args.tests.split(",")
    pipelines = [int(p) for p in args.pipelines.split(",")]
    pinned = not args.no_pin and len(os.sched_getaffinity(0)) >= 2
    client_cpus, server_cpus, all_cpus = set(), set(), os.sched_getaffinity(0)
    if pinned:
        first, second = sorted(all_cpus)[:2]
        client_cpus, server_cpus = {first}, {second}

    servers = []  # (name, process, port)
    redis, rport = start_redis()
    servers.append(("redis-server", redis, rport))
    variants = [("kv_server -w1", args.kv_server, ["--workers", "1"]),
                ("kv_server -w2", args.kv_server, ["--workers", "2"])]
    if args.stealing:
        variants.append(("kv -w2 stealing", args.kv_server,
                         ["--workers", "2", "--work-stealing"]))
    if args.before:
        variants += [("before -w1", args.before, ["--workers", "1"]),
                     ("before -w2", args.before, ["--workers", "2"])]
    for name, binary, extra in variants:
        proc, port = start_kv(binary, *extra)
        servers.append((name, proc, port))
    if pinned:
        for name, proc, _ in servers:
            pin(proc.pid, server_cpus if "-w1" in name or name == "redis-server" else all_cpus)

    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    print("pinned: %s" % ("client on CPU %s, redis-server and -w1 on CPU %s, -w2 on CPUs %s" % (
        sorted(client_cpus), sorted(server_cpus), sorted(all_cpus)) if pinned else "no"))
    # results[(pipeline, test, server name)] = [(rps, cpu), ...], one per repetition
    results = {}
    try:
        for rep in range(args.reps):
            order = servers[rep % len(servers):] + servers[:rep % len(servers)]
            for pipeline in pipelines:
                for test in tests:
                    for name, proc, port in order:
                        r = run(client_cpus, port, proc.pid, test, args.n, args.c, pipeline)
                        results.setdefault((pipeline, test, name), []).append(r)
            print("repetition %d/%d done, load average %.2f" % (rep + 1, args.reps,
                                                                os.getloadavg()[0]),
                  file=sys.stderr, flush=True)
    finally:
        for name, proc, _ in servers[1:]:
            stop_kv(proc)
        stop_redis(redis)

    def spread(xs):
        return "%.2f %.2f-%.2f" % (statistics.median(xs), min(xs), max(xs))

    for pipeline in pipelines:
        print("\n-n %d -c %d -P %d, %d repetitions: medians (ratio: median, lowest-highest)" % (
            args.n, args.c, pipeline, args.reps))
        print("%-12s %-16s %9s %-16s %8s %-16s %8s" % ("test", "server", "req/s", "ratio",
                                                        "us/req", "ratio", "client"))
        for test in tests:
            base = results[(pipeline, test, "redis-server")]
            for name, _, _ in servers:
                rs = results[(pipeline, test, name)]
                rps_ratio = [r[0] / b[0] for r, b in zip(rs, base)]
                cpu_ratio = [r[1] / b[1] for r, b in zip(rs, base)]
                print("%-12s %-16s %9.0f %-16s %8.2f %-16s %8.2f" % (
                    test, name, statistics.median(r[0] for r in rs), spread(rps_ratio),
                    statistics.median(r[1] for r in rs), spread(cpu_ratio),
                    statistics.median(r[2] for r in rs)), flush=True)
    print("\nload average at end: %.2f %.2f %.2f" % os.getloadavg())


main()
