// SPDX-License-Identifier: MIT
#pragma once
// exec::Process: a child process whose exit is awaited on the runtime.

#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/process.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// A pollux::Process registered (readable: it exited) with the runtime's I/O driver:
/// pidfd on Linux, the process HANDLE's wait on Windows. Make it inside a task of a
/// runtime (elsewhere: std::errc::operation_not_permitted). Dropping it neither waits
/// for nor kills the child (see pollux::Process for who reaps it).
class POLLUX_EXEC_API Process {
 public:
  Process() noexcept = default;

  /// As pollux::Process::spawn.
  static Process spawn(std::span<const std::string> argv, std::error_code& ec);
  /// Registers a pollux::Process (spawned or adopted) with the current runtime's I/O driver.
  static Process from_process(pollux::Process process, std::error_code& ec);

  /// Movable; the moved-from Process is empty.
  Process(Process&&) noexcept = default;
  ~Process() { io_.deregister(process_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  Process& operator=(Process&& other) noexcept {
    if (this != &other) {
      io_.deregister(process_);
      process_ = std::move(other.process_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// How the process ended, once it has: `auto [ec, status] = co_await p.wait();`
  /// (on an error, status is ExitStatus::exited(-1)). Cancel safety: safe (the status is
  /// kept; a later wait returns it).
  Task<IoResult<ExitStatus>> wait();
  /// As pollux::Process::kill: the exit then completes wait().
  [[nodiscard]] std::error_code kill() noexcept { return process_.kill(); }
  /// The process id, or 0 for an empty Process.
  pollux::Process::Id id() const noexcept { return process_.id(); }
  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return process_.is_open(); }

 private:
  detail::IoHandle io_;
  pollux::Process process_;
};

}  // namespace pollux::exec
