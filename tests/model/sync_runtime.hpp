// SPDX-License-Identifier: MIT
#pragma once
// The runtime that the sync primitives' real code (lib/exec/sync/) asks for, as the models
// provide it: each Relacy thread is one task with a Mailbox; suspend_current() hands out a
// Waker to it, and await() runs an awaiter as a coroutine's co_await would (await_suspend,
// then sleep until woken if it suspended, then await_resume). The budget never runs out,
// so finish_now() continues at once. A task dropped while it waits is an awaiter
// destroyed without await_resume, as when its coroutine frame is destroyed.
// Include after MODEL_SOURCE.

#include <coroutine>
#include <cstddef>

#include <pollux/exec/task.hpp>

#include "mailbox.hpp"

namespace model {

constexpr unsigned kMaxTasks = 4;
// The running suite's mailboxes, one per thread.
Mailbox* tasks = nullptr;

Mailbox& current_task() { return tasks[rl::ctx().current_thread()]; }

template <class Awaiter>
decltype(auto) await(Awaiter& awaiter) {
  if (!awaiter.await_ready() && awaiter.await_suspend(std::noop_coroutine())) {
    current_task().wait_woken();
  }
  return awaiter.await_resume();
}

// Suspends like await(), but the task is dropped instead of resumed: returns without
// await_resume, and the caller destroys the awaiter (at once, or after a wake).
template <class Awaiter>
bool suspend_only(Awaiter& awaiter) {
  return awaiter.await_suspend(std::noop_coroutine());
}

template <class Derived, unsigned Threads>
struct SyncSuite : rl::test_suite<Derived, Threads> {
  static_assert(Threads <= kMaxTasks);
  Mailbox mailboxes[Threads];
  SyncSuite() { tasks = mailboxes; }
};

}  // namespace model

namespace pollux::inline POLLUX_ABI()::exec::detail {
Waker suspend_current(std::coroutine_handle<>) noexcept { return model::current_task().waker_to(); }
bool yield_current(std::coroutine_handle<>) noexcept { return false; }
bool coop_has_budget() noexcept { return true; }
void coop_consume() noexcept {}
bool coop_try_consume() noexcept { return true; }
// The per-thread block pool is plain ::operator new here: Relacy's, which reports a
// block freed twice, never, or used after it was freed.
void* cell_allocate(std::size_t size) { return ::operator new(size); }
void cell_deallocate(void* p, std::size_t) noexcept { ::operator delete(p); }
}  // namespace pollux::exec::detail
