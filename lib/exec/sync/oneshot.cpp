// SPDX-License-Identifier: MIT
// oneshot's untyped half: the shared block's state word and its two single waiting
// slots (the receiver's recv(), the sender's closed()). The flags and the ends' count
// share one atomic word, so a send, a receive of a value that is there and the ends'
// drops never lock. A waiter fills its slot under the lock and then sets its flag on
// the word; whoever changes the word in a way the waiter waits for sees that flag in
// the word's old value and takes the slot's waker under the lock. One of the two
// read-modify-writes comes first, so either the waiter sees the change and does not
// wait, or the changer sees the waiter. The block is freed by whichever end lets go
// last. The operations on the word alone are inline in oneshot.hpp; what locks is here.

#include <pollux/exec/sync/oneshot.hpp>

#include "finish_now.hpp"

namespace pollux::inline POLLUX_ABI()::exec::oneshot::detail {

using pollux::exec::detail::finish_now;
using pollux::exec::detail::suspend_current;
using pollux::exec::detail::WaitSlot;

void Core::wake_slot(WaitSlot& slot) noexcept {
  Waker waker;
  {
    std::lock_guard lock(mutex_);
    waker = slot.take();
  }
  waker.wake();
}

void Core::sender_gone(std::uint32_t prev) noexcept {
  // The receiver can only fail now: wake it to see that.
  if ((prev & (kSent | kRecvWaits)) == kRecvWaits) wake_slot(receiver_);
}

void Core::wake_receiver() noexcept { wake_slot(receiver_); }

void Core::wake_closed() noexcept { wake_slot(closed_); }

std::error_code Core::take_error(std::uint32_t s) noexcept {
  // Received already, or nothing can come any more.
  if ((s & (kTaken | kSenderGone | kClosed)) != 0) return std::make_error_code(std::errc::broken_pipe);
  return std::make_error_code(std::errc::resource_unavailable_try_again);
}

bool RecvWait::await_suspend(std::coroutine_handle<> h) noexcept {
  if (core_ == nullptr) return false;
  if (!Core::settled(core_->state_.load(std::memory_order_acquire))) {
    Waker unused;
    std::lock_guard lock(core_->mutex_);
    if (core_->receiver_.busy_for(this)) {
      busy_ = true;
      return false;
    }
    core_->receiver_.wait(this, suspend_current(h));
    const std::uint32_t prev = core_->state_.fetch_or(Core::kRecvWaits, std::memory_order_acq_rel);
    if (!Core::settled(prev)) {
      waiting_ = true;
      return true;
    }
    // Settled meanwhile (its wake, if any, found the slot still empty): no wait.
    unused = core_->receiver_.leave(this);
  }
  // The value stays in the channel until await_resume takes it: a drop while the
  // task yields here loses nothing.
  return finish_now(h);
}

RecvWait::~RecvWait() {
  if (!waiting_) return;
  Waker mine;
  std::lock_guard lock(core_->mutex_);
  mine = core_->receiver_.leave(this);
}

bool ClosedWait::await_suspend(std::coroutine_handle<> h) noexcept {
  if (core_ == nullptr) {
    error_ = std::make_error_code(std::errc::invalid_argument);
    return false;
  }
  if ((core_->state_.load(std::memory_order_acquire) & Core::kClosed) == 0) {
    Waker unused;
    std::lock_guard lock(core_->mutex_);
    if (core_->closed_.busy_for(this)) {
      error_ = std::make_error_code(std::errc::device_or_resource_busy);
      return false;
    }
    core_->closed_.wait(this, suspend_current(h));
    const std::uint32_t prev = core_->state_.fetch_or(Core::kClosedWaits, std::memory_order_acq_rel);
    if ((prev & Core::kClosed) == 0) {
      waiting_ = true;
      return true;
    }
    unused = core_->closed_.leave(this);
  }
  return finish_now(h);
}

ClosedWait::~ClosedWait() {
  if (!waiting_) return;
  Waker mine;
  std::lock_guard lock(core_->mutex_);
  mine = core_->closed_.leave(this);
}

}  // namespace pollux::exec::oneshot::detail
