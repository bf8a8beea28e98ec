// SPDX-License-Identifier: MIT
// Events that only a Unix test can provoke (TCP urgent data as priority, MSG_OOB), and
// what Unix kernels promise beyond the portable suites: a FIN behind unread data is
// read_closed at once, a read after RST fails with connection_reset, and take_error
// clears what it returns (Winsock keeps SO_ERROR; Wine does too).

#include "net_util.hpp"

#include <sys/socket.h>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::Shutdown;
using pollux::net::TcpStream;

TEST_CASE("urgent (out-of-band) TCP data is a priority event") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.server, Token(1), Interest::priority));
  test::expect_no_events(poll, events);
  const char urgent = '!';
  REQUIRE(::send(p.client.native_handle(), &urgent, 1, MSG_OOB | MSG_NOSIGNAL) == 1);
  test::expect_events(poll, events, {{Token(1), test::kPriority}});
  char got = 0;
  REQUIRE(::recv(p.server.native_handle(), &got, 1, MSG_OOB) == 1);
  CHECK(got == '!');
}

TEST_CASE("priority interest alone does not report ordinary data") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.server, Token(1), Interest::priority));
  test::write_all(p.client, test::bytes("ordinary"));
  auto flags = test::collect_flags(poll, events, Token(1), 200ms);
  CHECK((flags & test::kPriority) == 0);
  CHECK((flags & test::kReadable) == 0);
}

TEST_CASE("a FIN behind unread data is read_closed at once") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  test::write_all(p.server, test::bytes("last words"));
  REQUIRE(!p.server.shutdown(Shutdown::write));
  auto flags = test::collect_flags(poll, events, Token(1), 200ms);
  CHECK((flags & test::kReadable) != 0);
  CHECK((flags & test::kReadClosed) != 0);
  CHECK((flags & test::kWriteClosed) == 0);
  auto [data, eof] = test::read_until_would_block(p.client);
  CHECK(data == "last words");
  CHECK(eof);
}

TEST_CASE("a read after the peer's RST fails with connection_reset") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  REQUIRE(!p.server.set_linger(std::chrono::seconds(0)));
  p.server = TcpStream();
  test::expect_events(poll, events, {{Token(1), test::kReadClosed}});
  std::error_code ec;
  std::byte buf[16];
  CHECK(p.client.read(buf, ec) == 0);
  CHECK(ec == std::errc::connection_reset);
}

TEST_CASE("take_error clears the error it returns") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  pollux::net::SocketAddr closed;
  {
    auto listener = pollux::net::TcpListener::bind(test::loopback_v4(), ec);
    REQUIRE(!ec);
    closed = listener.local_addr(ec);
  }
  auto stream = TcpStream::connect(closed, ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(stream, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  CHECK(stream.take_error(ec) == std::errc::connection_refused);
  CHECK(!ec);
  CHECK(!stream.take_error(ec));
  CHECK(!ec);
}
