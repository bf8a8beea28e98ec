// SPDX-License-Identifier: MIT
// Waker: cross-thread wake, coalescing, wake before poll, several wakers, full-width tokens.

#include "util.hpp"

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Token;
using pollux::Waker;

namespace {
Waker make_waker(pollux::Poll& poll, Token token) {
  std::error_code ec;
  Waker waker(poll.registry(), token, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return waker;
}
}  // namespace

TEST_CASE("a wake before poll is not lost") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto waker = make_waker(poll, Token(10));
  REQUIRE(!waker.wake());
  test::expect_events(poll, events, {{Token(10), test::kReadable}});
  test::expect_no_events(poll, events);
}

TEST_CASE("wakes before one poll merge, and each later wake is reported again") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto waker = make_waker(poll, Token(1));
  for (int i = 0; i < 5; ++i) REQUIRE(!waker.wake());
  REQUIRE(!poll.poll(events, 1s));
  CHECK(events.size() == 1);
  test::expect_no_events(poll, events);
  for (int round = 0; round < 3; ++round) {
    REQUIRE(!waker.wake());
    test::expect_events(poll, events, {{Token(1), test::kReadable}});
  }
}

TEST_CASE("a wake from another thread ends a blocking poll") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto waker = make_waker(poll, Token(SIZE_MAX));
  // Assertions stay on the main thread: doctest's are not safe on threads that exit
  // under mingw's static winpthreads.
  std::error_code wake_error;
  std::thread other([&] {
    std::this_thread::sleep_for(50ms);
    wake_error = waker.wake();
  });
  REQUIRE(!poll.poll(events, std::nullopt));
  other.join();
  REQUIRE(!wake_error);
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(SIZE_MAX));
  CHECK(events[0].is_readable());
}

TEST_CASE("several wakers on one poll each carry their own token") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto a = make_waker(poll, Token(0));
  auto b = make_waker(poll, Token(SIZE_MAX - 1));
  REQUIRE(!b.wake());
  test::expect_events(poll, events, {{Token(SIZE_MAX - 1), test::kReadable}});
  REQUIRE(!a.wake());
  REQUIRE(!b.wake());
  test::expect_events(poll, events, {{Token(0), test::kReadable}, {Token(SIZE_MAX - 1), test::kReadable}});
}

TEST_CASE("many wakes from many threads never lose the last one") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto waker = make_waker(poll, Token(5));
  std::atomic<int> done{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (waker.wake()) failures.fetch_add(1);
      }
      done.fetch_add(1);
    });
  }
  while (done.load() < 4) REQUIRE(!poll.poll(events, 10ms));
  for (auto& t : threads) t.join();
  REQUIRE(failures.load() == 0);
  // Every wake happened before this point; at least the last must still show, unless an
  // earlier poll already reported it. Either way one more wake must be seen.
  REQUIRE(!waker.wake());
  test::expect_events(poll, events, {{Token(5), test::kReadable}});
}

TEST_CASE("an empty Waker, or one on a closed registry, reports an error") {
  Waker empty;
  CHECK(empty.wake() == std::errc::bad_file_descriptor);
  pollux::Poll closed;
  std::error_code ec;
  Waker w(closed.registry(), Token(1), ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(!w.is_open());
}
