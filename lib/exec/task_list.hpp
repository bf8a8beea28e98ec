// SPDX-License-Identifier: MIT
#pragma once
// TaskList: a FIFO of tasks linked through TaskHeader::queue_next, not thread-safe. A
// queued task is in one queue at a time, so the link is free to use, and pushing never
// allocates: the injection queue keeps one under its mutex, and the current-thread
// driver one of its own.

#include <utility>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class TaskList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  void push(TaskHeader* task) noexcept { push_chain(task, task); }
  // A chain first..last already linked through queue_next.
  void push_chain(TaskHeader* first, TaskHeader* last) noexcept {
    last->queue_next = nullptr;
    if (tail_ != nullptr) {
      tail_->queue_next = first;
    } else {
      head_ = first;
    }
    tail_ = last;
  }
  TaskHeader* pop() noexcept {
    TaskHeader* task = head_;
    if (task == nullptr) return nullptr;
    head_ = task->queue_next;
    if (head_ == nullptr) tail_ = nullptr;
    return task;
  }
  // Everything queued, as a chain through queue_next (null-terminated); the list is empty.
  TaskHeader* take_all() noexcept {
    tail_ = nullptr;
    return std::exchange(head_, nullptr);
  }

 private:
  TaskHeader* head_ = nullptr;
  TaskHeader* tail_ = nullptr;
};

}  // namespace pollux::exec::detail
