// SPDX-License-Identifier: MIT
#pragma once
// Part of the Unix backends' contract: registering fds that pollux does not own
// (unix::SourceFd). Such fds have no IoSource, so backends that emulate edge triggering
// re-arm them only on modify(): the documented rule for SourceFd on those backends.

#include <memory>
#include <system_error>

#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

class Selector;

std::error_code fd_add(const std::shared_ptr<Selector>& selector, int fd, Token token, Interest interest);
std::error_code fd_modify(const std::shared_ptr<Selector>& selector, int fd, Token token, Interest interest);
std::error_code fd_remove(const std::shared_ptr<Selector>& selector, int fd);

}  // namespace pollux::sys
