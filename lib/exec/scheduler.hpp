// SPDX-License-Identifier: MIT
#pragma once
// The part every scheduler flavour shares: the owned-task list that shutdown walks, the
// blocking pool, and the one virtual entry that puts a woken task back on a queue.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/runtime.hpp>

#include "blocking_pool.hpp"
#include "owned_tasks.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class IoDriver;

class Scheduler {
 public:
  // Throws only std::bad_alloc (copying the options' hooks and name).
  explicit Scheduler(const RuntimeOptions& options);
  virtual ~Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a task that just became NOTIFIED; the caller's reference goes with it. A
  // scheduler that is shutting down drops the reference instead (shutdown cancels it).
  virtual void schedule(TaskHeader* task, bool is_yield) noexcept = 0;
  virtual void block_until_complete(TaskHeader* task) noexcept = 0;
  virtual Flavor flavor() const noexcept = 0;
  virtual unsigned workers() const noexcept = 0;
  virtual RuntimeStats stats() const noexcept = 0;
  // True on a thread that this scheduler runs tasks on.
  virtual bool on_own_thread() const noexcept = 0;

  // The Runtime holds the first reference, each Handle one more; the last to let go
  // deletes the scheduler. Only a scheduler that was shut down loses its last
  // reference: the Runtime gives its own up after shutdown.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Every thread the runtime starts (workers, blocking threads) calls these first and
  // last: its name, then the user's hooks (RuntimeOptions).
  void thread_started() const noexcept;
  void thread_stopping() const noexcept;

  // A new task with two references (JoinHandle, queue entry).
  void spawn(TaskHeader* task) noexcept;
  void spawn_blocking(TaskHeader* task) noexcept;
  // A task about to go idle joins the owned list (see OwnedTasks::insert).
  std::errc list(TaskHeader* task) noexcept { return owned_.insert(task); }
  // A finishing task leaves the owned list; true hands the list's reference to the caller.
  bool release(TaskHeader* task) noexcept { return owned_.remove(task); }

  std::error_code shutdown() noexcept;
  bool is_shut_down() const noexcept { return shut_down_.load(std::memory_order_acquire); }

  // The I/O driver and timers (lib/exec/io_driver.hpp); null when the OS selector could
  // not be opened, and then I/O and timers report errors while tasks still run.
  const std::shared_ptr<IoDriver>& io_driver() const noexcept { return io_driver_; }

 protected:
  // Flavour-specific first half of shutdown: stop running tasks, release queue entries.
  virtual void stop() noexcept = 0;
  // Drops queue entries that arrived while tasks were being cancelled.
  virtual void drain_queues() noexcept = 0;

  // Declared before the threads' owners, so that they outlive every thread.
  const std::function<void()> on_thread_start_;
  const std::function<void()> on_thread_stop_;
  const std::string thread_name_;
  OwnedTasks owned_;
  BlockingPool blocking_;
  std::atomic<bool> shut_down_{false};
  std::mutex shutdown_mutex_;
  std::shared_ptr<IoDriver> io_driver_;

 private:
  std::atomic<std::size_t> refs_{1};
};

}  // namespace pollux::exec::detail
