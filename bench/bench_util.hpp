// SPDX-License-Identifier: MIT
#pragma once
// Shared by the pollux-vs-raw-epoll benchmarks: options, timing, and the report lines.
//
// Each program times pollux and a raw-epoll baseline written in the same program, in the
// same run, alternating the two so that drift in the machine's load hits both alike, and
// prints the median rate of each and their ratio. The measured loops live in functions
// named pollux_* and raw_* (never inlined), so that
//   valgrind --tool=callgrind <program> --iters N --runs 1
//   callgrind_annotate --inclusive=yes callgrind.out.<pid>
// gives each side's user-space instructions; divide by N for instructions per operation.

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace bench {

struct Options {
  long iters;
  int runs;
  long idle = -1;  // tcp_pingpong only: idle sockets; -1 runs both 0 and 10,000
};

inline Options parse(int argc, char** argv, long default_iters) {
  Options o{default_iters, 5};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--iters" && has_value) {
      o.iters = std::atol(argv[++i]);
    } else if (arg == "--runs" && has_value) {
      o.runs = std::atoi(argv[++i]);
    } else if (arg == "--idle" && has_value) {
      o.idle = std::atol(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--iters N] [--runs R] [--idle N]\n", argv[0]);
      std::exit(2);
    }
  }
  if (o.iters <= 0 || o.runs <= 0) {
    std::fprintf(stderr, "--iters and --runs must be positive\n");
    std::exit(2);
  }
  return o;
}

[[noreturn]] inline void die(const char* what, std::error_code ec) {
  std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
  std::exit(1);
}

inline void check(const char* what, std::error_code ec) {
  if (ec) die(what, ec);
}

inline void check_errno(const char* what, bool ok) {
  if (!ok) die(what, {errno, std::system_category()});
}

/// Pins the calling thread to CPU `cpu` modulo the CPUs there are, so that a ping-pong's
/// two threads run on the same two CPUs in every run (a thread placement that changes from
/// run to run moves a round trip's cost by more than the difference being measured).
inline void pin_to_cpu(unsigned cpu) {
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % n, &set);
  (void)::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}

inline double cpu_now() {
  timespec ts;
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Wall time, and the CPU time of the whole process (every thread, user and system):
/// on a shared machine the latter is much less disturbed by other processes.
struct Times {
  double wall, cpu;
};

template <class F>
Times measure(F&& f) {
  double cpu = cpu_now();
  auto start = std::chrono::steady_clock::now();
  f();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {wall, cpu_now() - cpu};
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// The value below which a share `q` (0..1) of `v` lies (linear interpolation).
inline double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

/// Runs `pollux_run(iters)` and `raw_run(iters)` alternately, `runs` times each, and
/// prints the median operations per second of each, pollux's share of raw's rate, and
/// the ratio of CPU time per operation (pollux / raw: 1.00 means the same cost).
/// The second line gives the same wall-time ratio taken run by run (each pollux run
/// against the raw run next to it in time, which cancels the machine's slower drifts)
/// with its interquartile range: a 1% difference is only a finding when that range
/// does not reach across it.
template <class P, class R>
void compare(const char* name, const char* unit, const Options& o, P&& pollux_run, R&& raw_run) {
  std::vector<double> pollux_rates, raw_rates, cpu_ratios, wall_ratios;
  for (int r = 0; r < o.runs; ++r) {
    // Alternate which side goes first, so that neither always runs on a warmer machine.
    Times p, w;
    if (r % 2 == 0) {
      p = measure([&] { pollux_run(o.iters); });
      w = measure([&] { raw_run(o.iters); });
    } else {
      w = measure([&] { raw_run(o.iters); });
      p = measure([&] { pollux_run(o.iters); });
    }
    pollux_rates.push_back(o.iters / p.wall);
    raw_rates.push_back(o.iters / w.wall);
    cpu_ratios.push_back(p.cpu / w.cpu);
    wall_ratios.push_back(w.wall / p.wall);
  }
  double pm = median(pollux_rates), wm = median(raw_rates);
  std::printf("%-30s pollux %9.0f %s  raw epoll %9.0f %s  wall pollux/raw %.3f  "
              "cpu/op pollux/raw %.3f  (medians of %d runs of %ld)\n",
              name, pm, unit, wm, unit, pm / wm, median(cpu_ratios), o.runs, o.iters);
  std::printf("%-30s   paired wall pollux/raw: median %.3f, interquartile %.3f-%.3f\n", "",
              median(wall_ratios), quantile(wall_ratios, 0.25), quantile(wall_ratios, 0.75));
  std::fflush(stdout);
}

}  // namespace bench
