// SPDX-License-Identifier: MIT
// spawn_blocking: values and exceptions reach the joiner, the pool's bound holds, and
// a blocking call wakes the task that waits for it on either flavour.

#include "exec_util.hpp"

#include <pollux/exec/runtime.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {
constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};
}

TEST_CASE("spawn_blocking returns its value to an awaiting task") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto h = rt.spawn_blocking([] {
      std::this_thread::sleep_for(5ms);
      return 11;
    });
    CHECK(rt.block_on([](JoinHandle<int> h) -> Task<int> { co_return (co_await std::move(h)).value_or_throw(); }(
              std::move(h))) == 11);
  }
}

TEST_CASE("an exception in a blocking call reaches the joiner") {
  auto rt = test::make_runtime(Flavor::multi_thread);
  auto h = rt.spawn_blocking([]() -> int { throw std::out_of_range("blocking"); });
  CHECK_THROWS_AS(rt.block_on([](JoinHandle<int> h) -> Task<int> {
    co_return (co_await std::move(h)).value_or_throw();
  }(std::move(h))), std::out_of_range);
}

TEST_CASE("the blocking pool never runs more threads than its bound") {
  RuntimeOptions options;
  options.workers = 2;
  options.max_blocking_threads = 3;
  std::error_code ec;
  auto rt = Runtime::create(options, ec);
  REQUIRE(!ec);
  std::atomic<int> running{0}, peak{0}, done{0};
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < 12; ++i) {
    handles.push_back(rt.spawn_blocking([&] {
      const int now = running.fetch_add(1) + 1;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      std::this_thread::sleep_for(10ms);
      running.fetch_sub(1);
      done.fetch_add(1);
    }));
  }
  rt.block_on([](std::vector<JoinHandle<void>>* hs) -> Task<void> {
    for (auto& h : *hs) (co_await std::move(h)).value_or_throw();
  }(&handles));
  CHECK(done.load() == 12);
  CHECK(peak.load() <= 3);
  CHECK(peak.load() >= 1);
}

TEST_CASE("a blocking call may spawn onto its runtime") {
  auto rt = test::make_runtime(Flavor::multi_thread);
  auto h = rt.spawn_blocking([] {
    return spawn([]() -> Task<int> { co_return 5; }());
  });
  CHECK(rt.block_on([](JoinHandle<JoinHandle<int>> h) -> Task<int> {
    auto inner = (co_await std::move(h)).value_or_throw();
    co_return (co_await std::move(inner)).value_or_throw();
  }(std::move(h))) == 5);
}

TEST_CASE("shutdown cancels queued blocking calls and waits for running ones") {
  RuntimeOptions options;
  options.max_blocking_threads = 1;
  std::error_code ec;
  auto rt = Runtime::create(options, ec);
  REQUIRE(!ec);
  std::atomic<bool> started{false}, finished{false};
  auto running = rt.spawn_blocking([&] {
    started.store(true);
    std::this_thread::sleep_for(50ms);
    finished.store(true);
  });
  auto queued = rt.spawn_blocking([] { return 1; });
  REQUIRE(test::eventually([&] { return started.load(); }));
  CHECK_FALSE(rt.shutdown());
  CHECK(finished.load());
  CHECK(running.is_finished());
  CHECK(queued.is_finished());
}

// Idle pool threads park on Parkers (parking_lot's protocol): a submit claims one under
// the pool's lock and wakes it after unlocking. Calls that arrive just as an idle thread's
// keep-alive runs out race with its timed_out() check; none may be lost or run twice.
TEST_CASE("calls that race with idle threads' keep-alive all run, once") {
  RuntimeOptions options;
  options.workers = 1;
  options.max_blocking_threads = 2;
  options.blocking_keep_alive = 1ms;
  std::error_code ec;
  auto rt = Runtime::create(options, ec);
  REQUIRE(!ec);
  constexpr int kCalls = 300;
  std::atomic<int> runs{0};
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < kCalls; ++i) {
    handles.push_back(rt.spawn_blocking([&] { runs.fetch_add(1); }));
    // Every few calls, a pause around the keep-alive, so that threads go idle and time out.
    if (i % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(i % 2000));
  }
  rt.block_on([](std::vector<JoinHandle<void>>* hs) -> Task<void> {
    for (auto& h : *hs) (co_await std::move(h)).value_or_throw();
  }(&handles));
  CHECK(runs.load() == kCalls);
}

TEST_CASE("shutdown wakes the idle blocking threads and joins them") {
  RuntimeOptions options;
  options.max_blocking_threads = 4;
  std::error_code ec;
  auto rt = Runtime::create(options, ec);
  REQUIRE(!ec);
  std::atomic<int> started{0};
  std::atomic<bool> release{false};
  std::vector<JoinHandle<void>> handles;
  // Four threads at once, then all idle (the default keep-alive is 10 s).
  for (int i = 0; i < 4; ++i) {
    handles.push_back(rt.spawn_blocking([&] {
      started.fetch_add(1);
      while (!release.load()) std::this_thread::yield();
    }));
  }
  REQUIRE(test::eventually([&] { return started.load() == 4; }));
  release.store(true);
  rt.block_on([](std::vector<JoinHandle<void>>* hs) -> Task<void> {
    for (auto& h : *hs) (co_await std::move(h)).value_or_throw();
  }(&handles));
  // Joins the four parked threads: returns only if each was woken (the suite's timeout
  // guards against a hang).
  CHECK_FALSE(rt.shutdown());
}

TEST_CASE("a keep-alive past the clock's range keeps idle threads; a negative one is refused") {
  std::error_code ec;
  RuntimeOptions bad;
  bad.blocking_keep_alive = -1ms;
  for (Flavor f : kFlavors) {
    bad.flavor = f;
    auto rt = Runtime::create(bad, ec);
    CHECK(ec == std::errc::invalid_argument);
  }
  // The deadline now + keep-alive would overflow the clock: the idle thread waits for
  // work without one (UBSan reports the overflow; the thread must not exit at once).
  RuntimeOptions options;
  options.blocking_keep_alive = std::chrono::milliseconds::max();
  auto rt = Runtime::create(options, ec);
  REQUIRE(!ec);
  // Each call returns how many calls its thread has run: 2 means a thread was reused.
  auto run = [&] {
    return rt.block_on([](JoinHandle<int> h) -> Task<int> {
      co_return (co_await std::move(h)).value_or_throw();
    }(rt.spawn_blocking([] {
      thread_local int calls = 0;
      return ++calls;
    })));
  };
  REQUIRE(run() == 1);
  // Once the thread is idle the next call goes to it; before, a new thread may take it.
  CHECK(test::eventually([&] { return run() > 1; }));
  CHECK_FALSE(rt.shutdown());
}
