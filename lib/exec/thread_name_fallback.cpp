// SPDX-License-Identifier: MIT
// Other systems: the names' APIs differ (macOS names only the calling thread, with one
// argument; the BSDs spell it pthread_set_name_np), and none is tested here, so threads
// stay unnamed rather than risk a wrong call.

#include "thread_name.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

void set_current_thread_name(const std::string&) noexcept {}

}  // namespace pollux::exec::detail
