// SPDX-License-Identifier: MIT
// Parker ping-pong between two threads: pollux's Parker (on each backend this host has)
// against a hand-written raw futex and against std::condition_variable, in one run; then
// the cost of unpark() on a parker that is already notified. Prints medians and ratios.
//
//   bench_exec_parker [round_trips]     (default 200000; 5 runs per contender, interleaved)

#include <pollux/exec/parker.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/exec/futex.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// The baseline a programmer would write by hand: a flag per side; the waker sets it and
// always calls FUTEX_WAKE, the waiter sleeps while it is clear, then clears it.
struct RawFutexEvent {
  std::atomic<std::uint32_t> word{0};
  void wait() {
    while (word.load(std::memory_order_acquire) == 0) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
              FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, nullptr, nullptr, 0);
    }
    word.store(0, std::memory_order_relaxed);
  }
  void notify() {
    word.store(1, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
            1, nullptr, nullptr, 0);
  }
};

struct CondvarEvent {
  std::mutex mutex;
  std::condition_variable cv;
  bool set = false;
  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return set; });
    set = false;
  }
  void notify() {
    {
      std::lock_guard lock(mutex);
      set = true;
    }
    cv.notify_one();
  }
};

struct ParkerEvent {
  pollux::exec::Parker parker;
  void wait() { parker.park(); }
  void notify() { parker.unpark(); }
};

// Seconds for `rounds` round trips between this thread and another.
template <class Event>
double ping_pong(long rounds) {
  Event ping;
  Event pong;
  std::thread other([&] {
    for (long i = 0; i < rounds; ++i) {
      pong.wait();
      ping.notify();
    }
  });
  const auto start = Clock::now();
  for (long i = 0; i < rounds; ++i) {
    pong.notify();
    ping.wait();
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  other.join();
  return seconds;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Contender {
  std::string name;
  std::function<double(long)> run;
  std::vector<double> seconds;
};

}  // namespace

int main(int argc, char** argv) {
  const long rounds = argc > 1 ? std::atol(argv[1]) : 200000;
  constexpr int kRuns = 5;
  namespace sys = pollux::exec::sys;

  std::vector<Contender> contenders;
  contenders.push_back({"raw futex", ping_pong<RawFutexEvent>, {}});
  for (const std::string_view backend : sys::parker_backends()) {
    const std::string name(backend);
    std::string label = "Parker (";
    label.append(name).append(")");
    contenders.push_back({std::move(label),
                          [name](long n) {
                            (void)sys::force_parker_backend(name);
                            return ping_pong<ParkerEvent>(n);
                          },
                          {}});
  }
  contenders.push_back({"std::condition_variable", ping_pong<CondvarEvent>, {}});

  ping_pong<ParkerEvent>(rounds / 10);  // warm up threads, pages and frequency
  for (int run = 0; run < kRuns; ++run) {
    for (Contender& c : contenders) c.seconds.push_back(c.run(rounds));
  }
  (void)sys::force_parker_backend("");

  std::printf("park/unpark ping-pong, %ld round trips, median of %d runs\n", rounds, kRuns);
  const double raw = median(contenders.front().seconds);
  for (const Contender& c : contenders) {
    const double s = median(c.seconds);
    std::printf("  %-28s %10.0f round trips/s  %8.0f ns/round trip  %.2fx raw futex\n",
                c.name.c_str(), rounds / s, s * 1e9 / rounds, raw / s);
  }

  // unpark() on a parker that already holds a token: one atomic exchange, no system call.
  constexpr long kUnparks = 20'000'000;
  std::vector<double> per_op;
  for (int run = 0; run < kRuns; ++run) {
    pollux::exec::Parker parker;
    parker.unpark();
    const auto start = Clock::now();
    for (long i = 0; i < kUnparks; ++i) parker.unpark();
    per_op.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
                     kUnparks);
    parker.park();
  }
  std::printf("unpark of an already-notified parker: %.2f ns (median of %d x %ld)\n",
              median(per_op), kRuns, kUnparks);
  return 0;
}
