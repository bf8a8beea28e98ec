// SPDX-License-Identifier: MIT
// Registry semantics with real sockets: add, modify, remove, and their errors.

#include "net_util.hpp"

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::TcpListener;
using pollux::net::TcpStream;
using pollux::net::UdpSocket;

TEST_CASE("a stream added for readable and writable reports writable, then readable on data") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable | Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  test::write_all(p.server, test::bytes("ping"));
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
}

TEST_CASE("modify changes the token and the interest") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  test::expect_no_events(poll, events);
  REQUIRE(!poll.registry().modify(p.client, Token(2), Interest::writable));
  test::expect_events(poll, events, {{Token(2), test::kWritable}});
  REQUIRE(!poll.registry().modify(p.client, Token(3), Interest::readable));
  test::write_all(p.server, test::bytes("x"));
  test::expect_events(poll, events, {{Token(3), test::kReadable}});
  for (const auto& e : events) CHECK(e.token() != Token(2));
}

TEST_CASE("after remove returns, the source's token never appears again") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(5), Interest::readable));
  test::write_all(p.server, test::bytes("pending"));
  REQUIRE(!poll.registry().remove(p.client));
  test::expect_no_events(poll, events, 100ms);
  test::write_all(p.server, test::bytes("more"));
  test::expect_no_events(poll, events, 100ms);
}

TEST_CASE("a removed source can be added again, under a new token") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::writable));
  REQUIRE(!poll.registry().remove(p.client));
  REQUIRE(!poll.registry().add(p.client, Token(2), Interest::writable));
  test::expect_events(poll, events, {{Token(2), test::kWritable}});
}

TEST_CASE("release() takes the registration away with the handle") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  std::error_code ec;
  auto adopted = TcpStream::from_native(p.client.release(), ec);
  REQUIRE(!ec);
  // The old registration is gone: no event for token 1, and adding again is no double add.
  test::write_all(p.server, test::bytes("after release"));
  test::expect_no_events(poll, events, 100ms);
  REQUIRE(!poll.registry().add(adopted, Token(2), Interest::readable));
  test::write_all(p.server, test::bytes("more"));
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  REQUIRE(!poll.poll(events, 50ms));
  for (const auto& e : events) CHECK(e.token() != Token(1));
}

TEST_CASE("registration errors are clear error codes") {
  auto poll = test::init_with_poll();
  const auto& reg = poll.registry();
  std::error_code ec;
  auto socket = UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);

  SUBCASE("adding twice") {
    REQUIRE(!reg.add(socket, Token(1), Interest::readable));
    CHECK(reg.add(socket, Token(2), Interest::readable) == std::errc::file_exists);
  }
  SUBCASE("modify or remove of a source never added") {
    CHECK(reg.modify(socket, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
    CHECK(reg.remove(socket) == std::errc::no_such_file_or_directory);
  }
  SUBCASE("removing twice") {
    REQUIRE(!reg.add(socket, Token(1), Interest::readable));
    REQUIRE(!reg.remove(socket));
    CHECK(reg.remove(socket) == std::errc::no_such_file_or_directory);
  }
  SUBCASE("an empty interest") {
    CHECK(reg.add(socket, Token(1), Interest{}) == std::errc::invalid_argument);
  }
  SUBCASE("an empty (moved-from) socket") {
    UdpSocket moved = std::move(socket);
    CHECK(!socket.is_open());
    CHECK(reg.add(socket, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
    CHECK(reg.add(moved, Token(1), Interest::readable) == std::error_code{});
  }
}

TEST_CASE("a source added from another thread during a long poll ends that poll with its event") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  auto registry = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  auto p = test::tcp_pair();

  // Assertions stay on the main thread (doctest's reporting from a thread that then
  // exits corrupts the heap under mingw-w64 and Wine): the thread only records.
  std::error_code add_ec;
  // Taken before the adder starts, so that no delay in starting the poll undercuts it.
  const auto start = std::chrono::steady_clock::now();
  std::thread adder([&] {
    std::this_thread::sleep_for(200ms);
    add_ec = registry.add(p.client, Token(42), Interest::writable);
  });
  auto poll_ec = poll.poll(events, 30s);  // the event, not the time, is the proof
  const auto waited = std::chrono::steady_clock::now() - start;
  adder.join();

  CHECK(!add_ec);
  REQUIRE(!poll_ec);
  CHECK(waited >= 185ms);  // less a margin: the sleep's clock is not steady_clock everywhere
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(42));
  CHECK(events[0].is_writable());
}

TEST_CASE("a source removed from another thread during a poll never reports its token after") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  auto registry = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(7), Interest::readable));

  // The main thread is blocked in poll when the other thread removes the stream; the data
  // that follows the removal must not wake anyone under the old token.
  // The thread only records; assertions stay on the main thread (see above).
  std::error_code remove_ec, write_ec;
  std::thread remover([&] {
    std::this_thread::sleep_for(100ms);
    remove_ec = registry.remove(p.client);
    p.server.write(test::bytes("late"), write_ec);
  });
  auto flags = test::collect_flags(poll, events, Token(7), 400ms);
  remover.join();
  CHECK(!remove_ec);
  CHECK(!write_ec);
  CHECK(flags == 0);
  flags = test::collect_flags(poll, events, Token(7), 100ms);
  CHECK(flags == 0);
}

TEST_CASE("a listener, a stream and a datagram socket can share one Poll") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto udp = UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(listener, Token(1), Interest::readable));
  REQUIRE(!poll.registry().add(udp, Token(2), Interest::readable));

  auto client = TcpStream::connect(listener.local_addr(ec), ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(client, Token(3), Interest::writable));
  auto udp_addr = udp.local_addr(ec);
  REQUIRE(!ec);
  auto sender = UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  test::retry_blocking([&](std::error_code& e) { return sender.send_to(test::bytes("d"), udp_addr, e); });

  test::expect_events(poll, events,
                      {{Token(1), test::kReadable}, {Token(2), test::kReadable}, {Token(3), test::kWritable}});
}

TEST_CASE("a stream destroyed while registered leaves no events behind") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  {
    TcpStream client = std::move(p.client);
    REQUIRE(!poll.registry().add(client, Token(9), Interest::readable));
  }
  test::write_all(p.server, test::bytes("into the void"));
  auto flags = test::collect_flags(poll, events, Token(9), 100ms);
  CHECK(flags == 0);
}

TEST_CASE("a source in one Poll is refused by a second with file_exists, on every backend") {
  auto first = test::init_with_poll();
  auto second = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!first.registry().add(p.client, Token(1), Interest::readable));
  CHECK(second.registry().add(p.client, Token(2), Interest::readable) == std::errc::file_exists);
  CHECK(second.registry().modify(p.client, Token(2), Interest::readable) == std::errc::no_such_file_or_directory);
  CHECK(second.registry().remove(p.client) == std::errc::no_such_file_or_directory);
  // The refusals changed nothing: the first Poll reports, the second never does.
  test::write_all(p.server, test::bytes("x"));
  test::expect_events(first, events, {{Token(1), test::kReadable}});
  test::expect_no_events(second, events, 100ms);
  // Once removed from the first, the source may go to the second.
  REQUIRE(!first.registry().remove(p.client));
  REQUIRE(!second.registry().add(p.client, Token(2), Interest::readable));
  test::expect_events(second, events, {{Token(2), test::kReadable}});
  test::expect_no_events(first, events, 100ms);
}

TEST_CASE("a source whose Poll is gone may be added to another Poll") {
  auto p = test::tcp_pair();
  {
    auto gone = test::init_with_poll();
    REQUIRE(!gone.registry().add(p.client, Token(1), Interest::readable));
  }
  auto poll = test::init_with_poll();
  Events events(16);
  REQUIRE(!poll.registry().add(p.client, Token(2), Interest::readable));
  test::write_all(p.server, test::bytes("x"));
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  REQUIRE(!poll.registry().remove(p.client));
}

TEST_CASE("a source added to and removed from 1000 Polls keeps none of them open") {
  // Handles are numbered from the lowest free one (POSIX fds; Windows and Wine reuse
  // freed handle values too), so a socket opened after the loop gets about the number one
  // opened before it got, unless the loop left handles open: each Poll that a removed
  // source kept alive holds one or two.
  std::error_code ec;
  auto probe = [&] {
    auto socket = UdpSocket::bind(test::loopback_v4(), ec);
    REQUIRE(!ec);
    return static_cast<std::uintmax_t>(socket.native_handle());
  };
  auto p = test::tcp_pair();
  const auto before = probe();
  for (int i = 0; i < 1000; ++i) {
    auto poll = test::init_with_poll();
    REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
    REQUIRE(!poll.registry().remove(p.client));
  }
  const auto after = probe();
  CAPTURE(before);
  CHECK(after < before + 256);
}
