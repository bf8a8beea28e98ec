// SPDX-License-Identifier: MIT
// select() and join(): branches run inside the awaiting task; select gives the first
// to finish and destroys the others before it returns; join waits for all and fails
// fast; both nest, yield, and cancel with the task. On both runtime flavours.

#include "exec_sync_util.hpp"
#include "exec_task_check.hpp"

#include <pollux/exec/coop.hpp>
#include <pollux/exec/join.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/select.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/sync/oneshot.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

Task<int> after(Notify& n, int value) {
  co_await n.notified();
  co_return value;
}

Task<int> tracked_wait(test::Tracker, Notify& n, int value) {
  co_await n.notified();
  co_return value;
}

Task<int> ready(int value) { co_return value; }

}  // namespace

TEST_CASE("select: the first branch to finish wins; the others are gone before it returns") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify a;
      Notify b;
      test::Tracker::live = 0;
      // b is notified by another task while both branches wait.
      auto h = spawn([](Notify& b) -> Task<void> {
        co_await sleep(1ms);
        b.notify_one();
      }(b));
      auto r = co_await select(tracked_wait(test::Tracker{}, a, 1), after(b, 2));
      TASK_CHECK(r.index() == 1);
      TASK_CHECK(std::get<1>(r) == 2);
      // The loser's frame is destroyed, and its Notify waiter deregistered.
      TASK_CHECK(test::Tracker::live.load() == 0);
      TASK_CHECK(a.waiter_count() == 0);
      (void)co_await h;

      // A branch done without waiting wins at once; the later ones never start.
      bool started = false;
      auto r2 = co_await select(ready(7), [](bool& s) -> Task<int> {
        s = true;
        co_return 8;
      }(started));
      TASK_CHECK(r2.index() == 0);
      TASK_CHECK(std::get<0>(r2) == 7);
      TASK_CHECK(!started);
    }());
  }
}

TEST_CASE("select over awaitables that are not tasks: notified(), recv(), sleep, void") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify n;
      auto [tx, rx] = oneshot::channel<int>();
      auto h = spawn([](oneshot::Sender<int> tx) -> Task<void> {
        co_await sleep(1ms);
        (void)tx.send(42);
      }(std::move(tx)));
      auto r = co_await select(n.notified(), rx.recv(), sleep(1h));
      TASK_REQUIRE(r.index() == 1);
      TASK_CHECK(std::get<1>(r).value == 42);
      TASK_CHECK(n.waiter_count() == 0);
      (void)co_await h;

      // void branches give std::monostate; a permit makes notified() win at once.
      n.notify_one();
      auto r2 = co_await select(sleep(1h), n.notified());
      TASK_CHECK(r2.index() == 1);
      TASK_CHECK(n.waiter_count() == 0);
    }());
  }
}

TEST_CASE("select: the winner's exception is rethrown; an empty task throws EINVAL") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify n;
      test::Tracker::live = 0;
      std::string what;
      try {
        (void)co_await select(tracked_wait(test::Tracker{}, n, 1), []() -> Task<int> {
          co_await yield_now();
          throw std::runtime_error("branch");
        }());
      } catch (const std::runtime_error& e) {
        what = e.what();
      }
      TASK_CHECK(what == "branch");
      TASK_CHECK(test::Tracker::live.load() == 0);
      TASK_CHECK(n.waiter_count() == 0);

      bool einval = false;
      try {
        (void)co_await select(sleep(1h), Task<int>{});
      } catch (const std::system_error& e) {
        einval = e.code() == std::errc::invalid_argument;
      }
      TASK_CHECK(einval);
    }());
  }
}

TEST_CASE("select and join nest: a branch that selects, a join inside a select") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify a, b, c;
      test::Tracker::live = 0;
      auto inner = [](Notify& a, Notify& b) -> Task<int> {
        auto r = co_await select(after(a, 1), after(b, 2));
        co_return r.index() == 0 ? std::get<0>(r) : std::get<1>(r);
      };
      auto h = spawn([](Notify& b) -> Task<void> {
        co_await sleep(1ms);
        b.notify_one();
      }(b));
      auto r = co_await select(inner(a, b), tracked_wait(test::Tracker{}, c, 3));
      TASK_REQUIRE(r.index() == 0);
      TASK_CHECK(std::get<0>(r) == 2);
      TASK_CHECK(test::Tracker::live.load() == 0);
      TASK_CHECK(a.waiter_count() == 0);
      TASK_CHECK(c.waiter_count() == 0);
      (void)co_await h;

      // The outer branch wins while the inner select still waits: both of its branches
      // go too.
      auto h2 = spawn([](Notify& c) -> Task<void> {
        co_await sleep(1ms);
        c.notify_one();
      }(c));
      auto r2 = co_await select(join(after(a, 1), after(b, 2)), after(c, 3));
      TASK_CHECK(r2.index() == 1);
      TASK_CHECK(a.waiter_count() == 0);
      TASK_CHECK(b.waiter_count() == 0);
      (void)co_await h2;
    }());
  }
}

TEST_CASE("join: waits for every branch concurrently and gives their values in order") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      // Each branch needs the other to progress: only concurrent branches finish.
      Notify ping, pong;
      auto left = [](Notify& ping, Notify& pong) -> Task<int> {
        for (int i = 0; i < 100; ++i) {
          ping.notify_one();
          co_await pong.notified();
        }
        co_return 1;
      };
      auto right = [](Notify& ping, Notify& pong) -> Task<std::string> {
        for (int i = 0; i < 100; ++i) {
          co_await ping.notified();
          pong.notify_one();
        }
        co_return "two";
      };
      auto [x, y, z] = co_await join(left(ping, pong), right(ping, pong), sleep(1ms));
      TASK_CHECK(x == 1);
      TASK_CHECK(y == "two");
      TASK_CHECK(z == std::monostate{});
    }());
  }
}

TEST_CASE("join fails fast: a branch that throws cancels the others") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify n;
      test::Tracker::live = 0;
      bool thrown = false;
      try {
        (void)co_await join(tracked_wait(test::Tracker{}, n, 1), []() -> Task<void> {
          co_await sleep(1ms);
          throw std::runtime_error("join");
        }());
      } catch (const std::runtime_error&) {
        thrown = true;
      }
      TASK_CHECK(thrown);
      TASK_CHECK(test::Tracker::live.load() == 0);
      TASK_CHECK(n.waiter_count() == 0);
    }());
  }
}

TEST_CASE("a branch that yields lets the other tasks run") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      // On current_thread the flag is set only if the selecting task really yields to
      // the scheduler: a branch that spins on yield_now would otherwise loop for ever
      // (bounded here, so a failure is reported rather than hung).
      std::atomic<bool> flag{false};
      auto h = spawn([](std::atomic<bool>& flag) -> Task<void> {
        flag.store(true);
        co_return;
      }(flag));
      auto spin = [](std::atomic<bool>& flag) -> Task<bool> {
        for (long i = 0; i < 10'000'000 && !flag.load(); ++i) co_await yield_now();
        co_return flag.load();
      };
      Notify never;
      auto r = co_await select(never.notified(), spin(flag));
      TASK_REQUIRE(r.index() == 1);
      TASK_CHECK(std::get<1>(r));
      (void)co_await h;

      // The same through the cooperative budget: awaits that are always ready.
      flag.store(false);
      auto h2 = spawn([](std::atomic<bool>& flag) -> Task<void> {
        flag.store(true);
        co_return;
      }(flag));
      auto busy = [](std::atomic<bool>& flag) -> Task<bool> {
        for (long i = 0; i < 10'000'000 && !flag.load(); ++i) co_await consume_budget();
        co_return flag.load();
      };
      auto [a, b] = co_await join(busy(flag), ready(1));
      TASK_CHECK(a);
      TASK_CHECK(b == 1);
      (void)co_await h2;
    }());
  }
}

TEST_CASE("aborting a task that waits in select destroys every branch before the abort is joined") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      auto n = std::make_unique<Notify>();
      test::Tracker::live = 0;
      auto h = spawn([](Notify& n) -> Task<void> {
        (void)co_await select(tracked_wait(test::Tracker{}, n, 1), sleep(1h),
                              join(tracked_wait(test::Tracker{}, n, 2), sleep(1h)));
      }(*n));
      TASK_REQUIRE(co_await test::until([&] { return n->waiter_count() == 2; }));
      h.abort();
      auto r = co_await h;
      TASK_CHECK(r.is_cancelled());
      TASK_CHECK(test::Tracker::live.load() == 0);
      TASK_CHECK(n->waiter_count() == 0);
    }());
  }
}

TEST_CASE("select under load: wakes from other workers race with the winner") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    const int rounds = test::kSanitized ? 200 : 2000;
    test::run(rt, [](int rounds) -> Task<void> {
      Notify a, b;
      int first = 0;
      int second = 0;
      for (int i = 0; i < rounds; ++i) {
        // Both are notified, from another task, in either order; whichever wins, the
        // other branch's waiter is gone, and its notification stays as the permit.
        auto h = spawn([](Notify& a, Notify& b, int i) -> Task<void> {
          if (i % 3 == 0) co_await yield_now();
          if (i % 2 == 0) {
            a.notify_one();
            b.notify_one();
          } else {
            b.notify_one();
            a.notify_one();
          }
        }(a, b, i));
        auto r = co_await select(a.notified(), b.notified());
        (r.index() == 0 ? first : second) += 1;
        (void)co_await h;
        // Consume whichever permit is left, so the next round starts clean.
        auto left = co_await select(r.index() == 0 ? b.notified() : a.notified(), yield_now());
        TASK_CHECK(left.index() == 0);
        TASK_CHECK(a.waiter_count() == 0);
        TASK_CHECK(b.waiter_count() == 0);
      }
      TASK_CHECK(first + second == rounds);
    }(rounds));
  }
}
