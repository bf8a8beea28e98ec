#pragma once
// Threads for calls that block: started on demand up to a bound, kept for a while when
// idle, then let go. Work beyond the bound waits in a FIFO queue.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::exec::detail {

class BlockingPool {
 public:
  // `owner` is what the pool's threads report as their scheduler (so that a blocking
  // call can spawn onto its runtime, and shutdown can tell it runs on one of them).
  BlockingPool(Scheduler* owner, unsigned max_threads, std::chrono::milliseconds keep_alive) noexcept;
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Queues a blocking cell (its queue reference goes with it). false after shutdown, or
  // when no thread exists and none could be started: the caller cancels it.
  bool submit(TaskHeader* task) noexcept;
  // Cancels what is queued, then waits for the running calls and joins every thread.
  void shutdown() noexcept;

 private:
  void thread_main() noexcept;
  void reap_finished_locked(std::vector<std::thread>& out) noexcept;

  Scheduler* const owner_;
  const unsigned max_threads_;
  const std::chrono::milliseconds keep_alive_;
  std::mutex mutex_;
  std::condition_variable work_cv_;
  TaskHeader* head_ = nullptr;
  TaskHeader* tail_ = nullptr;
  std::size_t queued_ = 0;
  unsigned threads_ = 0;
  unsigned idle_ = 0;
  bool shutdown_ = false;
  std::list<std::thread> running_;
  // Threads that timed out and are about to return; joined by the next submit/shutdown.
  std::vector<std::thread::id> finished_;
};

}  // namespace pollux::exec::detail
