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
#include <system_error>

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

// What the child gets besides argv; the defaults are this program's own.
struct SpawnRequest {
  std::span<const std::string> argv;
  // "NAME=value" entries, or null for this program's environment.
  char* const* envp = nullptr;
  // Where the program is looked up when argv[0] has no slash; null: this program's PATH.
  const char* path = nullptr;
  // The child's working directory, or null.
  const char* dir = nullptr;
  // The fd that becomes the child's fd 0, 1, 2, or -1 to inherit. Each is 3 or more, so
  // that moving one into place cannot overwrite another; close-on-exec is fine (dup2
  // gives the copy none).
  int stdio[3] = {-1, -1, -1};
};

/// Starts argv[0] (looked up in PATH when it has no slash) with the environment, the
/// working directory and the fds that are not close-on-exec; the child starts with an empty
/// signal mask and SIGPIPE at its default. Returns 0, or the errno of the failed exec or
/// chdir (the child then never ran: it is reaped before this returns) or of the failed
/// clone.
int spawn_child(const SpawnRequest& request, Spawned& spawned);

struct ProcessState;
/// spawn_child, and the child's pidfd as a Process state (lib/unix/process_pidfd.cpp).
ProcessState* process_spawn_request(const SpawnRequest& request, std::error_code& ec);

}  // namespace pollux::sys
