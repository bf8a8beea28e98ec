// SPDX-License-Identifier: MIT
// is_would_block on Unix: pollux reports would-block as EWOULDBLOCK in the system
// category (errno.hpp).

#include <cerrno>

#include <pollux/would_block.hpp>

namespace pollux::inline POLLUX_ABI()::detail {

// The category first, then the value, which is 0 until the category is set: the inline
// transfers (pollux/sys/transfer.hpp) then test errno against the value alone, and no
// errno is 0. The value depends on the category so that it cannot be computed at
// compile time (a constant EWOULDBLOCK beside a null category).
const std::error_category* const kWouldBlockCategory = &std::system_category();
const int kWouldBlockValue = kWouldBlockCategory != nullptr ? EWOULDBLOCK : 0;

bool is_would_block_code(const std::error_code& ec) noexcept { return ec == std::errc::operation_would_block; }

}  // namespace pollux::detail
