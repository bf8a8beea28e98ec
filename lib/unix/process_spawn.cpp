// SPDX-License-Identifier: MIT
// Starting a child with its pidfd in one step: clone3(CLONE_PIDFD), fork-like (no
// CLONE_VM), then exec. glibc has pidfd_spawnp only from 2.39; Debian 12 has 2.36.
//
// Between the clone and the exec the child is a copy of a possibly multi-threaded program,
// so it does only async-signal-safe things: sigaction, sigprocmask, execve, write, _exit.
// Everything that allocates (argv, the PATH candidates) is prepared in the parent before.
// An exec that fails reports its errno through a close-on-exec pipe, so spawn answers
// ENOENT for a missing program rather than a child that exits with 127, as posix_spawnp
// does; a successful exec closes the pipe, and the parent reads end-of-file.

#include "process_spawn.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string_view>
#include <vector>

extern char** environ;

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

// Where exec may find the program, in order: argv[0] itself when it names a path, else each
// PATH entry joined to it (an empty entry is the working directory), as execvp searches.
std::vector<std::string> exec_candidates(const std::string& name, const char* path) {
  if (name.find('/') != std::string::npos) return {name};
  if (path == nullptr) path = ::getenv("PATH");
  // What glibc's execvp and posix_spawnp assume when PATH is unset (confstr(_CS_PATH)).
  std::string_view rest = path != nullptr ? path : "/bin:/usr/bin";
  std::vector<std::string> out;
  for (;;) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    std::string candidate(dir);
    if (!candidate.empty()) candidate += '/';
    candidate += name;
    out.push_back(std::move(candidate));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return out;
}

// Whether execvp goes on to the next PATH entry after this error: the program is not there
// (or that directory cannot be searched), so a later entry may still have it.
bool try_next(int error) noexcept {
  return error == ENOENT || error == ENOTDIR || error == EACCES || error == ESTALE ||
         error == ENODEV || error == ETIMEDOUT;
}

[[noreturn]] void fail_child(int report, int error) noexcept {
  (void)!::write(report, &error, sizeof error);
  ::_exit(127);
}

[[noreturn]] void run_child(const SpawnRequest& request,
                            const std::vector<std::string>& candidates,
                            char* const* args,
                            char* const* envp,
                            int report) noexcept {
  // The program's signal handlers must not run in the child before exec replaces them
  // (exec resets them, but the mask is about to open); SIGPIPE goes back to its default,
  // which servers that ignore it would otherwise pass on.
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction action {};
    if (::sigaction(sig, nullptr, &action) != 0) continue;  // reserved by libc
    if (sig == SIGPIPE || (action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN)) {
      struct sigaction defaults {};
      defaults.sa_handler = SIG_DFL;
      ::sigaction(sig, &defaults, nullptr);
    }
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int fd = 0; fd < 3; ++fd) {
    if (request.stdio[fd] >= 0 && ::dup2(request.stdio[fd], fd) < 0) fail_child(report, errno);
  }
  if (request.dir != nullptr && ::chdir(request.dir) < 0) fail_child(report, errno);
  int error = ENOENT;
  bool denied = false;
  for (const auto& candidate : candidates) {
    ::execve(candidate.c_str(), args, envp);
    error = errno;
    if (!try_next(error)) break;
    denied = denied || error == EACCES;
  }
  // As execvp: a program found but not executable says so, rather than "not found".
  if (denied && try_next(error)) error = EACCES;
  fail_child(report, error);
}

int spawn_with_actions(char* const* args, char* const* envp,
                       const posix_spawn_file_actions_t* actions, Spawned& spawned) {
  // A program that ignores SIGPIPE (most servers do) would pass that on through exec, and
  // a signal mask always passes: start the child from the defaults it expects instead.
  posix_spawnattr_t attr;
  if (int e = ::posix_spawnattr_init(&attr)) return e;
  sigset_t empty, defaults;
  ::sigemptyset(&empty);
  ::sigemptyset(&defaults);
  ::sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigmask(&attr, &empty);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  // glibc (2.24 and later) runs the exec in a vfork-like child and returns its errno.
  // posix_spawnp searches this program's PATH, not request.path: only kernels without
  // clone3 come here.
  int e = ::posix_spawnp(&pid, args[0], actions, &attr, args, envp);
  ::posix_spawnattr_destroy(&attr);
  if (e != 0) return e;
  spawned = Spawned{pid, -1};
  return 0;
}

// Kernels without clone3, or seccomp filters that refuse it (container runtimes answer
// ENOSYS): posix_spawnp, whose child the caller then finds with pidfd_open.
int spawn_without_pidfd(const SpawnRequest& request, char* const* args, char* const* envp,
                        Spawned& spawned) {
  posix_spawn_file_actions_t actions;
  if (int e = ::posix_spawn_file_actions_init(&actions)) return e;
  int e = 0;
  for (int fd = 0; fd < 3 && e == 0; ++fd) {
    if (request.stdio[fd] >= 0) e = ::posix_spawn_file_actions_adddup2(&actions, request.stdio[fd], fd);
  }
  if (e == 0 && request.dir != nullptr) {
    e = ::posix_spawn_file_actions_addchdir_np(&actions, request.dir);
  }
  if (e == 0) e = spawn_with_actions(args, envp, &actions, spawned);
  ::posix_spawn_file_actions_destroy(&actions);
  return e;
}

}  // namespace

int spawn_child(const SpawnRequest& request, Spawned& spawned) {
  const std::span<const std::string> argv = request.argv;
  char* const* envp = request.envp != nullptr ? request.envp : environ;
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const auto candidates = exec_candidates(argv[0], request.path);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) return errno;
  // In a program that closed its fd 0, 1 or 2 the report pipe may take one of them, which
  // the child's dup2 onto its standard streams would then overwrite.
  if (report[1] < 3) {
    const int moved = ::fcntl(report[1], F_DUPFD_CLOEXEC, 3);
    const int error = errno;
    ::close(report[1]);
    if (moved < 0) {
      ::close(report[0]);
      return error;
    }
    report[1] = moved;
  }
  // All signals stay blocked across the clone, so that none is handled in the child
  // before it has reset the handlers; each side then restores the mask it needs.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  clone_args args3{};
  args3.flags = CLONE_PIDFD;
  args3.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
  args3.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args3, sizeof args3);
  if (pid == 0) run_child(request, candidates, args.data(), envp, report[1]);
  const int clone_error = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    if (clone_error == ENOSYS || clone_error == EPERM) {
      return spawn_without_pidfd(request, args.data(), envp, spawned);
    }
    return clone_error;
  }
  int error = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof error)) {
    // The exec failed and the child is exiting: reap it, so that it leaves no zombie. (If
    // SIGCHLD is ignored the kernel has done so, and waitid answers ECHILD.)
    siginfo_t info;
    while (::waitid(kPidfd, static_cast<id_t>(pidfd), &info, WEXITED) < 0 && errno == EINTR) {
    }
    ::close(pidfd);
    return error;
  }
  spawned = Spawned{static_cast<pid_t>(pid), pidfd};
  return 0;
}

}  // namespace pollux::sys
