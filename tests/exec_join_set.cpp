// SPDX-License-Identifier: MIT
// AbortHandle and JoinSet: spawn many, join them as they finish, abort them all (by
// abort_all or by dropping the set). On both runtime flavours (issue 13 item 5).

#include "exec_join_util.hpp"
#include "exec_sync_util.hpp"
#include "exec_task_check.hpp"

#include <pollux/exec/abort_handle.hpp>
#include <pollux/exec/join_set.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/timeout.hpp>
#include <pollux/exec/yield_now.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

Task<int> tracked_forever(test::Tracker, Notify& n) {
  co_await n.notified();
  co_return 0;
}

}  // namespace

TEST_CASE("AbortHandle: copyable, aborts the task, says when it finished, outlives it") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify never;
      test::Tracker::live = 0;
      auto h = spawn(tracked_forever(test::Tracker{}, never));
      AbortHandle a = h.abort_handle();
      AbortHandle b = a;  // copies abort the same task
      TASK_CHECK(!b.is_finished());
      b.abort();
      auto r = co_await h;
      TASK_CHECK(r.is_cancelled());
      TASK_CHECK(a.is_finished());
      TASK_CHECK(test::Tracker::live.load() == 0);
      // The handle is gone; the abort handles still answer (and abort does nothing).
      h = JoinHandle<int>{};
      a.abort();
      TASK_CHECK(b.is_finished());
      AbortHandle empty;
      empty.abort();
      TASK_CHECK(!empty.is_finished());
    }());
  }
}

TEST_CASE("JoinSet gives tasks in the order they finish, then nullopt") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify n0, n1, n2;
      JoinSet<int> set;
      TASK_CHECK(set.is_empty());
      set.spawn(test::wait_then(n0, 0));
      set.spawn(test::wait_then(n1, 1));
      set.spawn(test::wait_then(n2, 2));
      TASK_CHECK(set.len() == 3);
      TASK_CHECK(!set.try_join_next());

      // join_next is cancel-safe: a wait that times out takes nothing out.
      auto waited = co_await timeout(set.join_next(), 2ms);
      TASK_CHECK(waited.error() == std::errc::timed_out);
      TASK_CHECK(set.len() == 3);

      for (Notify* n : {&n1, &n2, &n0}) {
        n->notify_one();
        auto r = co_await set.join_next();
        TASK_REQUIRE(r.has_value());
        TASK_REQUIRE(r->has_value());
        const int expected = n == &n0 ? 0 : n == &n1 ? 1 : 2;
        TASK_CHECK(r->value() == expected);
      }
      TASK_CHECK(set.is_empty());
      TASK_CHECK(!(co_await set.join_next()).has_value());

      // Tasks spawned elsewhere, failed ones, blocking calls.
      set.insert(spawn(test::fails()));
      set.insert(spawn(Task<int>{}));
      auto r1 = co_await set.join_next();
      auto r2 = co_await set.join_next();
      TASK_REQUIRE(r1.has_value());
      TASK_REQUIRE(r2.has_value());
      TASK_CHECK((r1->is_failed() || r2->is_failed()));
      TASK_CHECK((r1->error() == std::errc::invalid_argument ||
                  r2->error() == std::errc::invalid_argument));
      TASK_CHECK(set.is_empty());
    }());
  }
}

TEST_CASE("JoinSet::abort_all cancels the running tasks; those done stay done") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify never;
      test::Tracker::live = 0;
      JoinSet<int> set;
      set.spawn(test::value(1));
      auto first = co_await set.join_next();  // done before the abort
      TASK_CHECK(first.has_value());
      set.spawn(test::value(2));
      TASK_REQUIRE(co_await test::until([&] { return set.try_join_next().has_value(); }));
      for (int i = 0; i < 10; ++i) set.spawn(tracked_forever(test::Tracker{}, never));
      set.abort_all();
      int cancelled = 0;
      while (auto r = co_await set.join_next()) {
        if (r->is_cancelled()) ++cancelled;
      }
      TASK_CHECK(cancelled == 10);
      TASK_CHECK(test::Tracker::live.load() == 0);
    }());
  }
}

TEST_CASE("destroying a JoinSet aborts every task it holds") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify never;
      test::Tracker::live = 0;
      std::vector<AbortHandle> aborts;
      {
        JoinSet<int> set;
        for (int i = 0; i < 10; ++i) aborts.push_back(set.spawn(tracked_forever(test::Tracker{}, never)));
        aborts.push_back(set.spawn(test::value(1)));
        co_await yield_now();
      }
      TASK_CHECK(co_await test::until([&] { return test::Tracker::live.load() == 0; }));
      // A cancelled task's frame (and its Tracker) goes before the task is marked
      // finished, and the eleventh may not have run yet: each finishes, soon.
      TASK_CHECK(co_await test::until([&] {
        return std::all_of(aborts.begin(), aborts.end(),
                           [](const AbortHandle& a) { return a.is_finished(); });
      }));
      TASK_CHECK(never.waiter_count() == 0);
    }());
  }
}

TEST_CASE("JoinSet under load: tasks finishing on every worker while it waits") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    const int tasks = test::kSanitized ? 300 : 3000;
    test::run(rt, [](int tasks) -> Task<void> {
      JoinSet<int> set;
      for (int i = 0; i < tasks; ++i) {
        set.spawn([](int i) -> Task<int> {
          if (i % 2 == 0) co_await yield_now();
          if (i % 7 == 0) co_await sleep(1ms);
          co_return i;
        }(i));
      }
      std::set<int> seen;
      while (auto r = co_await set.join_next()) {
        TASK_REQUIRE(r->has_value());
        seen.insert(r->value());
      }
      TASK_CHECK(static_cast<int>(seen.size()) == tasks);
      // A set dropped with tasks still running, many times over.
      for (int round = 0; round < 20; ++round) {
        JoinSet<int> dropped;
        for (int i = 0; i < 20; ++i) dropped.spawn(test::value(i));
        if (round % 2 == 0) co_await yield_now();
      }
    }(tasks));
  }
}
