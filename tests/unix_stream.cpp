// SPDX-License-Identifier: MIT
// UnixStream: pairs, connecting by path and abstract name, EOF and errors.

#include "unix_util.hpp"

#include <pollux/net/unix_listener.hpp>
#include <pollux/net/unix_stream.hpp>

#include <array>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::Shutdown;
using pollux::net::SocketAddr;
using pollux::net::UnixListener;
using pollux::net::UnixStream;

TEST_CASE("a pair: writable, then readable with the other end's data") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(a, Token(1), Interest::readable | Interest::writable));
  REQUIRE(!poll.registry().add(b, Token(2), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  std::byte buf[16];
  a.read(buf, ec);
  CHECK(ec == std::errc::operation_would_block);

  CHECK(a.write(test::bytes("ping"), ec) == 4);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  auto [data, eof] = test::read_until_would_block(b);
  CHECK(data == "ping");
  CHECK(!eof);

  CHECK(a.local_addr(ec).is_unix_unnamed());
  CHECK(a.peer_addr(ec).is_unix_unnamed());
  CHECK(!ec);
}

TEST_CASE("peer shutdown(write) and peer drop are read_closed") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(a, Token(1), Interest::readable));
  SUBCASE("shutdown") {
    test::write_all(b, test::bytes("end"));
    REQUIRE(!b.shutdown(Shutdown::write));
  }
  SUBCASE("drop") {
    test::write_all(b, test::bytes("end"));
    b = UnixStream();
  }
  test::expect_events(poll, events, {{Token(1), test::kReadable | test::kReadClosed}});
  auto [data, eof] = test::read_until_would_block(a);
  CHECK(data == "end");
  CHECK(eof);
}

TEST_CASE("our own shutdown(read) after a readable event, nothing read, is readable and read_closed") {
  // The first event reported the data; the shutdown is a new condition (EOF after it),
  // which epoll reports at once, and so must the backends that emulate edges.
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(a, Token(1), Interest::readable));
  test::write_all(b, test::bytes("unread"));
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  for (const auto& e : events) CHECK(!e.is_read_closed());
  REQUIRE(!a.shutdown(Shutdown::read));
  test::expect_events(poll, events, {{Token(1), test::kReadable | test::kReadClosed}});
}

TEST_CASE("writes to a dropped peer fail with broken_pipe, without SIGPIPE, and are write_closed") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(a, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  b = UnixStream();
  test::expect_events(poll, events, {{Token(1), test::kWriteClosed}});
  CHECK(a.write(test::bytes("nobody"), ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
}

TEST_CASE("vectored I/O over a pair") {
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE(!ec);
  const std::array<std::span<const std::byte>, 2> out{test::bytes("abc"), test::bytes("defg")};
  CHECK(a.write_vectored(out, ec) == 7);
  REQUIRE(!ec);
  std::array<std::byte, 2> x{};
  std::array<std::byte, 8> y{};
  const std::array<std::span<std::byte>, 2> in{x, y};
  auto n = b.read_vectored(in, ec);
  REQUIRE(!ec);
  REQUIRE(n == 7);
  CHECK(test::text(x.data(), 2) == "ab");
  CHECK(test::text(y.data(), 5) == "cdefg");
}

TEST_CASE("a vectored write longer than IOV_MAX is a partial write, not an error") {
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE(!ec);
  const std::string one = "x";
  std::vector<std::span<const std::byte>> many(5000, test::bytes(one));
  auto n = a.write_vectored(many, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(n > 0);
  CHECK(n < many.size());
}

TEST_CASE("connecting to a listener by path and by abstract name") {
  test::TempDir dir;
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  SocketAddr addr;
  SUBCASE("path") { addr = dir.addr("stream.sock"); }
  SUBCASE("abstract") { addr = test::unique_abstract("stream"); }

  auto listener = UnixListener::bind(addr, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto client = UnixStream::connect(addr, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(client, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  CHECK(client.peer_addr(ec) == addr);
  CHECK(client.local_addr(ec).is_unix_unnamed());

  auto server = test::retry_blocking([&](std::error_code& e) { return listener.accept(e); });
  test::write_all(server, test::bytes("welcome"));
  REQUIRE(!poll.registry().modify(client, Token(1), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  CHECK(test::read_until_would_block(client).first == "welcome");
}

TEST_CASE("release and from_native") {
  std::error_code ec;
  auto [a, b] = UnixStream::pair(ec);
  REQUIRE(!ec);
  auto handle = a.release();
  auto adopted = UnixStream::from_native(handle, ec);
  REQUIRE(!ec);
  test::write_all(adopted, test::bytes("still here"));
  // clang 14 cannot capture a structured binding; an init-capture can.
  CHECK(test::retry_blocking([&b = b](std::error_code& e) {
          auto r = test::read_until_would_block(b);
          if (r.first.empty()) e = std::make_error_code(std::errc::operation_would_block);
          return r.first;
        }) == "still here");
}

TEST_CASE("bad input is answered with a clear error code") {
  test::TempDir dir;
  std::error_code ec;
  SUBCASE("a path that does not exist") {
    UnixStream::connect(dir.addr("missing.sock"), ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
  }
  SUBCASE("a path that is too long") {
    SocketAddr::unix_path(std::string(SocketAddr::kMaxUnixPath + 1, 'x'), ec);
    CHECK(ec == std::errc::filename_too_long);
    SocketAddr::unix_abstract(std::string(SocketAddr::kMaxUnixPath + 1, 'x'), ec);
    CHECK(ec == std::errc::filename_too_long);
  }
  SUBCASE("an empty path, or one with a NUL") {
    SocketAddr::unix_path("", ec);
    CHECK(ec == std::errc::invalid_argument);
    SocketAddr::unix_path(std::string_view("a\0b", 3), ec);
    CHECK(ec == std::errc::invalid_argument);
  }
  SUBCASE("an IP address") {
    UnixStream::connect(test::loopback_v4(80), ec);
    CHECK(ec == std::errc::address_family_not_supported);
  }
  SUBCASE("the unnamed address") {
    UnixStream::connect(SocketAddr::unix_unnamed(), ec);
    CHECK(ec == std::errc::address_family_not_supported);
  }
  SUBCASE("adopting a closed fd") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    ::close(fds[1]);
    UnixStream::from_native(fds[0], ec);
    CHECK(ec == std::errc::bad_file_descriptor);
  }
}
