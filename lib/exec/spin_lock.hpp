#pragma once
// A test-and-test-and-set lock for critical sections of a few instructions (linking a
// task into a list). Uncontended it costs one exchange and one store, against a
// pthread mutex's two read-modify-writes. On contention it yields the CPU after a short
// spin, since a preempted holder on a loaded machine may not run again for a while.

#include <atomic>
#include <thread>

namespace pollux::exec::detail {

class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) std::this_thread::yield();
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace pollux::exec::detail
