// SPDX-License-Identifier: MIT
#pragma once
// A test-and-test-and-set lock for critical sections of a few instructions (taking a
// slot of the owned-task list). Uncontended it costs one exchange and one store, against a
// pthread mutex's two read-modify-writes. On contention it yields the CPU after a short
// spin, since a preempted holder on a loaded machine may not run again for a while.

#include <atomic>
#include <thread>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// Tells the CPU that this is a spin-wait: the core yields resources to its sibling
// hyper-thread and leaves the loop without a memory-order mis-speculation.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) {
          std::this_thread::yield();
        } else {
          cpu_relax();
        }
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace pollux::exec::detail
