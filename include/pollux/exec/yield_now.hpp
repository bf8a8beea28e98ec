// SPDX-License-Identifier: MIT
#pragma once
// yield_now(): lets the other runnable tasks of the worker run before this one goes on.

#include <coroutine>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// `co_await yield_now();` puts the current task behind the runnable ones (never into a
/// worker's LIFO slot). Outside a runtime task it does nothing.
struct YieldNow {
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) const noexcept { return detail::yield_current(h); }
  void await_resume() const noexcept {}
};

/// `co_await yield_now();`: see YieldNow.
inline YieldNow yield_now() noexcept { return {}; }

}  // namespace pollux::exec
