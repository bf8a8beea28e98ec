// SPDX-License-Identifier: MIT
#pragma once
// ChannelEnds: the untyped base of the shared block of watch and broadcast: the wait
// queue whose lock guards the whole block, and the counts of both ends. The block holds
// one reference per receiver and one for all the senders; the last to go frees it with
// `destroy` (the typed deleter), outside the lock. When the last sender goes, every
// waiter is woken to see that.

#include <cstddef>
#include <mutex>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/wait_queue.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class POLLUX_EXEC_API ChannelEnds {
 public:
  using Destroy = void (*)(ChannelEnds*) noexcept;
  explicit ChannelEnds(Destroy destroy) noexcept : destroy_(destroy) {}
  ChannelEnds(const ChannelEnds&) = delete;
  ChannelEnds& operator=(const ChannelEnds&) = delete;

  void add_sender() noexcept;
  void drop_sender() noexcept;
  void add_receiver() noexcept;
  void drop_receiver() noexcept;
  std::size_t receiver_count() noexcept;
  // Wakes every waiter (a change they should look at).
  void wake_all() noexcept;

  // Lock held.
  bool senders_gone_locked() const noexcept { return senders_ == 0; }
  bool has_receivers_locked() const noexcept { return receivers_ != 0; }

  WaitQueue queue;

 protected:
  void add_receiver_locked() noexcept {
    ++receivers_;
    ++refs_;
  }

 private:
  void unref(std::unique_lock<std::mutex>& lock) noexcept;

  Destroy destroy_;
  std::size_t refs_ = 2;       // guarded by queue.mutex
  std::size_t senders_ = 1;    // guarded by queue.mutex
  std::size_t receivers_ = 1;  // guarded by queue.mutex
};

}  // namespace pollux::exec::detail
