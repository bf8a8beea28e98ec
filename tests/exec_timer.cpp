// SPDX-License-Identifier: MIT
// Timers on the runtime: a timer never fires early, timeout, interval, an earlier timer
// waking a driver that sleeps for a later one, many timers cancelled by dropping their
// tasks, and huge durations. No upper bounds on wall time: a loaded machine is several
// times slower, and what a timer that never fires would do (hang) the suite's timeout
// catches. Lateness is measured by bench/exec_timer.cpp.

#include "exec_task_check.hpp"
#include "exec_util.hpp"

#include <pollux/exec/interval.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/timeout.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

using namespace pollux::exec;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

Task<Clock::duration> timed_sleep(std::chrono::nanoseconds d) {
  const auto start = Clock::now();
  co_await sleep(d);
  co_return Clock::now() - start;
}

}  // namespace

TEST_CASE("sleep lasts at least its duration") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    for (auto d : {1ms, 5ms, 30ms}) {
      TASK_CHECK(test::run(rt, timed_sleep(d)) >= d);
    }
    // Sub-millisecond and zero/negative durations (these complete).
    TASK_CHECK(test::run(rt, timed_sleep(300us)) >= 300us);
    (void)test::run(rt, timed_sleep(0ms));
    (void)test::run(rt, timed_sleep(-5ms));
  }
}

TEST_CASE("sleep_until a past instant completes") {
  Runtime rt = test::make_runtime(Flavor::multi_thread);
  test::run(rt, []() -> Task<void> {
    int done = 0;
    for (int i = 0; i < 1000; ++i) {
      co_await sleep_until(Clock::now() - 1s);
      ++done;
    }
    TASK_CHECK(done == 1000);
  }());
}

// The order in which timers fire is the wheel's (tests/exec_timer_wheel.cpp checks it
// exactly); the order in which their tasks then run is the scheduler's (a LIFO slot may
// run the last woken first), so here each timer is checked against its own deadline.
TEST_CASE("many timers with scrambled deadlines each fire on time (never early)") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      std::vector<JoinHandle<Clock::duration>> handles;
      const auto base = Clock::now() + 20ms;
      const int n = 64;
      for (int k = 0; k < n; ++k) {
        const int i = (k * 37) % n;
        handles.push_back(spawn([](Clock::time_point at) -> Task<Clock::duration> {
          co_await sleep_until(at);
          co_return Clock::now() - at;
        }(base + i * 3ms)));
      }
      for (auto& h : handles) {
        const Clock::duration late = (co_await std::move(h)).value_or_throw();
        TASK_CHECK(late >= Clock::duration::zero());
      }
    }());
  }
}

TEST_CASE("an earlier timer wakes a driver that sleeps until a later one") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      auto late = spawn(sleep(1h));
      co_await sleep(10ms);  // the driver now sleeps until the 1 h timer
      // Filed from another thread than the driver's (a blocking-pool thread has no
      // runtime context, so the task filing it runs on a worker). If it did not wake
      // the driver, the test would wait an hour: the suite's timeout fails it.
      const auto took = (co_await spawn(timed_sleep(20ms))).value_or_throw();
      TASK_CHECK(took >= 20ms);
      late.abort();
    }());
  }
}

TEST_CASE("timeout: in time gives the value, late gives timed_out and drops the task") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      auto fast = co_await timeout([]() -> Task<int> {
        co_await sleep(5ms);
        co_return 42;
      }(), 10s);
      TASK_REQUIRE(fast.has_value());
      TASK_CHECK(fast.value() == 42);

      test::Tracker::live = 0;
      const auto start = Clock::now();
      auto slow = co_await timeout([](test::Tracker) -> Task<int> {
        co_await sleep(30s);
        co_return 1;
      }(test::Tracker{}), 30ms);
      const auto took = Clock::now() - start;
      TASK_CHECK(!slow);
      TASK_CHECK(slow.error() == std::errc::timed_out);
      TASK_CHECK(took >= 30ms);
      // The inner task's frame is gone by the time timeout returns.
      TASK_CHECK(test::Tracker::live.load() == 0);

      // void tasks, and exceptions thrown inside.
      auto v = co_await timeout(sleep(1ms), 10s);
      TASK_CHECK(v.has_value());
      bool thrown = false;
      try {
        (void)co_await timeout([]() -> Task<void> {
          throw std::runtime_error("inner");
          co_return;
        }(), 10s);
      } catch (const std::runtime_error&) {
        thrown = true;
      }
      TASK_CHECK(thrown);
    }());
  }
}

TEST_CASE("interval ticks on its schedule") {
  Runtime rt = test::make_runtime(Flavor::multi_thread);
  test::run(rt, []() -> Task<void> {
    Interval iv = interval(20ms);
    const auto start = Clock::now();
    std::vector<Clock::time_point> ticks;
    for (int i = 0; i < 5; ++i) ticks.push_back(co_await iv.tick());
    TASK_CHECK(Clock::now() - start >= 80ms);
    for (int i = 1; i < 5; ++i) TASK_CHECK(ticks[i] - ticks[i - 1] == 20ms);
    // A missed tick completes without waiting (burst), keeping the schedule.
    co_await sleep(50ms);
    const auto t5 = co_await iv.tick();
    TASK_CHECK(t5 - ticks[4] == 20ms);
  }());
}

TEST_CASE("many pending timers are cancelled by dropping their tasks") {
  const int n = test::kSanitized ? 5000 : 100000;
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::Tracker::live = 0;
    test::run(rt, [](int n) -> Task<void> {
      std::vector<JoinHandle<void>> handles;
      handles.reserve(n);
      for (int i = 0; i < n; ++i) {
        handles.push_back(spawn([](test::Tracker, int i) -> Task<void> {
          co_await sleep(std::chrono::seconds(60 + i % 3600));
        }(test::Tracker{}, i)));
      }
      co_await sleep(5ms);
      for (auto& h : handles) h.abort();
      for (auto& h : handles) {
        try {
          (co_await std::move(h)).value_or_throw();
        } catch (const std::system_error&) {
        }
      }
    }(n));
    TASK_CHECK(test::Tracker::live.load() == 0);
  }
}

namespace {

// A task that records whether its wait ever completed; the test aborts it.
Task<void> note_when_done(Task<void> wait, std::atomic<bool>* done) {
  (void)co_await std::move(wait);
  done->store(true);
}

// Runs `wait` in a task of its own while the caller sleeps for a while and lets every
// other task run, then checks that `wait` has not completed, and drops it.
Task<bool> completes_early(Task<void> wait) {
  std::atomic<bool> done{false};
  auto h = spawn(note_when_done(std::move(wait), &done));
  // A wait that wrongly completes at once does so the first time its task runs: it has
  // had every chance to by the time this later timer fires.
  co_await sleep(20ms);
  for (int i = 0; i < 10; ++i) co_await yield_now();
  const bool early = done.load();
  h.abort();
  try {
    (co_await std::move(h)).value_or_throw();
  } catch (const std::system_error&) {
  }
  co_return early;
}

}  // namespace

// Issue 12, item 9: now + duration overflowed (undefined behaviour; in practice a
// deadline in the past), so the longest waits completed at once.
TEST_CASE("sleep, timeout and interval saturate huge durations instead of firing at once") {
  using std::chrono::nanoseconds;
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      TASK_CHECK(!co_await completes_early(sleep(nanoseconds::max())));
      TASK_CHECK(!co_await completes_early(sleep(std::chrono::hours(24 * 365 * 200))));
      TASK_CHECK(!co_await completes_early(sleep_until(Clock::time_point::max())));
      TASK_CHECK(!co_await completes_early([]() -> Task<void> {
        Interval iv(nanoseconds::max());
        (void)co_await iv.tick();  // the first tick is now
        (void)co_await iv.tick();
      }()));
      TASK_CHECK(!co_await completes_early([]() -> Task<void> {
        Interval iv(nanoseconds::max());
        iv.reset();
        (void)co_await iv.tick();
      }()));

      // The task is let finish, however long the limit.
      auto in_time = []() -> Task<int> {
        co_await sleep(5ms);
        co_return 7;
      };
      auto r1 = co_await timeout(in_time(), nanoseconds::max());
      TASK_REQUIRE(r1.has_value());
      TASK_CHECK(r1.value() == 7);
      auto r2 = co_await timeout_at(in_time(), Clock::time_point::max());
      TASK_REQUIRE(r2.has_value());
      TASK_CHECK(r2.value() == 7);

      // The most negative durations are simply past.
      co_await sleep(nanoseconds::min());
      co_await sleep_until(Clock::time_point::min());
      auto r3 = co_await timeout(sleep(1h), nanoseconds::min());
      TASK_CHECK(r3.error() == std::errc::timed_out);
      auto r4 = co_await timeout_at(sleep(1h), Clock::time_point::min());
      TASK_CHECK(r4.error() == std::errc::timed_out);
    }());
  }
}
