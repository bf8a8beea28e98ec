// SPDX-License-Identifier: MIT
#pragma once
// Process: a source that turns readable when a child process exits.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

class Registry;
namespace sys {
struct ProcessState;
}
namespace detail {
struct ProcessAccess;
}

/// How a process ended: it either exited with a code, or (Unix only) was killed by a
/// signal. On Windows every process exits with a code (TerminateProcess supplies one),
/// which is reported as the 32 bits of the DWORD reinterpreted as an int, as Rust does.
class ExitStatus {
 public:
  ///@{
  /// How a process ended, for comparing with exit_status() (tests, mostly).
  static constexpr ExitStatus exited(int code) noexcept { return ExitStatus(code, 0); }
  static constexpr ExitStatus signaled(int signal) noexcept { return ExitStatus(0, signal); }
  ///@}

  /// Exited normally with code 0.
  constexpr bool success() const noexcept { return signal_ == 0 && code_ == 0; }
  /// The exit code, when the process exited rather than died of a signal.
  constexpr std::optional<int> code() const noexcept {
    return signal_ == 0 ? std::optional<int>(code_) : std::nullopt;
  }
  /// The signal that killed the process (Unix); never set on Windows.
  constexpr std::optional<int> signal() const noexcept {
    return signal_ != 0 ? std::optional<int>(signal_) : std::nullopt;
  }

  friend constexpr bool operator==(ExitStatus, ExitStatus) noexcept = default;

 private:
  constexpr ExitStatus(int code, int signal) noexcept : code_(code), signal_(signal) {}
  int code_;
  int signal_;
};

/// A child process as a Source: register it with Interest::readable and it reports a
/// readable event once the process has exited; exit_status() then returns how it ended.
/// A process that exited before it was added still reports. Interests other than
/// readable are ignored; one without readable is refused (std::errc::invalid_argument).
///
/// Linux: a pidfd (kernel 5.3; 5.4 for waitid(P_PIDFD)), so it works on every Unix
/// selector. The status is collected with waitid, which reaps the child: pollux installs
/// no SIGCHLD handler and needs none. Code elsewhere in the program that reaps children
/// it does not own (waitpid(-1, ...), SIGCHLD set to SIG_IGN) takes the status away: then
/// exit_status() reports std::errc::no_child_process. spawn holds the pidfd from the moment
/// the child exists (clone3 with CLONE_PIDFD, Linux 5.3), so it never reports a failure for
/// a program that started, even one reaped at once by such code.
/// Windows: the process HANDLE, waited on by the thread pool (RegisterWaitForSingleObject),
/// which posts the exit to the Poll's completion port.
///
/// Destroying a Process does not wait for the child and does not kill it. A child that has
/// exited is reaped at once; on Linux one that still runs is handed to a single background
/// thread, started the first time it is needed, which reaps it when it exits so that no
/// zombie is left behind. (A program that forks after that point does not inherit the
/// thread: children abandoned in the forked copy stay zombies until it exits.)
///
/// Not thread-safe: one thread at a time uses a given Process, as with sockets.
class POLLUX_API Process {
 public:
  /// The OS's process id (pid_t on Unix, a DWORD on Windows).
  using Id = std::uint32_t;

  /// An empty Process: every call on it answers std::errc::bad_file_descriptor.
  Process() noexcept = default;

  /// Starts argv[0] with arguments argv[1..], without a shell. A name without a slash is
  /// looked up in PATH. On Windows a name without `\`, `/` or `:` is looked up (with .exe
  /// appended when it has no extension) in this program's directory, the system
  /// directories and PATH, never in the current directory; a .bat or .cmd file is run by
  /// cmd.exe with each argument quoted for it, and an argument that cmd.exe would expand or
  /// cut short (one with `%`, CR or LF) is refused with std::errc::invalid_argument (see
  /// README.md, "Windows"). The child inherits the environment, the working directory
  /// and the standard handles; on Unix it starts with
  /// an empty signal mask and SIGPIPE at its default action, and inherits the fds that are
  /// not close-on-exec (pollux opens all of its own fds close-on-exec). On Windows it
  /// inherits the standard handles only, whatever else this program made inheritable.
  /// Errors: empty argv or a NUL inside an argument: std::errc::invalid_argument; a missing
  /// program: std::errc::no_such_file_or_directory; not executable:
  /// std::errc::permission_denied; otherwise the OS's code. On error the result is empty.
  static Process spawn(std::span<const std::string> argv, std::error_code& ec);

  /// Watches a process this program did not start through pollux, by its id. The status is
  /// available for this process's own children (Unix) or any process the caller may query
  /// (Windows); for others, exit is still reported, and exit_status() then answers
  /// std::errc::no_child_process. Unknown id: std::errc::no_such_process; id 0:
  /// std::errc::invalid_argument.
  static Process adopt(Id id, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  Process(Process&&) noexcept = default;
  Process& operator=(Process&&) noexcept = default;
  ///@}
  /// Removes any registration; see the class comment for a child that still runs.
  ~Process();

  /// False for an empty Process (default-made, moved from, or failed to spawn or adopt).
  bool is_open() const noexcept { return state_ != nullptr; }
  /// The process id, or 0 for an empty Process.
  Id id() const noexcept;

  /// How the process ended, once it has: std::errc::operation_would_block while it still
  /// runs (then a new readable event will come when it exits). The status is kept, so later
  /// calls return it again.
  ExitStatus exit_status(std::error_code& ec);

  /// Asks the OS to end the process now (SIGKILL on Unix, TerminateProcess with exit code
  /// 1 on Windows). The exit is then reported like any other. After the process has been
  /// reaped this does nothing and succeeds.
  [[nodiscard]] std::error_code kill() noexcept;

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest);
  std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  std::error_code remove_from(const Registry& registry);
  ///@}

 private:
  // Lets OS-specific constructors (win::adopt_process) build a Process from their state.
  friend struct detail::ProcessAccess;
  struct Deleter {
    void operator()(sys::ProcessState* state) const noexcept;
  };
  std::unique_ptr<sys::ProcessState, Deleter> state_;
};

}  // namespace pollux
