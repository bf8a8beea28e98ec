// SPDX-License-Identifier: MIT
// pollux-exec's sync primitives (issue 14 part 4): mpsc throughput with 1 and 4
// producers (bounded 1024 and unbounded), oneshot create+send+recv, Notify ping-pong
// between two tasks, Semaphore acquire/release contended by 4 tasks, Mutex lock/unlock
// contended by 4 tasks; on 2 workers and on the current-thread flavour. Each figure is
// the median of --runs runs, in operations (messages, round trips, acquires) per second
// of wall time and per CPU-second of this process.
//
//   bench_exec_sync [--iters N] [--runs R] [--only NAME] [--flavor mt|ct]
//   (--only runs the benchmarks whose name contains NAME, so that a profiler such as
//   valgrind --tool=callgrind sees one of them alone: divide its instructions by N)

#include "exec_bench.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/mpsc.hpp>
#include <pollux/exec/sync/mutex.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/sync/oneshot.hpp>
#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/exec/yield_now.hpp>

#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace pollux::exec;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "bench_exec_sync: %s\n", what);
  std::exit(1);
}

template <class Tx>
Task<void> produce(Tx tx, long n) {
  for (long i = 0; i < n; ++i) {
    if constexpr (requires { tx.send(i).error; }) {
      if (tx.send(i).error) fail("unbounded send");
    } else {
      auto sent = co_await tx.send(i);  // (co_await ...).error trips GCC 12 in a template
      if (sent.error) fail("bounded send");
    }
  }
}

// `producers` tasks send n messages in all; this task receives them.
template <class Make>
Task<void> mpsc_run(Make make, int producers, long n) {
  auto [tx, rx] = make();
  for (int p = 0; p < producers; ++p) spawn(produce(tx, n / producers)).detach();
  tx = {};
  long got = 0;
  while (auto r = co_await rx.recv()) ++got;
  if (got != n / producers * producers) fail("mpsc lost messages");
}

Task<void> oneshot_run(long n) {
  for (long i = 0; i < n; ++i) {
    auto [tx, rx] = oneshot::channel<long>();
    if (tx.send(i).error) fail("oneshot send");
    auto r = co_await rx;
    if (!r) fail("oneshot recv");
  }
}

Task<void> notify_pong(Notify& in, Notify& out, long n) {
  for (long i = 0; i < n; ++i) {
    co_await in.notified();
    out.notify_one();
  }
}

Task<void> notify_ping_pong(long n) {
  Notify to_pong, to_ping;
  auto other = spawn(notify_pong(to_pong, to_ping, n));
  for (long i = 0; i < n; ++i) {
    to_pong.notify_one();
    co_await to_ping.notified();
  }
  (void)co_await std::move(other);
}

Task<void> acquire_many(Semaphore& sem, long n) {
  for (long i = 0; i < n; ++i) {
    auto [ec, permit] = co_await sem.acquire();
    if (ec) fail("acquire");
  }
}

Task<void> lock_many(Mutex<long>& m, long n) {
  for (long i = 0; i < n; ++i) {
    auto guard = co_await m.lock();
    ++*guard;
  }
}

// 4 tasks share n operations on one primitive.
template <class Each>
Task<void> contended(long n, Each each) {
  std::vector<JoinHandle<void>> hs;
  for (int t = 0; t < 4; ++t) hs.push_back(spawn(each(n / 4)));
  for (auto& h : hs) (void)co_await std::move(h);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::ExecOptions opt = bench::parse_exec_options(argc, argv, 1'000'000, 4);
  const long n = opt.n;
  std::printf("n = %ld operations per run, median of %d runs\n", n, opt.runs);
  const auto bounded = [] { return mpsc::channel<long>(1024); };
  const auto unbounded = [] { return mpsc::unbounded_channel<long>(); };
  for (Flavor f : {Flavor::multi_thread, Flavor::current_thread}) {
    if (!opt.wants(f)) continue;
    auto run = [&](const char* name, const char* unit, auto make) {
      if (opt.wants(name)) bench::measure(name, unit, "", f, n, opt.runs, make);
    };
    run("mpsc bounded 1024, 1 producer", "msgs", [&] { return mpsc_run(bounded, 1, n); });
    run("mpsc bounded 1024, 4 producers", "msgs", [&] { return mpsc_run(bounded, 4, n); });
    run("mpsc unbounded, 1 producer", "msgs", [&] { return mpsc_run(unbounded, 1, n); });
    run("mpsc unbounded, 4 producers", "msgs", [&] { return mpsc_run(unbounded, 4, n); });
    run("oneshot create+send+recv", "ops", [&] { return oneshot_run(n); });
    run("Notify ping-pong", "round trips", [&] { return notify_ping_pong(n); });
    Semaphore sem(2);
    run("Semaphore(2), 4 tasks", "acquires", [&] {
      return contended(n, [&sem](long k) { return acquire_many(sem, k); });
    });
    Mutex<long> m(0);
    run("Mutex, 4 tasks", "locks", [&] {
      return contended(n, [&m](long k) { return lock_many(m, k); });
    });
  }
  return 0;
}
