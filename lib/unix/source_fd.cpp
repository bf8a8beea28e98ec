// SPDX-License-Identifier: MIT
// SourceFd forwards to the Unix backends' fd registry.

#include <pollux/poll.hpp>
#include <pollux/unix/source_fd.hpp>

#include "fd_registry.hpp"

namespace pollux::inline POLLUX_ABI()::unix {

std::error_code SourceFd::add_to(const Registry& registry, Token token, Interest interest) {
  return sys::fd_add(registry.sys_selector(), fd_, token, interest);
}

std::error_code SourceFd::modify_in(const Registry& registry, Token token, Interest interest) {
  return sys::fd_modify(registry.sys_selector(), fd_, token, interest);
}

std::error_code SourceFd::remove_from(const Registry& registry) {
  return sys::fd_remove(registry.sys_selector(), fd_);
}

}  // namespace pollux::unix
