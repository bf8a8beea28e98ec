// SPDX-License-Identifier: MIT
// Which flags each event carries, per interest, over sockets; Events capacity.

#include "net_util.hpp"

#include <set>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::Shutdown;
using pollux::net::TcpStream;
using pollux::net::UdpSocket;

TEST_CASE("writable interest alone: writable events, never readable ones") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::writable));
  test::write_all(p.server, test::bytes("data the client did not ask to hear about"));
  auto flags = test::collect_flags(poll, events, Token(1), 200ms);
  CHECK((flags & test::kWritable) != 0);
  CHECK((flags & test::kReadable) == 0);
}

TEST_CASE("readable interest alone: readable events, never writable ones") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  test::write_all(p.server, test::bytes("hello"));
  auto flags = test::collect_flags(poll, events, Token(1), 200ms);
  CHECK((flags & test::kReadable) != 0);
  CHECK((flags & test::kWritable) == 0);
  CHECK((flags & test::kReadClosed) == 0);
  CHECK((flags & test::kWriteClosed) == 0);
}

TEST_CASE("peer shutdown: readable with read_closed, not write_closed") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  REQUIRE(!p.server.shutdown(Shutdown::write));
  auto flags = test::collect_flags(poll, events, Token(1), 200ms);
  CHECK((flags & test::kReadable) != 0);
  CHECK((flags & test::kReadClosed) != 0);
  CHECK((flags & test::kWriteClosed) == 0);
  CHECK((flags & test::kError) == 0);
}

TEST_CASE("both directions shut down: read_closed and write_closed") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable | Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  REQUIRE(!p.client.shutdown(Shutdown::both));
  test::expect_events(poll, events, {{Token(1), test::kReadClosed | test::kWriteClosed}});
}

TEST_CASE("our own shutdown(read) after a readable event, nothing read, is readable and read_closed") {
  // The first event reported the data; the shutdown is a new condition (EOF after it).
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  test::write_all(p.server, test::bytes("unread"));
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  REQUIRE(!p.client.shutdown(Shutdown::read));
  test::expect_events(poll, events, {{Token(1), test::kReadable | test::kReadClosed}});
}

TEST_CASE("a readable datagram socket is readable, once per edge") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto receiver = UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto sender = UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(receiver, Token(4), Interest::readable));
  auto to = receiver.local_addr(ec);
  test::retry_blocking([&](std::error_code& e) { return sender.send_to(test::bytes("one"), to, e); });
  test::expect_events(poll, events, {{Token(4), test::kReadable}});
  // Not drained yet, but the edge was reported: no repeat.
  test::expect_no_events(poll, events);
  std::byte buf[16];
  pollux::net::SocketAddr from;
  receiver.recv_from(buf, from, ec);
  REQUIRE(!ec);
  receiver.recv_from(buf, from, ec);
  REQUIRE(ec == std::errc::operation_would_block);
  test::retry_blocking([&](std::error_code& e) { return sender.send_to(test::bytes("two"), to, e); });
  test::expect_events(poll, events, {{Token(4), test::kReadable}});
}

TEST_CASE("more ready sockets than Events capacity: the rest come with the next polls") {
  auto poll = test::init_with_poll();
  constexpr std::size_t kSockets = 10;
  std::error_code ec;
  std::vector<UdpSocket> sockets;
  for (std::size_t i = 0; i < kSockets; ++i) {
    sockets.push_back(UdpSocket::bind(test::loopback_v4(), ec));
    REQUIRE(!ec);
    REQUIRE(!poll.registry().add(sockets.back(), Token(i), Interest::writable));
  }
  Events events(3);
  std::set<std::size_t> seen;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (seen.size() < kSockets && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 100ms));
    CHECK(events.size() <= 3);
    for (const auto& e : events) {
      CHECK(e.is_writable());
      seen.insert(e.token().value());
    }
  }
  CHECK(seen.size() == kSockets);
}

TEST_CASE("an Event made by hand reports exactly its flags") {
  pollux::Event e(Token(3), pollux::Event::kReadable | pollux::Event::kReadClosed);
  CHECK(e.token() == Token(3));
  CHECK(e.is_readable());
  CHECK(e.is_read_closed());
  CHECK(!e.is_writable());
  CHECK(!e.is_write_closed());
  CHECK(!e.is_error());
  CHECK(!e.is_priority());
}

TEST_CASE("every combination of flags survives an Event made by hand") {
  // On epoll an Event is the kernel's record; one made from flags must not be decoded
  // as if the kernel had written it.
  constexpr std::uint32_t kAll = (1u << 7) - 1;
  for (std::uint32_t flags = 0; flags <= kAll; ++flags) {
    pollux::Event e(Token(SIZE_MAX - flags), flags);
    CHECK(e.token() == Token(SIZE_MAX - flags));
    CHECK(e.flags() == flags);
    CHECK(e.is_readable() == ((flags & pollux::Event::kReadable) != 0));
    CHECK(e.is_write_closed() == ((flags & pollux::Event::kWriteClosed) != 0));
    CHECK(e.is_completion() == ((flags & pollux::Event::kCompletion) != 0));
  }
  CHECK(pollux::Event().flags() == 0);
}

TEST_CASE("Events above the ceiling are clamped to it, and every backend's poll takes the ceiling") {
  // What one poll can usefully report is bounded; a capacity beyond that is a mistake
  // that must neither crash nor reserve gigabytes (SIZE_MAX used to ask for 25 GB).
  static_assert(Events::kMaxCapacity >= 1024);
  CHECK(Events::kMaxCapacity <= (std::size_t{1} << 20));
  Events huge(SIZE_MAX);
  CHECK(huge.capacity() == Events::kMaxCapacity);
  Events large(100'000'000);
  CHECK(large.capacity() == Events::kMaxCapacity);
  auto poll = test::init_with_poll();
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::writable));
  test::expect_events(poll, huge, {{Token(1), test::kWritable}});
  CHECK(huge.size() == 1);
}

TEST_CASE("Events::with_capacity answers a capacity out of range with an error code") {
  std::error_code ec;
  auto too_large = Events::with_capacity(SIZE_MAX, ec);
  CHECK(ec == std::errc::value_too_large);
  CHECK(too_large.capacity() == 0);
  (void)Events::with_capacity(Events::kMaxCapacity + 1, ec);
  CHECK(ec == std::errc::value_too_large);
  auto zero = Events::with_capacity(0, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(zero.capacity() == 0);
  auto largest = Events::with_capacity(Events::kMaxCapacity, ec);
  REQUIRE(!ec);
  CHECK(largest.capacity() == Events::kMaxCapacity);
  auto small = Events::with_capacity(4, ec);
  REQUIRE(!ec);
  CHECK(small.capacity() == 4);
  auto poll = test::init_with_poll();
  REQUIRE(!poll.poll(largest, std::chrono::nanoseconds(0)));
  CHECK(largest.empty());
}

TEST_CASE("a moved-from Events is empty with no capacity: iterable, and poll refuses it") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  REQUIRE(!events.empty());
  Events taken(std::move(events));
  CHECK(taken.size() == 1);
  // NOLINTBEGIN(bugprone-use-after-move): what a moved-from Events does is the point.
  CHECK(events.capacity() == 0);
  CHECK(events.empty());
  CHECK(events.begin() == events.end());
  CHECK(poll.poll(events, 0ms) == std::errc::invalid_argument);
  Events assigned(4);
  assigned = std::move(taken);
  CHECK(assigned.size() == 1);
  CHECK(taken.capacity() == 0);
  CHECK(taken.empty());
  // NOLINTEND(bugprone-use-after-move)
}
