// SPDX-License-Identifier: MIT
// ready()/readable()/writable() and try_io() on pollux-exec's own I/O types: I/O the
// caller does itself on the type's registration, with the readiness rule of AsyncFd
// (would-block forgets the readiness it was tried under). On every backend the exec
// suite runs on (epoll, poll(2), IOCP), in both scheduler flavours.

#include "exec_task_check.hpp"
#include "exec_tcp_pair.hpp"
#include "exec_util.hpp"
#include "net_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/tcp_listener.hpp>
#include <pollux/exec/tcp_stream.hpp>
#include <pollux/would_block.hpp>

#include <array>
#include <string>
#include <utility>

using namespace pollux;
using namespace pollux::exec;

namespace {

// A read of the caller's own, through the pollux stream behind the exec one.
IoResult<std::size_t> own_read(exec::TcpStream& s, std::span<std::byte> buf, int& calls) {
  ++calls;
  IoResult<std::size_t> r;
  r.value = s.get().read(buf, r.error);
  return r;
}

// Sends `text` from `a`, waits until `b` is readable, reads with b.try_io(read) into `buf`
// and checks that it read `text`.
template <class F>
Task<void> send_then_try_read(exec::TcpStream& a, exec::TcpStream& b, std::string text,
                              std::span<std::byte> buf, F& read) {
  TASK_REQUIRE(!co_await a.write_all(test::bytes(text)));
  auto [ec, ready] = co_await b.readable();
  TASK_REQUIRE_MESSAGE(!ec, ec.message());
  TASK_CHECK(ready.is_readable());
  auto got = b.try_io(Interest::readable, read);
  TASK_REQUIRE_MESSAGE(!got.error, got.error.message());
  TASK_CHECK(test::text(std::span<const std::byte>(buf.data(), got.value)) == text);
}

}  // namespace

TEST_CASE("try_io: called only when ready; its would-block forgets the readiness") {
  test::each_flavor([]() -> Task<void> {
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    auto pair = co_await test::exec_tcp_pair();
    exec::TcpStream& a = pair.first;
    exec::TcpStream& b = pair.second;
    std::array<std::byte, 64> buf;
    int calls = 0;
    auto read = [&] { return own_read(b, buf, calls); };

    // Nothing sent yet: not readable, and the function is not called.
    auto early = b.try_io(Interest::readable, read);
    TASK_CHECK(is_would_block(early.error));
    TASK_CHECK(calls == 0);

    co_await send_then_try_read(a, b, "hello", buf, read);

    // Drained: the next call meets would-block, which clears the readiness...
    auto drained = b.try_io(Interest::readable, read);
    TASK_CHECK(is_would_block(drained.error));
    TASK_CHECK(calls == 2);
    // ...so the one after does not call the function at all.
    auto cleared = b.try_io(Interest::readable, read);
    TASK_CHECK(is_would_block(cleared.error));
    TASK_CHECK(calls == 2);

    // A new edge comes with new data, on every backend (poll(2) and IOCP re-armed).
    co_await send_then_try_read(a, b, "more", buf, read);
  });
}

TEST_CASE("try_io: a function that takes an IoAttempt forgets the readiness after a short read") {
  test::each_flavor([]() -> Task<void> {
    auto pair = co_await test::exec_tcp_pair();
    exec::TcpStream& a = pair.first;
    exec::TcpStream& b = pair.second;
    std::array<std::byte, 64> buf;
    int calls = 0;
    bool saw_readable = false;
    // A read that returns less than it asked for emptied the socket: say so.
    auto read_all_there_is = [&](exec::IoAttempt& at) {
      saw_readable = at.ready().is_readable();
      auto r = own_read(b, buf, calls);
      if (!r.error && r.value > 0 && r.value < buf.size()) at.clear_ready();
      return r;
    };
    auto read = [&] { return own_read(b, buf, calls); };

    co_await send_then_try_read(a, b, "hello", buf, read_all_there_is);
    TASK_CHECK(saw_readable);
    // Cleared without meeting would-block: the next call does not call the function.
    auto cleared = b.try_io(Interest::readable, read);
    TASK_CHECK(is_would_block(cleared.error));
    TASK_CHECK(calls == 1);

    // New data is a new edge, on every backend (poll(2) and IOCP re-armed by the clear).
    co_await send_then_try_read(a, b, "more", buf, read_all_there_is);
    TASK_CHECK(calls == 2);
  });
}

TEST_CASE("try_io: writable, and a function that returns a bare error_code") {
  test::each_flavor([]() -> Task<void> {
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    auto pair = co_await test::exec_tcp_pair();
    exec::TcpStream& a = pair.first;
    exec::TcpStream& b = pair.second;
    auto [wec, ready] = co_await a.writable();
    TASK_REQUIRE_MESSAGE(!wec, wec.message());
    TASK_CHECK(ready.is_writable());
    std::size_t sent = 0;
    const std::error_code ec = a.try_io(Interest::writable, [&] {
      std::error_code e;
      sent = a.get().write(test::bytes("ping"), e);
      return e;
    });
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    TASK_CHECK(sent == 4);
    std::array<std::byte, 16> buf;
    auto [rec, n] = co_await b.read(buf);
    TASK_REQUIRE(!rec);
    TASK_CHECK(test::text(std::span<const std::byte>(buf.data(), n)) == "ping");
  });
}

TEST_CASE("ready and try_io: bad input is an error code") {
  test::each_flavor([]() -> Task<void> {
    auto [a, b] = co_await test::exec_tcp_pair();
    // Registered for reading and writing only.
    auto [pec, ready] = co_await a.ready(Interest::priority);
    TASK_CHECK(pec == std::errc::invalid_argument);
    TASK_CHECK(ready.is_empty());
    int calls = 0;
    const std::error_code tec = a.try_io(Interest::priority, [&] {
      ++calls;
      return std::error_code{};
    });
    TASK_CHECK(tec == std::errc::invalid_argument);
    TASK_CHECK(calls == 0);
    // An empty (default-made) stream is registered nowhere.
    exec::TcpStream none;
    auto [nec, nready] = co_await none.readable();
    TASK_CHECK(nec == std::errc::bad_file_descriptor);
    const std::error_code none_ec = none.try_io(Interest::readable, [&] {
      ++calls;
      return std::error_code{};
    });
    TASK_CHECK(none_ec == std::errc::bad_file_descriptor);
    TASK_CHECK(calls == 0);
  });
}
