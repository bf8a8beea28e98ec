// SPDX-License-Identifier: MIT
// mpsc's untyped half: the ends' counts, the closed flag and the receiver's single
// waiting slot. One ChannelLock guards them with the typed ring; a waker taken under it
// is woken after it is released, and the block is freed by whichever end lets go last.
// The bounded channel's free slots are its Semaphore's permits, handed back here after
// each receive (outside this lock: the semaphore takes its own). The paths that do not
// wait (a push, a receive that finds a message) are inline in mpsc.hpp; the waiting
// ones are here.

#include <pollux/exec/sync/mpsc.hpp>

#include "finish_now.hpp"

namespace pollux::inline POLLUX_ABI()::exec::mpsc::detail {

using pollux::exec::detail::coop_try_consume;
using pollux::exec::detail::yield_current;
using pollux::exec::detail::suspend_current;

void Core::add_sender() noexcept {
  std::lock_guard lock(mutex);
  ++senders_;
}

void Core::drop_sender() noexcept {
  Waker receiver;
  bool last = false;
  {
    std::lock_guard lock(mutex);
    if (--senders_ == 0) {
      // The receiver can only drain and then fail now: wake it to see that.
      receiver = receiver_.take();
      last = --refs_ == 0;
    }
  }
  receiver.wake();
  if (last) destroy_(this);
}

void Core::close() noexcept {
  {
    std::lock_guard lock(mutex);
    closed_ = true;
  }
  // Waiting senders fail and keep their values; the lock is not held, as the
  // semaphore wakes them after releasing its own.
  slots_.close();
}

void Core::drop_receiver() noexcept {
  bool last = false;
  {
    std::lock_guard lock(mutex);
    last = --refs_ == 0;
  }
  if (last) destroy_(this);
}

bool Core::is_closed() noexcept {
  std::lock_guard lock(mutex);
  return closed_;
}

void Core::slot_freed() noexcept {
  // A permit given back cannot overflow the count: it was taken from it.
  if (bounded()) slots_.release(1);
}

std::error_code Core::empty_error_locked() const noexcept {
  if (senders_ == 0 || closed_) return std::make_error_code(std::errc::broken_pipe);
  return std::make_error_code(std::errc::resource_unavailable_try_again);
}

bool Core::wait_locked(const void* who, Waker waker) noexcept {
  if (receiver_.busy_for(who)) return false;
  receiver_.wait(who, std::move(waker));
  return true;
}

void Core::unwait(const void* who) noexcept {
  Waker mine;
  std::lock_guard lock(mutex);
  mine = receiver_.leave(who);
}

bool RecvWait::await_suspend(std::coroutine_handle<> h) noexcept {
  if (core_ == nullptr) return false;
  // The budget first, in one call outside the lock (unless await_ready asked already).
  // A wait below spends a unit it did not need, which does not matter: the task's next
  // turn starts with a full budget.
  const bool budget = budget_ == Budget::unknown ? coop_try_consume() : budget_ == Budget::spent;
  {
    if (!holds_lock_) core_->mutex.lock();
    std::lock_guard lock(core_->mutex, std::adopt_lock);
    if (!core_->ready_locked()) {
      if (core_->receiver_busy_locked(this)) {
        outcome_ = Outcome::busy;
        return false;
      }
      (void)core_->wait_locked(this, suspend_current(h));
      outcome_ = Outcome::waited;
      return true;
    }
    // The task goes on at once (it has budget): nothing can drop it before await_resume,
    // so the message is taken now, under this lock, rather than under a second one.
    if (take_now_ != nullptr && budget && take_now_(this)) outcome_ = Outcome::taken;
  }
  if (outcome_ == Outcome::taken) {
    core_->slot_freed();
    return false;
  }
  // The message stays queued until await_resume takes it: a drop while the task yields
  // here loses nothing.
  return !budget && yield_current(h);
}

RecvWait::~RecvWait() {
  if (outcome_ == Outcome::waited) core_->unwait(this);
}

}  // namespace pollux::exec::mpsc::detail
