// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the sync-primitive suites (exec_sync_*). Tasks record what they
// saw and return it; the doctest checks run on the main thread (Wine's rule).

#include "exec_util.hpp"

#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/task.hpp>

#include <chrono>
#include <optional>
#include <utility>
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

// The cancel-safety check of a channel's recv(): a task waits in `co_await rx.recv()` and
// is aborted; `send()` runs before the abort (the waiter is woken but never resumes: on
// current_thread the calling task keeps the thread) or after it. Either way the value
// must still be there: returns rx.try_recv()'s result, or nullopt if the waiter was not
// cancelled.
template <class Rx, class Send>
pollux::exec::Task<std::optional<decltype(std::declval<Rx&>().try_recv())>> recv_after_aborted_waiter(
    Rx& rx, Send send, bool send_before_abort) {
  auto waiter = pollux::exec::spawn([](Rx& rx) -> pollux::exec::Task<void> {
    auto r = co_await rx.recv();
    (void)r;
  }(rx));
  co_await pollux::exec::sleep(std::chrono::milliseconds(5));
  if (send_before_abort) send();
  waiter.abort();
  if (!co_await was_cancelled(waiter)) co_return std::nullopt;
  if (!send_before_abort) send();
  co_return rx.try_recv();
}

}  // namespace test
