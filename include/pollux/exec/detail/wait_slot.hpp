// SPDX-License-Identifier: MIT
#pragma once
// WaitSlot: the one waiting place of a channel end that a single task (or thread) waits
// on at a time: oneshot's recv() and closed(), mpsc's receiver. It remembers who waits
// (the awaiter's address) so that a waiter dropped later takes back its own waker and
// never someone else's. Guarded by the owning channel's lock; wakers it gives out are
// woken (or dropped) by the caller after that lock is released.

#include <utility>

#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class WaitSlot {
 public:
  // Someone other than `who` waits here (a second concurrent waiter fails at once).
  bool busy_for(const void* who) const noexcept { return who_ != nullptr && who_ != who; }
  // Someone waits here.
  bool waiting() const noexcept { return who_ != nullptr; }
  void wait(const void* who, Waker waker) noexcept {
    who_ = who;
    waker_ = std::move(waker);
  }
  // Empties the slot; the waker of whoever waited (maybe none).
  Waker take() noexcept {
    who_ = nullptr;
    return std::move(waker_);
  }
  // `who` leaves (dropped): its waker if it still waits here, else nothing.
  Waker leave(const void* who) noexcept { return who_ == who ? take() : Waker{}; }

 private:
  const void* who_ = nullptr;
  Waker waker_;
};

}  // namespace pollux::exec::detail
