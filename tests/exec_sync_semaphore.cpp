// SPDX-License-Identifier: MIT
// Semaphore: permits as RAII guards, try_acquire, add_permits, FIFO fairness with
// batch requests, close, and cancel safety (an aborted waiter gives back what it was
// assigned, and a granted one that never resumed gives back all), on both flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/join.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace pollux::exec;

namespace {

Task<int> take(Semaphore& sem, std::size_t n, std::atomic<int>& done) {
  auto [ec, permit] = co_await sem.acquire(n);
  if (ec) co_return -1;
  done.fetch_add(1);
  co_return static_cast<int>(permit.num_permits());
}

}  // namespace

TEST_CASE("permits come back when the guard goes; try_acquire and its errors") {
  Semaphore sem(3);
  {
    auto [ec, two] = sem.try_acquire(2);
    CHECK_FALSE(ec);
    CHECK(two.num_permits() == 2);
    CHECK(sem.available_permits() == 1);
    CHECK(sem.try_acquire(2).error == std::errc::resource_unavailable_try_again);
    auto one = sem.try_acquire(1);
    CHECK(one);
    CHECK(sem.available_permits() == 0);
    one.permit.forget();
  }
  CHECK(sem.available_permits() == 2);  // the forgotten one is gone for good
  CHECK(sem.try_acquire(0));
  CHECK(sem.try_acquire(Semaphore::kMaxPermits + 1).error == std::errc::invalid_argument);
  CHECK(sem.add_permits(Semaphore::kMaxPermits).value() ==
        static_cast<int>(std::errc::value_too_large));
  CHECK(sem.available_permits() == 2);
  CHECK_FALSE(sem.add_permits(5));
  CHECK(sem.available_permits() == 7);
}

TEST_CASE("add_permits refuses to pass kMaxPermits even after permits came back") {
  Semaphore sem(Semaphore::kMaxPermits);
  {
    auto all = sem.try_acquire(Semaphore::kMaxPermits);
    REQUIRE(all);
    CHECK_FALSE(sem.add_permits(Semaphore::kMaxPermits));
  }
  // The held ones came back: twice the maximum is free, and nothing more is added.
  CHECK(sem.available_permits() == 2 * Semaphore::kMaxPermits);
  CHECK(sem.add_permits(1).value() == static_cast<int>(std::errc::value_too_large));
  CHECK(sem.available_permits() == 2 * Semaphore::kMaxPermits);
}

TEST_CASE("acquire in a task: at once, zero, too many") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(2);
    const bool ok = rt.block_on([](Semaphore& sem) -> Task<bool> {
      {
        auto [ec, p] = co_await sem.acquire(2);
        if (ec || p.num_permits() != 2 || sem.available_permits() != 0) co_return false;
        auto [ec0, p0] = co_await sem.acquire(0);
        if (ec0) co_return false;
      }
      auto big = co_await sem.acquire(Semaphore::kMaxPermits + 1);
      co_return big.error == std::errc::invalid_argument && sem.available_permits() == 2;
    }(sem));
    CHECK(ok);
  }
}

TEST_CASE("waiters are served in order; a big request is not overtaken by small ones") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(0);
    std::mutex m;
    std::vector<int> order;
    const bool ok = rt.block_on([](Semaphore& sem, std::mutex& m, std::vector<int>& order) -> Task<bool> {
      const std::size_t needs[] = {1, 3, 1, 2};
      std::vector<JoinHandle<void>> hs;
      for (std::size_t i = 0; i < 4; ++i) {
        hs.push_back(spawn([](Semaphore& sem, std::size_t n, int id, std::mutex& m,
                              std::vector<int>& order) -> Task<void> {
          auto [ec, permit] = co_await sem.acquire(n);
          if (ec) co_return;
          std::lock_guard lock(m);
          order.push_back(id);
          permit.forget();  // keep them: the test hands out exactly what it wants
        }(sem, needs[i], static_cast<int>(i), m, order)));
        if (!co_await test::until([&] { return sem.waiter_count() == i + 1; })) co_return false;
      }
      // 2 permits: the first (1) runs, the second (3) takes the other one and waits;
      // the third (1) must not overtake it.
      if (sem.add_permits(2)) co_return false;
      (co_await hs[0]).value_or_throw();
      if (!co_await test::until([&] { return sem.waiter_count() == 3; })) co_return false;
      if (sem.available_permits() != 0) co_return false;
      if (sem.add_permits(2)) co_return false;  // the second has 3 now
      (co_await hs[1]).value_or_throw();
      if (sem.waiter_count() != 2) co_return false;
      if (sem.add_permits(1)) co_return false;
      (co_await hs[2]).value_or_throw();
      if (sem.add_permits(2)) co_return false;
      (co_await hs[3]).value_or_throw();
      co_return sem.available_permits() == 0;
    }(sem, m, order));
    CHECK(ok);
    CHECK(order == std::vector<int>{0, 1, 2, 3});
  }
}

TEST_CASE("two tasks play ping-pong with two semaphores") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore ping(0);
    Semaphore pong(0);
    constexpr int kRounds = 2000;
    std::atomic<int> seen{0};
    const bool ok = rt.block_on([](Semaphore& ping, Semaphore& pong, std::atomic<int>& seen) -> Task<bool> {
      auto b = spawn([](Semaphore& ping, Semaphore& pong, std::atomic<int>& seen) -> Task<bool> {
        for (int i = 0; i < kRounds; ++i) {
          auto [ec, p] = co_await ping.acquire();
          if (ec) co_return false;
          p.forget();
          seen.fetch_add(1);
          if (pong.add_permits(1)) co_return false;
        }
        co_return true;
      }(ping, pong, seen));
      for (int i = 0; i < kRounds; ++i) {
        if (ping.add_permits(1)) co_return false;
        auto [ec, p] = co_await pong.acquire();
        if (ec) co_return false;
        p.forget();
      }
      co_return (co_await b).value_or_throw();
    }(ping, pong, seen));
    CHECK(ok);
    CHECK(seen.load() == kRounds);
  }
}

TEST_CASE("an aborted head waiter gives its partial permits to the next one") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(0);
    std::atomic<int> done{0};
    const int result = rt.block_on([](Semaphore& sem, std::atomic<int>& done) -> Task<int> {
      auto a = spawn(take(sem, 3, done));
      if (!co_await test::until([&] { return sem.waiter_count() == 1; })) co_return -1;
      auto b = spawn(take(sem, 2, done));
      if (!co_await test::until([&] { return sem.waiter_count() == 2; })) co_return -2;
      if (sem.add_permits(2)) co_return -3;  // both assigned to a, which still needs one
      if (sem.available_permits() != 0) co_return -4;
      a.abort();
      if (!co_await test::was_cancelled(a)) co_return -5;
      // a's two went to b (without them, b would wait for ever: fail, not hang).
      if (!co_await test::until([&] { return done.load() == 1; })) co_return -6;
      const int got = (co_await b).value_or_throw();
      co_return got * 10 + done.load();
    }(sem, done));
    CHECK(result == 21);
    CHECK(sem.available_permits() == 2);
  }
}

TEST_CASE("a waiter granted its permits and dropped before it resumed gives them all back") {
  // current_thread: the releasing task keeps the thread, so the granted waiter cannot
  // run before it is aborted.
  auto rt = test::make_runtime(Flavor::current_thread);
  Semaphore sem(0);
  std::atomic<int> done{0};
  const int result = rt.block_on([](Semaphore& sem, std::atomic<int>& done) -> Task<int> {
    auto a = spawn(take(sem, 2, done));
    auto b = spawn(take(sem, 2, done));
    if (!co_await test::until([&] { return sem.waiter_count() == 2; })) co_return -1;
    if (sem.add_permits(2)) co_return -2;  // a is granted
    a.abort();
    if (!co_await test::was_cancelled(a)) co_return -3;
    if (!co_await test::until([&] { return done.load() == 1; })) co_return -4;
    co_return (co_await b).value_or_throw();
  }(sem, done));
  CHECK(result == 2);
  CHECK(done.load() == 1);
  CHECK(sem.available_permits() == 2);
}

TEST_CASE("a task out of budget yields before it acquires, not holding a permit") {
  // A task that acquires and releases in a loop never waits, so it yields only when its
  // cooperative budget (128 awaits) runs out. Were it to take the permit first and then
  // yield, the other task would find it held every time it runs (and on a busy
  // semaphore, queue behind a task that is not running: a convoy). It must yield first.
  // current_thread: `other` runs exactly when the loop yields.
  auto rt = test::make_runtime(Flavor::current_thread);
  Semaphore sem(1);
  struct Seen {
    int taken = 0;
    int refused = 0;
  };
  const Seen seen = rt.block_on([](Semaphore& sem) -> Task<Seen> {
    bool done = false;
    Seen seen;
    auto other = spawn([](Semaphore& sem, bool& done, Seen& seen) -> Task<void> {
      while (!done) {
        if (sem.try_acquire(1)) {
          ++seen.taken;
        } else {
          ++seen.refused;
        }
        co_await yield_now();
      }
    }(sem, done, seen));
    for (int i = 0; i < 1000; ++i) {
      auto [ec, permit] = co_await sem.acquire(1);
      if (ec) co_return Seen{-1, -1};
    }
    done = true;
    (void)co_await other;
    co_return seen;
  }(sem));
  CHECK(seen.refused == 0);
  CHECK(seen.taken >= 5);  // 1000 acquires: about 7 budgets
  CHECK(sem.available_permits() == 1);
}

TEST_CASE("a task dropped while it yields for its budget before acquiring holds nothing") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(1);
    std::atomic<int> acquires{0};
    const bool ok = rt.block_on([](Semaphore& sem, std::atomic<int>& acquires) -> Task<bool> {
      auto looper = spawn([](Semaphore& sem, std::atomic<int>& acquires) -> Task<void> {
        for (;;) {
          auto [ec, permit] = co_await sem.acquire(1);
          if (ec) co_return;
          acquires.fetch_add(1);
        }
      }(sem, acquires));
      // Past a few budgets: the loop has yielded in acquire() several times.
      if (!co_await test::until([&] { return acquires.load() > 1000; })) co_return false;
      looper.abort();
      co_return co_await test::was_cancelled(looper);
    }(sem, acquires));
    CHECK(ok);
    CHECK(sem.available_permits() == 1);
    CHECK(sem.waiter_count() == 0);
  }
}

TEST_CASE("acquire loops in join branches: out of budget, a branch yields, then acquires") {
  // The branches share their task's budget: each exhausts it many times, so acquires
  // restart after a branch's yield; holding the permit across a yield now and then makes
  // the other branch queue.
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(1);
    const int total = rt.block_on([](Semaphore& sem) -> Task<int> {
      auto loop = [](Semaphore& sem) -> Task<int> {
        int n = 0;
        for (int i = 0; i < 500; ++i) {
          auto [ec, permit] = co_await sem.acquire(1);
          if (!ec) ++n;
          if (i % 7 == 0) co_await yield_now();
        }
        co_return n;
      };
      auto [a, b] = co_await join(loop(sem), loop(sem));
      co_return a + b;
    }(sem));
    CHECK(total == 1000);
    CHECK(sem.available_permits() == 1);
    CHECK(sem.waiter_count() == 0);
  }
}

TEST_CASE("close fails the waiters and later acquires; held permits still come back") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(1);
    std::atomic<int> done{0};
    const bool ok = rt.block_on([](Semaphore& sem, std::atomic<int>& done) -> Task<bool> {
      auto held = sem.try_acquire(1);
      if (!held) co_return false;
      std::vector<JoinHandle<int>> hs;
      // More waiters than one wake batch holds.
      for (int i = 0; i < 40; ++i) hs.push_back(spawn(take(sem, 1, done)));
      if (!co_await test::until([&] { return sem.waiter_count() == 40; })) co_return false;
      sem.close();
      for (auto& h : hs) {
        if ((co_await h).value_or_throw() != -1) co_return false;
      }
      if (!sem.is_closed() || sem.waiter_count() != 0) co_return false;
      auto late = co_await sem.acquire(1);
      if (late.error != std::errc::operation_canceled) co_return false;
      if (sem.try_acquire(1).error != std::errc::operation_canceled) co_return false;
      held.permit.release();
      co_return sem.available_permits() == 1 && done.load() == 0;
    }(sem, done));
    CHECK(ok);
  }
}

TEST_CASE("close gives back the permits assigned to a waiting head") {
  auto rt = test::make_runtime(Flavor::current_thread);
  Semaphore sem(2);
  std::atomic<int> done{0};
  const int got = rt.block_on([](Semaphore& sem, std::atomic<int>& done) -> Task<int> {
    auto a = spawn(take(sem, 5, done));
    co_await test::until([&] { return sem.waiter_count() == 1; });
    sem.close();
    co_return (co_await a).value_or_throw();
  }(sem, done));
  CHECK(got == -1);
  CHECK(sem.available_permits() == 2);
}

TEST_CASE("stress: four tasks never hold more than the permits, on multi_thread") {
  const int rounds = test::kSanitized ? 2000 : 20000;
  auto rt = test::make_runtime(Flavor::multi_thread, 4);
  Semaphore sem(3);
  std::atomic<int> in_use{0};
  std::atomic<int> over{0};
  rt.block_on([](Semaphore& sem, std::atomic<int>& in_use, std::atomic<int>& over, int rounds) -> Task<void> {
    std::vector<JoinHandle<void>> hs;
    for (int t = 0; t < 4; ++t) {
      hs.push_back(spawn([](Semaphore& sem, std::atomic<int>& in_use, std::atomic<int>& over,
                            int rounds, int t) -> Task<void> {
        for (int i = 0; i < rounds; ++i) {
          const std::size_t n = static_cast<std::size_t>(1 + (i + t) % 2);
          auto [ec, permit] = co_await sem.acquire(n);
          if (ec) co_return;
          if (in_use.fetch_add(static_cast<int>(n)) + static_cast<int>(n) > 3) over.fetch_add(1);
          if (i % 3 == 0) co_await yield_now();
          in_use.fetch_sub(static_cast<int>(n));
        }
      }(sem, in_use, over, rounds, t)));
    }
    for (auto& h : hs) (co_await h).value_or_throw();
  }(sem, in_use, over, rounds));
  CHECK(over.load() == 0);
  CHECK(sem.available_permits() == 3);
}

TEST_CASE("stress: aborted waiters racing releases lose no permit") {
  const int rounds = test::kSanitized ? 20 : 200;
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f, 4);
    int bad_round = -1;
    for (int r = 0; r < rounds && bad_round < 0; ++r) {
      Semaphore sem(0);
      std::atomic<int> done{0};
      const bool ok = rt.block_on([](Semaphore& sem, std::atomic<int>& done) -> Task<bool> {
        std::vector<JoinHandle<int>> hs;
        for (std::size_t i = 0; i < 8; ++i) hs.push_back(spawn(take(sem, 1 + i % 3, done)));
        if (!co_await test::until([&] { return sem.waiter_count() == 8; })) co_return false;
        auto aborter = spawn([](std::vector<JoinHandle<int>>& hs) -> Task<void> {
          for (std::size_t i = 0; i < hs.size(); i += 2) hs[i].abort();
          co_return;
        }(hs));
        for (int i = 0; i < 6; ++i) {
          if (sem.add_permits(1)) co_return false;
        }
        (co_await aborter).value_or_throw();
        // Whatever ran gave its permits back on return, and whatever was dropped gave
        // back what it had been assigned: feed the rest, then all 6 + 16 must be free.
        if (sem.add_permits(16)) co_return false;
        for (auto& h : hs) co_await test::was_cancelled(h);
        co_return sem.available_permits() == 22 && sem.waiter_count() == 0;
      }(sem, done));
      if (!ok) bad_round = r;
    }
    CHECK(bad_round == -1);
  }
}

TEST_CASE("blocking_acquire: a plain thread waits its turn; a runtime's thread is refused") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Semaphore sem(0);
    std::size_t got = 0;
    std::thread thread([&sem, &got] {
      auto [ec, permit] = sem.blocking_acquire(2);
      if (!ec) got = permit.num_permits();
    });
    const bool ok = rt.block_on([](Semaphore& sem) -> Task<bool> {
      auto refused = sem.blocking_acquire(1);
      if (refused.error != std::errc::resource_deadlock_would_occur) co_return false;
      if (!co_await test::until([&] { return sem.waiter_count() == 1; })) co_return false;
      if (sem.add_permits(2)) co_return false;
      // The thread gives its two back when it is done; then a task gets them.
      auto [ec, p] = co_await sem.acquire(2);
      co_return !ec;
    }(sem));
    thread.join();
    CHECK(ok);
    CHECK(got == 2);
    sem.close();
    CHECK(sem.blocking_acquire(1).error == std::errc::operation_canceled);
  }
}
