// SPDX-License-Identifier: MIT
// What both scheduler flavours share, and the exported entry points that the public
// templates (Runtime::spawn, spawn_blocking, block_on, exec::spawn) call.

#include "scheduler.hpp"

#include <new>

#include "context.hpp"
#include "io_driver.hpp"
#include "task_state.hpp"
#include "thread_name.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

Scheduler::Scheduler(const RuntimeOptions& options)
    : on_thread_start_(options.on_thread_start),
      on_thread_stop_(options.on_thread_stop),
      thread_name_(options.thread_name),
      blocking_(this, options.max_blocking_threads, options.blocking_keep_alive) {
  std::error_code ec;
  try {
    io_driver_ = IoDriver::create(ec);
  } catch (const std::bad_alloc&) {
    io_driver_ = nullptr;
  }
}

void Scheduler::thread_started() const noexcept {
  if (!thread_name_.empty()) set_current_thread_name(thread_name_);
  if (on_thread_start_) on_thread_start_();
}

void Scheduler::thread_stopping() const noexcept {
  if (on_thread_stop_) on_thread_stop_();
}

void Scheduler::spawn(TaskHeader* task) noexcept {
  task->scheduler = this;
  if (!task->resume_point) {
    // An empty Task: nothing to run; it completes at once.
    cancel_task(task, std::errc::invalid_argument);
    return;
  }
  // A spawn that races with shutdown past this check is queued after all; shutdown's
  // queue drain cancels it (drop_queue_entry).
  if (is_shut_down()) {
    cancel_task(task);
    return;
  }
  schedule(task, false);
}

void Scheduler::spawn_blocking(TaskHeader* task) noexcept {
  // Blocking calls are never woken, so they need no scheduler, and shutdown reaches
  // them through the pool's queue rather than the owned list.
  if (!blocking_.submit(task)) cancel_task(task);
}

std::error_code Scheduler::shutdown() noexcept {
  if (on_own_thread()) return std::make_error_code(std::errc::resource_deadlock_would_occur);
  std::lock_guard lock(shutdown_mutex_);
  if (shut_down_.load(std::memory_order_relaxed)) return {};
  shut_down_.store(true, std::memory_order_release);
  stop();
  // Nothing drives the I/O driver any more: objects that outlive the runtime must see
  // their waits end (with an error) rather than hang.
  if (io_driver_) io_driver_->shutdown();
  // No thread runs tasks any more: each one left is idle or queued, and is dropped.
  owned_.close_and_cancel_all();
  drain_queues();
  blocking_.shutdown();
  drain_queues();
  return {};
}

// Exported entry points.

void spawn_cell(Scheduler* scheduler, TaskHeader* cell) noexcept {
  if (scheduler == nullptr) {
    cancel_task(cell);
    return;
  }
  scheduler->spawn(cell);
}

void spawn_blocking_cell(Scheduler* scheduler, TaskHeader* cell) noexcept {
  if (scheduler == nullptr) {
    cancel_task(cell);
    return;
  }
  scheduler->spawn_blocking(cell);
}

void block_until_complete(Scheduler* scheduler, TaskHeader* cell) noexcept {
  if (scheduler != nullptr) scheduler->block_until_complete(cell);
}

void scheduler_retain(Scheduler* scheduler) noexcept { scheduler->retain(); }

void scheduler_release(Scheduler* scheduler) noexcept { scheduler->release(); }

}  // namespace pollux::exec::detail
