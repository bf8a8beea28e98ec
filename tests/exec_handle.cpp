// SPDX-License-Identifier: MIT
// Handle (issue 13 item 4): spawn, spawn_blocking and block_on from threads the runtime
// does not own, Handle::current() inside tasks and blocking calls, and a Handle that
// outlives its runtime answering as a stopped one (no crash, no use after free: run
// under ASan and TSan). Also RuntimeOptions' thread hooks and thread name.

#include "exec_util.hpp"

#include <pollux/exec/handle.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#endif

using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

Task<int> value(int v) { co_return v; }

Task<Handle> current_handle() { co_return Handle::current(); }

// What awaiting a finished JoinHandle reports, seen from a runtime of its own.
template <class T>
std::error_code join_error(JoinHandle<T>& h) {
  auto rt = test::make_runtime(Flavor::current_thread);
  try {
    (void)rt.block_on([](JoinHandle<T>& h) -> Task<T> {
      auto r = co_await h;
      co_return std::move(r).value_or_throw();
    }(h));
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

}  // namespace

TEST_CASE("a Handle spawns and blocks on its runtime from a thread it does not own") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Handle handle = rt.handle();
    REQUIRE(handle.valid());
    CHECK_FALSE(handle.is_shut_down());
    int from_thread = 0;
    int blocking = 0;
    std::thread other([&, handle] {
      // current_thread: the spawned task runs inside this block_on, which drives.
      JoinHandle<int> spawned = handle.spawn(value(7));
      from_thread = handle.block_on([](JoinHandle<int> h) -> Task<int> {
        co_return (co_await std::move(h)).value_or_throw() + 1;
      }(std::move(spawned)));
      JoinHandle<int> b = handle.spawn_blocking([] { return 5; });
      blocking = handle.block_on([](JoinHandle<int> h) -> Task<int> {
        co_return (co_await std::move(h)).value_or_throw();
      }(std::move(b)));
    });
    other.join();
    CHECK(from_thread == 8);
    CHECK(blocking == 5);
  }
}

TEST_CASE("Handle::current is the runtime inside its tasks and blocking calls, empty outside") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Handle inside = rt.block_on(current_handle());
    CHECK(inside.valid());
    CHECK(inside == rt.handle());
    JoinHandle<Handle> from_pool = rt.spawn_blocking([] { return Handle::current(); });
    Handle pooled = rt.block_on([](JoinHandle<Handle> h) -> Task<Handle> {
      co_return (co_await std::move(h)).value_or_throw();
    }(std::move(from_pool)));
    CHECK(pooled == rt.handle());
  }
  CHECK_FALSE(Handle::current().valid());
  std::error_code ec;
  Handle outside = Handle::current(ec);
  CHECK_FALSE(outside.valid());
  CHECK(ec == std::errc::operation_not_permitted);
  CHECK(outside == Handle{});
  CHECK(Runtime{}.handle() == Handle{});
}

TEST_CASE("a Handle that outlives its runtime answers as a stopped runtime") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    Handle handle;
    {
      auto rt = test::make_runtime(f);
      handle = rt.block_on(current_handle());
    }
    CHECK(handle.valid());
    CHECK(handle.is_shut_down());
    JoinHandle<int> spawned = handle.spawn(value(1));
    CHECK(spawned.is_finished());
    CHECK(join_error(spawned) == std::errc::operation_canceled);
    JoinHandle<int> blocking = handle.spawn_blocking([] { return 2; });
    CHECK(blocking.is_finished());
    CHECK(join_error(blocking) == std::errc::operation_canceled);
    std::error_code ec;
    try {
      (void)handle.block_on(value(3));
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    CHECK(ec == std::errc::operation_canceled);
    // Copies of a stopped runtime's Handle are still fine; the last one frees it.
    Handle copy = handle;
    handle = Handle{};
    CHECK(copy.is_shut_down());
  }
  // An empty Handle answers the same.
  JoinHandle<int> empty = Handle{}.spawn(value(1));
  CHECK(empty.is_finished());
  CHECK(join_error(empty) == std::errc::operation_canceled);
}

// Threads spawn through their own copies while the runtime is destroyed: every spawn
// either runs or completes as cancelled, and the last copy frees the runtime (TSan and
// ASan watch the scheduler's memory).
TEST_CASE("spawning through Handles races with the runtime's destruction") {
  constexpr int kThreads = 3;
  const int rounds = test::kSanitized ? 5 : 20;
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    for (int round = 0; round < rounds; ++round) {
      std::vector<std::thread> threads;
      std::atomic<int> finished{0}, unfinished{0};
      std::atomic<bool> go{false};
      {
        auto rt = test::make_runtime(f);
        for (int t = 0; t < kThreads; ++t) {
          threads.emplace_back([&, handle = rt.handle()] {
            while (!go.load()) std::this_thread::yield();
            for (int i = 0; i < 50; ++i) {
              JoinHandle<int> h = handle.spawn(value(i));
              JoinHandle<int> b = handle.spawn_blocking([i] { return i; });
              (h.is_finished() ? finished : unfinished).fetch_add(1);
              (void)b;
            }
          });
        }
        go.store(true);
        std::this_thread::sleep_for(1ms);
      }  // the Runtime shuts down here, while the threads may still spawn
      for (auto& t : threads) t.join();
      CHECK(finished.load() + unfinished.load() == kThreads * 50);
    }
  }
}

TEST_CASE("thread hooks run on every worker and blocking thread, which carry the name") {
  std::atomic<int> started{0}, stopped{0};
  std::mutex mutex;
  std::set<std::string> names;
  {
    RuntimeOptions options;
    options.flavor = Flavor::multi_thread;
    options.workers = 2;
    options.thread_name = "pollux-test-worker-long";
    options.on_thread_start = [&] {
      started.fetch_add(1);
#if defined(__linux__)
      char name[32] = {};
      (void)pthread_getname_np(pthread_self(), name, sizeof name);
      std::lock_guard lock(mutex);
      names.insert(name);
#endif
    };
    options.on_thread_stop = [&] { stopped.fetch_add(1); };
    std::error_code ec;
    auto rt = Runtime::create(options, ec);
    REQUIRE_FALSE(ec);
    JoinHandle<int> b = rt.spawn_blocking([] { return 1; });
    CHECK(rt.block_on([](JoinHandle<int> h) -> Task<int> { co_return (co_await std::move(h)).value_or_throw(); }(
              std::move(b))) == 1);
  }
  // Counted once every thread has been joined: a worker may start after the work is done.
  CHECK(started.load() >= 3);  // two workers, at least one blocking thread
  CHECK(started.load() == stopped.load());
#if defined(__linux__)
  // pthread_setname_np takes 15 bytes: the name is cut, never refused.
  CHECK(names == std::set<std::string>{"pollux-test-wor"});
#endif
}

TEST_CASE("a current_thread runtime runs the hooks on its blocking threads only") {
  std::atomic<int> started{0}, stopped{0};
  {
    RuntimeOptions options;
    options.flavor = Flavor::current_thread;
    options.on_thread_start = [&] { started.fetch_add(1); };
    options.on_thread_stop = [&] { stopped.fetch_add(1); };
    std::error_code ec;
    auto rt = Runtime::create(options, ec);
    REQUIRE_FALSE(ec);
    CHECK(rt.block_on(value(4)) == 4);
    CHECK(started.load() == 0);
    JoinHandle<int> b = rt.spawn_blocking([] { return 1; });
    CHECK(rt.block_on([](JoinHandle<int> h) -> Task<int> { co_return (co_await std::move(h)).value_or_throw(); }(
              std::move(b))) == 1);
    CHECK(started.load() == 1);
  }
  CHECK(stopped.load() == 1);
}
