// SPDX-License-Identifier: MIT
#pragma once
// Threads for calls that block: started on demand up to a bound, kept for a while when
// idle, then let go. Work beyond the bound waits in a FIFO queue.
//
// An idle thread parks on a Parker of its own, listed under the pool's mutex (parking_lot's
// protocol: prepare_park, list itself, unlock, park_until; on a timeout, timed_out() under
// the lock tells whether a waker took it off the list meanwhile). A waker takes the thread
// off the list and calls unpark_lock() under the mutex, and issues the OS wake after
// releasing it, so the woken thread does not run into the mutex the waker still holds.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/parker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

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
  // On the stack of an idle thread while it is listed in idle_.
  struct IdleThread {
    Parker parker;
    IdleThread* next = nullptr;
  };

  void thread_main() noexcept;
  // Takes the most recently idle thread (its caches are warmest) off the list and makes
  // its state change; the caller wakes it with the handle after unlocking.
  UnparkHandle claim_idle_locked() noexcept;
  void unlist_idle_locked(IdleThread& thread) noexcept;
  void reap_finished_locked(std::vector<std::thread>& out) noexcept;

  Scheduler* const owner_;
  const unsigned max_threads_;
  // Nanoseconds, saturated: the parker's park_for takes them and saturates past the
  // clock's range, where now + keep_alive would overflow.
  const std::chrono::nanoseconds keep_alive_;
  std::mutex mutex_;
  TaskHeader* head_ = nullptr;
  TaskHeader* tail_ = nullptr;
  unsigned threads_ = 0;
  IdleThread* idle_ = nullptr;  // a LIFO stack
  bool shutdown_ = false;
  std::list<std::thread> running_;
  // Threads that timed out and are about to return; joined by the next submit/shutdown.
  std::vector<std::thread::id> finished_;
};

}  // namespace pollux::exec::detail
