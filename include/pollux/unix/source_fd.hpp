// SPDX-License-Identifier: MIT
#pragma once
// SourceFd: registers any file descriptor the caller owns (Unix only).

#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {
class Registry;
}

namespace pollux::inline POLLUX_ABI()::unix {

/// Borrows an fd for registration; the caller keeps ownership and must remove it before
/// closing it. It keeps no state, so the same fd may be added to several Polls (once to
/// each), which pollux's own types refuse (std::errc::file_exists).
///
/// On the poll(2) backend, edge triggering is emulated: a reported readiness stays quiet
/// until the caller calls Registry::modify for the fd (pollux's own types re-arm on
/// would-block by themselves; a raw fd cannot). On epoll modify is not needed, but harmless.
class POLLUX_API SourceFd {
 public:
  /// Watches `fd`, which stays the caller's to read, write and close.
  constexpr explicit SourceFd(int fd) noexcept : fd_(fd) {}
  /// The fd given at construction.
  constexpr int fd() const noexcept { return fd_; }

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest);
  std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  std::error_code remove_from(const Registry& registry);
  ///@}

 private:
  int fd_;
};

}  // namespace pollux::unix
