// SPDX-License-Identifier: MIT
#pragma once
// Assertions for code that runs inside runtime tasks, possibly on worker threads.
//
// doctest keeps thread_local state for its assertions; with mingw-w64's winpthreads (seen
// under Wine 8) the clean-up of that state when a worker thread exits corrupts the heap,
// even in a program that is only doctest and two std::threads. So tasks record failed
// checks here, and the test thread reports them when block_on returns (test::run). On
// the test thread itself the checks are doctest's own.

#include <doctest/doctest.h>

#include <pollux/exec/runtime.hpp>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace test {

struct TaskFailures {
  static inline const std::thread::id test_thread = std::this_thread::get_id();
  static inline std::mutex mutex;
  static inline std::vector<std::string> list;
};

inline std::string where(const char* file, int line, const char* expr) {
  return std::string(file) + ":" + std::to_string(line) + ": " + expr;
}

inline void task_check(bool ok, const char* expr, const char* file, int line) {
  if (std::this_thread::get_id() == TaskFailures::test_thread) {
    CHECK_MESSAGE(ok, where(file, line, expr));
    return;
  }
  if (ok) return;
  std::lock_guard lock(TaskFailures::mutex);
  TaskFailures::list.push_back(where(file, line, expr));
}

inline void task_require(bool ok, const char* expr, const char* file, int line) {
  if (ok) return;
  // Ends the task; block_on rethrows it on the test thread, where doctest reports it.
  throw std::runtime_error("requirement failed: " + where(file, line, expr));
}

inline void report_task_failures() {
  std::vector<std::string> failures;
  {
    std::lock_guard lock(TaskFailures::mutex);
    failures.swap(TaskFailures::list);
  }
  for (const auto& f : failures) FAIL_CHECK(f);
}

/// rt.block_on(task), then the failures its tasks recorded.
template <class T>
T run(pollux::exec::Runtime& rt, pollux::exec::Task<T> task) {
  struct Report {
    ~Report() { report_task_failures(); }
  } report;
  return rt.block_on(std::move(task));
}

}  // namespace test

#define TASK_CHECK(...) ::test::task_check(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__, __FILE__, __LINE__)
#define TASK_REQUIRE(...) \
  ::test::task_require(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__, __FILE__, __LINE__)
#define TASK_REQUIRE_MESSAGE(cond, msg) \
  ::test::task_require(static_cast<bool>(cond), (#cond " / " + std::string(msg)).c_str(), __FILE__, __LINE__)
