// SPDX-License-Identifier: MIT
#pragma once
// Shutdown: which direction of a connected socket to close.

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Which half of a stream shutdown() closes.
enum class Shutdown {
  read,   ///< no more reads: further reads return 0 (EOF)
  write,  ///< no more writes: the peer reads EOF after what was already sent
  both,   ///< both of the above
};

}  // namespace pollux::net
