// SPDX-License-Identifier: MIT
#pragma once
// What a thread of a runtime knows about itself: which scheduler it serves, which
// task it is running, and that task's cooperative budget. One per thread, reached
// through a thread_local pointer that the worker (or block_on) sets while it runs.

#include <pollux/exec/detail/branches.hpp>
#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// As tokio: enough for a burst of ready work, small enough that a task that never
// waits still lets the rest of its worker's queue run every ~128 ready awaits.
inline constexpr int kCoopBudget = 128;

struct Context {
  Scheduler* scheduler = nullptr;
  // The scheduler's per-thread part (a worker, or the current_thread driver); null on
  // threads that only block (block_on callers of a multi_thread runtime).
  void* core = nullptr;
  TaskHeader* current = nullptr;
  int budget = kCoopBudget;
  // The running task asked to go behind the others (yield_now or an exhausted budget).
  bool yielded = false;
  // The select/join branch running now (detail/branches.hpp): it, not the task, is
  // where an awaitable that suspends records its resume point. `current` is null while
  // a branch runs.
  Branch* branch = nullptr;
};

// This thread's context (null outside a runtime). Inline: the scheduler asks on every
// task it runs and every wake it queues.
inline thread_local Context* t_context = nullptr;
inline Context* current_context() noexcept { return t_context; }

// Installs `ctx` for this thread for the guard's lifetime (nests: restores the old one).
class ContextGuard {
 public:
  explicit ContextGuard(Context* ctx) noexcept;
  ~ContextGuard();
  ContextGuard(const ContextGuard&) = delete;
  ContextGuard& operator=(const ContextGuard&) = delete;

 private:
  Context* saved_;
};

}  // namespace pollux::exec::detail
