// SPDX-License-Identifier: MIT
// Notify: one mutex guards the permit and the FIFO of waiters; the waiters' nodes live
// in their awaiters. A waiter's state says who owns the outcome: notify_one() marks
// the node it chose, so a waiter dropped before it resumed hands that notification on.

#include <pollux/exec/sync/notify.hpp>

#include <pollux/exec/detail/task_header.hpp>

#include "finish_now.hpp"
#include "wake_list.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

bool NotifyAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  {
    std::lock_guard lock(notify_->mutex_);
    engaged_ = true;
    if (notify_->permit_) {
      notify_->permit_ = false;
      waiter_.state = State::notified_one;
    } else if (notify_->generation_.load(std::memory_order_relaxed) != generation_) {
      // A notify_waiters() came after notified() was called: it counts.
      waiter_.state = State::notified_all;
    } else {
      waiter_.waker = suspend_current(h);
      waiter_.state = State::waiting;
      notify_->waiters_.push_back(waiter_);
      return true;
    }
  }
  return finish_now(h);
}

NotifyAwaiter::~NotifyAwaiter() {
  if (!engaged_ || consumed_) return;
  // Dropped while waiting, or after its notification but before it resumed.
  Waker mine;
  Waker next;
  {
    std::lock_guard lock(notify_->mutex_);
    if (waiter_.linked()) waiter_.unlink();
    mine = std::move(waiter_.waker);
    if (waiter_.state == State::notified_one) next = notify_->pass_one_locked();
  }
  next.wake();
}

}  // namespace detail

Notified Notify::notified() noexcept {
  return Notified(*this, generation_.load(std::memory_order_relaxed));
}

std::size_t Notify::waiter_count() noexcept {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

detail::Waker Notify::pass_one_locked() noexcept {
  detail::WaitNode* node = waiters_.pop_front();
  if (node == nullptr) {
    permit_ = true;
    return {};
  }
  auto* waiter = static_cast<detail::NotifyAwaiter::Waiter*>(node);
  waiter->state = detail::NotifyAwaiter::State::notified_one;
  return std::move(waiter->waker);
}

void Notify::notify_one() noexcept {
  detail::Waker w;
  {
    std::lock_guard lock(mutex_);
    w = pass_one_locked();
  }
  w.wake();
}

void Notify::notify_waiters() noexcept {
  // The current waiters move to a private batch, so that waiters queued while the lock
  // is released between wake batches (they came after this call) are not woken by it.
  detail::WaitList batch;
  std::unique_lock lock(mutex_);
  generation_.fetch_add(1, std::memory_order_relaxed);
  batch.splice_back(waiters_);
  detail::wake_batch(batch, lock, [](detail::WaitNode* node) noexcept {
    auto* waiter = static_cast<detail::NotifyAwaiter::Waiter*>(node);
    waiter->state = detail::NotifyAwaiter::State::notified_all;
    return std::move(waiter->waker);
  });
}

}  // namespace pollux::exec
