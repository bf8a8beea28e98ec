// SPDX-License-Identifier: MIT
// is_would_block on Windows: pollux reports would-block as Winsock's WSAEWOULDBLOCK in
// windows_category() (error.hpp).

#include <pollux/would_block.hpp>

#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::detail {

const int kWouldBlockValue = WSAEWOULDBLOCK;
const std::error_category* const kWouldBlockCategory = &sys::windows_category();

bool is_would_block_code(const std::error_code& ec) noexcept { return ec == std::errc::operation_would_block; }

}  // namespace pollux::detail
