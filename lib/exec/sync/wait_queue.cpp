// SPDX-License-Identifier: MIT
// WaitQueue: the wait-for-a-condition queue behind watch and broadcast.

#include <pollux/exec/detail/wait_queue.hpp>

#include <pollux/exec/detail/task_header.hpp>

#include "finish_now.hpp"
#include "wake_list.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

void WaitQueue::wake_all(std::unique_lock<std::mutex>& lock) noexcept {
  // A private batch, as Notify::notify_waiters: waiters that queue while the lock is
  // released between wake batches came after this change and wait for the next.
  WaitList batch;
  batch.splice_back(waiters_);
  wake_batch(batch, lock, [](WaitNode* node) noexcept {
    return std::move(static_cast<ReadyWait::Waiter*>(node)->waker);
  });
}

bool ReadyWait::await_suspend(std::coroutine_handle<> h) noexcept {
  if (queue_ == nullptr) return false;
  {
    std::lock_guard lock(queue_->mutex);
    if (!ready_(ctx_)) {
      waiter_.waker = suspend_current(h);
      queue_->waiters_.push_back(waiter_);
      queued_ = true;
      return true;
    }
  }
  return finish_now(h);
}

ReadyWait::~ReadyWait() {
  if (!queued_) return;
  Waker mine;
  std::lock_guard lock(queue_->mutex);
  if (waiter_.linked()) {
    waiter_.unlink();
    mine = std::move(waiter_.waker);
  }
}

}  // namespace pollux::exec::detail
