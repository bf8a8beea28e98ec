// SPDX-License-Identifier: MIT
#pragma once
// errno as std::error_code, for the Unix files.

#include <cerrno>
#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

inline std::error_code errno_code(int e = errno) noexcept {
  // EWOULDBLOCK and EAGAIN are one value on Linux but not everywhere; report the one
  // that compares equal to std::errc::operation_would_block.
  if (e == EAGAIN) e = EWOULDBLOCK;
  return {e, std::system_category()};
}

}  // namespace pollux::sys
