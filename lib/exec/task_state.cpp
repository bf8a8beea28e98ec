// SPDX-License-Identifier: MIT
// The task state machine: every transition is one CAS on TaskHeader::state, so that a
// wake, an abort, a join and the running thread can race without a lock. The rules
// (tokio's, restated in our terms):
// - Only the thread that set RUNNING resumes the task; a wake meanwhile sets NOTIFIED
//   and the runner queues the task again when it suspends, so a coroutine is never
//   resumed twice at once even though it is "suspended" as soon as await_suspend runs.
// - NOTIFIED without RUNNING means exactly one queue entry, which owns one reference.
// - The output is written before COMPLETE (release) and read after it (acquire).

#include "task_state.hpp"

#include "context.hpp"
#include "scheduler.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

constexpr std::uint64_t kRunning = TaskHeader::kRunning;
constexpr std::uint64_t kComplete = TaskHeader::kComplete;
constexpr std::uint64_t kNotified = TaskHeader::kNotified;
constexpr std::uint64_t kCancelled = TaskHeader::kCancelled;
constexpr std::uint64_t kJoinWaker = TaskHeader::kJoinWaker;
constexpr std::uint64_t kRefOne = TaskHeader::kRefOne;

std::uint64_t refs(std::uint64_t state) noexcept { return state >> TaskHeader::kRefShift; }

// The running thread's last step: publish the output, hand it to the joiner's waker,
// leave the owned list. Consumes the runner's reference.
void complete(TaskHeader* task) noexcept {
  // Leaving the owned list first (it is only for shutdown, which leaves a running task
  // to its runner) lets one atomic step publish COMPLETE and drop both the runner's
  // reference and the list's.
  std::uint64_t drop = kRefOne;
  if (task->scheduler != nullptr && task->scheduler->release(task)) drop += kRefOne;
  std::uint64_t cur = task->state.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    // JOIN_WAKER seen here was set before COMPLETE: the slot is ours now; otherwise the
    // joiner's CAS fails on COMPLETE and it never stores one. The waker lives in the
    // task, so one reference stays until it has been taken.
    const std::uint64_t keep = (cur & kJoinWaker) != 0 ? kRefOne : 0;
    next = (cur ^ (kRunning | kComplete)) - (drop - keep);
  } while (!task->state.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                              std::memory_order_relaxed));
  if ((cur & kJoinWaker) != 0) {
    Waker joiner = std::move(task->join_waker);
    joiner.wake();
    task->ref_dec();
  } else if (refs(next) == 0) {
    task->vtable->dealloc(task);
  }
}

void cancel_running(TaskHeader* task, std::errc reason) noexcept {
  task->vtable->drop_future(task);
  if (reason != std::errc::operation_canceled) task->set_error(reason);
  complete(task);
}

void wake_by_val(TaskHeader* task) noexcept {
  std::uint64_t cur = task->state.load(std::memory_order_acquire);
  for (;;) {
    std::uint64_t next;
    bool submit = false;
    if ((cur & kRunning) != 0) {
      // The runner holds a reference, so ours is never the last here.
      next = (cur | kNotified) - kRefOne;
    } else if ((cur & (kComplete | kNotified)) != 0) {
      next = cur - kRefOne;
    } else {
      next = cur | kNotified;  // our reference becomes the queue entry's
      submit = true;
    }
    if (task->state.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      if (submit) {
        task->scheduler->schedule(task, false);
      } else if ((cur & kRunning) == 0 && refs(cur) == 1) {
        task->vtable->dealloc(task);
      }
      return;
    }
  }
}

void task_waker_wake(void* data) noexcept { wake_by_val(static_cast<TaskHeader*>(data)); }
void task_waker_drop(void* data) noexcept { static_cast<TaskHeader*>(data)->ref_dec(); }
void* task_waker_clone(void* data) noexcept {
  static_cast<TaskHeader*>(data)->ref_inc();
  return data;
}
constexpr WakerVtable kTaskWakerVtable{&task_waker_wake, &task_waker_drop, &task_waker_clone};

}  // namespace

Waker task_waker(TaskHeader* task) noexcept {
  task->ref_inc();
  return Waker{task, &kTaskWakerVtable};
}

void run_task(TaskHeader* task) noexcept {
  std::uint64_t cur = task->state.load(std::memory_order_acquire);
  for (;;) {
    if ((cur & (kComplete | kRunning)) != 0) {
      // Only reachable for an entry left behind by shutdown; nothing to run.
      task->ref_dec();
      return;
    }
    const std::uint64_t next = (cur | kRunning) & ~kNotified;
    if (task->state.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      break;
    }
  }
  if ((cur & kCancelled) != 0) {
    cancel_running(task, std::errc::operation_canceled);
    return;
  }

  Context* ctx = current_context();
  if (ctx != nullptr) {
    ctx->current = task;
    ctx->yielded = false;
  }
  const bool done = task->vtable->poll(task);
  if (ctx != nullptr) ctx->current = nullptr;
  if (done) {
    complete(task);
    return;
  }

  // The reference the owned list takes if the task joins it here.
  std::uint64_t list_ref = 0;
  cur = task->state.load(std::memory_order_acquire);
  for (;;) {
    if ((cur & kCancelled) != 0) {
      if (list_ref != 0) task->ref_inc();  // the list's, which complete() hands back
      cancel_running(task, std::errc::operation_canceled);
      return;
    }
    if ((cur & kNotified) == 0 && list_ref == 0 &&
        task->owned_slot.load(std::memory_order_relaxed) == TaskHeader::kNotOwned) {
      // About to go idle for the first time: from now on only the owned list lets
      // shutdown find it. Refused once shutdown has swept (or without memory).
      if (const std::errc refused = task->scheduler->list(task); refused != std::errc{}) {
        cancel_running(task, refused);
        return;
      }
      list_ref = kRefOne;
    }
    // Notified while running: keep our reference for the new queue entry.
    const std::uint64_t next = (cur & kNotified) != 0 ? (cur & ~kRunning) + list_ref
                                                      : (cur & ~kRunning) - kRefOne + list_ref;
    if (task->state.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      break;
    }
  }
  if ((cur & kNotified) != 0) {
    task->scheduler->schedule(task, ctx != nullptr && ctx->yielded);
  } else if (refs(cur) == 1) {
    task->vtable->dealloc(task);
  }
}

void drop_queue_entry(TaskHeader* task) noexcept {
  if (task->owned_slot.load(std::memory_order_relaxed) != TaskHeader::kNotOwned) {
    task->ref_dec();
  } else {
    // Also right when the sweep took the task meanwhile: the second cancel finds it
    // running or complete and only drops the reference.
    cancel_task(task);
  }
}

void cancel_task(TaskHeader* task, std::errc reason) noexcept {
  std::uint64_t cur = task->state.load(std::memory_order_acquire);
  for (;;) {
    if ((cur & kComplete) != 0) {
      task->ref_dec();
      return;
    }
    if ((cur & kRunning) != 0) {
      // Its runner cancels it when it suspends.
      if (task->state.compare_exchange_weak(cur, cur | kCancelled | kNotified,
                                            std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
        task->ref_dec();
        return;
      }
      continue;
    }
    if (task->state.compare_exchange_weak(cur, cur | kRunning | kCancelled,
                                          std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      break;
    }
  }
  cancel_running(task, reason);
}

// The joiner's side.

void TaskHeader::ref_dec() noexcept {
  const std::uint64_t prev = state.fetch_sub(kRefOne, std::memory_order_acq_rel);
  if (refs(prev) == 1) vtable->dealloc(this);
}

bool TaskHeader::set_join_waker(Waker waker) noexcept {
  std::uint64_t cur = state.load(std::memory_order_acquire);
  // A second awaiter of one handle finds the slot taken and reports the misuse through
  // take_outcome rather than overwrite the first one's waker.
  if ((cur & (kComplete | kJoinWaker)) != 0) return false;
  join_waker = std::move(waker);
  for (;;) {
    if ((cur & kComplete) != 0) {
      join_waker.reset();
      return false;
    }
    if (state.compare_exchange_weak(cur, cur | kJoinWaker, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      return true;
    }
  }
}

void TaskHeader::drop_join_handle() noexcept {
  std::uint64_t cur = state.load(std::memory_order_acquire);
  for (;;) {
    // Before COMPLETE, clearing JOIN_WAKER takes the slot back from the completer; the
    // handle's reference then stays until the waker is dropped. Otherwise it goes in
    // the same step.
    const bool owns_waker = (cur & kComplete) == 0 && (cur & kJoinWaker) != 0;
    const std::uint64_t next =
        owns_waker ? cur & ~(kJoinInterest | kJoinWaker) : (cur & ~kJoinInterest) - kRefOne;
    if (state.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      if (owns_waker) {
        join_waker.reset();
        ref_dec();
      } else if (refs(next) == 0) {
        vtable->dealloc(this);
      }
      return;
    }
  }
}

void TaskHeader::abort() noexcept {
  std::uint64_t cur = state.load(std::memory_order_acquire);
  for (;;) {
    if ((cur & (kComplete | kCancelled)) != 0) return;
    std::uint64_t next;
    bool submit = false;
    if ((cur & kRunning) != 0 || (cur & kNotified) != 0) {
      next = cur | kCancelled | kNotified;
    } else {
      next = (cur | kCancelled | kNotified) + kRefOne;
      submit = true;
    }
    if (state.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      // Idle tasks always have a scheduler: blocking calls are queued or running.
      if (submit) scheduler->schedule(this, false);
      return;
    }
  }
}

void TaskHeader::clear_join_waker() noexcept {
  std::uint64_t cur = state.load(std::memory_order_acquire);
  for (;;) {
    // After COMPLETE the completer took the slot (and wakes it); nothing to clear.
    if ((cur & kComplete) != 0 || (cur & kJoinWaker) == 0) return;
    if (state.compare_exchange_weak(cur, cur & ~kJoinWaker, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      join_waker.reset();
      return;
    }
  }
}

Outcome TaskHeader::take_outcome() noexcept {
  // Before COMPLETE only a handle awaited twice at once gets here.
  if ((state.load(std::memory_order_acquire) & kComplete) == 0) return Outcome::taken;
  const Outcome o = outcome;
  switch (o) {
    case Outcome::value:
    case Outcome::exception:
      outcome = Outcome::taken;  // the storage stays until the cell is freed
      break;
    case Outcome::error:
      break;  // stays: every later take reports the same error
    case Outcome::pending:
    case Outcome::taken:
      return Outcome::taken;
  }
  return o;
}

}  // namespace pollux::exec::detail
