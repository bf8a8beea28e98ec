// SPDX-License-Identifier: MIT
#pragma once
// is_would_block: the test that ends every drain loop, made cheap.

#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI() {

namespace detail {
/// The code that pollux's own operations report for would-block on this OS: its value and
/// its category, set while the library's statics are initialised (before: a null
/// category and, on Unix, a value of 0, which only sends is_would_block down its slower,
/// equally correct path).
POLLUX_API extern const int kWouldBlockValue;
POLLUX_API extern const std::error_category* const kWouldBlockCategory;
/// The general comparison with std::errc::operation_would_block.
POLLUX_API bool is_would_block_code(const std::error_code& ec) noexcept;
}  // namespace detail

/// The same answer as `ec == std::errc::operation_would_block`, for any error_code.
/// That comparison goes through two virtual calls of the error category (libstdc++), on
/// the path every edge-triggered loop takes once per event; this one answers a success
/// with one compare, and the code that pollux's own operations report with three more.
inline bool is_would_block(const std::error_code& ec) noexcept {
  if (ec.value() == 0) return false;
  if (ec.value() == detail::kWouldBlockValue && &ec.category() == detail::kWouldBlockCategory) return true;
  return detail::is_would_block_code(ec);
}

}  // namespace pollux
