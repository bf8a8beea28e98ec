// SPDX-License-Identifier: MIT
// oneshot's untyped half: the flags of the shared block, and the two single waiting
// slots (the receiver's recv(), the sender's closed()). One mutex guards it all; a
// waker taken under it is woken after it is released, and the block is freed by
// whichever end lets go last, outside the lock.

#include <pollux/exec/sync/oneshot.hpp>

#include "finish_now.hpp"

namespace pollux::inline POLLUX_ABI()::exec::oneshot::detail {

using pollux::exec::detail::finish_now;
using pollux::exec::detail::suspend_current;

void Core::unref() noexcept { destroy_(this); }

void Core::drop_sender() noexcept {
  Waker receiver;
  bool last = false;
  {
    std::lock_guard lock(mutex);
    sender_gone_ = true;
    if (!sent_) {
      // The receiver can only fail now: wake it to see that.
      receiver = receiver_.take();
    }
    last = --refs_ == 0;
  }
  receiver.wake();
  if (last) unref();
}

void Core::close_receiver() noexcept {
  Waker closed;
  {
    std::lock_guard lock(mutex);
    receiver_gone_ = true;
    closed = closed_.take();
  }
  closed.wake();
}

void Core::drop_receiver() noexcept {
  close_receiver();
  bool last = false;
  {
    std::lock_guard lock(mutex);
    last = --refs_ == 0;
  }
  if (last) unref();
}

bool Core::receiver_gone() noexcept {
  std::lock_guard lock(mutex);
  return receiver_gone_;
}

std::error_code Core::can_send_locked() const noexcept {
  if (sent_) return std::make_error_code(std::errc::operation_not_permitted);
  if (receiver_gone_) return std::make_error_code(std::errc::broken_pipe);
  return {};
}

Waker Core::value_stored_locked() noexcept {
  sent_ = true;
  return receiver_.take();
}

bool Core::take_locked(std::error_code& ec) noexcept {
  if (sent_ && !taken_) {
    taken_ = true;
    ec.clear();
    return true;
  }
  // Received already, or nothing can come any more.
  if (taken_ || sender_gone_ || receiver_gone_) {
    ec = std::make_error_code(std::errc::broken_pipe);
  } else {
    ec = std::make_error_code(std::errc::resource_unavailable_try_again);
  }
  return false;
}

bool RecvWait::await_suspend(std::coroutine_handle<> h) noexcept {
  if (core_ == nullptr) return false;
  {
    std::lock_guard lock(core_->mutex);
    const bool settled = core_->sent_ || core_->taken_ || core_->sender_gone_ ||
                         core_->receiver_gone_;
    if (!settled) {
      if (core_->receiver_.busy_for(this)) {
        busy_ = true;
        return false;
      }
      core_->receiver_.wait(this, suspend_current(h));
      waiting_ = true;
      return true;
    }
  }
  // The value stays in the channel until await_resume takes it: a drop while the
  // task yields here loses nothing.
  return finish_now(h);
}

RecvWait::~RecvWait() {
  if (!waiting_) return;
  Waker mine;
  std::lock_guard lock(core_->mutex);
  mine = core_->receiver_.leave(this);
}

bool ClosedWait::await_suspend(std::coroutine_handle<> h) noexcept {
  if (core_ == nullptr) {
    error_ = std::make_error_code(std::errc::invalid_argument);
    return false;
  }
  {
    std::lock_guard lock(core_->mutex);
    if (!core_->receiver_gone_) {
      if (core_->closed_.busy_for(this)) {
        error_ = std::make_error_code(std::errc::device_or_resource_busy);
        return false;
      }
      core_->closed_.wait(this, suspend_current(h));
      waiting_ = true;
      return true;
    }
  }
  return finish_now(h);
}

ClosedWait::~ClosedWait() {
  if (!waiting_) return;
  Waker mine;
  std::lock_guard lock(core_->mutex);
  mine = core_->closed_.leave(this);
}

}  // namespace pollux::exec::oneshot::detail
