// SPDX-License-Identifier: MIT
// The Runtime in both flavours: spawn and join, fan-out/fan-in, wake-ups across threads,
// stealing, abort, detach, yield_now fairness and the cooperative budget.

#include "alloc_counter.hpp"  // this program's allocations: test::g_allocations
#include "exec_util.hpp"

#include <pollux/exec/coop.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

Task<int> value(int v) { co_return v; }
Task<void> bump(std::atomic<int>* counter) {
  counter->fetch_add(1, std::memory_order_relaxed);
  co_return;
}

Task<long> fan_out_in(int n) {
  std::vector<JoinHandle<int>> handles;
  handles.reserve(n);
  for (int i = 0; i < n; ++i) handles.push_back(spawn(value(i)));
  long sum = 0;
  for (auto& h : handles) sum += (co_await std::move(h)).value_or_throw();
  co_return sum;
}

Task<void> spawn_many(int n, std::atomic<int>* done) {
  for (int i = 0; i < n; ++i) spawn(bump(done)).detach();
  co_return;
}

Task<int> chain(int n) {
  if (n == 0) co_return 0;
  co_return 1 + (co_await spawn(chain(n - 1))).value_or_throw();
}

Task<void> spin_us(int us) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < end) {
  }
  co_return;
}

Task<void> yield_forever(test::Tracker, std::atomic<int>* turns) {
  for (;;) {
    turns->fetch_add(1, std::memory_order_relaxed);
    co_await yield_now();
  }
}

Task<int> yield_forever_int(std::atomic<int>* turns) {
  for (;;) {
    turns->fetch_add(1, std::memory_order_relaxed);
    co_await yield_now();
  }
}

Task<int> wait_on(JoinHandle<int> h, test::Tracker) { co_return (co_await std::move(h)).value_or_throw(); }

Task<void> throws_logic() {
  throw std::logic_error("from a task");
  co_return;
}

Task<std::string> join_throwing() {
  try {
    (co_await spawn(throws_logic())).value_or_throw();
  } catch (const std::logic_error& e) {
    co_return e.what();
  }
  co_return "no exception";
}

Task<void> count_turns(int n, std::atomic<int>* mine, const std::atomic<int>* other,
                       int* other_at_end) {
  for (int i = 0; i < n; ++i) {
    mine->fetch_add(1, std::memory_order_relaxed);
    co_await yield_now();
  }
  *other_at_end = other->load(std::memory_order_relaxed);
}

Task<void> set_flag(std::atomic<bool>* flag) {
  flag->store(true);
  co_return;
}

Task<bool> busy_until_flag(std::atomic<bool>* flag, long max_iterations) {
  // Never waits for anything: only the budget makes it let the flag-setter run.
  for (long i = 0; i < max_iterations; ++i) {
    if (flag->load()) co_return true;
    co_await consume_budget();
  }
  co_return false;
}

Task<bool> flag_set_during_ready_joins(std::atomic<int>* ticks) {
  std::vector<JoinHandle<int>> ready;
  for (int i = 0; i < 1000; ++i) ready.push_back(spawn(value(i)));
  for (;;) {
    bool all = true;
    for (auto& h : ready) all = all && h.is_finished();
    if (all) break;
    co_await yield_now();
  }
  auto ticker = spawn(bump(ticks));
  ticker.detach();
  const int before = ticks->load();
  for (auto& h : ready) (co_await std::move(h)).value_or_throw();  // each is ready: no natural suspension
  co_return ticks->load() > before;
}

}  // namespace

TEST_CASE("spawn and join a value, in both flavours") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    CHECK(rt.flavor() == f);
    CHECK(rt.block_on(value(5)) == 5);
    auto h = rt.spawn(value(6));
    CHECK(rt.block_on([](JoinHandle<int> h) -> Task<int> { co_return (co_await std::move(h)).value_or_throw(); }(
              std::move(h))) == 6);
  }
}

TEST_CASE("fan-out and fan-in") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const int n = 10'000;
    CHECK(rt.block_on(fan_out_in(n)) == long{n} * (n - 1) / 2);
  }
}

TEST_CASE("1M spawns all run") {
  const int n = test::kSanitized ? 100'000 : 1'000'000;
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    std::atomic<int> done{0};
    rt.block_on(spawn_many(n, &done));
    if (f == Flavor::current_thread) {
      // The detached tasks run while some block_on drives the thread.
      rt.block_on([](std::atomic<int>* d, int n) -> Task<void> {
        while (d->load() < n) co_await yield_now();
      }(&done, n));
    }
    CHECK(test::eventually([&] { return done.load() == n; }));
  }
}

TEST_CASE("a chain of spawns, each joining the next") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    CHECK(rt.block_on(chain(10'000)) == 10'000);
  }
}

TEST_CASE("wake-ups from other threads are never lost") {
  // Outside threads spawn onto an idle runtime and wait: every round needs a parked
  // worker to be woken by the injection queue, and the block_on thread by the worker.
  auto rt = test::make_runtime(Flavor::multi_thread, 2);
  const int rounds = test::kSanitized ? 300 : 3000;
  std::vector<std::thread> threads;
  std::atomic<long> sum{0};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) sum.fetch_add(rt.block_on(value(1)));
    });
  }
  for (auto& t : threads) t.join();
  CHECK(sum.load() == 3L * rounds);
}

TEST_CASE("new work wakes one worker, not all of them") {
  // One task at a time onto 4 idle workers. Notify-one wakes a worker, which wakes at
  // most one more to keep searching: about 2 parks per round. A thundering herd would
  // park all 4 again every round.
  auto rt = test::make_runtime(Flavor::multi_thread, 4);
  rt.block_on(value(0));
  std::this_thread::sleep_for(20ms);
  const auto before = rt.stats().parks;
  const int rounds = 500;
  for (int i = 0; i < rounds; ++i) {
    CHECK(rt.block_on(value(i)) == i);
  }
  const auto parks = rt.stats().parks - before;
  MESSAGE("parks per round: " << double(parks) / rounds);
  CHECK(parks < 3u * rounds);
}

// Spawns a few tasks onto this worker's own queue (far below its capacity, so none
// overflow to the injection queue), then keeps this worker busy without yielding until
// another worker has stolen them, or 20 s pass. How soon the OS runs the idle worker
// depends on the machine's load; that it then steals does not.
Task<void> hold_until_stolen(Runtime* rt) {
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < 8; ++i) handles.push_back(spawn(spin_us(10)));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (rt->stats().steal_operations == 0 && std::chrono::steady_clock::now() < deadline) {
  }
  for (auto& h : handles) (co_await std::move(h)).value_or_throw();
}

TEST_CASE("an idle worker steals from a busy one") {
  auto rt = test::make_runtime(Flavor::multi_thread, 2);
  rt.block_on(hold_until_stolen(&rt));
  const auto s = rt.stats();
  MESSAGE("steals " << s.steal_operations << ", tasks stolen " << s.tasks_stolen);
  CHECK(s.steal_operations > 0);
  CHECK(s.tasks_stolen >= s.steal_operations);
}

TEST_CASE("an exception thrown in a task reaches its joiner") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    CHECK(rt.block_on(join_throwing()) == "from a task");
    CHECK_THROWS_AS(rt.block_on(throws_logic()), std::logic_error);
  }
}

TEST_CASE("abort drops a running-forever task and its joiner sees operation_canceled") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const long live_before = test::Tracker::live.load();
    std::atomic<int> turns{0};
    auto h = rt.spawn(yield_forever(test::Tracker{}, &turns));
    auto r = rt.block_on([](JoinHandle<void> h, std::atomic<int>* turns) -> Task<int> {
      while (turns->load() < 10) co_await yield_now();
      h.abort();
      try {
        (co_await std::move(h)).value_or_throw();
      } catch (const std::system_error& e) {
        co_return e.code() == std::errc::operation_canceled ? 1 : 2;
      }
      co_return 3;
    }(std::move(h), &turns));
    CHECK(r == 1);
    CHECK(test::Tracker::live.load() == live_before);
  }
}

TEST_CASE("abort of an idle task waiting on another") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const long live_before = test::Tracker::live.load();
    std::atomic<int> turns{0};
    auto forever = rt.spawn(yield_forever(test::Tracker{}, &turns));
    // `never` cannot finish by itself, so its abort always cancels it; with a task that
    // returned at once, a worker could finish it and then the waiter before either
    // abort, and the waiter would return a value instead of throwing.
    std::atomic<int> never_turns{0};
    JoinHandle<int> never = rt.spawn(yield_forever_int(&never_turns));
    never.abort();
    auto waiter = rt.spawn(wait_on(std::move(never), test::Tracker{}));
    waiter.abort();
    CHECK_THROWS_AS(rt.block_on([](JoinHandle<int> h) -> Task<int> {
      co_return (co_await std::move(h)).value_or_throw();
    }(std::move(waiter))), std::system_error);
    forever.abort();
    rt.block_on([](JoinHandle<void> h) -> Task<void> {
      try {
        (co_await std::move(h)).value_or_throw();
      } catch (const std::system_error&) {
      }
    }(std::move(forever)));
    CHECK(test::Tracker::live.load() == live_before);
  }
}

TEST_CASE("a detached task still runs to its end") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    std::atomic<bool> flag{false};
    rt.spawn(set_flag(&flag)).detach();
    if (f == Flavor::current_thread) {
      rt.block_on([](std::atomic<bool>* flag) -> Task<void> {
        while (!flag->load()) co_await yield_now();
      }(&flag));
    }
    CHECK(test::eventually([&] { return flag.load(); }));
  }
}

TEST_CASE("yield_now lets the other task run (fairness)") {
  auto rt = test::make_runtime(Flavor::current_thread);
  std::atomic<int> a{0}, b{0};
  int b_when_a_done = -1, a_when_b_done = -1;
  rt.block_on([](std::atomic<int>* a, std::atomic<int>* b, int* ba, int* ab) -> Task<void> {
    // Spawned from the driving thread, both go to its local FIFO.
    auto x = spawn(count_turns(1000, a, b, ba));
    auto y = spawn(count_turns(1000, b, a, ab));
    (co_await std::move(x)).value_or_throw();
    (co_await std::move(y)).value_or_throw();
  }(&a, &b, &b_when_a_done, &a_when_b_done));
  // One thread, FIFO after each yield: the two interleave turn by turn.
  CHECK(b_when_a_done >= 999);
  CHECK(a_when_b_done == 1000);
}

TEST_CASE("current_thread: a task that yields over and over allocates nothing once warm") {
  // Each yield queues the task on the driver's run queue and takes it off again: a queue
  // that allocates as it goes (a std::deque, per block) would show here.
  Runtime rt = test::make_runtime(Flavor::current_thread);
  long during = -1;
  test::run(rt, [](long* out) -> Task<void> {
    for (int i = 0; i < 1000; ++i) co_await yield_now();  // warm: pools filled
    const long before = test::g_allocations.load();
    for (int i = 0; i < 10000; ++i) co_await yield_now();
    *out = test::g_allocations.load() - before;
  }(&during));
  CHECK(during == 0);
}

TEST_CASE("budget: a task that never waits does not starve another") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    // One worker, so that the flag-setter can only run if the busy task lets it.
    auto rt = test::make_runtime(f, 1);
    std::atomic<bool> flag{false};
    CHECK(rt.block_on([](std::atomic<bool>* flag) -> Task<bool> {
      auto busy = spawn(busy_until_flag(flag, 10'000'000));
      spawn(set_flag(flag)).detach();
      co_return (co_await std::move(busy)).value_or_throw();
    }(&flag)));
  }
}

TEST_CASE("budget: a run of ready join handles still yields") {
  auto rt = test::make_runtime(Flavor::current_thread);
  std::atomic<int> ticks{0};
  CHECK(rt.block_on(flag_set_during_ready_joins(&ticks)));
}
