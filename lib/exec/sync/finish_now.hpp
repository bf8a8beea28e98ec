// SPDX-License-Identifier: MIT
#pragma once
// finish_now: the end of an await_suspend that got its outcome without waiting (a
// stored permit, a sent value). As every awaitable that completes at once, it spends a
// unit of the task's cooperative budget; with none left the task yields, and resumes
// later with the outcome it already holds (a drop meanwhile hands it back).

#include <coroutine>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// The value for await_suspend to return: false continues at once.
inline bool finish_now(std::coroutine_handle<> h) noexcept {
  // One call for the check and the spend: this is every such await's hot path.
  if (coop_try_consume()) return false;
  return yield_current(h);
}

}  // namespace pollux::exec::detail
