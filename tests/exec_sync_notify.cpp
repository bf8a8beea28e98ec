// SPDX-License-Identifier: MIT
// Notify: the stored permit, notify_waiters, FIFO order, ping-pong between tasks, and
// cancel safety (a chosen waiter that is dropped hands its notification on), on both
// runtime flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

using namespace pollux::exec;

namespace {

Task<void> wait_and_count(Notify& n, std::atomic<int>& done) {
  co_await n.notified();
  done.fetch_add(1);
}

}  // namespace

TEST_CASE("notify_one before anyone waits stores one permit, not two") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Notify n;
    std::atomic<int> done{0};
    const bool ok = rt.block_on([](Notify& n, std::atomic<int>& done) -> Task<bool> {
      n.notify_one();
      n.notify_one();
      co_await n.notified();  // the permit: at once
      auto h = spawn(wait_and_count(n, done));
      // The second notify_one was absorbed: the task waits.
      if (!co_await test::until([&] { return n.waiter_count() == 1; })) co_return false;
      if (done.load() != 0) co_return false;
      n.notify_one();
      (co_await h).value_or_throw();
      co_return done.load() == 1 && n.waiter_count() == 0;
    }(n, done));
    CHECK(ok);
  }
}

TEST_CASE("notify_waiters wakes every waiter and stores no permit") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Notify n;
    std::atomic<int> done{0};
    const int result = rt.block_on([](Notify& n, std::atomic<int>& done) -> Task<int> {
      // More waiters than one wake batch holds.
      constexpr int kWaiters = 70;
      std::vector<JoinHandle<void>> hs;
      for (int i = 0; i < kWaiters; ++i) hs.push_back(spawn(wait_and_count(n, done)));
      if (!co_await test::until([&] { return n.waiter_count() == kWaiters; })) co_return -1;
      n.notify_waiters();
      for (auto& h : hs) (co_await h).value_or_throw();
      if (done.load() != kWaiters) co_return -2;
      auto late = spawn(wait_and_count(n, done));
      if (!co_await test::until([&] { return n.waiter_count() == 1; })) co_return -3;
      n.notify_one();
      (co_await late).value_or_throw();
      co_return done.load();
    }(n, done));
    CHECK(result == 71);
  }
}

TEST_CASE("a notified() created before notify_waiters completes at once") {
  auto rt = test::make_runtime(Flavor::current_thread);
  Notify n;
  rt.block_on([](Notify& n) -> Task<void> {
    Notified pending = n.notified();
    n.notify_waiters();
    (void)co_await std::move(pending);
  }(n));
  CHECK(n.waiter_count() == 0);
}

TEST_CASE("notify_one wakes waiters in the order they came") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Notify n;
    std::mutex m;
    std::vector<int> order;
    const bool ok = rt.block_on([](Notify& n, std::mutex& m, std::vector<int>& order) -> Task<bool> {
      constexpr int kWaiters = 8;
      std::vector<JoinHandle<void>> hs;
      for (int i = 0; i < kWaiters; ++i) {
        hs.push_back(spawn([](Notify& n, std::mutex& m, std::vector<int>& order, int i) -> Task<void> {
          co_await n.notified();
          std::lock_guard lock(m);
          order.push_back(i);
        }(n, m, order, i)));
        const auto queued = static_cast<std::size_t>(i + 1);
        if (!co_await test::until([&] { return n.waiter_count() == queued; })) co_return false;
      }
      for (int i = 0; i < kWaiters; ++i) {
        n.notify_one();
        (co_await hs[static_cast<std::size_t>(i)]).value_or_throw();
      }
      co_return true;
    }(n, m, order));
    CHECK(ok);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  }
}

TEST_CASE("two tasks play ping-pong") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Notify ping;
    Notify pong;
    constexpr int kRounds = 2000;
    std::atomic<int> seen{0};
    rt.block_on([](Notify& ping, Notify& pong, std::atomic<int>& seen) -> Task<void> {
      auto b = spawn([](Notify& ping, Notify& pong, std::atomic<int>& seen) -> Task<void> {
        for (int i = 0; i < kRounds; ++i) {
          co_await ping.notified();
          seen.fetch_add(1);
          pong.notify_one();
        }
      }(ping, pong, seen));
      for (int i = 0; i < kRounds; ++i) {
        ping.notify_one();
        co_await pong.notified();
      }
      (co_await b).value_or_throw();
    }(ping, pong, seen));
    CHECK(seen.load() == kRounds);
  }
}

TEST_CASE("an aborted waiter leaves the list: the next notify_one goes to a live one") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Notify n;
    std::atomic<int> done{0};
    const int result = rt.block_on([](Notify& n, std::atomic<int>& done) -> Task<int> {
      auto a = spawn(wait_and_count(n, done));
      if (!co_await test::until([&] { return n.waiter_count() == 1; })) co_return -1;
      auto b = spawn(wait_and_count(n, done));
      if (!co_await test::until([&] { return n.waiter_count() == 2; })) co_return -2;
      a.abort();
      if (!co_await test::was_cancelled(a)) co_return -3;
      if (n.waiter_count() != 1) co_return -4;
      n.notify_one();
      (co_await b).value_or_throw();
      co_return done.load();
    }(n, done));
    CHECK(result == 1);
  }
}

TEST_CASE("a waiter chosen by notify_one and dropped before it ran passes the notification on") {
  // current_thread: the notifying task keeps the thread, so the chosen waiter cannot
  // run before it is aborted.
  auto rt = test::make_runtime(Flavor::current_thread);
  Notify n;
  std::atomic<int> done{0};
  const int result = rt.block_on([](Notify& n, std::atomic<int>& done) -> Task<int> {
    auto a = spawn(wait_and_count(n, done));
    auto b = spawn(wait_and_count(n, done));
    if (!co_await test::until([&] { return n.waiter_count() == 2; })) co_return -1;
    n.notify_one();  // chooses a
    a.abort();
    if (!co_await test::was_cancelled(a)) co_return -2;
    // b got a's notification (without it, b would wait for ever: fail, not hang).
    if (!co_await test::until([&] { return done.load() == 1; })) co_return -3;
    (co_await b).value_or_throw();
    co_return done.load();
  }(n, done));
  CHECK(result == 1);
  CHECK(n.waiter_count() == 0);
}

TEST_CASE("a chosen waiter dropped with nobody else waiting leaves the permit") {
  auto rt = test::make_runtime(Flavor::current_thread);
  Notify n;
  std::atomic<int> done{0};
  rt.block_on([](Notify& n, std::atomic<int>& done) -> Task<void> {
    auto a = spawn(wait_and_count(n, done));
    co_await test::until([&] { return n.waiter_count() == 1; });
    n.notify_one();
    a.abort();
    co_await test::was_cancelled(a);
    auto c = spawn(wait_and_count(n, done));  // the permit came back: c does not wait
    if (co_await test::until([&] { return done.load() == 1; })) (co_await c).value_or_throw();
  }(n, done));
  CHECK(done.load() == 1);
}

TEST_CASE("stress: aborts racing notify_one lose no notification") {
  // k waiters; half are aborted while k/2 notifications are sent. Each notification
  // reaches a task that completes, unless it went to one being dropped, which passes
  // it on; live waiters always outnumber notifications, so exactly k/2 complete.
  const int rounds = test::kSanitized ? 20 : 200;
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f, 4);
    int bad_round = -1;
    for (int r = 0; r < rounds && bad_round < 0; ++r) {
      Notify n;
      std::atomic<int> done{0};
      const bool ok = rt.block_on([](Notify& n, std::atomic<int>& done) -> Task<bool> {
        constexpr int kWaiters = 8;
        std::vector<JoinHandle<void>> hs;
        for (int i = 0; i < kWaiters; ++i) hs.push_back(spawn(wait_and_count(n, done)));
        if (!co_await test::until([&] { return n.waiter_count() == kWaiters; })) co_return false;
        auto aborter = spawn([](std::vector<JoinHandle<void>>& hs) -> Task<void> {
          for (std::size_t i = 0; i < hs.size(); i += 2) hs[i].abort();
          co_return;
        }(hs));
        for (int i = 0; i < kWaiters / 2; ++i) n.notify_one();
        (co_await aborter).value_or_throw();
        int cancelled = 0;
        for (std::size_t i = 0; i < hs.size(); i += 2) cancelled += co_await test::was_cancelled(hs[i]) ? 1 : 0;
        const int live = kWaiters - cancelled;
        if (!co_await test::until([&] {
              return done.load() == kWaiters / 2 &&
                     n.waiter_count() == static_cast<std::size_t>(live - kWaiters / 2);
            }))
          co_return false;
        // Release the rest; no permit may be left over.
        n.notify_waiters();
        for (std::size_t i = 1; i < hs.size(); i += 2) (co_await hs[i]).value_or_throw();
        co_return done.load() == live;
      }(n, done));
      if (!ok) bad_round = r;
    }
    CHECK(bad_round == -1);
  }
}

TEST_CASE("stress: four tasks, two ping-pong pairs, on multi_thread") {
  const int rounds = test::kSanitized ? 2000 : 20000;
  auto rt = test::make_runtime(Flavor::multi_thread, 4);
  struct Pair {
    Notify ping, pong;
    std::atomic<int> seen{0};
  };
  auto pairs = std::make_unique<Pair[]>(2);
  rt.block_on([](Pair* pairs, int rounds) -> Task<void> {
    std::vector<JoinHandle<void>> hs;
    for (int p = 0; p < 2; ++p) {
      hs.push_back(spawn([](Pair& pr, int rounds) -> Task<void> {
        for (int i = 0; i < rounds; ++i) {
          co_await pr.ping.notified();
          pr.seen.fetch_add(1);
          pr.pong.notify_one();
        }
      }(pairs[p], rounds)));
      hs.push_back(spawn([](Pair& pr, int rounds) -> Task<void> {
        for (int i = 0; i < rounds; ++i) {
          pr.ping.notify_one();
          co_await pr.pong.notified();
        }
      }(pairs[p], rounds)));
    }
    for (auto& h : hs) (co_await h).value_or_throw();
  }(pairs.get(), rounds));
  CHECK(pairs[0].seen.load() == rounds);
  CHECK(pairs[1].seen.load() == rounds);
}
