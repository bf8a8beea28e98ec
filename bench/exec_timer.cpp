// SPDX-License-Identifier: MIT
// The cost of filing and cancelling timers: pollux-exec's TimerDriver (a hierarchical
// wheel under a mutex; what sleep() and timeout() use) against a std::multimap keyed by
// deadline, the ordered-tree timer list many event loops keep. One million timers with
// deadlines spread over an hour, filed, then all cancelled; then the bare TimerWheel
// (no clock, no lock) against a bare std::multimap, on the pattern of deadlines that
// tests/exec_timer_wheel.cpp checks for correctness; then the same through the public
// API: tasks that sleep, aborted.
//
//   bench_exec_timer [--timers N] [--runs R]

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../lib/exec/timer_driver.hpp"
#include "../lib/exec/timer_wheel.hpp"

using namespace pollux::exec;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Pair {
  double insert_ns, cancel_ns;
};

Pair wheel_run(const std::vector<Clock::time_point>& deadlines) {
  detail::TimerDriver timers;
  std::vector<detail::TimerEntry> entries(deadlines.size());
  auto t = Clock::now();
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    bool wake = false;
    if (!timers.insert(entries[i], deadlines[i], wake)) std::abort();
  }
  const double ins = seconds_since(t);
  t = Clock::now();
  for (auto& e : entries) timers.cancel(e);
  const double can = seconds_since(t);
  const double n = static_cast<double>(deadlines.size());
  return {ins / n * 1e9, can / n * 1e9};
}

Pair multimap_run(const std::vector<Clock::time_point>& deadlines) {
  // The same locking as the wheel's, so that only the data structure differs.
  std::mutex m;
  std::multimap<Clock::time_point, void*> timers;
  std::vector<std::multimap<Clock::time_point, void*>::iterator> handles(deadlines.size());
  auto t = Clock::now();
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    std::lock_guard lock(m);
    handles[i] = timers.emplace(deadlines[i], &handles[i]);
  }
  const double ins = seconds_since(t);
  t = Clock::now();
  for (auto& h : handles) {
    std::lock_guard lock(m);
    timers.erase(h);
  }
  const double can = seconds_since(t);
  const double n = static_cast<double>(deadlines.size());
  return {ins / n * 1e9, can / n * 1e9};
}

// The wheel's own cost: ticks in, ticks out, nothing else. Total seconds for all.
double bare_wheel_run(const std::vector<std::uint64_t>& ticks) {
  detail::TimerWheel wheel;
  std::vector<detail::TimerEntry> entries(ticks.size());
  const auto t = Clock::now();
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    entries[i].when = ticks[i];
    if (!wheel.insert(entries[i])) std::abort();
  }
  for (auto& e : entries) wheel.remove(e);
  const double took = seconds_since(t);
  if (wheel.size() != 0) std::abort();
  return took;
}

double bare_multimap_run(const std::vector<std::uint64_t>& ticks) {
  std::multimap<std::uint64_t, void*> timers;
  std::vector<std::multimap<std::uint64_t, void*>::iterator> handles(ticks.size());
  const auto t = Clock::now();
  for (std::size_t i = 0; i < ticks.size(); ++i) handles[i] = timers.emplace(ticks[i], &handles[i]);
  for (auto& h : handles) timers.erase(h);
  const double took = seconds_since(t);
  if (!timers.empty()) std::abort();
  return took;
}

// Spawns `n` tasks that each sleep for minutes, lets them file their timers, then
// aborts them all: the whole cost per timer of a task that waits and is dropped.
double tasks_run(Flavor flavor, int n) {
  RuntimeOptions options;
  options.flavor = flavor;
  options.workers = 2;
  std::error_code ec;
  Runtime rt = Runtime::create(options, ec);
  if (ec) std::abort();
  const auto t = Clock::now();
  rt.block_on([](int n) -> Task<void> {
    std::vector<JoinHandle<void>> handles;
    handles.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) handles.push_back(spawn(sleep(std::chrono::seconds(60 + i % 3600))));
    co_await sleep(std::chrono::milliseconds(1));
    for (auto& h : handles) h.abort();
    for (auto& h : handles) {
      try {
        (co_await std::move(h)).value_or_throw();
      } catch (const std::system_error&) {
      }
    }
  }(n));
  return seconds_since(t) / n * 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int timers = 1000000, runs = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--timers") == 0) {
      timers = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--timers N] [--runs R]\n", argv[0]);
      return 2;
    }
  }
  if (timers <= 0 || runs <= 0) return 2;
  std::mt19937_64 rng(42);
  // Ten minutes ahead, so that none falls due while a run lasts.
  const auto base = Clock::now() + std::chrono::minutes(10);
  std::vector<Clock::time_point> deadlines(static_cast<std::size_t>(timers));
  for (auto& d : deadlines) d = base + std::chrono::microseconds(rng() % 3'600'000'000ull);

  // 1 ms ticks over an hour, in a scrambled order (7919 is prime).
  std::vector<std::uint64_t> ticks(static_cast<std::size_t>(timers));
  for (std::size_t i = 0; i < ticks.size(); ++i) ticks[i] = 1 + i * 7919 % 3'600'000;

  std::vector<double> wi, wc, mi, mc, bw, bm, tm, tc;
  for (int r = 0; r < runs; ++r) {
    const Pair w = wheel_run(deadlines);
    const Pair m = multimap_run(deadlines);
    wi.push_back(w.insert_ns);
    wc.push_back(w.cancel_ns);
    mi.push_back(m.insert_ns);
    mc.push_back(m.cancel_ns);
    bw.push_back(bare_wheel_run(ticks));
    bm.push_back(bare_multimap_run(ticks));
    tm.push_back(tasks_run(Flavor::multi_thread, timers / 10));
    tc.push_back(tasks_run(Flavor::current_thread, timers / 10));
  }
  std::printf("%d timers over 1 h, medians of %d runs\n", timers, runs);
  std::printf("timer wheel        insert %6.1f ns  cancel %6.1f ns\n", median(wi), median(wc));
  std::printf("std::multimap      insert %6.1f ns  cancel %6.1f ns  (wheel is %.1fx / %.1fx faster)\n",
              median(mi), median(mc), median(mi) / median(wi), median(mc) / median(wc));
  std::printf("bare wheel         insert+remove of all %7.1f ms  (%.1f ns/timer)\n",
              median(bw) * 1e3, median(bw) / timers * 1e9);
  std::printf("bare std::multimap insert+remove of all %7.1f ms  (wheel is %.1fx faster)\n",
              median(bm) * 1e3, median(bm) / median(bw));
  std::printf("spawn+sleep+abort  multi_thread %6.0f ns/task  current_thread %6.0f ns/task  (%d tasks)\n",
              median(tm), median(tc), timers / 10);
  return 0;
}
