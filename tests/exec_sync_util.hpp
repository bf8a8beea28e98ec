#pragma once
// Helpers shared by the sync-primitive suites (exec_sync_*). Tasks record what they
// saw and return it; the doctest checks run on the main thread (Wine's rule).

#include "exec_util.hpp"

#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/task.hpp>

#include <chrono>
#include <system_error>

namespace test {

inline constexpr pollux::exec::Flavor kFlavors[] = {pollux::exec::Flavor::current_thread,
                                                    pollux::exec::Flavor::multi_thread};

// Waits inside a task until `pred` holds; false after 20 s (a hang guard only).
template <class Pred>
pollux::exec::Task<bool> until(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) co_return false;
    co_await pollux::exec::sleep(std::chrono::milliseconds(1));
  }
  co_return true;
}

// Joins `h`: true when the task was cancelled, false when it finished.
template <class T>
pollux::exec::Task<bool> was_cancelled(pollux::exec::JoinHandle<T>& h) {
  auto r = co_await h;
  co_return r.is_cancelled();
}

}  // namespace test
