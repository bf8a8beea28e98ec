// SPDX-License-Identifier: MIT
// Process on Linux: a pidfd registered through detail::IoSource, so every Unix selector
// (epoll, poll(2)) watches it like any fd. A pidfd turns readable when the process exits;
// waitid(P_PIDFD) collects the status and reaps the child without any SIGCHLD handler.

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <pollux/detail/io_source.hpp>

#include "../process_sys.hpp"
#include "errno.hpp"
#include "process_spawn.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

int pidfd_open(pid_t pid) noexcept {
  // A pidfd is always close-on-exec.
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u));
}

enum class Wait { kExited, kRunning, kNotChild, kFailed };

// One non-blocking waitid on a pidfd. ECHILD means the process is not our child, or was
// reaped by someone else: its status is out of reach either way.
Wait wait_once(int pidfd, siginfo_t& info, int& error) noexcept {
  info = siginfo_t{};
  int r;
  do {
    r = ::waitid(kPidfd, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    error = errno;
    return errno == ECHILD ? Wait::kNotChild : Wait::kFailed;
  }
  // With WNOHANG, a child that still runs leaves si_pid zero.
  return info.si_pid == 0 ? Wait::kRunning : Wait::kExited;
}

bool has_exited(int pidfd) noexcept {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

// Reaps children whose Process was destroyed while they still ran. One thread for the whole
// program, started on first use and never stopped: it sleeps in poll(2) on the orphans'
// pidfds plus an eventfd that announces new ones. Heap-allocated and never freed, so that
// it outlives static destruction while the detached thread may still touch it.
class Reaper {
 public:
  static Reaper& get() {
    static Reaper* reaper = new Reaper;
    return *reaper;
  }

  // Takes ownership of `pidfd` in every case.
  void adopt(int pidfd) noexcept {
    std::lock_guard lock(mutex_);
    if (!start_locked()) {
      ::close(pidfd);
      return;
    }
    try {
      pidfds_.push_back(pidfd);
    } catch (...) {
      ::close(pidfd);
      return;
    }
    std::uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
  }

 private:
  bool start_locked() noexcept {
    if (started_) return true;
    if (wake_ < 0) wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_ < 0) return false;
    // The thread must not take the program's signals: block them all while it is created,
    // so that it inherits a full mask.
    sigset_t all, old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    try {
      std::thread([this] { run(); }).detach();
      started_ = true;
    } catch (...) {
    }
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return started_;
  }

  void run() noexcept {
    std::vector<pollfd> set;
    for (;;) {
      try {
        std::lock_guard lock(mutex_);
        set.assign(1, pollfd{wake_, POLLIN, 0});
        for (int fd : pidfds_) set.push_back(pollfd{fd, POLLIN, 0});
      } catch (...) {
        set.assign(1, pollfd{wake_, POLLIN, 0});
      }
      if (::poll(set.data(), set.size(), -1) < 0) continue;
      if (set[0].revents != 0) {
        std::uint64_t count;
        (void)!::read(wake_, &count, sizeof count);
      }
      for (std::size_t i = 1; i < set.size(); ++i) {
        if (set[i].revents == 0) continue;
        siginfo_t info;
        int error = 0;
        if (wait_once(set[i].fd, info, error) == Wait::kRunning) continue;
        std::lock_guard lock(mutex_);
        std::erase(pidfds_, set[i].fd);
        ::close(set[i].fd);
      }
    }
  }

  std::mutex mutex_;
  std::vector<int> pidfds_;
  int wake_ = -1;
  bool started_ = false;
};

}  // namespace

struct ProcessState {
  detail::IoSource io;  // the pidfd
  pid_t pid;
  std::optional<ExitStatus> status;
  // The process ended, but its status went elsewhere (not our child, or reaped by others).
  bool status_lost = false;
};

// A child that started but whose status went elsewhere before we could hold it: an
// eventfd that is readable for good stands in for its pidfd, so that it still reports its
// exit (which has happened) and answers no_child_process for the status.
ProcessState* lost_child(pid_t pid, std::error_code& ec) {
  int ready = ::eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ready < 0) {
    ec = errno_code();
    return nullptr;
  }
  ec.clear();
  return new ProcessState{detail::IoSource(ready), pid, std::nullopt, true};
}

ProcessState* process_spawn(std::span<const std::string> argv, std::error_code& ec) {
  SpawnRequest request;
  request.argv = argv;
  return process_spawn_request(request, ec);
}

ProcessState* process_spawn_request(const SpawnRequest& request, std::error_code& ec) {
  Spawned child;
  if (int e = spawn_child(request, child)) {
    ec = errno_code(e);
    return nullptr;
  }
  if (child.pidfd < 0) {
    // Started without a pidfd (no clone3). The child is ours and unreaped, so its pid
    // cannot be reused before this call, unless other code in the program reaped it in
    // between (waitpid(-1), SIGCHLD ignored).
    child.pidfd = pidfd_open(child.pid);
    if (child.pidfd < 0 && errno == ESRCH) return lost_child(child.pid, ec);
    if (child.pidfd < 0) {
      // No pidfd support, or no fds left: we cannot watch the child, and must not leave
      // it running or as a zombie. SIGKILL ends it at once, so this wait is short.
      ec = errno_code();
      ::kill(child.pid, SIGKILL);
      while (::waitpid(child.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      return nullptr;
    }
    // If it was reaped, the pid may already name a stranger, which is then not our child.
    // WNOWAIT leaves the status for exit_status().
    siginfo_t info{};
    if (::waitid(kPidfd, static_cast<id_t>(child.pidfd), &info, WEXITED | WNOHANG | WNOWAIT) <
            0 &&
        errno == ECHILD) {
      ::close(child.pidfd);
      return lost_child(child.pid, ec);
    }
  }
  ec.clear();
  return new ProcessState{detail::IoSource(child.pidfd), child.pid, std::nullopt};
}

ProcessState* process_adopt(Process::Id id, std::error_code& ec) {
  if (id > static_cast<Process::Id>(INT_MAX)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return nullptr;
  }
  int pidfd = pidfd_open(static_cast<pid_t>(id));
  if (pidfd < 0) {
    ec = errno_code();
    return nullptr;
  }
  ec.clear();
  return new ProcessState{detail::IoSource(pidfd), static_cast<pid_t>(id), std::nullopt};
}

void process_destroy(ProcessState* state) noexcept {
  if (state == nullptr) return;
  if (!state->status && !state->status_lost) {
    siginfo_t info;
    int error = 0;
    if (wait_once(state->io.handle(), info, error) == Wait::kRunning) {
      // The registration (if any) must go with this Process, and closing our pidfd is what
      // ends it on every selector; so the reaper gets a pidfd of its own. The child is
      // still unreaped, so the pid still names it.
      int fresh = pidfd_open(state->pid);
      if (fresh >= 0) Reaper::get().adopt(fresh);
    }
  }
  delete state;  // the IoSource removes any registration and closes the pidfd
}

Process::Id process_id(const ProcessState& state) noexcept {
  return static_cast<Process::Id>(state.pid);
}

ExitStatus process_exit_status(ProcessState& state, std::error_code& ec) {
  if (state.status) {
    ec.clear();
    return *state.status;
  }
  if (state.status_lost) {
    ec = std::make_error_code(std::errc::no_child_process);
    return ExitStatus::exited(0);
  }
  siginfo_t info;
  int error = 0;
  switch (wait_once(state.io.handle(), info, error)) {
    case Wait::kExited:
      ec.clear();
      // CLD_KILLED and CLD_DUMPED carry the signal number in si_status.
      state.status = info.si_code == CLD_EXITED ? ExitStatus::exited(info.si_status)
                                                : ExitStatus::signaled(info.si_status);
      return *state.status;
    case Wait::kRunning:
      break;
    case Wait::kNotChild:
      // No status to collect, but the pidfd still tells whether the process has ended.
      if (has_exited(state.io.handle())) {
        state.status_lost = true;
        ec = std::make_error_code(std::errc::no_child_process);
        return ExitStatus::exited(0);
      }
      break;
    case Wait::kFailed:
      ec = errno_code(error);
      return ExitStatus::exited(0);
  }
  // Still running: re-arm emulated edges so that the exit is reported when it comes.
  ec = state.io.track(std::make_error_code(std::errc::operation_would_block));
  return ExitStatus::exited(0);
}

std::error_code process_kill(ProcessState& state) noexcept {
  if (state.status || state.status_lost) return {};
  // Through the pidfd, the signal can only reach this process, even if its pid is reused.
  if (::syscall(SYS_pidfd_send_signal, state.io.handle(), SIGKILL, nullptr, 0u) < 0) {
    // ESRCH: it has already been reaped (by someone else), so nothing is left to kill.
    if (errno == ESRCH) return {};
    return errno_code();
  }
  return {};
}

std::error_code process_add(ProcessState& state, const Registry& registry, Token token) {
  return state.io.add_to(registry, token, Interest::readable);
}

std::error_code process_modify(ProcessState& state, const Registry& registry, Token token) {
  return state.io.modify_in(registry, token, Interest::readable);
}

std::error_code process_remove(ProcessState& state, const Registry& registry) {
  return state.io.remove_from(registry);
}

}  // namespace pollux::sys
