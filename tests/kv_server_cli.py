# SPDX-License-Identifier: MIT
# kv_server driven by redis-cli: every supported command, redis-cli --pipe, expiry (lazy and
# by the expirer task), pub/sub with two subscribers, and SIGINT with connections open.
# Usage: kv_server_cli.py PATH_TO_KV_SERVER

import os
import signal
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kv_server_util import (Client, check, cli, encode, main_binary, need, start_kv, stop_kv,
                            wait_until)


def expect(port, args, want):
    got = cli(port, *args)
    check(got == want, "redis-cli %s: %r, want %r" % (" ".join(map(str, args)), got, want))


def commands(port):
    expect(port, ["PING"], "PONG\n")
    expect(port, ["PING", "hi"], "hi\n")
    expect(port, ["ECHO", "hello world"], "hello world\n")
    expect(port, ["SET", "k", "v"], "OK\n")
    expect(port, ["GET", "k"], "v\n")
    expect(port, ["GET", "missing"], "\n")
    expect(port, ["SET", "k", "w", "NX"], "\n")
    expect(port, ["SET", "k", "w", "XX"], "OK\n")
    expect(port, ["SET", "other", "w", "XX"], "\n")
    expect(port, ["SET", "new", "n", "NX"], "OK\n")
    expect(port, ["EXISTS", "k", "new", "nope", "k"], "3\n")
    expect(port, ["DEL", "new", "nope"], "1\n")
    expect(port, ["INCR", "n"], "1\n")
    expect(port, ["INCR", "n"], "2\n")
    expect(port, ["DECR", "n"], "1\n")
    expect(port, ["DECR", "m"], "-1\n")
    expect(port, ["INCR", "k"], "ERR value is not an integer or out of range\n\n")
    expect(port, ["SET", "e", "1", "EX", "1000"], "OK\n")
    ttl = int(cli(port, "TTL", "e"))
    check(0 < ttl <= 1000, "TTL after EX 1000: %d" % ttl)
    expect(port, ["TTL", "k"], "-1\n")
    expect(port, ["TTL", "nope"], "-2\n")
    expect(port, ["EXPIRE", "k", "500"], "1\n")
    check(0 < int(cli(port, "TTL", "k")) <= 500, "TTL after EXPIRE 500")
    expect(port, ["EXPIRE", "nope", "5"], "0\n")
    expect(port, ["SET", "k", "v2"], "OK\n")
    expect(port, ["TTL", "k"], "-1\n")  # SET clears the expiry
    expect(port, ["MSET", "a1", "x", "a2", "y", "b1", "z"], "OK\n")
    expect(port, ["MGET", "a1", "nope", "b1"], "x\n\nz\n")
    keys = sorted(cli(port, "KEYS", "a?").split())
    check(keys == ["a1", "a2"], "KEYS a?: %r" % keys)
    keys = sorted(cli(port, "KEYS", "[ab]1").split())
    check(keys == ["a1", "b1"], "KEYS [ab]1: %r" % keys)
    expect(port, ["KEYS", "zz*"], "\n")
    expect(port, ["DBSIZE"], "7\n")
    expect(port, ["CONFIG", "GET", "save"], "save\n\n")
    expect(port, ["CONFIG", "GET", "appendonly"], "appendonly\nno\n")
    expect(port, ["FOO", "bar"], "ERR unknown command 'FOO', with args beginning with: 'bar' \n\n")
    expect(port, ["GET"], "ERR wrong number of arguments for 'get' command\n\n")
    expect(port, ["PUBLISH", "nobody", "x"], "0\n")
    expect(port, ["FLUSHDB"], "OK\n")
    expect(port, ["DBSIZE"], "0\n")
    with Client(port) as c:
        check(c.call("QUIT") == b"+OK\r\n", "QUIT reply")
        check(c.read_to_eof() == b"", "QUIT closes the connection")


def pipe(port):
    n = 20000
    script = b"".join(encode("SET", "p:%d" % i, "v%d" % i) for i in range(n))
    script += b"".join(encode("INCR", "pipe-counter") for _ in range(n))
    out = cli(port, "--pipe", stdin=script)
    check("errors: 0, replies: %d" % (2 * n) in out, "redis-cli --pipe: %r" % out)
    expect(port, ["GET", "p:12345"], "v12345\n")
    expect(port, ["GET", "pipe-counter"], "%d\n" % n)
    expect(port, ["FLUSHDB"], "OK\n")


def expiry(port):
    # Lazy: GET of a key past its deadline.
    expect(port, ["SET", "short", "v", "PX", "30"], "OK\n")
    wait_until(lambda: cli(port, "GET", "short") == "\n", "GET of an expired key")
    expect(port, ["TTL", "short"], "-2\n")
    # The expirer: DBSIZE reads no key, so only the timer task can bring it to 0.
    for i in range(100):
        expect(port, ["SET", "t:%d" % i, "v", "PX", str(20 + i)], "OK\n")
    expect(port, ["SET", "keep", "v"], "OK\n")
    wait_until(lambda: cli(port, "DBSIZE") == "1\n", "the expirer to remove 100 keys")
    # A later, earlier deadline wakes the expirer that sleeps towards a far one.
    expect(port, ["SET", "far", "v", "EX", "100000"], "OK\n")
    expect(port, ["SET", "near", "v", "PX", "20"], "OK\n")
    wait_until(lambda: cli(port, "DBSIZE") == "2\n", "the expirer to re-arm for 'near'")
    expect(port, ["EXPIRE", "far", "0"], "1\n")  # a deadline in the past deletes
    expect(port, ["FLUSHDB"], "OK\n")


def pubsub(port):
    redis_cli = need("redis-cli")
    subs = [subprocess.Popen([redis_cli, "-p", str(port), "SUBSCRIBE", "news", "other"],
                             stdout=subprocess.PIPE) for _ in range(2)]
    for s in subs:
        got = [s.stdout.readline().decode().strip() for _ in range(6)]
        check(got == ["subscribe", "news", "1", "subscribe", "other", "2"], "subscribe: %r" % got)
    expect(port, ["PUBLISH", "news", "hello"], "2\n")
    expect(port, ["PUBLISH", "other", "world"], "2\n")
    expect(port, ["PUBLISH", "elsewhere", "x"], "0\n")
    for s in subs:
        got = [s.stdout.readline().decode().strip() for _ in range(6)]
        check(got == ["message", "news", "hello", "message", "other", "world"],
              "messages: %r" % got)
        s.kill()
        s.wait()
    wait_until(lambda: cli(port, "PUBLISH", "news", "x") == "0\n", "subscribers to leave")
    # Subscriber mode: only (UN)SUBSCRIBE, PING and QUIT; UNSUBSCRIBE leaves it.
    with Client(port) as c:
        check(c.call("SUBSCRIBE", "a") == b"*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", "sub")
        check(c.call("GET", "x").startswith(b"-ERR Can't execute 'get'"), "GET in sub mode")
        check(c.call("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n", "PING in sub mode")
        check(c.call("UNSUBSCRIBE") == b"*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n", "unsub")
        check(c.call("GET", "x") == b"$-1\r\n", "GET after UNSUBSCRIBE")


def shutdown_with_open_connections(binary, *args):
    proc, port = start_kv(binary, *args)
    # With 2 workers, connections go to the threads in turn: some on each.
    idle = [Client(port) for _ in range(2)]
    busy = [Client(port) for _ in range(2)]
    for c in busy:
        check(c.call("SUBSCRIBE", "c").startswith(b"*3"), "subscribe before SIGINT")
    stop_kv(proc, signal.SIGINT)
    for c in idle + busy:
        check(c.read_to_eof() == b"", "connections closed")


def main():
    binary = main_binary()
    # One thread; two with connections pinned to each; two stealing each other's work.
    for args in (["--workers", "1"], ["--workers", "2"], ["--workers", "2", "--work-stealing"]):
        proc, port = start_kv(binary, *args)
        commands(port)
        pipe(port)
        expiry(port)
        pubsub(port)
        stop_kv(proc)
    shutdown_with_open_connections(binary)
    shutdown_with_open_connections(binary, "--workers", "2")
    print("ok")


main()
