// Timers on the runtime: sleep accuracy (at least the duration, within a generous bound),
// ordering, timeout, interval, an earlier timer waking a driver that sleeps for a later
// one, and many timers cancelled by dropping their tasks.

#include "exec_util.hpp"

#include <pollux/exec/interval.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/timeout.hpp>

#include <algorithm>
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

TEST_CASE("sleep lasts at least its duration, and not much longer") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    for (auto d : {1ms, 5ms, 30ms}) {
      const auto took = rt.block_on(timed_sleep(d));
      CHECK(took >= d);
      CHECK(took < d + 2s);
    }
    // Sub-millisecond and zero/negative durations.
    CHECK(rt.block_on(timed_sleep(300us)) >= 300us);
    CHECK(rt.block_on(timed_sleep(0ms)) < 2s);
    CHECK(rt.block_on(timed_sleep(-5ms)) < 2s);
  }
}

TEST_CASE("sleep_until a past instant completes at once") {
  Runtime rt = test::make_runtime(Flavor::multi_thread);
  rt.block_on([]() -> Task<void> {
    const auto start = Clock::now();
    for (int i = 0; i < 1000; ++i) co_await sleep_until(Clock::now() - 1s);
    CHECK(Clock::now() - start < 2s);
  }());
}

TEST_CASE("timers fire in deadline order (current_thread) and never early (both)") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    rt.block_on([](Flavor f) -> Task<void> {
      std::mutex m;
      std::vector<int> order;
      std::vector<JoinHandle<bool>> handles;
      const auto base = Clock::now() + 20ms;
      // Deadlines 8 ms apart, spawned in a scrambled order.
      const int n = 12;
      for (int k = 0; k < n; ++k) {
        const int i = (k * 5) % n;
        handles.push_back(spawn([](int i, Clock::time_point at, std::mutex* m,
                                   std::vector<int>* order) -> Task<bool> {
          co_await sleep_until(at);
          const bool on_time = Clock::now() >= at;
          std::lock_guard lock(*m);
          order->push_back(i);
          co_return on_time;
        }(i, base + i * 8ms, &m, &order)));
      }
      for (auto& h : handles) CHECK(co_await std::move(h));
      REQUIRE(order.size() == static_cast<std::size_t>(n));
      if (f == Flavor::current_thread) CHECK(std::is_sorted(order.begin(), order.end()));
    }(f));
  }
}

TEST_CASE("an earlier timer wakes a driver that sleeps until a later one") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    rt.block_on([]() -> Task<void> {
      auto late = spawn(sleep(30s));
      co_await sleep(10ms);  // the driver now sleeps until the 30 s timer
      // Filed from another thread than the driver's (a blocking-pool thread has no
      // runtime context, so the task filing it runs on a worker).
      const auto took = co_await spawn(timed_sleep(20ms));
      CHECK(took >= 20ms);
      CHECK(took < 5s);
      late.abort();
    }());
  }
}

TEST_CASE("timeout: in time gives the value, late gives timed_out and drops the task") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    rt.block_on([]() -> Task<void> {
      auto fast = co_await timeout([]() -> Task<int> {
        co_await sleep(5ms);
        co_return 42;
      }(), 10s);
      REQUIRE(fast.has_value());
      CHECK(fast.value() == 42);

      test::Tracker::live = 0;
      const auto start = Clock::now();
      auto slow = co_await timeout([](test::Tracker) -> Task<int> {
        co_await sleep(30s);
        co_return 1;
      }(test::Tracker{}), 30ms);
      const auto took = Clock::now() - start;
      CHECK(!slow);
      CHECK(slow.error() == std::errc::timed_out);
      CHECK(took >= 30ms);
      CHECK(took < 5s);
      // The inner task's frame is gone by the time timeout returns.
      CHECK(test::Tracker::live.load() == 0);

      // void tasks, and exceptions thrown inside.
      auto v = co_await timeout(sleep(1ms), 10s);
      CHECK(v.has_value());
      bool thrown = false;
      try {
        (void)co_await timeout([]() -> Task<void> {
          throw std::runtime_error("inner");
          co_return;
        }(), 10s);
      } catch (const std::runtime_error&) {
        thrown = true;
      }
      CHECK(thrown);
    }());
  }
}

TEST_CASE("interval ticks on its schedule") {
  Runtime rt = test::make_runtime(Flavor::multi_thread);
  rt.block_on([]() -> Task<void> {
    Interval iv = interval(20ms);
    const auto start = Clock::now();
    std::vector<Clock::time_point> ticks;
    for (int i = 0; i < 5; ++i) ticks.push_back(co_await iv.tick());
    const auto took = Clock::now() - start;
    CHECK(took >= 80ms);
    CHECK(took < 5s);
    for (int i = 1; i < 5; ++i) CHECK(ticks[i] - ticks[i - 1] == 20ms);
    // A missed tick completes at once (burst), keeping the schedule.
    co_await sleep(50ms);
    const auto burst_start = Clock::now();
    const auto t5 = co_await iv.tick();
    CHECK(t5 - ticks[4] == 20ms);
    CHECK(Clock::now() - burst_start < 1s);
  }());
}

TEST_CASE("many pending timers are cancelled by dropping their tasks") {
  const int n = test::kSanitized ? 5000 : 100000;
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::Tracker::live = 0;
    rt.block_on([](int n) -> Task<void> {
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
          co_await std::move(h);
        } catch (const std::system_error&) {
        }
      }
    }(n));
    CHECK(test::Tracker::live.load() == 0);
  }
}
