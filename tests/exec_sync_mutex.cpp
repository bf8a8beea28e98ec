// SPDX-License-Identifier: MIT
// Mutex<T>: exclusion under contention (also across awaits), FIFO order, try_lock and an
// early unlock, cancel safety (an aborted waiter leaves the queue; one handed the lock
// before it resumed unlocks it), and blocking_lock from plain threads (refused on a
// runtime's thread), on both runtime flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/mutex.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <thread>
#include <vector>

using namespace pollux::exec;

namespace {

Task<bool> add_many(Mutex<long>& m, int n) {
  for (int i = 0; i < n; ++i) {
    MutexGuard<long> guard = co_await m.lock();
    const long seen = *guard;
    if (i % 8 == 0) co_await yield_now();  // held across a suspension
    *guard = seen + 1;
  }
  co_return true;
}

}  // namespace

TEST_CASE("tasks that increment under the lock lose no update") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Mutex<long> m(0);
    constexpr int kEach = test::kSanitized ? 200 : 2000;
    const bool ok = rt.block_on([](Mutex<long>& m) -> Task<bool> {
      std::vector<JoinHandle<bool>> hs;
      for (int t = 0; t < 4; ++t) hs.push_back(spawn(add_many(m, kEach)));
      bool all = true;
      for (auto& h : hs) all = (co_await h).value_or_throw() && all;
      co_return all;
    }(m));
    CHECK(ok);
    auto [ec, guard] = m.try_lock();
    REQUIRE_FALSE(ec);
    CHECK(*guard == 4 * kEach);
  }
}

TEST_CASE("try_lock, an early unlock, and a guard that moves") {
  Mutex<int> m(1);
  {
    auto first = m.try_lock();
    REQUIRE(first);
    CHECK(m.is_locked());
    CHECK(m.try_lock().error == std::errc::resource_unavailable_try_again);
    MutexGuard<int> moved = std::move(first.guard);
    CHECK_FALSE(first.guard);
    *moved = 2;
    moved.unlock();
    CHECK_FALSE(moved);
    CHECK_FALSE(m.is_locked());
  }
  auto again = m.try_lock();
  REQUIRE(again);
  CHECK(*again.guard == 2);
}

TEST_CASE("waiters get the lock in FIFO order") {
  // current_thread: each spawned waiter runs (and queues) when the main task yields.
  auto rt = test::make_runtime(Flavor::current_thread);
  Mutex<std::vector<int>> m;
  const bool ok = rt.block_on([](Mutex<std::vector<int>>& m) -> Task<bool> {
    auto held = co_await m.lock();
    std::vector<JoinHandle<void>> hs;
    for (int i = 0; i < 4; ++i) {
      hs.push_back(spawn([](Mutex<std::vector<int>>& m, int i) -> Task<void> {
        auto g = co_await m.lock();
        g->push_back(i);
      }(m, i)));
      co_await yield_now();
    }
    held.unlock();
    for (auto& h : hs) (void)co_await h;
    auto g = co_await m.lock();
    co_return *g == std::vector<int>{0, 1, 2, 3};
  }(m));
  CHECK(ok);
}

TEST_CASE("a task aborted while it waits for the lock leaves the queue") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Mutex<int> m(0);
    const int result = rt.block_on([](Mutex<int>& m) -> Task<int> {
      auto held = co_await m.lock();
      auto dropped = spawn([](Mutex<int>& m) -> Task<void> {
        auto g = co_await m.lock();
        *g = -100;
      }(m));
      co_await sleep(std::chrono::milliseconds(5));
      auto next = spawn([](Mutex<int>& m) -> Task<void> {
        auto g = co_await m.lock();
        *g += 1;
      }(m));
      co_await sleep(std::chrono::milliseconds(5));
      dropped.abort();
      if (!co_await test::was_cancelled(dropped)) co_return -1;
      held.unlock();
      (void)co_await next;
      auto g = co_await m.lock();
      co_return *g;
    }(m));
    CHECK(result == 1);
  }
}

TEST_CASE("a task handed the lock and aborted before it resumed unlocks it") {
  // current_thread: the unlocking task keeps the thread, so the waiter it handed the
  // lock to cannot run before it is aborted.
  auto rt = test::make_runtime(Flavor::current_thread);
  Mutex<int> m(0);
  const bool ok = rt.block_on([](Mutex<int>& m) -> Task<bool> {
    auto held = co_await m.lock();
    auto waiter = spawn([](Mutex<int>& m) -> Task<void> {
      auto g = co_await m.lock();
      *g = 5;
    }(m));
    co_await yield_now();
    held.unlock();  // handed to the waiter
    if (!m.is_locked()) co_return false;
    waiter.abort();
    if (!co_await test::was_cancelled(waiter)) co_return false;
    auto g = m.try_lock();
    co_return g && *g.guard == 0;
  }(m));
  CHECK(ok);
}

TEST_CASE("blocking_lock: plain threads and tasks share one lock; a runtime's thread is refused") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Mutex<long> m(0);
    constexpr int kEach = test::kSanitized ? 200 : 2000;
    std::atomic<bool> threads_ok{true};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&m, &threads_ok] {
        for (int i = 0; i < kEach; ++i) {
          auto [ec, g] = m.blocking_lock();
          if (ec) {
            threads_ok = false;
            return;
          }
          ++*g;
        }
      });
    }
    const bool ok = rt.block_on([](Mutex<long>& m) -> Task<bool> {
      if (m.blocking_lock().error != std::errc::resource_deadlock_would_occur) co_return false;
      auto a = spawn(add_many(m, kEach));
      auto b = spawn(add_many(m, kEach));
      co_return (co_await a).value_or_throw() && (co_await b).value_or_throw();
    }(m));
    for (auto& t : threads) t.join();
    CHECK(ok);
    CHECK(threads_ok.load());
    auto [ec, guard] = m.try_lock();
    REQUIRE_FALSE(ec);
    CHECK(*guard == 4 * kEach);
  }
}
