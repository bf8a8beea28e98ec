// SPDX-License-Identifier: MIT
#pragma once
// WakeList: the wakers a sync primitive collects under its lock and wakes once the lock
// is released, so that a woken task never runs into a lock its waker still holds, and
// no task code runs under it. Bounded, so it lives on the stack: a caller that fills it
// releases the lock, wakes the batch and takes the lock again.
//
// Its slots are raw storage, a Waker constructed in one only by push(): an array of 32
// default-constructed Wakers cost ~300 instructions per list (zeroing them, then 32
// destructor tests), more than the rest of an uncontended release put together, and most
// lists wake nobody or one task.

#include <cstddef>
#include <mutex>
#include <new>

#include <pollux/exec/detail/wait_list.hpp>
#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

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
    if (w) ::new (static_cast<void*>(&slots_[size_++].waker)) Waker(std::move(w));
  }
  void wake_all() noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      slots_[i].waker.wake();
      slots_[i].waker.~Waker();
    }
    size_ = 0;
  }

 private:
  // Not constructed until push() puts a Waker in it; wake_all() destroys it.
  union Slot {
    Slot() noexcept {}
    ~Slot() {}
    Waker waker;
  };
  Slot slots_[kCapacity];
  std::size_t size_ = 0;
};

// Wakes every waiter of `batch`, a private list the caller moved them to under `lock`
// (held on entry, released on return): `take(node)` marks each one and hands over its
// waker, under the lock. The lock is released while each full WakeList is woken; a
// waiter dropped meanwhile unlinks itself from the batch, which lives on the caller's
// stack and is empty when this returns.
template <class Take>
void wake_batch(WaitList& batch, std::unique_lock<std::mutex>& lock, Take take) noexcept {
  WakeList wakes;
  for (;;) {
    while (!wakes.full()) {
      WaitNode* node = batch.pop_front();
      if (node == nullptr) break;
      wakes.push(take(node));
    }
    if (batch.empty()) break;
    lock.unlock();
    wakes.wake_all();
    lock.lock();
  }
  lock.unlock();
  wakes.wake_all();
}

}  // namespace pollux::exec::detail
