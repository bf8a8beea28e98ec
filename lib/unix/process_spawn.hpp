// SPDX-License-Identifier: MIT
#pragma once
// Starting a child on Linux so that spawn holds a pidfd for it from the moment it exists.
// Getting the pidfd afterwards (posix_spawn, then pidfd_open) races with anything that
// reaps children it does not own, SIGCHLD set to SIG_IGN above all: the kernel may reap the
// child in between, and spawn would then report a failure for a program that ran.

#include <sys/types.h>
#include <sys/wait.h>

#include <span>
#include <string>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

// P_PIDFD is Linux 5.4; glibc before 2.36 does not name it, the kernel's value is fixed.
inline constexpr idtype_t kPidfd = static_cast<idtype_t>(3);

struct Spawned {
  pid_t pid = 0;
  // The child's pidfd (close-on-exec), or -1 when the kernel could not hand one out with the
  // child (no clone3: Linux before 5.3, or a seccomp filter that refuses it). The child was
  // started all the same; the caller gets a pidfd with pidfd_open, if it still can.
  int pidfd = -1;
};

/// Starts argv[0] (looked up in PATH when it has no slash) with the environment, the
/// working directory and the fds that are not close-on-exec; the child starts with an empty
/// signal mask and SIGPIPE at its default. Returns 0, or the errno of the failed exec (the
/// child then never ran: it is reaped before this returns) or of the failed clone.
int spawn_child(std::span<const std::string> argv, Spawned& spawned);

}  // namespace pollux::sys
