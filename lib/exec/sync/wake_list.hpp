#pragma once
// WakeList: the wakers a sync primitive collects under its lock and wakes once the lock
// is released, so that a woken task never runs into a lock its waker still holds, and
// no task code runs under it. Bounded, so it lives on the stack: a caller that fills it
// releases the lock, wakes the batch and takes the lock again.

#include <cstddef>

#include <pollux/exec/detail/waker.hpp>

namespace pollux::exec::detail {

class WakeList {
 public:
  static constexpr std::size_t kCapacity = 32;

  WakeList() noexcept = default;
  WakeList(const WakeList&) = delete;
  WakeList& operator=(const WakeList&) = delete;
  // Anything left (an early return) is still woken: a lost wake would hang a task.
  ~WakeList() { wake_all(); }

  bool full() const noexcept { return size_ == kCapacity; }
  void push(Waker w) noexcept {
    if (w) wakers_[size_++] = std::move(w);
  }
  void wake_all() noexcept {
    for (std::size_t i = 0; i < size_; ++i) wakers_[i].wake();
    size_ = 0;
  }

 private:
  Waker wakers_[kCapacity];
  std::size_t size_ = 0;
};

}  // namespace pollux::exec::detail
