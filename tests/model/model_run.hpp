// SPDX-License-Identifier: MIT
#pragma once
// Running a model: each check is one Relacy test suite run under a scheduler and an
// iteration budget; main() reports each result, and a model built with a seeded bug
// (MODEL_SEED, see tests/model/meson.build) passes only if Relacy reports that bug.

#include <cstdio>
#include <chrono>
#include <iostream>
#include <ostream>

#include "relacy_shim.hpp"

namespace model {

// Relacy's exhaustive search with a bound on preemptions (context switches that a thread
// did not ask for): bugs that need few preemptions, which is nearly all of them, are
// found by it for certain; random schedules then cover deeper interleavings.
inline rl::test_params bounded(unsigned context_bound) {
  rl::test_params p;
  p.search_type = rl::fair_context_bound_scheduler_type;
  p.context_bound = context_bound;
  return p;
}

inline rl::test_params random(rl::iteration_t iterations) {
  rl::test_params p;
  p.search_type = rl::random_scheduler_type;
  p.iteration_count = iterations;
  return p;
}

// Runs `Suite` and says whether it ended as `expected`. Relacy prints a failure's report
// (with the failing schedule's history) itself, to stdout, for the checks expected to pass;
// a seeded bug's expected report is kept quiet. Relacy's streams are written from inside
// its fibers, where operator new is Relacy's own: hence no std::ostringstream here.
template <class Suite>
bool check(const char* name, rl::test_params params,
           rl::test_result_e expected = rl::test_result_success) {
  static std::ostream quiet(nullptr);  // discards everything, allocating nothing
  const bool expect_success = expected == rl::test_result_success;
  params.output_stream = expect_success ? &std::cout : &quiet;
  params.progress_stream = &quiet;
  // Relacy's default: no history while searching; on a failure it runs the failing
  // schedule once more with history on, and prints that (output_history would print
  // every event of every run as it happens).
  params.collect_history = false;
  params.output_history = false;
  const auto start = std::chrono::steady_clock::now();
  rl::simulate<Suite>(params);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::cout.flush();
  const bool as_expected = params.test_result == expected;
  std::printf("%-32s %s after %llu iterations, %.1f s (expected %s)\n", name,
              rl::test_result_str(params.test_result),
              static_cast<unsigned long long>(params.stop_iteration), took.count(),
              rl::test_result_str(expected));
  std::fflush(stdout);
  return as_expected;
}

}  // namespace model
