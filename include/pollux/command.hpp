// SPDX-License-Identifier: MIT
#pragma once
// Command: starts a child process with arguments, environment, working directory and
// standard streams of your choosing; Child: the running child, its exit as a Process and
// its piped standard streams as Sources.

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/process.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

class Registry;
namespace sys {
struct ChildPipe;
}

/// What a child's standard stream is connected to. (Not named stdin/stdout/stderr: those
/// are macros of `<cstdio>`.)
enum class Stdio : unsigned char {
  inherit,  ///< this program's own stream
  null,     ///< the null device: reads see end-of-file, writes are discarded
  piped,    ///< a new pipe whose other end the Child holds
};

namespace detail {
// The parent's end of a child's pipe: one heap state, opaque here, per OS (a pipe fd on
// Unix; an overlapped named pipe bound to the port on Windows).
class POLLUX_API ChildPipeEnd {
 public:
  ChildPipeEnd() noexcept = default;
  explicit ChildPipeEnd(sys::ChildPipe* pipe) noexcept : pipe_(pipe) {}
  bool is_open() const noexcept { return pipe_ != nullptr; }
  /// Closes this end now (the child then sees end-of-file, or a broken pipe).
  void close() noexcept { pipe_.reset(); }

  std::error_code add_to(const Registry& registry, Token token, Interest interest);
  std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  std::error_code remove_from(const Registry& registry);

 protected:
  std::size_t read_some(std::span<std::byte> buf, std::error_code& ec);
  std::size_t write_some(std::span<const std::byte> buf, std::error_code& ec);

 private:
  struct Deleter {
    void operator()(sys::ChildPipe* pipe) const noexcept;
  };
  std::unique_ptr<sys::ChildPipe, Deleter> pipe_;
};
}  // namespace detail

/// The write end of a child's piped stdin: writable readiness as any stream. Writing
/// after the child closed its end fails with std::errc::broken_pipe (no SIGPIPE).
/// Dropping it (or close()) gives the child end-of-file.
class ChildStdin : public detail::ChildPipeEnd {
 public:
  using ChildPipeEnd::ChildPipeEnd;
  /// Writes what the pipe takes now: the count written, or would-block when it is full.
  std::size_t write(std::span<const std::byte> buf, std::error_code& ec) {
    return write_some(buf, ec);
  }
};

/// The read end of a child's piped stdout or stderr: read returns 0 at end-of-file,
/// once the child (and every process it passed the stream on to) closed it.
class ChildOutput : public detail::ChildPipeEnd {
 public:
  using ChildPipeEnd::ChildPipeEnd;
  /// Reads what the pipe holds: the count read, 0 at end-of-file, or would-block.
  std::size_t read(std::span<std::byte> buf, std::error_code& ec) { return read_some(buf, ec); }
};
/// The read end of a child's piped stdout.
using ChildStdout = ChildOutput;
/// The read end of a child's piped stderr.
using ChildStderr = ChildOutput;

/// A started child: its exit (a Process, a Source readable on exit) and the parent's ends
/// of the streams that were Stdio::piped. Each part may be taken out and used on its own.
class POLLUX_API Child {
 public:
  /// An empty Child: no process, no pipes.
  Child() noexcept = default;
  ///@{
  /// Movable, not copyable: the process and the pipes move with it (assignment first
  /// drops what this Child held, as its destructor would).
  Child(Child&& other) noexcept = default;
  Child& operator=(Child&& other) noexcept;
  ///@}
  /// With kill_on_drop, kills a child that has not been seen to exit; otherwise as ~Process.
  ~Child();

  /// The child's exit source.
  Process& process() noexcept { return process_; }
  /// The child's process id.
  Process::Id id() const noexcept { return process_.id(); }
  /// As Process::kill.
  [[nodiscard]] std::error_code kill() noexcept { return process_.kill(); }
  /// As Process::exit_status.
  ExitStatus exit_status(std::error_code& ec) { return process_.exit_status(ec); }

  ///@{
  /// The pipes (closed when the stream was not Stdio::piped, or was taken).
  ChildStdin& stdin_pipe() noexcept { return stdin_; }
  ChildStdout& stdout_pipe() noexcept { return stdout_; }
  ChildStderr& stderr_pipe() noexcept { return stderr_; }
  ///@}
  ///@{
  /// Moves a part out of the Child, to own and use on its own; the Child keeps an empty
  /// one.
  ChildStdin take_stdin() noexcept { return std::move(stdin_); }
  ChildStdout take_stdout() noexcept { return std::move(stdout_); }
  ChildStderr take_stderr() noexcept { return std::move(stderr_); }
  Process take_process() noexcept { return std::move(process_); }
  ///@}
  /// Whether destroying this Child kills the child (Command::kill_on_drop).
  bool kills_on_drop() const noexcept { return kill_on_drop_; }

 private:
  friend class Command;
  void kill_if_asked() noexcept;

  Process process_;
  ChildStdin stdin_;
  ChildStdout stdout_;
  ChildStderr stderr_;
  bool kill_on_drop_ = false;
};

/// How to start a child, Rust's std::process::Command in C++: no shell is involved, the
/// program is looked up as Process::spawn does (on Windows: never in the current
/// directory, and .bat/.cmd run by cmd.exe with the arguments quoted for it and `%`, CR,
/// LF refused). Defaults: the environment, working directory and standard streams of this
/// program, no kill on drop. A Command may spawn any number of children.
class POLLUX_API Command {
 public:
  /// A command that runs `program` (a path, or a name looked up in PATH).
  explicit Command(std::string program);

  ///@{
  /// Appends arguments (after the program name, which the child sees as its argv[0]).
  Command& arg(std::string value);
  Command& args(std::span<const std::string> values);
  Command& args(std::initializer_list<std::string> values) {
    return args(std::span<const std::string>(values.begin(), values.size()));
  }
  ///@}
  /// Sets a variable for the child (names compare case-insensitively on Windows).
  Command& env(std::string key, std::string value);
  /// Leaves a variable out of the child's environment.
  Command& env_remove(std::string key);
  /// Starts the child from an empty environment (then only env() entries are passed).
  Command& env_clear();
  /// The child's working directory. On Unix a relative program path (one with a slash)
  /// is then taken relative to it, as execve after chdir does.
  Command& current_dir(std::string dir);
  ///@{
  /// What the child's stdin, stdout and stderr are connected to (default: inherit).
  Command& set_stdin(Stdio how) { stdio_[0] = how; return *this; }
  Command& set_stdout(Stdio how) { stdio_[1] = how; return *this; }
  Command& set_stderr(Stdio how) { stdio_[2] = how; return *this; }
  ///@}
  /// Kill the child (SIGKILL, TerminateProcess) when the Child is destroyed before its
  /// exit was seen. Off by default: a dropped Child otherwise keeps running.
  Command& kill_on_drop(bool yes) { kill_on_drop_ = yes; return *this; }

  /// Starts the child. Errors: an empty program, or a NUL in the program, an argument, a
  /// variable or the directory, or `=` in a variable's name: std::errc::invalid_argument; a
  /// missing program or directory: std::errc::no_such_file_or_directory; not executable:
  /// std::errc::permission_denied; otherwise the OS's code. On error nothing is left
  /// behind (no child, no pipe).
  Child spawn(std::error_code& ec) const;

  /// One env() or env_remove() call, in call order.
  struct EnvChange {
    std::string key;                   ///< the variable's name
    std::optional<std::string> value;  ///< its value; nullopt: removed
  };
  ///@{
  /// What was set, as spawn reads it: the program, the arguments, the environment
  /// changes (the last change to a key wins), whether the environment starts empty, the
  /// working directory, and the stream `fd` (0, 1 or 2) is connected to.
  const std::string& program() const noexcept { return program_; }
  std::span<const std::string> arguments() const noexcept { return args_; }
  std::span<const EnvChange> env_changes() const noexcept { return env_; }
  bool env_cleared() const noexcept { return env_clear_; }
  const std::optional<std::string>& dir() const noexcept { return dir_; }
  Stdio stdio(int fd) const noexcept { return stdio_[fd]; }
  ///@}

 private:
  std::string program_;
  std::vector<std::string> args_;  // without the program
  std::vector<EnvChange> env_;     // in call order; the last change to a key wins
  bool env_clear_ = false;
  std::optional<std::string> dir_;
  Stdio stdio_[3] = {Stdio::inherit, Stdio::inherit, Stdio::inherit};
  bool kill_on_drop_ = false;
};

}  // namespace pollux
