// SPDX-License-Identifier: MIT
#pragma once
// Shared by the Parker suites: run a body once per backend compiled for this host, and
// wait for a thread without hanging the suite.

#include <doctest/doctest.h>

#include <pollux/exec/parker.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "../lib/exec/futex.hpp"

namespace parker_test {

using Clock = std::chrono::steady_clock;

// Runs body once per backend, with Parkers constructed inside it using that backend.
template <class Body>
void for_each_backend(Body body) {
  const auto backends = pollux::exec::sys::parker_backends();
  REQUIRE(!backends.empty());
  for (const std::string_view name : backends) {
    REQUIRE(pollux::exec::sys::force_parker_backend(name));
    REQUIRE(pollux::exec::sys::parker_backend() == name);
    const std::string label(name);
    INFO("backend: ", label);
    body();
  }
  REQUIRE(pollux::exec::sys::force_parker_backend(""));
}

// Spins (yielding) until flag is set. A thread stuck for ever (a keyed-event release that
// nobody consumes) cannot be joined, so the suite reports it and exits rather than hang.
inline void await_or_die(const std::atomic<bool>& flag, const char* what) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!flag.load(std::memory_order_acquire)) {
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "exec_parker: blocked for ever: %s\n", what);
      std::fflush(stderr);
      std::_Exit(2);
    }
    std::this_thread::yield();
  }
}

inline void spin_for(std::chrono::nanoseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
  }
}

// After a stress run: a thread parks for real, and `unpark(parker)` still wakes it.
template <class Unpark>
void park_in_thread_and_wake(pollux::exec::Parker& parker, Unpark unpark, const char* what) {
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    parker.park();
    woke.store(true, std::memory_order_release);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  unpark(parker);
  await_or_die(woke, what);
  sleeper.join();
}

// For the timeout races: a random delay, in microseconds up to fine_max, but every
// eighth round on a millisecond scale, because Windows timers (and Wine's) fire on a
// millisecond grid, where microsecond timeouts mostly expire before the wait begins.
inline std::chrono::microseconds race_delay(std::mt19937& rng, int round, int fine_max) {
  std::uniform_int_distribution<int> micros(0, round % 8 == 7 ? 1500 : fine_max);
  return std::chrono::microseconds(micros(rng));
}

// The other side of a race waits (yielding) for the main thread to start `round`; false
// when the main thread gave up (quit).
inline bool await_round(const std::atomic<int>& started, int round, const std::atomic<bool>& quit) {
  while (started.load(std::memory_order_acquire) < round) {
    if (quit.load(std::memory_order_relaxed)) return false;
    std::this_thread::yield();
  }
  return true;
}

// The main thread waits for the other side to finish `round`; a side blocked for ever (a
// keyed-event release nobody takes) ends the suite instead of hanging it.
inline void await_round_or_die(const std::atomic<int>& done, int round, const char* who) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (done.load(std::memory_order_acquire) < round) {
    if (Clock::now() > deadline) {
      std::fprintf(stderr, "exec_parker: %s blocked for ever in round %d\n", who, round);
      std::fflush(stderr);
      std::_Exit(2);
    }
    std::this_thread::yield();
  }
}

}  // namespace parker_test
