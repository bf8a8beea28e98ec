// SPDX-License-Identifier: MIT
// Poll: creation, timeouts, and the calls that must be refused with an error code.

#include "util.hpp"

#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Poll;

TEST_CASE("a new Poll with nothing registered times out with no events") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto start = std::chrono::steady_clock::now();
  REQUIRE(!poll.poll(events, 20ms));
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  CHECK(events.empty());
}

TEST_CASE("a zero timeout returns at once") {
  auto poll = test::init_with_poll();
  Events events(16);
  // Returning at all is the check: a zero timeout that blocked would never return here.
  REQUIRE(!poll.poll(events, 0ns));
  CHECK(events.empty());
}

TEST_CASE("a timeout under a millisecond is waited out, never cut short") {
  auto poll = test::init_with_poll();
  Events events(4);
  for (std::chrono::nanoseconds t : {1ns, 10000ns, 300000ns, 999000ns, 1500000ns}) {
    auto start = std::chrono::steady_clock::now();
    REQUIRE(!poll.poll(events, t));
    CHECK(std::chrono::steady_clock::now() - start >= t);
  }
}

TEST_CASE("the longest timeout blocks like no timeout, without overflowing") {
  auto poll = test::init_with_poll();
  Events events(4);
  std::error_code ec;
  pollux::Waker waker(poll.registry(), pollux::Token(1), ec);
  REQUIRE(!ec);
  // Taken before the waking thread starts: the wake comes at least 50 ms after it, and
  // a loaded machine can only make that later (taken after, a late start undercuts it).
  const auto start = std::chrono::steady_clock::now();
  std::thread other([&] {
    std::this_thread::sleep_for(50ms);
    (void)waker.wake();
  });
  REQUIRE(!poll.poll(events, std::chrono::nanoseconds::max()));
  other.join();
  CHECK(std::chrono::steady_clock::now() - start >= 40ms);  // margin: see registering.cpp
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == pollux::Token(1));
}

TEST_CASE("bad arguments to poll are refused with an error code") {
  auto poll = test::init_with_poll();
  SUBCASE("zero-capacity Events") {
    Events none(0);
    CHECK(poll.poll(none, 0ns) == std::errc::invalid_argument);
    // The blocking poll takes another path on epoll (the kernel refuses it there).
    CHECK(poll.poll(none, std::nullopt) == std::errc::invalid_argument);
    CHECK(none.empty());
  }
  SUBCASE("a negative timeout") {
    Events events(4);
    CHECK(poll.poll(events, -1ms) == std::errc::invalid_argument);
  }
  SUBCASE("an empty (default or moved-from) Poll") {
    Events events(4);
    Poll empty;
    CHECK(!empty.is_open());
    CHECK(empty.poll(events, 0ns) == std::errc::bad_file_descriptor);
    CHECK(empty.poll(events, std::nullopt) == std::errc::bad_file_descriptor);
    Poll moved = std::move(poll);
    CHECK(moved.is_open());
    CHECK(poll.poll(events, 0ns) == std::errc::bad_file_descriptor);
    std::error_code ec;
    (void)empty.registry().try_clone(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
  }
}

TEST_CASE("Events keeps its capacity and is emptied by each poll") {
  auto poll = test::init_with_poll();
  Events events(7);
  CHECK(events.capacity() == 7);
  REQUIRE(!poll.poll(events, 0ns));
  CHECK(events.size() == 0);
  CHECK(events.capacity() == 7);
}

TEST_CASE("Registry::try_clone gives a registry of the same Poll") {
  auto poll = test::init_with_poll();
  std::error_code ec;
  auto clone = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  pollux::Waker waker(clone, pollux::Token(3), ec);
  REQUIRE(!ec);
  REQUIRE(!waker.wake());
  Events events(4);
  test::expect_events(poll, events, {{pollux::Token(3), test::kReadable}});
}

TEST_CASE("Token and Interest") {
  using pollux::Interest;
  using pollux::Token;
  CHECK(Token(SIZE_MAX).value() == SIZE_MAX);
  CHECK(Token(1) < Token(2));
  auto both = Interest::readable | Interest::writable;
  CHECK(both.is_readable());
  CHECK(both.is_writable());
  CHECK(!both.is_priority());
  CHECK(both.remove(Interest::readable) == Interest::writable);
  CHECK(Interest{}.is_empty());
  CHECK(both.remove(both).is_empty());
}
