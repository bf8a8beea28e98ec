// SPDX-License-Identifier: MIT
// Shutdown: unfinished tasks are dropped with their frames (no leaks under ASan), their
// joiners see operation_canceled, and a runtime that was shut down refuses new work
// without undefined behaviour.

#include "exec_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

Task<int> value(int v) { co_return v; }

Task<void> yield_forever(test::Tracker) {
  for (;;) co_await yield_now();
}

Task<void> wait_forever(JoinHandle<void> h, test::Tracker) { (co_await std::move(h)).value_or_throw(); }

}  // namespace

TEST_CASE("shutdown with tasks pending destroys every frame") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    const long before = test::Tracker::live.load();
    std::vector<JoinHandle<void>> kept;
    {
      auto other = test::make_runtime(Flavor::current_thread);
      auto rt = test::make_runtime(f);
      auto spinner = rt.spawn(yield_forever(test::Tracker{}));
      for (int i = 0; i < 100; ++i) {
        rt.spawn(wait_forever(rt.spawn(yield_forever(test::Tracker{})), test::Tracker{}))
            .detach();
      }
      // Waits on a task of a runtime that nobody drives: idle for ever, reachable only
      // through rt's owned list and the other task's join waker.
      auto idle = rt.spawn(wait_forever(other.spawn(yield_forever(test::Tracker{})),
                                        test::Tracker{}));
      kept.push_back(std::move(idle));
      kept.push_back(std::move(spinner));
      // Let them start and settle into waiting (current_thread: drive for a while).
      rt.block_on([]() -> Task<void> {
        for (int i = 0; i < 1000; ++i) co_await yield_now();
      }());
      CHECK(test::Tracker::live.load() > before);
      CHECK_FALSE(rt.shutdown());
      CHECK(rt.is_shut_down());
      CHECK(test::Tracker::live.load() == before + 1);  // other's task remains
    }
    CHECK(test::Tracker::live.load() == before);
    for (auto& h : kept) {
      CHECK(h.is_finished());
      auto r = [](JoinHandle<void>& h) -> std::error_code {
        try {
          auto rt = test::make_runtime(Flavor::current_thread);
          rt.block_on([](JoinHandle<void>& h) -> Task<void> { (co_await h).value_or_throw(); }(h));
        } catch (const std::system_error& e) {
          return e.code();
        }
        return {};
      }(h);
      CHECK(r == std::errc::operation_canceled);
    }
  }
}

TEST_CASE("a runtime destroyed with tasks queued but never driven leaks nothing") {
  const long before = test::Tracker::live.load();
  {
    auto rt = test::make_runtime(Flavor::current_thread);
    for (int i = 0; i < 1000; ++i) rt.spawn(yield_forever(test::Tracker{})).detach();
    CHECK(test::Tracker::live.load() == before + 1000);
  }
  CHECK(test::Tracker::live.load() == before);
}

Task<void> count_run(std::atomic<int>* ran, test::Tracker) {
  ran->fetch_add(1);
  co_return;
}

Task<void> block_worker(std::atomic<int>* started, std::atomic<bool>* release) {
  started->fetch_add(1);
  while (!release->load()) std::this_thread::sleep_for(1ms);
  co_return;
}

// Tasks that never ran have never waited, so they are not in the owned list: shutdown
// must find them in the queues and still complete their handles.
TEST_CASE("tasks still queued at shutdown complete as cancelled without running") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    const long before = test::Tracker::live.load();
    std::atomic<int> ran{0}, started{0};
    std::atomic<bool> release{false};
    std::vector<JoinHandle<void>> handles;
    {
      auto rt = test::make_runtime(f);
      std::vector<JoinHandle<void>> blockers;
      if (f == Flavor::multi_thread) {
        // Both workers busy, so that what is spawned next stays queued.
        for (unsigned i = 0; i < rt.workers(); ++i) {
          blockers.push_back(rt.spawn(block_worker(&started, &release)));
        }
        REQUIRE(test::eventually([&] { return started.load() == int(rt.workers()); }));
      }
      for (int i = 0; i < 100; ++i) handles.push_back(rt.spawn(count_run(&ran, test::Tracker{})));
      // shutdown waits for the workers; the blockers end once it has begun.
      std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        release.store(true);
      });
      CHECK_FALSE(rt.shutdown());
      releaser.join();
    }
    CHECK(ran.load() == 0);
    CHECK(test::Tracker::live.load() == before);
    for (auto& h : handles) {
      REQUIRE(h.is_finished());
      auto rt = test::make_runtime(Flavor::current_thread);
      try {
        rt.block_on([](JoinHandle<void>& h) -> Task<void> { (co_await h).value_or_throw(); }(h));
        FAIL("a task dropped at shutdown reported a value");
      } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::operation_canceled);
      }
    }
  }
}

TEST_CASE("spawn and block_on after shutdown report operation_canceled") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    CHECK_FALSE(rt.shutdown());
    CHECK_FALSE(rt.shutdown());  // idempotent
    auto h = rt.spawn(value(1));
    CHECK(h.is_finished());
    try {
      rt.block_on(value(2));
      FAIL("block_on after shutdown returned a value");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::operation_canceled);
    }
    auto b = rt.spawn_blocking([] { return 3; });
    CHECK(b.is_finished());
  }
}

TEST_CASE("spawn outside any runtime gives a cancelled handle") {
  auto h = spawn(value(1));
  CHECK(h.is_finished());
  auto rt = test::make_runtime(Flavor::current_thread);
  CHECK_THROWS_AS(rt.block_on([](JoinHandle<int> h) -> Task<int> {
    co_return (co_await std::move(h)).value_or_throw();
  }(std::move(h))), std::system_error);
}

TEST_CASE("shutdown from inside the runtime is refused, not a deadlock") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto ec = rt.block_on([](Runtime* rt) -> Task<std::error_code> {
      co_return rt->shutdown();
    }(&rt));
    CHECK(ec == std::errc::resource_deadlock_would_occur);
    CHECK_FALSE(rt.is_shut_down());
  }
}

TEST_CASE("shutdown while outside threads keep spawning") {
  auto rt = test::make_runtime(Flavor::multi_thread);
  std::atomic<bool> stop{false};
  std::atomic<long> spawned{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        rt.spawn(value(1)).detach();
        spawned.fetch_add(1);
      }
    });
  }
  CHECK(test::eventually([&] { return spawned.load() > 1000; }));
  CHECK_FALSE(rt.shutdown());
  stop.store(true);
  for (auto& t : threads) t.join();
  CHECK(rt.is_shut_down());
}

namespace {

// Waits in the runtime's I/O driver (a timer an hour away): only shutdown ends it.
Task<void> sleep_an_hour(std::atomic<int>* started) {
  started->fetch_add(1);
  co_await sleep(std::chrono::hours(1));
}

// A thread in block_on; it records how block_on ended, for the test thread to check
// (no doctest assertions on other threads: see tests/exec_task_check.hpp).
struct Blocker {
  enum class End { running, value, error, other };
  std::atomic<End> end{End::running};
  std::error_code code;  // written before `end`
  std::thread thread;

  explicit Blocker(std::function<std::error_code()> body) {
    thread = std::thread([this, body = std::move(body)] {
      End how = End::value;
      try {
        code = body();
      } catch (const std::system_error& e) {
        code = e.code();
        how = End::error;
      } catch (...) {
        how = End::other;
      }
      end.store(how);
    });
  }
  // block_on returned its value with `code`, or threw it.
  bool ended_with(std::errc e) const { return end.load() != End::other && code == e; }
};

void join_or_die(Blocker& b) {
  test::returns_or_die("block_on after shutdown", [&] { b.thread.join(); });
}

}  // namespace

// Issue 12, item 8: the current_thread driver held its mutex for the whole of block_on
// and slept in the I/O driver without anyone waking it, while shutdown took that mutex
// first: shutdown (and ~Runtime) waited for the task, for ever when it waited on I/O.
TEST_CASE("shutdown or ~Runtime while another thread is in block_on cancels it promptly") {
  for (Flavor f : kFlavors) {
    for (bool destroy : {false, true}) {
      CAPTURE(test::flavor_name(f));
      CAPTURE(destroy);
      auto rt = std::make_unique<Runtime>(test::make_runtime(f));
      std::atomic<int> started{0};
      Runtime* r = rt.get();
      Blocker b([r, &started] {
        r->block_on(sleep_an_hour(&started));
        return std::error_code{};
      });
      REQUIRE(test::eventually([&] { return started.load() == 1; }));
      // Most likely asleep in the driver by now; shutdown must work either way.
      std::this_thread::sleep_for(20ms);
      std::error_code ec;
      test::returns_or_die("shutdown during block_on", [&] {
        if (destroy) {
          rt.reset();
        } else {
          ec = rt->shutdown();
        }
      });
      join_or_die(b);
      CHECK_FALSE(ec);
      CHECK(b.end.load() == Blocker::End::error);
      CHECK(b.code == std::errc::operation_canceled);
    }
  }
}

TEST_CASE("shutdown with one thread driving block_on and another waiting to drive") {
  auto rt = test::make_runtime(Flavor::current_thread);
  std::atomic<int> started{0};
  Runtime* r = &rt;
  auto body = [r, &started] {
    r->block_on(sleep_an_hour(&started));
    return std::error_code{};
  };
  Blocker first(body);
  Blocker second(body);
  // One task has started on the driver; the other is queued, or started too (a waiting
  // block_on's task runs once the driver gets to it).
  REQUIRE(test::eventually([&] { return started.load() >= 1; }));
  std::this_thread::sleep_for(20ms);
  std::error_code ec;
  test::returns_or_die("shutdown during block_on", [&] { ec = rt.shutdown(); });
  join_or_die(first);
  join_or_die(second);
  CHECK_FALSE(ec);
  CHECK(first.end.load() == Blocker::End::error);
  CHECK(first.code == std::errc::operation_canceled);
  CHECK(second.end.load() == Blocker::End::error);
  CHECK(second.code == std::errc::operation_canceled);
}

// block_on from inside a task of the runtime (current_thread: it drives nested;
// multi_thread: it blocks the worker). Shutdown cancels the inner wait; the outer task
// sees that as operation_canceled, and returns it or is cancelled itself.
TEST_CASE("shutdown while a task of the runtime is in a nested block_on") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    std::atomic<int> started{0};
    Runtime* r = &rt;
    Blocker b([r, &started] {
      return r->block_on([](Runtime* r, std::atomic<int>* started) -> Task<std::error_code> {
        try {
          r->block_on(sleep_an_hour(started));
        } catch (const std::system_error& e) {
          co_return e.code();
        }
        co_return std::error_code{};
      }(r, &started));
    });
    REQUIRE(test::eventually([&] { return started.load() == 1; }));
    std::this_thread::sleep_for(20ms);
    std::error_code ec;
    test::returns_or_die("shutdown during a nested block_on", [&] { ec = rt.shutdown(); });
    join_or_die(b);
    CHECK_FALSE(ec);
    CHECK(b.ended_with(std::errc::operation_canceled));
  }
}
