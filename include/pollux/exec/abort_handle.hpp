// SPDX-License-Identifier: MIT
#pragma once
// AbortHandle: a copyable right to abort a spawned task, without its output (tokio's
// AbortHandle). Get one from JoinHandle::abort_handle() or JoinSet::spawn(). It keeps
// the task's header (one cache line) alive, never the task's frame or its output.

#include <utility>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// A copyable reference to a spawned task that can abort it and ask whether it finished,
/// without joining it (JoinHandle::abort_handle() and JoinSet give them). It keeps the
/// task's state alive, never the task running.
class AbortHandle {
 public:
  AbortHandle() noexcept = default;
  /// Takes a reference of its own to `task` (null: an empty handle).
  explicit AbortHandle(detail::TaskHeader* task) noexcept : task_(task) {
    if (task_ != nullptr) task_->ref_inc();
  }
  ///@{
  /// Copyable and movable; each copy refers to the same task. A moved-from handle is empty.
  AbortHandle(const AbortHandle& other) noexcept : AbortHandle(other.task_) {}
  AbortHandle(AbortHandle&& other) noexcept : task_(std::exchange(other.task_, nullptr)) {}
  AbortHandle& operator=(AbortHandle other) noexcept {
    std::swap(task_, other.task_);
    return *this;
  }
  ///@}
  ~AbortHandle() {
    if (task_ != nullptr) task_->ref_dec();
  }

  /// False for an empty handle (default-made or moved from), on which abort() does nothing.
  bool valid() const noexcept { return task_ != nullptr; }
  /// As JoinHandle::abort(): if the task has not finished, it is dropped at its next
  /// suspension point (at once when it is not running), and its joiner sees it cancelled.
  /// Any thread, any number of times; a finished task is unaffected.
  void abort() const noexcept {
    if (task_ != nullptr) task_->abort();
  }
  /// True once the task completed, failed or was cancelled.
  bool is_finished() const noexcept { return task_ != nullptr && task_->is_complete(); }

 private:
  detail::TaskHeader* task_ = nullptr;
};

}  // namespace pollux::exec
