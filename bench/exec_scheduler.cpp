// SPDX-License-Identifier: MIT
// pollux-exec's scheduler (issue 5 item 5): spawning 1M trivial tasks, a task-to-task
// ping-pong, a chain of 1M spawns, and fib(25) with spawn and join, on 2 workers and on
// the current-thread flavour. Each figure is the median of --runs runs; the issue's
// tokio 1.24 / oneTBB medians (same kind of machine) are printed beside them.
//
//   bench_exec_scheduler [--iters N] [--runs R] [--only NAME] [--flavor mt|ct]
//   (N scales spawn/chain/ping-pong; --only runs the benchmarks whose name contains NAME,
//   so that a profiler sees one of them alone)

#include "exec_bench.hpp"

#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/runtime.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>


using namespace pollux::exec;

namespace {

// A one-slot signal between two tasks, built on the hook every runtime-aware awaitable
// uses (suspend_current): post() wakes the waiter, or makes its next wait() not wait.
class Baton {
 public:
  void post() noexcept {
    if (state_.exchange(kPosted, std::memory_order_acq_rel) == kWaiting) {
      waker_.wake();
    }
  }
  auto wait() noexcept {
    struct Awaiter {
      Baton* b;
      bool await_ready() const noexcept {
        return b->state_.load(std::memory_order_acquire) == kPosted;
      }
      bool await_suspend(std::coroutine_handle<> h) noexcept {
        b->waker_ = detail::suspend_current(h);
        int expected = kEmpty;
        if (b->state_.compare_exchange_strong(expected, kWaiting, std::memory_order_acq_rel)) {
          return true;
        }
        b->waker_.reset();  // posted meanwhile
        return false;
      }
      void await_resume() const noexcept { b->state_.store(kEmpty, std::memory_order_relaxed); }
    };
    return Awaiter{this};
  }

 private:
  static constexpr int kEmpty = 0, kPosted = 1, kWaiting = 2;
  std::atomic<int> state_{kEmpty};
  detail::Waker waker_;
};

Task<void> trivial() { co_return; }

Task<void> spawn_and_join(long n) {
  std::vector<JoinHandle<void>> handles;
  handles.reserve(n);
  for (long i = 0; i < n; ++i) handles.push_back(spawn(trivial()));
  for (auto& h : handles) (co_await std::move(h)).value_or_throw();
}

Task<void> pong(Baton* in, Baton* out, long n) {
  for (long i = 0; i < n; ++i) {
    co_await in->wait();
    out->post();
  }
}

Task<void> ping_pong(long n) {
  Baton to_pong, to_ping;
  auto other = spawn(pong(&to_pong, &to_ping, n));
  for (long i = 0; i < n; ++i) {
    to_pong.post();
    co_await to_ping.wait();
  }
  (co_await std::move(other)).value_or_throw();
}

Task<void> link(long n, Baton* done) {
  if (n == 0) {
    done->post();
  } else {
    spawn(link(n - 1, done)).detach();
  }
  co_return;
}

Task<void> chain(long n) {
  Baton done;
  spawn(link(n, &done)).detach();
  co_await done.wait();
}

Task<long> fib(int n) {
  if (n < 2) co_return n;
  auto a = spawn(fib(n - 1));
  auto b = spawn(fib(n - 2));
  const long x = (co_await std::move(a)).value_or_throw();
  co_return x + (co_await std::move(b)).value_or_throw();
}

long fib_calls(int n) { return n < 2 ? 1 : 1 + fib_calls(n - 1) + fib_calls(n - 2); }

struct Row {
  const char* name;
  const char* unit;
  const char* reference;
};

}  // namespace

int main(int argc, char** argv) {
  const bench::ExecOptions opt = bench::parse_exec_options(argc, argv, 1'000'000, 1);
  const long n = opt.n;
  const int runs = opt.runs;
  const int fib_n = 25;
  const long calls = fib_calls(fib_n);

  const Row spawn_row{"spawn+join trivial tasks", "tasks",
                      "tokio mt 3.4M, ct 6.1M, oneTBB 8.3M"};
  const Row ping_row{"task ping-pong", "round trips", "tokio ct 4.3M, mt 3.0M"};
  const Row chain_row{"chain of spawns", "spawns", "tokio 10M, oneTBB 24M"};
  const Row fib_row{"fib(25) spawn+join", "calls", "tokio mt 9.8M, oneTBB 39M"};

  std::printf("n = %ld, fib(%d) = %ld calls, median of %d runs\n", n, fib_n, calls, runs);
  for (Flavor f : {Flavor::multi_thread, Flavor::current_thread}) {
    if (!opt.wants(f)) continue;
    auto run = [&](const Row& row, long ops, auto make) {
      if (opt.wants(row.name)) bench::measure(row.name, row.unit, row.reference, f, ops, runs, make);
    };
    run(spawn_row, n, [&] { return spawn_and_join(n); });
    run(ping_row, n, [&] { return ping_pong(n); });
    run(chain_row, n, [&] { return chain(n); });
    run(fib_row, calls, [&] { return fib(fib_n); });
  }
  return 0;
}
