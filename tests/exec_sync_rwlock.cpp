// SPDX-License-Identifier: MIT
// RwLock<T>: readers together, a writer alone, one FIFO queue (a waiting writer holds
// back later readers), try_read/try_write, cancel safety (an aborted writer gives back
// what it was handed), and the blocking halves, on both runtime flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/rwlock.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace pollux::exec;

TEST_CASE("readers share; a writer excludes everyone") {
  RwLock<int> lock(1);
  auto r1 = lock.try_read();
  auto r2 = lock.try_read();
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(*r1.guard + *r2.guard == 2);
  CHECK(lock.try_write().error == std::errc::resource_unavailable_try_again);
  r1.guard.unlock();
  r2.guard.unlock();
  auto w = lock.try_write();
  REQUIRE(w);
  *w.guard = 3;
  CHECK(lock.try_read().error == std::errc::resource_unavailable_try_again);
  w.guard.unlock();
  CHECK(*lock.try_read().guard == 3);
}

TEST_CASE("a waiting writer goes before the readers that came after it") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    RwLock<std::string> lock;
    const std::string result = rt.block_on([](RwLock<std::string>& lock) -> Task<std::string> {
      auto reading = co_await lock.read();
      auto writer = spawn([](RwLock<std::string>& lock) -> Task<void> {
        auto w = co_await lock.write();
        *w += "w";
      }(lock));
      // Once the writer waits for `reading`, a new reader must not overtake it.
      if (!co_await test::until([&] { return !lock.try_read(); })) co_return "writer?";
      auto reader = spawn([](RwLock<std::string>& lock) -> Task<void> {
        auto r = co_await lock.read();
        (void)r;
      }(lock));
      co_await sleep(std::chrono::milliseconds(5));
      reading.unlock();
      (void)co_await writer;
      (void)co_await reader;
      auto r = co_await lock.read();
      co_return *r;
    }(lock));
    CHECK(result == "w");
  }
}

TEST_CASE("an aborted writer gives back what it held: the readers behind it go on") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    RwLock<int> lock(7);
    const int result = rt.block_on([](RwLock<int>& lock) -> Task<int> {
      auto reading = co_await lock.read();  // the writer takes all the other permits
      auto writer = spawn([](RwLock<int>& lock) -> Task<void> {
        auto w = co_await lock.write();
        *w = -1;
      }(lock));
      if (!co_await test::until([&] { return !lock.try_read(); })) co_return -3;
      auto reader = spawn([](RwLock<int>& lock) -> Task<int> {
        auto r = co_await lock.read();
        co_return *r;
      }(lock));
      co_await sleep(std::chrono::milliseconds(5));
      writer.abort();
      if (!co_await test::was_cancelled(writer)) co_return -2;
      const int seen = (co_await reader).value_or_throw();  // while `reading` still holds its share
      co_return seen;
    }(lock));
    CHECK(result == 7);
  }
}

TEST_CASE("readers and writers from tasks and threads keep the data consistent") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    struct Pair {
      long a = 0;
      long b = 0;
    };
    RwLock<Pair> lock;
    constexpr int kEach = test::kSanitized ? 100 : 1000;
    std::atomic<bool> threads_ok{true};
    std::thread writer_thread([&] {
      for (int i = 0; i < kEach; ++i) {
        auto [ec, w] = lock.blocking_write();
        if (ec) {
          threads_ok = false;
          return;
        }
        ++w->a;
        ++w->b;
      }
    });
    std::thread reader_thread([&] {
      for (int i = 0; i < kEach; ++i) {
        auto [ec, r] = lock.blocking_read();
        if (ec || r->a != r->b) threads_ok = false;
      }
    });
    const bool ok = rt.block_on([](RwLock<Pair>& lock) -> Task<bool> {
      if (lock.blocking_read().error != std::errc::resource_deadlock_would_occur) co_return false;
      if (lock.blocking_write().error != std::errc::resource_deadlock_would_occur) co_return false;
      auto w = spawn([](RwLock<Pair>& lock) -> Task<bool> {
        for (int i = 0; i < kEach; ++i) {
          auto g = co_await lock.write();
          ++g->a;
          if (i % 8 == 0) co_await yield_now();
          ++g->b;
        }
        co_return true;
      }(lock));
      auto r = spawn([](RwLock<Pair>& lock) -> Task<bool> {
        bool consistent = true;
        for (int i = 0; i < kEach; ++i) {
          auto g = co_await lock.read();
          consistent = consistent && g->a == g->b;
        }
        co_return consistent;
      }(lock));
      co_return (co_await w).value_or_throw() && (co_await r).value_or_throw();
    }(lock));
    writer_thread.join();
    reader_thread.join();
    CHECK(ok);
    CHECK(threads_ok.load());
    auto r = lock.try_read();
    REQUIRE(r);
    CHECK(r.guard->a == 2 * kEach);
  }
}
