// SPDX-License-Identifier: MIT
#pragma once
// socketpair(2) for the Unix-only socket types: non-blocking and close-on-exec.

#include <sys/socket.h>
#include <unistd.h>

#include <system_error>

#include "../sys_net.hpp"
#include "errno.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

inline std::error_code socket_pair(SocketType type, int (&fds)[2]) {
  const int kind = type == SocketType::stream ? SOCK_STREAM : SOCK_DGRAM;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  if (::socketpair(AF_UNIX, kind | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0) return errno_code();
#else
  if (::socketpair(AF_UNIX, kind, 0, fds) < 0) return errno_code();
#endif
#if !(defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)) || defined(SO_NOSIGPIPE)
  // Flags the call could not set atomically, and SO_NOSIGPIPE where it replaces MSG_NOSIGNAL.
  for (int fd : fds) {
    if (auto ec = socket_prepare_adopted(fd)) {
      ::close(fds[0]);
      ::close(fds[1]);
      return ec;
    }
  }
#endif
  return {};
}

}  // namespace pollux::sys
