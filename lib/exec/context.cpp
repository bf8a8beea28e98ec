// SPDX-License-Identifier: MIT
// The thread-local context and the hooks awaitables use to suspend the running task.

#include "context.hpp"

#include <pollux/exec/runtime.hpp>  // current_scheduler's exported declaration

#include "task_state.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

// A Waker for a coroutine that runs outside any runtime task: waking resumes it inline
// on the waking thread, since there is no scheduler to hand it to.
void inline_wake(void* data) noexcept { std::coroutine_handle<>::from_address(data).resume(); }
void inline_drop(void*) noexcept {}
void* inline_clone(void* data) noexcept { return data; }
constexpr WakerVtable kInlineWakerVtable{&inline_wake, &inline_drop, &inline_clone};

}  // namespace

ContextGuard::ContextGuard(Context* ctx) noexcept : saved_(t_context) { t_context = ctx; }
ContextGuard::~ContextGuard() { t_context = saved_; }

Waker suspend_current(std::coroutine_handle<> h) noexcept {
  Context* ctx = t_context;
  if (ctx == nullptr) return Waker{h.address(), &kInlineWakerVtable};
  TaskHeader* task = ctx->current;
  // No task while a select/join branch runs (BranchSet::run clears it): the branch is
  // what resumes, and the task's own path stays free of the check.
  if (task == nullptr) [[unlikely]] {
    if (ctx->branch != nullptr) return branch_suspend(ctx->branch, h);
    return Waker{h.address(), &kInlineWakerVtable};
  }
  // Written while RUNNING; the next runner reads it after acquiring the state word that
  // our transition to idle releases.
  task->resume_point = h;
  return task_waker(task);
}

bool yield_current(std::coroutine_handle<> h) noexcept {
  Context* ctx = t_context;
  if (ctx == nullptr) return false;
  if (ctx->current == nullptr) [[unlikely]] {
    return ctx->branch != nullptr && branch_yield(ctx->branch, h);
  }
  ctx->current->resume_point = h;
  ctx->yielded = true;
  // A self-wake while RUNNING: the runner sees NOTIFIED when the task suspends and
  // queues it again, behind the others because `yielded` is set.
  ctx->current->state.fetch_or(TaskHeader::kNotified, std::memory_order_relaxed);
  return true;
}

bool coop_has_budget() noexcept {
  Context* ctx = t_context;
  // A branch spends its task's budget (the task is cleared while the branch runs).
  return ctx == nullptr || (ctx->current == nullptr && ctx->branch == nullptr) ||
         ctx->budget > 0;
}

void coop_consume() noexcept {
  Context* ctx = t_context;
  if (ctx != nullptr && (ctx->current != nullptr || ctx->branch != nullptr)) --ctx->budget;
}

bool coop_try_consume() noexcept {
  Context* ctx = t_context;
  if (ctx == nullptr || (ctx->current == nullptr && ctx->branch == nullptr)) return true;
  if (ctx->budget <= 0) return false;
  --ctx->budget;
  return true;
}

Scheduler* current_scheduler() noexcept {
  Context* ctx = t_context;
  return ctx ? ctx->scheduler : nullptr;
}

}  // namespace pollux::exec::detail
