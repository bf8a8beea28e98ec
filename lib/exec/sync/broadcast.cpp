// SPDX-License-Identifier: MIT
// broadcast's untyped half beyond ChannelEnds: where a new receiver starts.

#include <pollux/exec/sync/broadcast.hpp>

namespace pollux::inline POLLUX_ABI()::exec::broadcast::detail {

std::uint64_t Core::subscribe() noexcept {
  std::lock_guard lock(queue.mutex);
  add_receiver_locked();
  return next_;
}

}  // namespace pollux::exec::broadcast::detail
