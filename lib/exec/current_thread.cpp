// SPDX-License-Identifier: MIT
#include "current_thread.hpp"

#include <chrono>

#include "task_state.hpp"
#include "thread_waiter.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

// Remote work is looked at first every this many ticks, as in the multi-thread flavour.
constexpr std::uint32_t kGlobalQueueInterval = 31;
// Tasks run between two looks at the outside world: a poll of the I/O driver and timers
// with a zero timeout.
constexpr int kEventInterval = 61;
// A block_on that waits for another thread's driving retries to drive at this pace,
// in case that other block_on returns while our task is still queued.
constexpr std::chrono::milliseconds kDriverRetry{1};

}  // namespace

CurrentThread::~CurrentThread() { (void)shutdown(); }

bool CurrentThread::is_driver_thread() const noexcept {
  const Context* ctx = current_context();
  return ctx != nullptr && ctx->scheduler == this && ctx->core != nullptr;
}

bool CurrentThread::on_own_thread() const noexcept {
  const Context* ctx = current_context();
  return ctx != nullptr && ctx->scheduler == this;
}

RuntimeStats CurrentThread::stats() const noexcept {
  RuntimeStats s;
  s.tasks_run = tasks_run_.load(std::memory_order_relaxed);
  s.parks = parks_.load(std::memory_order_relaxed);
  return s;
}

void CurrentThread::schedule(TaskHeader* task, bool /*is_yield*/) noexcept {
  // No LIFO slot, as in tokio's current-thread scheduler: on one thread it only
  // reorders, and it made a task that joins many others suspend and resume once per
  // joined task (each completion put the joiner first in line) instead of finding
  // them all finished (spawn+join of 1M tasks: 4.9M/s with the slot, 6.9M/s without).
  if (is_driver_thread()) {
    local_.push(task);
    return;
  }
  if (!inject_.push(task)) {
    drop_queue_entry(task);  // shut down
    return;
  }
  park_.unpark();
}

void CurrentThread::run(Context& ctx, TaskHeader* task) noexcept {
  ctx.budget = kCoopBudget;
  run_task(task);
  tasks_run_.store(tasks_run_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

TaskHeader* CurrentThread::next_task() noexcept {
  ++tick_;
  if (tick_ % kGlobalQueueInterval == 0) {
    if (TaskHeader* task = inject_.pop()) return task;
  }
  if (TaskHeader* task = local_.pop()) return task;
  return inject_.pop();
}

void CurrentThread::drive(TaskHeader* root) noexcept {
  Context ctx;
  ctx.scheduler = this;
  ctx.core = this;
  ContextGuard guard(&ctx);
  // Shutdown needs the driver to leave (see stop()); it is looked at between batches of
  // tasks, and a shutdown unparks us.
  while (!root->is_complete() && !is_shut_down()) {
    int ran = 0;
    for (; ran < kEventInterval; ++ran) {
      TaskHeader* task = next_task();
      if (task == nullptr) break;
      run(ctx, task);
      if (root->is_complete()) return;
    }
    if (ran == 0) {
      // Nothing runnable here: wait in the I/O driver (events, timers) or for another
      // thread (a remote wake pushes to the injection queue, then unparks us).
      parks_.fetch_add(1, std::memory_order_relaxed);
      park_.park();
    } else if (ran == kEventInterval) {
      park_.poll_events();
    }
  }
}

void CurrentThread::block_until_complete(TaskHeader* task) noexcept {
  if (is_driver_thread()) {
    // block_on from inside one of our tasks: drive nested. The outer task stays
    // RUNNING, so nothing resumes it meanwhile. A shutdown ends this early, with the
    // task unfinished: it cannot be cancelled while the outer drive holds the runtime,
    // so block_on reports it as cancelled at once (see Runtime::block_on).
    drive(task);
    return;
  }
  ThreadWaiter waiter(task);
  for (;;) {
    if (task->is_complete()) return;
    bool drove = false;
    {
      std::unique_lock driver(driver_mutex_, std::try_to_lock);
      if (driver.owns_lock() && !is_shut_down()) {
        drive(task);
        drove = true;
      }
    }
    // A drive that ended on shutdown left the task to stop(), which cancels it once
    // the driver mutex is free. Nothing of this scheduler is touched after unlocking:
    // ~Runtime may be deleting it.
    if (drove || is_shut_down()) {
      // Shutdown cancels every task it finds; ours completes that way.
      waiter.wait();
      return;
    }
    if (waiter.wait_for(kDriverRetry)) return;
  }
}

void CurrentThread::stop() noexcept {
  // The driver, if a thread drives, may sleep in the I/O driver for ever: shut_down_ is
  // set, so once woken it leaves drive() and lets go of the mutex. An unpark before it
  // parks is kept, so there is no window in which it is lost.
  park_.unpark();
  std::lock_guard driver(driver_mutex_);
  // Cancelling a task runs its frame's destructors, which may wake others: they go to
  // the injection queue (this is not the driver thread), drained next.
  for (TaskHeader* task = local_.take_all(); task != nullptr;) {
    TaskHeader* next = task->queue_next;
    drop_queue_entry(task);
    task = next;
  }
  drain_queues();
}

void CurrentThread::drain_queues() noexcept {
  TaskHeader* task = inject_.close();
  while (task != nullptr) {
    TaskHeader* next = task->queue_next;
    drop_queue_entry(task);
    task = next;
  }
}

}  // namespace pollux::exec::detail
