// SPDX-License-Identifier: MIT
#pragma once
// exec::Command and exec::Child: a child process whose exit and piped standard streams
// are awaited on the runtime, as tokio's process::Command/Child.
//
//   exec::Command cmd("git");
//   cmd.args({"status", "--short"}).set_stdout(Stdio::piped).set_stderr(Stdio::piped);
//   auto [ec, output] = co_await cmd.output();   // status, out, err
//
// Make the pipes and the Child inside a task of a runtime (elsewhere: the spawn fails
// with std::errc::operation_not_permitted, and leaves no child behind).

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <pollux/command.hpp>
#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/registered.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/process.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// The child's stdin: writes as exec::TcpStream's (write: cancel-safe; write_all: not).
/// close() (or dropping it) gives the child end-of-file.
class POLLUX_EXEC_API ChildStdin {
 public:
  ChildStdin() noexcept = default;
  /// Registers a pipe end (writable) with the current runtime.
  static ChildStdin from_pipe(pollux::ChildStdin pipe, std::error_code& ec);
  ///@{
  /// Movable, not copyable: the registration moves with it.
  ChildStdin(ChildStdin&&) noexcept = default;
  ChildStdin& operator=(ChildStdin&&) noexcept = default;
  ///@}

  /// False once closed, moved from, or for a stream that was not piped.
  bool is_open() const noexcept { return pipe_.source().is_open(); }
  /// Closes the pipe now: the child reads end-of-file.
  void close() noexcept { pipe_.close(); }
  /// Writes what the pipe takes, waiting for room; the count written.
  Task<IoResult<std::size_t>> write(std::span<const std::byte> buf);
  /// Writes all of `buf`, waiting for room as often as needed.
  Task<std::error_code> write_all(std::span<const std::byte> buf);

 private:
  detail::Registered<pollux::ChildStdin> pipe_;
};

/// The child's stdout or stderr: read returns 0 at end-of-file (cancel-safe);
/// read_to_end collects everything up to end-of-file (not cancel-safe: data read so far
/// is lost with the frame).
class POLLUX_EXEC_API ChildOutput {
 public:
  ChildOutput() noexcept = default;
  /// Registers a pipe end (readable) with the current runtime.
  static ChildOutput from_pipe(pollux::ChildOutput pipe, std::error_code& ec);
  ///@{
  /// Movable, not copyable: the registration moves with it.
  ChildOutput(ChildOutput&&) noexcept = default;
  ChildOutput& operator=(ChildOutput&&) noexcept = default;
  ///@}

  /// False once closed, moved from, or for a stream that was not piped.
  bool is_open() const noexcept { return pipe_.source().is_open(); }
  /// Closes the pipe now: the child's further writes fail (broken pipe).
  void close() noexcept { pipe_.close(); }
  /// Reads what the pipe holds, waiting for data; 0 at end-of-file.
  Task<IoResult<std::size_t>> read(std::span<std::byte> buf);
  /// On an error, value holds what was read before it.
  Task<IoResult<std::string>> read_to_end();

 private:
  detail::Registered<pollux::ChildOutput> pipe_;
};
/// The child's stdout.
using ChildStdout = ChildOutput;
/// The child's stderr.
using ChildStderr = ChildOutput;

/// What wait_with_output and Command::output give: the exit and everything the child
/// wrote to its piped stdout and stderr (empty for a stream that was not piped).
struct Output {
  ExitStatus status = ExitStatus::exited(-1);  ///< how the child ended
  std::string out;                            ///< its stdout
  std::string err;                            ///< its stderr
};

/// A started child on the runtime: its exit to await and its pipes as async streams.
class POLLUX_EXEC_API Child {
 public:
  Child() noexcept = default;
  /// Registers the Process and the pipes with the current runtime.
  static Child from_child(pollux::Child child, std::error_code& ec);
  ///@{
  /// Movable, not copyable: the process and the pipes move with it.
  Child(Child&&) noexcept = default;
  Child& operator=(Child&& other) noexcept;
  ///@}
  /// With kill_on_drop, kills the child if it still runs; otherwise leaves it be.
  ~Child();

  /// The child's process id.
  pollux::Process::Id id() const noexcept { return process_.id(); }
  /// As exec::Process::wait (cancel-safe).
  Task<IoResult<ExitStatus>> wait() { return process_.wait(); }
  /// As pollux::Process::kill.
  [[nodiscard]] std::error_code kill() noexcept { return process_.kill(); }

  /// Closes stdin (so that a child reading it sees its end), reads stdout and stderr
  /// concurrently to their ends (so that neither fills while the other is read), then
  /// waits for the exit. Not cancel-safe (the output read so far is lost).
  Task<IoResult<Output>> wait_with_output();

  ///@{
  /// The pipes (closed when the stream was not piped, or was taken).
  ChildStdin& stdin_pipe() noexcept { return stdin_; }
  ChildStdout& stdout_pipe() noexcept { return stdout_; }
  ChildStderr& stderr_pipe() noexcept { return stderr_; }
  ///@}
  ///@{
  /// Moves a pipe out of the Child, to own and use on its own.
  ChildStdin take_stdin() noexcept { return std::move(stdin_); }
  ChildStdout take_stdout() noexcept { return std::move(stdout_); }
  ChildStderr take_stderr() noexcept { return std::move(stderr_); }
  ///@}

 private:
  Process process_;
  ChildStdin stdin_;
  ChildStdout stdout_;
  ChildStderr stderr_;
  bool kill_on_drop_ = false;
};

/// pollux::Command (see there for the rules and errors), spawning an exec::Child.
class POLLUX_EXEC_API Command {
 public:
  /// A command that runs `program`, as pollux::Command.
  explicit Command(std::string program) : command_(std::move(program)) {}

  ///@{
  /// As pollux::Command's setters of the same names.
  Command& arg(std::string value) { command_.arg(std::move(value)); return *this; }
  Command& args(std::span<const std::string> values) { command_.args(values); return *this; }
  Command& args(std::initializer_list<std::string> values) {
    command_.args(values);
    return *this;
  }
  Command& env(std::string key, std::string value) {
    command_.env(std::move(key), std::move(value));
    return *this;
  }
  Command& env_remove(std::string key) { command_.env_remove(std::move(key)); return *this; }
  Command& env_clear() { command_.env_clear(); return *this; }
  Command& current_dir(std::string dir) { command_.current_dir(std::move(dir)); return *this; }
  Command& set_stdin(Stdio how) { command_.set_stdin(how); return *this; }
  Command& set_stdout(Stdio how) { command_.set_stdout(how); return *this; }
  Command& set_stderr(Stdio how) { command_.set_stderr(how); return *this; }
  Command& kill_on_drop(bool yes) { command_.kill_on_drop(yes); return *this; }
  ///@}

  /// The pollux::Command this one builds.
  const pollux::Command& inner() const noexcept { return command_; }

  /// Starts the child and registers it and its pipes with the current runtime.
  Child spawn(std::error_code& ec) const;
  /// Starts the child with stdout and stderr piped (stdin as set) and returns
  /// wait_with_output's result. Not cancel-safe.
  Task<IoResult<Output>> output() const;

 private:
  pollux::Command command_;
};

}  // namespace pollux::exec
