// SPDX-License-Identifier: MIT
// Parker: the contract, run once per backend compiled for this host and usable here
// (abseil's typed-test idea: futex and fallback on Linux; WaitOnAddress, keyed events and
// fallback on Windows), each forced in turn through the internal test hook.

#include <doctest/doctest.h>

#include <pollux/exec/parker.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "exec_parker_util.hpp"

using namespace std::chrono_literals;
using parker_test::await_or_die;
using parker_test::Clock;
using parker_test::for_each_backend;
using parker_test::spin_for;
using pollux::exec::Parker;

TEST_CASE("the compiled backends include the fallback, and unknown names are refused") {
  const auto backends = pollux::exec::sys::parker_backends();
  bool has_fallback = false;
  for (const std::string_view name : backends) has_fallback |= name == "fallback";
  CHECK(has_fallback);
  CHECK_FALSE(pollux::exec::sys::force_parker_backend("no-such-backend"));
  const std::string_view before = pollux::exec::sys::parker_backend();
  CHECK_FALSE(pollux::exec::sys::force_parker_backend("no-such-backend"));
  CHECK(pollux::exec::sys::parker_backend() == before);
}

TEST_CASE("the default backend is the first available one, unless POLLUX_EXEC_PARKER names another") {
  const auto backends = pollux::exec::sys::parker_backends();
  REQUIRE(pollux::exec::sys::force_parker_backend(""));
  const char* env = std::getenv("POLLUX_EXEC_PARKER");
  std::string_view expected = backends.front();
  for (const std::string_view name : backends) {
    if (env != nullptr && name == env) expected = name;
  }
  CHECK(pollux::exec::sys::parker_backend() == expected);
}

TEST_CASE("an unpark before park makes the next park return at once, and only that one") {
  for_each_backend([] {
    Parker parker;
    parker.unpark();
    parker.park();  // would wait for ever without the token (the suite's timeout)

    // Several unparks merge into one token.
    parker.unpark();
    parker.unpark();
    parker.unpark();
    CHECK(parker.park_for(0ns));
    CHECK_FALSE(parker.park_for(0ns));

    parker.unpark();
    CHECK(parker.park_for(10s));  // true: it took the token, it did not time out
    parker.unpark();
    CHECK(parker.park_until(Clock::now() + 10s));
  });
}

TEST_CASE("park_for and park_until time out, no earlier than asked, and report it") {
  for_each_backend([] {
    Parker parker;
    for (const auto timeout : {1ms, 20ms}) {
      const auto start = Clock::now();
      CHECK_FALSE(parker.park_for(timeout));
      const auto elapsed = Clock::now() - start;
      CHECK(elapsed >= timeout);
    }
    const auto deadline = Clock::now() + 15ms;
    CHECK_FALSE(parker.park_until(deadline));
    CHECK(Clock::now() >= deadline);

    // Deadlines already past, and negative timeouts, only look for a token.
    CHECK_FALSE(parker.park_until(Clock::now() - 1s));
    CHECK_FALSE(parker.park_until(Clock::time_point::min()));
    CHECK_FALSE(parker.park_for(-5s));
    CHECK_FALSE(parker.park_for(std::chrono::nanoseconds::min()));
    parker.unpark();
    CHECK(parker.park_for(-5s));

    // A timeout leaves no token: the next park still waits for an unpark.
    CHECK_FALSE(parker.park_for(1ms));
    CHECK_FALSE(parker.park_for(1ms));
  });
}

// Assertions stay on the main thread: the other threads only record what they saw.
TEST_CASE("an unpark from another thread wakes a parked thread, and publishes its writes") {
  for_each_backend([] {
    for (const int how : {0, 1, 2}) {
      INFO("0: park, 1: park_for, 2: park_until(max): ", how);
      Parker parker;
      int payload = 0;  // plain data: only the parker's ordering makes this race-free
      int payload_seen = 0;
      bool park_result = false;
      std::atomic<bool> woke{false};
      std::thread sleeper([&] {
        if (how == 0) {
          parker.park();
          park_result = true;
        } else if (how == 1) {
          park_result = parker.park_for(60s);
        } else {
          park_result = parker.park_until(Clock::time_point::max());
        }
        payload_seen = payload;
        woke.store(true, std::memory_order_release);
      });
      std::this_thread::sleep_for(20ms);
      CHECK_FALSE(woke.load(std::memory_order_acquire));
      payload = 42;
      parker.unpark();
      await_or_die(woke, "a parked thread was not woken by unpark");
      sleeper.join();
      CHECK(park_result);
      CHECK(payload_seen == 42);
    }
  });
}

TEST_CASE("ping-pong between two threads loses no wake-up") {
  for_each_backend([] {
    constexpr int kRounds = 3000;
    Parker ping;
    Parker pong;
    long shared = 0;  // handed back and forth; written by one side at a time
    int ping_timeouts = 0;
    int pong_timeouts = 0;
    std::thread other([&] {
      for (int i = 0; i < kRounds; ++i) {
        if (!pong.park_for(10s)) ++pong_timeouts;
        shared += 1;
        ping.unpark();
      }
    });
    for (int i = 0; i < kRounds; ++i) {
      shared += 1;
      pong.unpark();
      if (!ping.park_for(10s)) ++ping_timeouts;
    }
    other.join();
    CHECK(ping_timeouts == 0);
    CHECK(pong_timeouts == 0);
    CHECK(shared == 2L * kRounds);
    CHECK_FALSE(ping.park_for(0ns));
    CHECK_FALSE(pong.park_for(0ns));
  });
}

TEST_CASE("an unpark racing with a timeout is consumed exactly once and blocks nobody") {
  // Each round has exactly one unpark, landing at a random moment around the parker's
  // short timeout. The token is then either taken by that timed park (true) or still
  // pending afterwards, never both and never neither. For keyed events this is the race
  // where the unparker has committed to a release while the parker's wait times out: if
  // the parker did not consume that release, the unparker would block for ever.
  for_each_backend([] {
    constexpr int kRounds = 2000;
    Parker parker;
    std::atomic<int> round_started{-1};
    std::atomic<int> round_unparked{-1};
    std::atomic<bool> quit{false};
    std::mt19937 rng(12345);

    std::thread unparker([&] {
      std::mt19937 own_rng(54321);
      for (int r = 0; r < kRounds; ++r) {
        if (!parker_test::await_round(round_started, r, quit)) return;
        spin_for(parker_test::race_delay(own_rng, r, 80));
        parker.unpark();
        round_unparked.store(r, std::memory_order_release);
      }
    });

    int taken_in_time = 0;
    int pending_after = 0;
    int broken = 0;
    for (int r = 0; r < kRounds; ++r) {
      round_started.store(r, std::memory_order_release);
      const bool took = parker.park_for(parker_test::race_delay(rng, r, 60));
      parker_test::await_round_or_die(round_unparked, r, "the unparker");
      const bool pending = parker.park_for(0ns);
      if (took == pending) ++broken;
      taken_in_time += took;
      pending_after += pending;
    }
    quit.store(true);
    unparker.join();
    MESSAGE("taken by the timed park: ", taken_in_time, ", pending after it: ", pending_after);
    CHECK(broken == 0);

    // The parker is still consistent: a timeout, then a real park/unpark pair.
    CHECK_FALSE(parker.park_for(1ms));
    parker_test::park_in_thread_and_wake(parker, [](Parker& p) { p.unpark(); },
                                         "park after the race");
  });
}

TEST_CASE("many threads unparking one parked thread wake it, and leave at most one token") {
  for_each_backend([] {
    Parker parker;
    std::atomic<bool> go{false};
    std::atomic<bool> woke{false};
    std::thread sleeper([&] {
      parker.park();
      woke.store(true, std::memory_order_release);
    });
    std::thread unparkers[3];
    for (auto& t : unparkers) {
      t = std::thread([&] {
        while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
        for (int i = 0; i < 1000; ++i) parker.unpark();
      });
    }
    go.store(true, std::memory_order_release);
    for (auto& t : unparkers) t.join();
    await_or_die(woke, "a parked thread with many unparkers");
    sleeper.join();
    parker.park_for(0ns);  // at most one token may remain
    CHECK_FALSE(parker.park_for(0ns));
  });
}
