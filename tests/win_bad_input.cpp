// SPDX-License-Identifier: MIT
// Windows: registrations that must be refused with an error code, never a crash.

#include <winsock2.h>
#include <windows.h>

#include "net_util.hpp"

#include <pollux/detail/io_source.hpp>
#include <pollux/net/tcp_listener.hpp>
#include <pollux/net/tcp_stream.hpp>
#include <pollux/net/udp_socket.hpp>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::detail::IoSource;
using pollux::net::TcpListener;
using pollux::net::TcpStream;

TEST_CASE("INVALID_SOCKET is a bad file descriptor") {
  auto poll = test::init_with_poll();
  IoSource invalid(static_cast<pollux::NativeHandle>(INVALID_SOCKET));
  CHECK(poll.registry().add(invalid, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  TcpStream empty;
  CHECK(poll.registry().add(empty, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  CHECK(poll.registry().remove(empty) == std::errc::no_such_file_or_directory);
}

TEST_CASE("a closed socket is a bad file descriptor") {
  auto poll = test::init_with_poll();
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  const auto raw = listener.release();
  REQUIRE(closesocket(static_cast<SOCKET>(raw)) == 0);
  IoSource closed(raw);
  CHECK(poll.registry().add(closed, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  (void)closed.release();  // the handle is already closed
}

TEST_CASE("a handle that is not a socket is refused") {
  auto poll = test::init_with_poll();
  HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  REQUIRE(event != nullptr);
  IoSource not_socket(reinterpret_cast<pollux::NativeHandle>(event));
  auto ec = poll.registry().add(not_socket, Token(1), Interest::readable);
  CHECK(ec);
  (void)not_socket.release();
  CloseHandle(event);
}

TEST_CASE("double add, and modify or remove of what was never added") {
  auto poll = test::init_with_poll();
  auto p = test::tcp_pair();
  CHECK(poll.registry().modify(p.client, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
  CHECK(poll.registry().remove(p.client) == std::errc::no_such_file_or_directory);
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  CHECK(poll.registry().add(p.client, Token(2), Interest::writable) == std::errc::file_exists);
  // Registered in one Poll: another Poll can neither add it nor remove it.
  auto other = test::init_with_poll();
  CHECK(other.registry().add(p.client, Token(3), Interest::readable) == std::errc::file_exists);
  CHECK(other.registry().remove(p.client) == std::errc::no_such_file_or_directory);
  CHECK(other.registry().modify(p.client, Token(3), Interest::readable) == std::errc::no_such_file_or_directory);
  // Another object wrapping the same socket: one socket, one registration per Poll (as
  // epoll refuses a second EPOLL_CTL_ADD of one fd); another Poll may watch it too.
  IoSource alias(p.client.native_handle());
  CHECK(poll.registry().add(alias, Token(5), Interest::readable) == std::errc::file_exists);
  auto third = test::init_with_poll();
  CHECK(!third.registry().add(alias, Token(6), Interest::writable));
  (void)alias.release();  // deregisters; the socket stays p.client's
  REQUIRE(!poll.registry().remove(p.client));
  CHECK(poll.registry().remove(p.client) == std::errc::no_such_file_or_directory);
  // Removed: it may be added again, here or elsewhere.
  CHECK(!other.registry().add(p.client, Token(4), Interest::writable));
  Events events(4);
  test::expect_events(other, events, {{Token(4), test::kWritable}});
}

TEST_CASE("full-width tokens on sockets, and many sockets across AFD poll groups") {
  auto poll = test::init_with_poll();
  Events events(256);
  // 70 pairs: more than two groups of 32 sockets per \Device\Afd handle.
  std::vector<test::TcpPair> pairs;
  for (int i = 0; i < 70; ++i) pairs.push_back(test::tcp_pair());
  auto token_of = [](std::size_t i) { return Token(i % 2 ? SIZE_MAX - i : i); };
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    REQUIRE(!poll.registry().add(pairs[i].client, token_of(i), Interest::readable));
  }
  for (auto& p : pairs) test::write_all(p.server, test::bytes("ping"));
  std::vector<test::ExpectEvent> expected;
  for (std::size_t i = 0; i < pairs.size(); ++i) expected.push_back({token_of(i), test::kReadable});
  test::expect_events(poll, events, expected, 5000ms);
}

TEST_CASE("a modify made while another thread is blocked in poll takes effect in that poll") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  // Nothing to read: the poll blocks.
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  std::error_code ec;
  auto registry = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  // The thread only records: doctest's reporting from a thread that then exits corrupts
  // the heap under mingw-w64 and Wine, so assertions stay on the main thread.
  std::error_code modify_ec;
  std::thread other([&] {
    std::this_thread::sleep_for(50ms);
    modify_ec = registry.modify(p.client, Token(2), Interest::writable);
  });
  // What the poll returns is the proof; the long timeout only ends one that never would.
  REQUIRE(!poll.poll(events, 30s));
  other.join();
  CHECK(!modify_ec);
  bool writable = false;
  for (const auto& e : events) {
    if (e.token() == Token(2) && e.is_writable()) writable = true;
  }
  CHECK(writable);
}

TEST_CASE("edges: readable once, again only after a read met would-block") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  test::write_all(p.server, test::bytes("one"));
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  // More data before we drained: the edge was reported already, no new event.
  test::write_all(p.server, test::bytes("two"));
  test::expect_no_events(poll, events);
  auto [data, eof] = test::read_until_would_block(p.client);
  CHECK(data == "onetwo");
  CHECK(!eof);
  test::write_all(p.server, test::bytes("three"));
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
}

TEST_CASE("the longest timeout does not wrap around: it blocks until woken") {
  auto poll = test::init_with_poll();
  Events events(4);
  std::error_code ec;
  pollux::Waker waker(poll.registry(), Token(9), ec);
  REQUIRE(!ec);
  std::error_code wake_ec;  // recorded by the thread, checked here (see above)
  std::thread other([&] {
    std::this_thread::sleep_for(100ms);
    wake_ec = waker.wake();
  });
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(!poll.poll(events, std::chrono::nanoseconds::max()));
  other.join();
  CHECK(!wake_ec);
  CHECK(std::chrono::steady_clock::now() - start >= 90ms);
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(9));
}
