// SPDX-License-Identifier: MIT
#ifndef POLLUX_EXEC_DETAIL_CHANNEL_LOCK_HPP
#define POLLUX_EXEC_DETAIL_CHANNEL_LOCK_HPP
// ChannelLock: the lock of a channel whose critical sections are a few loads and stores
// (mpsc's ring and its receiver's slot). Uncontended, taking it is one exchange and
// releasing it one store, inline: a pthread mutex's lock and unlock were a third of a
// message's instructions. Contended, lock_slow() (lib/exec/sync/channel_lock.cpp) spins
// briefly and then yields the CPU, as a preempted holder may not run again for a while.
// Nothing that can block or take another lock runs while it is held. The runtime's own
// short critical sections use it too (lib/exec/spin_lock.hpp).
// (An include guard, not #pragma once: the Relacy models define this class themselves,
// as a model mutex, before they include the channels; see tests/model/relacy_shim.hpp.)

#include <atomic>

#include <pollux/exec/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class POLLUX_EXEC_API ChannelLock {
 public:
  void lock() noexcept {
    if (locked_.exchange(true, std::memory_order_acquire)) [[unlikely]] lock_slow();
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  void lock_slow() noexcept;
  std::atomic<bool> locked_{false};
};

}  // namespace pollux::exec::detail

#endif  // POLLUX_EXEC_DETAIL_CHANNEL_LOCK_HPP
