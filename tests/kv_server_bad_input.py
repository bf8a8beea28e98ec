# SPDX-License-Identifier: MIT
# kv_server under bad input: truncated requests, absurd lengths, non-RESP lines, a request
# over the size limit, 1,000 clients that send nothing, the connection limit, and a
# subscriber that never reads while 100 MB is published. After each, the server must still
# serve other clients, and its memory must stay bounded.
# Usage: kv_server_bad_input.py PATH_TO_KV_SERVER

import os
import signal
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kv_server_util import (Client, check, encode, main_binary, raise_fd_limit, start_kv,
                            status_kb, stop_kv)

MIB = 1 << 20


def serves(port):
    with Client(port) as c:
        check(c.call("PING") == b"+PONG\r\n", "another client is still served")


def refused(port, data, error):
    """Sends `data` (and nothing more) and expects `error` then the connection closed."""
    with Client(port) as c:
        c.send(data)
        got = c.read_to_eof()
        check(got == error, "%r...: got %r, want %r" % (data[:40], got, error))


def truncated(port):
    # The peer goes away halfway through a request: nothing runs, nothing is answered.
    for cut in (b"*3\r\n$3\r\nSET\r\n$1\r\nk", b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nab",
                b"*3\r\n$3", b"*3", b"SET k v"):
        with Client(port) as c:
            c.send(cut)
            c.sock.shutdown(socket.SHUT_WR)
            got = c.read_to_eof()
            check(got == b"", "truncated %r: got %r" % (cut, got))
    with Client(port) as c:
        check(c.call("EXISTS", "k") == b":0\r\n", "a truncated SET ran")


def bad_lengths(proc, port):
    before = status_kb(proc.pid, "VmHWM")
    bulk = b"-ERR Protocol error: invalid bulk length\r\n"
    refused(port, b"*1\r\n$1099511627776\r\n", bulk)              # 2^40, refused at once
    refused(port, b"*2\r\n$3\r\nSET\r\n$%d\r\n" % (100 * MIB), bulk)  # above the 64 MiB limit
    refused(port, b"*1\r\n$-5\r\n", bulk)
    refused(port, b"*1\r\n$12x\r\n", bulk)
    refused(port, b"*1\r\n$99999999999999999999999\r\n", bulk)
    mbulk = b"-ERR Protocol error: invalid multibulk length\r\n"
    refused(port, b"*1099511627776\r\n", mbulk)
    refused(port, b"*1x\r\n", mbulk)
    refused(port, b"*" + b"9" * 100, mbulk)  # a header that never ends
    # Nothing was buffered for the lengths announced.
    grew = status_kb(proc.pid, "VmHWM") - before
    check(grew < 32 * 1024, "peak RSS grew by %d KiB for refused lengths" % grew)
    # A large request within the limit works, and its buffer goes again.
    value = os.urandom(8 * MIB)
    with Client(port) as c:
        check(c.call("SET", "big", value) == b"+OK\r\n", "SET of 8 MiB")
        check(c.call("GET", "big") == b"$%d\r\n%s\r\n" % (len(value), value), "GET of 8 MiB")
        check(c.call("DEL", "big") == b":1\r\n", "DEL big")
    serves(port)


def not_resp(port):
    # Inline commands are accepted, as redis does; a line that starts like another RESP
    # type (a bulk, integer, status or error header without an array) is refused.
    refused(port, b"$5\r\nhello\r\n", b"-ERR Protocol error: expected '*', got '$'\r\n")
    refused(port, b":1\r\n", b"-ERR Protocol error: expected '*', got ':'\r\n")
    refused(port, b"*2\r\n$4\r\nECHO\r\n:1\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n")
    refused(port, b"*1\r\n$4\r\nPINGxx", b"-ERR Protocol error: bulk string not followed by CRLF\r\n")
    refused(port, b"x" * (128 << 10), b"-ERR Protocol error: too big inline request\r\n")
    with Client(port) as c:
        c.send(b"hello there\r\n")
        check(c.reply().startswith(b"-ERR unknown command 'hello'"), "inline garbage")
        check(c.call("PING") == b"+PONG\r\n", "the connection stays after an unknown command")
    serves(port)


def idle_clients(port):
    raise_fd_limit(4096)
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
    serves(port)
    with Client(port) as c:
        check(c.call("SET", "after", "idle") == b"+OK\r\n", "SET beside 1000 idle clients")
    for s in idle:
        s.close()
    serves(port)


def connection_limit(binary, *args):
    # With 2 workers the two served connections are on different threads: the permit a
    # connection gives back wakes the accept loop from another thread.
    proc, port = start_kv(binary, "--max-connections", "2", *args)
    a, b = Client(port), Client(port)
    check(a.call("PING") == b"+PONG\r\n" and b.call("PING") == b"+PONG\r\n", "two served")
    third = Client(port)  # accepted by the kernel's backlog, not by the server
    third.send(encode("PING"))
    third.sock.settimeout(0.5)
    try:
        got = third.sock.recv(100)
        check(False, "a third connection was served past --max-connections 2: %r" % got)
    except socket.timeout:
        pass
    third.sock.settimeout(None)
    a.sock.close()
    check(third.reply() == b"+PONG\r\n", "the third is served once one left")
    stop_kv(proc)


def slow_subscriber(proc, port):
    slow = socket.create_connection(("127.0.0.1", port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
    slow.sendall(encode("SUBSCRIBE", "flood"))
    with Client(port) as pub:
        # Wait until the subscription counts (it is on another connection).
        while pub.call("PUBLISH", "flood", "x") != b":1\r\n":
            pass
        before = status_kb(proc.pid, "VmRSS")
        payload = b"p" * (64 << 10)
        total = 0
        while total < 100 * MIB:
            # 16 pipelined PUBLISH per round trip.
            pub.send(encode("PUBLISH", "flood", payload) * 16)
            for _ in range(16):
                # 0 once the server has dropped the subscriber for lagging (it may, at any
                # point: its task can find the ring moved past it before its socket fills).
                got = pub.reply()
                check(got in (b":1\r\n", b":0\r\n"), "PUBLISH to the slow subscriber: %r" % got)
            total += 16 * len(payload)
            peak = status_kb(proc.pid, "VmRSS")
            if total % (16 * MIB) == 0:
                print("RSS growth %d KiB after %d MiB" % (peak - before, total // MIB))
            check(peak - before < 64 * 1024,
                  "RSS grew by %d KiB after %d MiB published" % (peak - before, total // MIB))
    serves(port)
    # It lagged, so the server dropped it: what it reads ends, well short of 100 MB.
    got = 0
    slow.settimeout(120)
    while True:
        d = slow.recv(1 << 16)
        if not d:
            break
        got += len(d)
    check(got < 50 * MIB, "the slow subscriber got %d bytes" % got)
    slow.close()
    serves(port)


def main():
    binary = main_binary()
    raise_fd_limit(4096)
    proc, port = start_kv(binary, "--workers", "2")
    truncated(port)
    bad_lengths(proc, port)
    not_resp(port)
    idle_clients(port)
    slow_subscriber(proc, port)
    # SIGTERM with connections open: exit 0, connections closed.
    open_conns = [Client(port) for _ in range(3)]
    open_conns[0].send(b"*2\r\n$3\r\nGET")  # one in the middle of a request
    stop_kv(proc, signal.SIGTERM)
    for c in open_conns:
        check(c.read_to_eof() == b"", "connection closed at SIGTERM")
    connection_limit(binary)
    connection_limit(binary, "--workers", "2")
    print("ok")


main()
