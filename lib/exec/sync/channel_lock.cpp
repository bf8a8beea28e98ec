// SPDX-License-Identifier: MIT
// ChannelLock's contended path: wait until it looks free (reading, not writing, the
// shared line), then try again; yield the CPU after a short spin.

#include <pollux/exec/detail/channel_lock.hpp>

#include <thread>

#include "../spin_lock.hpp"  // cpu_relax

namespace pollux::inline POLLUX_ABI()::exec::detail {

void ChannelLock::lock_slow() noexcept {
  for (int spins = 0;; ++spins) {
    while (locked_.load(std::memory_order_relaxed)) {
      if (++spins > 64) {
        std::this_thread::yield();
      } else {
        cpu_relax();
      }
    }
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
  }
}

}  // namespace pollux::exec::detail
