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

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/mpsc.hpp>
#include <pollux/exec/sync/mutex.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/sync/oneshot.hpp>
#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/exec/yield_now.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

using namespace pollux::exec;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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
  co_await std::move(other);
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
  for (auto& h : hs) co_await std::move(h);
}

template <class Make>
void measure(const char* name, const char* unit, Flavor flavor, long ops, int runs, Make make) {
  std::vector<double> rates, cpu_rates;
  for (int r = 0; r < runs; ++r) {
    RuntimeOptions options;
    options.flavor = flavor;
    options.workers = 2;
    std::error_code ec;
    auto rt = Runtime::create(options, ec);
    if (ec) fail("Runtime::create");
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    rt.block_on(make());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    rates.push_back(ops / s);
    cpu_rates.push_back(ops / cpu);
  }
  const double m = median(rates);
  std::printf("%-32s %-14s %7.2fM %s/s (%5.0f ns)  per CPU-s %6.2fM\n", name,
              flavor == Flavor::multi_thread ? "2 workers" : "current-thread", m / 1e6, unit,
              1e9 / m, median(cpu_rates) / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  long n = 1'000'000;
  int runs = 5;
  std::string only, flavor;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--iters") {
      n = std::atol(argv[i + 1]);
    } else if (arg == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (arg == "--only") {
      only = argv[i + 1];
    } else if (arg == "--flavor") {
      flavor = argv[i + 1];
    } else {
      n = 0;  // unknown option: print the usage
    }
  }
  if (n < 4 || runs <= 0 || argc % 2 == 0 ||
      (!flavor.empty() && flavor != "mt" && flavor != "ct")) {
    std::fprintf(stderr, "usage: %s [--iters N>=4] [--runs R] [--only NAME] [--flavor mt|ct]\n",
                 argv[0]);
    return 2;
  }
  std::printf("n = %ld operations per run, median of %d runs\n", n, runs);
  const auto bounded = [] { return mpsc::channel<long>(1024); };
  const auto unbounded = [] { return mpsc::unbounded_channel<long>(); };
  for (Flavor f : {Flavor::multi_thread, Flavor::current_thread}) {
    if (flavor == (f == Flavor::multi_thread ? "ct" : "mt")) continue;
    auto run = [&](const char* name, const char* unit, auto make) {
      if (std::string(name).find(only) != std::string::npos) measure(name, unit, f, n, runs, make);
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
