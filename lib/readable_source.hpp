// SPDX-License-Identifier: MIT
#pragma once
// The checks in front of add/modify/remove for a Source that reports one thing, as
// readable (a Process's exit, a Signals arrival): a registration without readable could
// never fire, so it is refused rather than left silent.

#include <system_error>

#include <pollux/interest.hpp>
#include <pollux/poll.hpp>

namespace pollux::inline POLLUX_ABI()::detail {

// An empty source, or a Registry of no Poll.
inline std::error_code closed_source() noexcept {
  return std::make_error_code(std::errc::bad_file_descriptor);
}

inline std::error_code check_readable_only(const Registry& registry, Interest interest) noexcept {
  if (!registry.sys_selector()) return closed_source();
  if (!interest.is_readable()) return std::make_error_code(std::errc::invalid_argument);
  return {};
}

}  // namespace pollux::detail
