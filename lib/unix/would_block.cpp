// SPDX-License-Identifier: MIT
// is_would_block on Unix: pollux reports would-block as EWOULDBLOCK in the system
// category (errno.hpp).

#include <cerrno>

#include <pollux/would_block.hpp>

namespace pollux::inline POLLUX_ABI()::detail {

const int kWouldBlockValue = EWOULDBLOCK;
const std::error_category* const kWouldBlockCategory = &std::system_category();

bool is_would_block_code(const std::error_code& ec) noexcept { return ec == std::errc::operation_would_block; }

}  // namespace pollux::detail
