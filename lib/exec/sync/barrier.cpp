// SPDX-License-Identifier: MIT
// Barrier: one mutex guards the count of the current group and its FIFO of waiters. The
// group's number tells a dropped waiter whether it still counts as arrived (its group
// is still gathering) or was released already (it may still sit in the releaser's
// private batch, from which it only unlinks).

#include <pollux/exec/sync/barrier.hpp>

#include <pollux/exec/detail/task_header.hpp>

#include "finish_now.hpp"
#include "wake_list.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

bool BarrierAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  Barrier& b = *barrier_;
  std::unique_lock lock(b.mutex_);
  generation_ = b.generation_;
  if (++b.arrived_ < b.n_) {
    waiter_.waker = suspend_current(h);
    b.waiters_.push_back(waiter_);
    queued_ = true;
    return true;
  }
  // The group is complete: release it (after the lock is released) and lead it.
  b.arrived_ = 0;
  ++b.generation_;
  leader_ = true;
  WaitList batch;
  batch.splice_back(b.waiters_);
  wake_batch(batch, lock, [](WaitNode* node) noexcept {
    return std::move(static_cast<Waiter*>(node)->waker);
  });
  return finish_now(h);
}

BarrierAwaiter::~BarrierAwaiter() {
  if (!queued_ || consumed_) return;
  Waker mine;
  std::lock_guard lock(barrier_->mutex_);
  if (waiter_.linked()) waiter_.unlink();
  if (generation_ == barrier_->generation_) --barrier_->arrived_;  // still gathering
  mine = std::move(waiter_.waker);
}

}  // namespace detail

std::size_t Barrier::arrived() noexcept {
  std::lock_guard lock(mutex_);
  return arrived_;
}

}  // namespace pollux::exec
