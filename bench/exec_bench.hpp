// SPDX-License-Identifier: MIT
#pragma once
// Shared by the pollux-exec benchmarks that time whole runtimes (exec_scheduler,
// exec_sync): the command line, and one measurement printed as a line: the median over
// --runs fresh runtimes of operations per second of wall time and per CPU-second of the
// process (on a shared machine the wall-clock rate is mostly other processes' load; the
// rate per CPU-second shows our own cost).
//
//   PROGRAM [--iters N] [--runs R] [--only NAME] [--flavor mt|ct]

#include <pollux/exec/runtime.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

namespace bench {

struct ExecOptions {
  long n = 0;
  int runs = 5;
  std::string only;    // run the benchmarks whose name contains this
  std::string flavor;  // "mt", "ct" or empty for both
  bool wants(const char* name) const { return std::string(name).find(only) != std::string::npos; }
  bool wants(pollux::exec::Flavor f) const {
    return flavor.empty() || flavor == (f == pollux::exec::Flavor::multi_thread ? "mt" : "ct");
  }
};

// Exits with the usage on a bad command line; `min_n` is the smallest --iters accepted.
inline ExecOptions parse_exec_options(int argc, char** argv, long default_n, long min_n) {
  ExecOptions o;
  o.n = default_n;
  bool bad = argc % 2 == 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--iters") {
      o.n = std::atol(argv[i + 1]);
    } else if (arg == "--runs") {
      o.runs = std::atoi(argv[i + 1]);
    } else if (arg == "--only") {
      o.only = argv[i + 1];
    } else if (arg == "--flavor") {
      o.flavor = argv[i + 1];
    } else {
      bad = true;
    }
  }
  if (bad || o.n < min_n || o.runs <= 0 || (!o.flavor.empty() && o.flavor != "mt" && o.flavor != "ct")) {
    std::fprintf(stderr, "usage: %s [--iters N>=%ld] [--runs R] [--only NAME] [--flavor mt|ct]\n",
                 argv[0], min_n);
    std::exit(2);
  }
  return o;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Runs make()'s task `runs` times, each on a fresh runtime of `flavor` (2 workers), and
// prints the line; `reference` (may be empty) is printed after it.
template <class Make>
void measure(const char* name, const char* unit, const char* reference, pollux::exec::Flavor flavor,
             long ops, int runs, Make make) {
  std::vector<double> rates, cpu_rates;
  for (int r = 0; r < runs; ++r) {
    pollux::exec::RuntimeOptions options;
    options.flavor = flavor;
    options.workers = 2;
    std::error_code ec;
    auto rt = pollux::exec::Runtime::create(options, ec);
    if (ec) {
      std::fprintf(stderr, "Runtime::create: %s\n", ec.message().c_str());
      std::exit(1);
    }
    const std::clock_t c0 = std::clock();
    const auto t0 = std::chrono::steady_clock::now();
    rt.block_on(make());
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    rates.push_back(ops / s);
    cpu_rates.push_back(ops / cpu);
  }
  const double m = median(rates);
  std::printf("%-32s %-14s %7.2fM %s/s (%5.0f ns)  per CPU-s %6.2fM%s%s\n", name,
              flavor == pollux::exec::Flavor::multi_thread ? "2 workers" : "current-thread",
              m / 1e6, unit, 1e9 / m, median(cpu_rates) / 1e6, *reference ? "   ref: " : "",
              reference);
}

}  // namespace bench
