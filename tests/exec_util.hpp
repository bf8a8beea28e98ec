// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the pollux-exec scheduler suites.

#include <doctest/doctest.h>

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>

#include "exec_task_check.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace test {

inline pollux::exec::Runtime make_runtime(pollux::exec::Flavor flavor, unsigned workers = 2) {
  pollux::exec::RuntimeOptions options;
  options.flavor = flavor;
  options.workers = workers;
  std::error_code ec;
  auto rt = pollux::exec::Runtime::create(options, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(rt.valid());
  return rt;
}

inline const char* flavor_name(pollux::exec::Flavor f) {
  return f == pollux::exec::Flavor::multi_thread ? "multi_thread" : "current_thread";
}

// Counts live instances: a coroutine frame holding one is destroyed exactly when the
// count drops, whichever way the task ended.
struct Tracker {
  static inline std::atomic<long> live{0};
  Tracker() noexcept { live.fetch_add(1); }
  Tracker(const Tracker&) noexcept { live.fetch_add(1); }
  ~Tracker() { live.fetch_sub(1); }
};

// Sanitizers slow everything down 5-20x: the big counts shrink under them.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// Polls `pred` until it holds or `within` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds within = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs `fn` on a thread of its own and waits up to `limit` for it to return. One that
// has not returned by then hangs: such a thread cannot be stopped, so the process ends
// at once with a failure rather than hang the suite. A guard against hangs, not a
// measure of speed: the limit is many times what a loaded machine needs.
template <class F>
void returns_or_die(const char* what, F fn, std::chrono::seconds limit = std::chrono::seconds(20)) {
  std::atomic<bool> done{false};
  std::thread thread([&] {
    fn();
    done.store(true);
  });
  if (!eventually([&] { return done.load(); }, limit)) {
    std::fprintf(stderr, "FAILED: %s did not return within %lld s (hang)\n", what,
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(EXIT_FAILURE);
  }
  thread.join();
}

// Runs the task `make_test()` makes on a fresh runtime of each flavour, the Tracker
// count reset first.
template <class F>
void each_flavor(F make_test) {
  for (auto f : {pollux::exec::Flavor::current_thread, pollux::exec::Flavor::multi_thread}) {
    const std::string flavor = flavor_name(f);
    CAPTURE(flavor);
    Tracker::live = 0;
    pollux::exec::Runtime rt = make_runtime(f);
    run(rt, make_test());
  }
}

// For the cancellation tests: gives `h` time to reach its suspension point, aborts it,
// and waits (polling: the handle itself is not awaited) until it has been dropped.
// Checks that it was still waiting when aborted and that its frame, which held the only
// live Tracker, is destroyed.
template <class T>
pollux::exec::Task<void> abort_while_waiting(pollux::exec::JoinHandle<T>& h) {
  using namespace std::chrono_literals;
  co_await pollux::exec::sleep(20ms);
  TASK_CHECK(!h.is_finished());
  TASK_CHECK(Tracker::live.load() == 1);
  h.abort();
  for (int i = 0; i < 10000 && !h.is_finished(); ++i) co_await pollux::exec::sleep(1ms);
  TASK_CHECK(h.is_finished());
  TASK_CHECK(Tracker::live.load() == 0);
}

}  // namespace test
