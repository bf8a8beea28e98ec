// SPDX-License-Identifier: MIT
#pragma once
// set_success: how every transfer marks success in the caller's error_code.

#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::detail {

/// Marks success in `ec`. A code whose value is already 0 means success in any category,
/// so it is left as it is: a drain loop's ec is clear on all but its last call, and
/// clear() would fetch std::system_category() out of line on every one of them.
inline void set_success(std::error_code& ec) noexcept {
  if (ec.value() != 0) [[unlikely]] ec.clear();
}

}  // namespace pollux::detail
