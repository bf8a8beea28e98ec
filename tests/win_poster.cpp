// SPDX-License-Identifier: MIT
// win::Poster: completions carrying a Token and a value, posted from any thread.

#include "win_binding_util.hpp"

#include <pollux/win/poster.hpp>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Event;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::Poster;

using test::binding::add;
using test::binding::wait_completion;

TEST_CASE("Poster: values from many threads, each delivered once, in order per thread") {
  auto poll = test::init_with_poll();
  Events events(64);
  Poster poster;
  const Token token(SIZE_MAX);
  add(poll, poster, token);
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  // Counted, not asserted, on the posting threads: doctest's thread-local streams crash at
  // thread exit under mingw's winpthreads.
  std::atomic<int> failed_posts{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto value = (std::uintptr_t{static_cast<unsigned>(t)} << 56) | static_cast<std::uintptr_t>(i);
        if (poster.post(value)) ++failed_posts;
      }
    });
  }
  std::vector<int> next(kThreads, 0);
  int seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (seen < kThreads * kEach && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 100ms));
    for (const auto& e : events) {
      REQUIRE(e.token() == token);
      REQUIRE(e.is_completion());
      auto t = static_cast<int>(e.completion_data() >> 56);
      auto i = static_cast<int>(e.completion_data() & 0xffffff);
      REQUIRE(t < kThreads);
      CHECK(i == next[t]);
      next[t] = i + 1;
      ++seen;
    }
  }
  for (auto& th : threads) th.join();
  CHECK(failed_posts == 0);
  CHECK(seen == kThreads * kEach);
  test::expect_no_events(poll, events);
}

TEST_CASE("Poster: packets still in the port after remove are dropped; posts then fail") {
  auto poll = test::init_with_poll();
  Events events(16);
  Poster poster;
  CHECK(poster.post(1) == std::errc::no_such_file_or_directory);
  add(poll, poster, Token(1));
  REQUIRE(!poster.post(1));
  REQUIRE(!poster.post(2));
  REQUIRE(!poll.registry().remove(poster));
  test::expect_no_events(poll, events);
  CHECK(poster.post(3) == std::errc::no_such_file_or_directory);
  // Added again, it reports under its new token only.
  add(poll, poster, Token(2));
  REQUIRE(!poster.post(4));
  auto e = wait_completion(poll, events, Token(2));
  CHECK(e.completion_data() == 4);
}

TEST_CASE("completions and a Waker's wake arrive in one poll") {
  auto poll = test::init_with_poll();
  Events events(16);
  Poster poster;
  add(poll, poster, Token(1));
  std::error_code ec;
  pollux::Waker waker(poll.registry(), Token(2), ec);
  REQUIRE(!ec);
  REQUIRE(!poster.post(77));
  REQUIRE(!waker.wake());
  // Both packets are queued before the poll starts: one wait takes both.
  REQUIRE(!poll.poll(events, 1s));
  bool completion = false, woken = false;
  for (const auto& e : events) {
    completion |= e.token() == Token(1) && e.completion_data() == 77;
    woken |= e.token() == Token(2) && e.is_readable();
  }
  CHECK(completion);
  CHECK(woken);
}

TEST_CASE("a Poster outliving its Poll fails cleanly") {
  Poster poster;
  {
    auto poll = test::init_with_poll();
    add(poll, poster, Token(2));
    REQUIRE(!poster.post(5));
  }
  CHECK(poster.post(6) == std::errc::bad_file_descriptor);
  auto poll = test::init_with_poll();
  // A registration whose Poll is gone is over: it may be added to another.
  add(poll, poster, Token(3));
  REQUIRE(!poster.post(7));
  Events events(8);
  CHECK(wait_completion(poll, events, Token(3)).completion_data() == 7);
}
