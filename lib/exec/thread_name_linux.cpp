// SPDX-License-Identifier: MIT
// Linux: pthread_setname_np, which takes at most 15 bytes and a NUL (ERANGE beyond).

#include "thread_name.hpp"

#include <pthread.h>

namespace pollux::inline POLLUX_ABI()::exec::detail {

void set_current_thread_name(const std::string& name) noexcept {
  constexpr std::size_t kMaxBytes = 15;
  char buffer[kMaxBytes + 1] = {};
  name.copy(buffer, kMaxBytes);
  (void)pthread_setname_np(pthread_self(), buffer);
}

}  // namespace pollux::exec::detail
