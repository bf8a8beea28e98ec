// SPDX-License-Identifier: MIT
#pragma once
// The global FIFO of a scheduler: tasks scheduled from outside its threads, a worker's
// overflow, and what workers pull when their own queue is empty. An intrusive list
// through TaskHeader::queue_next under one mutex; the length is also kept in an atomic
// so that "is there anything?" costs no lock.

#include <atomic>
#include <cstddef>
#include <mutex>

#include <pollux/exec/detail/task_header.hpp>

#include "task_list.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class InjectionQueue {
 public:
  // false once closed; the caller keeps the reference.
  bool push(TaskHeader* task) noexcept { return push_batch(task, task, 1); }
  // A chain first..last already linked through queue_next.
  bool push_batch(TaskHeader* first, TaskHeader* last, std::size_t n) noexcept {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    list_.push_chain(first, last);
    len_.store(len_.load(std::memory_order_relaxed) + n, std::memory_order_release);
    return true;
  }
  TaskHeader* pop() noexcept {
    if (is_empty()) return nullptr;
    std::lock_guard lock(mutex_);
    return pop_locked();
  }
  // Up to `max` tasks, handed to `sink` in FIFO order under the lock (keep it short).
  template <class Sink>
  std::size_t pop_n(std::size_t max, Sink&& sink) noexcept {
    if (is_empty()) return 0;
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    while (n < max) {
      TaskHeader* task = pop_locked();
      if (task == nullptr) break;
      sink(task);
      ++n;
    }
    return n;
  }
  bool is_empty() const noexcept { return len_.load(std::memory_order_acquire) == 0; }
  std::size_t len() const noexcept { return len_.load(std::memory_order_acquire); }
  // Refuses further pushes and returns what was queued, as a chain.
  TaskHeader* close() noexcept {
    std::lock_guard lock(mutex_);
    closed_ = true;
    len_.store(0, std::memory_order_release);
    return list_.take_all();
  }

 private:
  TaskHeader* pop_locked() noexcept {
    TaskHeader* task = list_.pop();
    if (task == nullptr) return nullptr;
    len_.store(len_.load(std::memory_order_relaxed) - 1, std::memory_order_release);
    return task;
  }

  std::mutex mutex_;
  TaskList list_;
  std::atomic<std::size_t> len_{0};
  bool closed_ = false;
};

}  // namespace pollux::exec::detail
