// SPDX-License-Identifier: MIT
#pragma once
// The current-thread scheduler: tasks run only on a thread inside block_on (the
// driver). Its own queue is touched by the driver alone; wakes from other threads go
// through the injection queue and unpark the driver.

#include <atomic>
#include <cstdint>
#include <mutex>

#include "context.hpp"
#include "injection_queue.hpp"
#include "task_list.hpp"
#include "scheduler.hpp"
#include "worker_park.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class CurrentThread final : public Scheduler {
 public:
  explicit CurrentThread(const RuntimeOptions& options) : Scheduler(options) {}
  ~CurrentThread() override;

  void schedule(TaskHeader* task, bool is_yield) noexcept override;
  void block_until_complete(TaskHeader* task) noexcept override;
  Flavor flavor() const noexcept override { return Flavor::current_thread; }
  unsigned workers() const noexcept override { return 1; }
  RuntimeStats stats() const noexcept override;
  bool on_own_thread() const noexcept override;

 protected:
  void stop() noexcept override;
  void drain_queues() noexcept override;

 private:
  void drive(TaskHeader* root) noexcept;
  void run(Context& ctx, TaskHeader* task) noexcept;
  TaskHeader* next_task() noexcept;
  bool is_driver_thread() const noexcept;

  // Held by the thread that drives; shutdown takes it to wait for the driver to leave.
  std::mutex driver_mutex_;
  TaskList local_;  // guarded by driver_mutex_; never allocates (a std::deque did, per block)
  std::uint32_t tick_ = 0;          // guarded by driver_mutex_
  InjectionQueue inject_;
  WorkerPark park_;
  std::atomic<std::uint64_t> tasks_run_{0};
  std::atomic<std::uint64_t> parks_{0};
};

}  // namespace pollux::exec::detail
