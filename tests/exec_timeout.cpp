// SPDX-License-Identifier: MIT
// timeout() and timeout_at() run the operation inside the awaiting task: cancelling
// that task (or the deadline) cancels the operation before the cancel returns. On both
// runtime flavours; the abort case is the one ASan watches (issue 13 item 2).

#include "exec_sync_util.hpp"
#include "exec_task_check.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/timeout.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <chrono>
#include <memory>

using namespace pollux::exec;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// What the aborted task owns and its inner operation writes to. On the heap, so that
// ASan sees its end whatever the frame allocator does.
struct OuterState {
  int written = 0;
};

// The inner operation: waits on `wake` and writes into the outer task's state, both when
// it resumes and when it is destroyed. `started` (if any) learns it is about to wait.
Task<void> inner_op(test::Tracker, OuterState& state, Notify& wake, Notify* started = nullptr) {
  struct WriteOnDrop {
    OuterState& state;
    ~WriteOnDrop() { state.written += 1; }
  } guard{state};
  if (started != nullptr) started->notify_one();
  co_await wake.notified();
  state.written += 10;
}

Task<void> outer_task(Notify& wake, Notify& started) {
  auto state = std::make_unique<OuterState>();
  (void)co_await timeout(inner_op(test::Tracker{}, *state, wake, &started), 1h);
}

Task<int> ready(int v) { co_return v; }

Task<int> after_sleep(int v) {
  co_await sleep(1ms);
  co_return v;
}

}  // namespace

// On the code before this change, timeout() spawned the inner operation as a task of
// its own and aborted it asynchronously when the outer task was dropped: the inner
// task was destroyed later, on some worker, and its destructors (the Notify waiter's
// unlink, the guard) wrote into the outer task's freed state (heap-use-after-free under
// ASan; the Tracker check fails without ASan).
TEST_CASE("aborting a task that waits in timeout() cancels the inner operation before the abort is joined") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      for (int round = 0; round < 20; ++round) {
        test::Tracker::live = 0;
        Notify wake;
        Notify started;
        auto h = spawn(outer_task(wake, started));
        co_await started.notified();  // the inner operation runs, about to wait
        co_await yield_now();
        h.abort();
        try {
          (void)co_await h;
        } catch (...) {
        }
        // The inner operation is gone already, not merely on its way out.
        TASK_CHECK(test::Tracker::live.load() == 0);
        // Whatever was still queued runs now, and the inner operation's Notify fires:
        // nothing may touch the freed state.
        wake.notify_one();
        for (int i = 0; i < 5; ++i) co_await yield_now();
        co_await sleep(1ms);
      }
    }());
  }
}

TEST_CASE("timeout: in time gives the value; late cancels the operation before returning") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      OuterState state;
      Notify wake;
      test::Tracker::live = 0;
      auto r = co_await timeout(inner_op(test::Tracker{}, state, wake), 5ms);
      TASK_CHECK(!r);
      TASK_CHECK(r.error() == std::errc::timed_out);
      TASK_CHECK(test::Tracker::live.load() == 0);
      TASK_CHECK(state.written == 1);  // destroyed, never resumed
      TASK_CHECK(wake.waiter_count() == 0);

      // Awaitables that are not tasks, by reference: notified() with a permit.
      wake.notify_one();
      auto r2 = co_await timeout(wake.notified(), 1h);
      TASK_CHECK(r2.has_value());
      auto r3 = co_await timeout(after_sleep(3), 1h);
      TASK_REQUIRE(r3.has_value());
      TASK_CHECK(r3.value() == 3);
    }());
  }
}

TEST_CASE("timeout: zero, past, and the longest deadlines") {
  using std::chrono::nanoseconds;
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      // The operation runs first: one that does not wait wins over any deadline.
      auto a = co_await timeout(ready(1), 0ns);
      TASK_CHECK(a.has_value());
      auto b = co_await timeout_at(ready(2), Clock::time_point::min());
      TASK_CHECK(b.has_value());
      // One that waits loses at once to a deadline that has passed.
      auto c = co_await timeout(sleep(1h), 0ns);
      TASK_CHECK(c.error() == std::errc::timed_out);
      auto d = co_await timeout(sleep(1h), nanoseconds::min());
      TASK_CHECK(d.error() == std::errc::timed_out);
      auto e = co_await timeout_at(sleep(1h), Clock::now() - 1s);
      TASK_CHECK(e.error() == std::errc::timed_out);
      // The longest limits never wrap round to the past.
      auto g = co_await timeout(after_sleep(7), nanoseconds::max());
      TASK_CHECK(g.has_value());
      auto h = co_await timeout(after_sleep(8), std::chrono::hours::max());
      TASK_CHECK(h.has_value());
      auto i = co_await timeout_at(after_sleep(9), Clock::time_point::max());
      TASK_REQUIRE(i.has_value());
      TASK_CHECK(i.value() == 9);
    }());
  }
}

// The deadline and the operation's wake arrive together, from another worker: either
// outcome is fine, but a notification must never be lost: when the timeout wins, the
// dropped waiter hands it back to the Notify as its permit.
TEST_CASE("timeout racing completion loses nothing and leaves no waiter behind") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    const int rounds = test::kSanitized ? 100 : 500;
    test::run(rt, [](int rounds) -> Task<void> {
      Notify n;
      int in_time = 0;
      int late = 0;
      for (int round = 0; round < rounds; ++round) {
        auto h = spawn([](Notify& n) -> Task<void> {
          co_await sleep(1ms);
          n.notify_one();
        }(n));
        auto r = co_await timeout(n.notified(), 1ms);
        (void)co_await h;
        TASK_CHECK(n.waiter_count() == 0);
        if (r) {
          ++in_time;
        } else {
          TASK_CHECK(r.error() == std::errc::timed_out);
          ++late;
          // The notification is kept: it completes this wait at once.
          auto again = co_await timeout(n.notified(), 1h);
          TASK_CHECK(again.has_value());
        }
      }
      TASK_CHECK(in_time + late == rounds);
    }(rounds));
  }
}

TEST_CASE("timeout of a join handle leaves the handle to be awaited again") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      Notify go;
      auto h = spawn([](Notify& go) -> Task<int> {
        co_await go.notified();
        co_return 5;
      }(go));
      auto r = co_await timeout(h, 2ms);
      TASK_CHECK(r.error() == std::errc::timed_out);
      go.notify_one();
      auto j = co_await h;
      TASK_REQUIRE(j.has_value());
      TASK_CHECK(j.value() == 5);
    }());
  }
}
