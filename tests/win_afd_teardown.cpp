// SPDX-License-Identifier: MIT
// Windows: teardown with AFD polls in flight, and what it leaves behind. A socket or a
// Poll destroyed while the kernel still owns an AFD poll must cancel and drain it (no
// use-after-free), and nothing may leak: 1000 cycles leave the process handle count
// where it started.

#include <winsock2.h>
#include <windows.h>

#include "net_util.hpp"

#include <pollux/net/tcp_listener.hpp>
#include <pollux/net/tcp_stream.hpp>
#include <pollux/net/udp_socket.hpp>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Poll;
using pollux::Token;
using pollux::net::TcpListener;
using pollux::net::TcpStream;

namespace {

// GetProcessHandleCount where it works; Wine 8 answers 0, so there the open handles
// are counted by asking about each handle value. Windows and Wine hand out the lowest
// free multiple of 4, and this test never holds more than a few dozen handles at once,
// so a run of 1024 free values means there are no more (each question is a round trip
// to the wineserver: the scan stops there rather than at the 2^24 handle limit).
DWORD handle_count() {
  DWORD count = 0;
  REQUIRE(GetProcessHandleCount(GetCurrentProcess(), &count));
  if (count != 0) return count;
  DWORD flags = 0;
  std::uintptr_t last_used = 0;
  for (std::uintptr_t value = 4; value - last_used <= 4 * 1024; value += 4) {
    if (GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags)) {
      ++count;
      last_used = value;
    }
  }
  REQUIRE(count > 0);
  return count;
}

// One life: a Poll, a listener and a UDP socket (every 25th time a connected TCP pair
// too, polled until the kernel reported them writable), all registered, then destroyed
// with their AFD polls in flight: the listener's (for a connection), the UDP socket's
// and the streams' (for data).
void one_cycle(int i) {
  auto poll = std::make_unique<Poll>(test::init_with_poll());
  Events events(16);
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto udp = pollux::net::UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  const auto both = Interest::readable | Interest::writable;
  REQUIRE(!poll->registry().add(listener, Token(1), Interest::readable));
  REQUIRE(!poll->registry().add(udp, Token(2), Interest::readable));
  // A poll starts the queued AFD polls; nothing is ready, so all stay in flight.
  test::expect_no_events(*poll, events, 0ms);
  test::TcpPair p;
  if (i % 25 == 0) {
    p = test::tcp_pair();
    REQUIRE(!poll->registry().add(p.client, Token(3), both));
    REQUIRE(!poll->registry().add(p.server, Token(4), both));
    test::expect_events(*poll, events, {{Token(3), test::kWritable}, {Token(4), test::kWritable}});
  }
  if (i % 2 == 0) poll.reset();
  p = test::TcpPair();
  listener = TcpListener();
  udp = pollux::net::UdpSocket();
  poll.reset();
}

}  // namespace

TEST_CASE("destroying a registered socket cancels its pending poll; its token never shows") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(7), Interest::readable));
  REQUIRE(!poll.registry().add(p.server, Token(8), Interest::readable));
  // Let the AFD polls start, then destroy the client with its poll in flight.
  test::expect_no_events(poll, events, 20ms);
  p.client = TcpStream();
  // The server sees the hang-up; the destroyed client's token is never reported.
  const auto deadline = std::chrono::steady_clock::now() + 500ms;
  bool server_closed = false;
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 20ms));
    for (const auto& e : events) {
      CHECK_MESSAGE(e.token() != Token(7), test::describe(e));
      if (e.token() == Token(8) && e.is_read_closed()) server_closed = true;
    }
  }
  CHECK(server_closed);
}

TEST_CASE("destroying the Poll first leaves registered sockets usable and destructible") {
  auto poll = std::make_unique<Poll>(test::init_with_poll());
  auto p = test::tcp_pair();
  REQUIRE(!poll->registry().add(p.client, Token(1), Interest::readable));
  Events events(4);
  test::expect_no_events(*poll, events, 20ms);
  poll.reset();
  // The socket still works, and can join another Poll.
  test::write_all(p.server, test::bytes("after"));
  auto other = test::init_with_poll();
  REQUIRE(!other.registry().add(p.client, Token(2), Interest::readable));
  test::expect_events(other, events, {{Token(2), test::kReadable}});
  auto [data, eof] = test::read_until_would_block(p.client);
  CHECK(data == "after");
}

TEST_CASE("remove with a poll in flight, then re-add: only the new registration reports") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.client, Token(1), Interest::readable));
  test::expect_no_events(poll, events, 20ms);
  REQUIRE(!poll.registry().remove(p.client));
  REQUIRE(!poll.registry().add(p.client, Token(2), Interest::readable));
  test::write_all(p.server, test::bytes("x"));
  const auto deadline = std::chrono::steady_clock::now() + 300ms;
  bool seen = false;
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 20ms));
    for (const auto& e : events) {
      CHECK_MESSAGE(e.token() != Token(1), test::describe(e));
      if (e.token() == Token(2) && e.is_readable()) seen = true;
    }
  }
  CHECK(seen);
}

TEST_CASE("sockets added, fed and destroyed while another thread polls") {
  auto poll = test::init_with_poll();
  std::atomic<bool> stop{false};
  std::atomic<int> seen{0};
  std::atomic<int> foreign{0};
  std::atomic<int> failed{0};
  constexpr std::size_t kRounds = 60;
  // No doctest macros on this thread: they are checked on the main thread below.
  std::thread poller([&] {
    Events events(64);
    while (!stop.load()) {
      if (poll.poll(events, 10ms)) {
        failed.fetch_add(1);
        return;
      }
      for (const auto& e : events) {
        // Only tokens this test used: anything else would come from freed state.
        if (e.token().value() >= kRounds) foreign.fetch_add(1);
        seen.fetch_add(1);
      }
    }
  });
  for (std::size_t i = 0; i < kRounds; ++i) {
    auto p = test::tcp_pair();
    REQUIRE(!poll.registry().add(p.client, Token(i), Interest::readable | Interest::writable));
    test::write_all(p.server, test::bytes("data"));
    if (i % 3 == 0) REQUIRE(!poll.registry().remove(p.client));
    // Destroyed with its poll in flight, being re-armed, or cancelled.
  }
  stop.store(true);
  poller.join();
  CHECK(failed.load() == 0);
  CHECK(foreign.load() == 0);
  CHECK(seen.load() > 0);
  // Everything is gone: nothing may be reported any more.
  Events events(64);
  test::expect_no_events(poll, events, 100ms);
}

TEST_CASE("1000 cycles of create/register/destroy leave the handle count where it started") {
  // Winsock, AFD and the thread pool open handles once, on first use: warm them up.
  for (int i = 0; i < 20; ++i) one_cycle(i);
  const DWORD before = handle_count();
  for (int i = 0; i < 1000; ++i) one_cycle(i);
  const DWORD after = handle_count();
  CHECK(after <= before);
  MESSAGE("handles before " << before << ", after " << after);
}
