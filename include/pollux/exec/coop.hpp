// SPDX-License-Identifier: MIT
#pragma once
// consume_budget(): for a task that loops on work that never waits (a CPU-bound loop,
// or awaits that always complete at once), so that it still lets the others run.

#include <coroutine>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// `co_await consume_budget();` spends one unit of the task's cooperative budget (128
/// per turn, as tokio's); when none is left the task goes behind the runnable ones.
/// Join handles that are already finished spend it the same way. Outside a runtime
/// task it does nothing.
struct ConsumeBudget {
  bool await_ready() const noexcept { return detail::coop_try_consume(); }
  bool await_suspend(std::coroutine_handle<> h) const noexcept { return detail::yield_current(h); }
  void await_resume() const noexcept {}
};

/// `co_await consume_budget();`: see ConsumeBudget.
inline ConsumeBudget consume_budget() noexcept { return {}; }

}  // namespace pollux::exec
