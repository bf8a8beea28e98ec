// SPDX-License-Identifier: MIT
#pragma once
// The work-stealing scheduler: N workers, each with a LocalQueue and a LIFO slot, one
// InjectionQueue, Idle bookkeeping, and a WorkerPark per worker.

#include <atomic>
#include <cstdint>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "context.hpp"
#include "idle.hpp"
#include "injection_queue.hpp"
#include "local_queue.hpp"
#include "scheduler.hpp"
#include "worker_park.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class MultiThread final : public Scheduler {
 public:
  MultiThread(const RuntimeOptions& options, unsigned workers);
  ~MultiThread() override;

  // Starts the worker threads; on failure stops those already started.
  std::error_code start() noexcept;

  void schedule(TaskHeader* task, bool is_yield) noexcept override;
  void block_until_complete(TaskHeader* task) noexcept override;
  Flavor flavor() const noexcept override { return Flavor::multi_thread; }
  unsigned workers() const noexcept override { return static_cast<unsigned>(workers_.size()); }
  RuntimeStats stats() const noexcept override;
  bool on_own_thread() const noexcept override;

 protected:
  void stop() noexcept override;
  void drain_queues() noexcept override;

 private:
  struct Counter {
    // Written by one worker only: a plain increment, read relaxed by stats().
    void inc(std::uint64_t n = 1) noexcept {
      value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::atomic<std::uint64_t> value{0};
  };
  struct Worker {
    std::size_t index = 0;
    LocalQueue queue;
    // The most recently woken or spawned task, run next: it is likely to find its
    // data still in cache. Owner-only, never stolen.
    TaskHeader* lifo = nullptr;
    bool searching = false;
    std::uint32_t tick = 0;
    std::uint32_t rng = 0;
    Context ctx;
    WorkerPark park;
    Counter tasks_run, steal_operations, tasks_stolen, parks, overflows;
    std::thread thread;
  };

  void worker_main(Worker& w) noexcept;
  TaskHeader* next_task(Worker& w) noexcept;
  TaskHeader* steal_work(Worker& w) noexcept;
  // steal_work, then a short spin of further looks before the worker gives up.
  TaskHeader* search(Worker& w) noexcept;
  void run(Worker& w, TaskHeader* task) noexcept;
  void park(Worker& w) noexcept;
  void schedule_local(Worker& w, TaskHeader* task, bool is_yield) noexcept;
  void push_local(Worker& w, TaskHeader* task) noexcept;
  void notify_parked() noexcept;
  void notify_if_work_pending() noexcept;
  void release_worker_queue(Worker& w) noexcept;

  std::vector<std::unique_ptr<Worker>> workers_;
  InjectionQueue inject_;
  Idle idle_;
  std::atomic<bool> stopping_{false};
};

}  // namespace pollux::exec::detail
