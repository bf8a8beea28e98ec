// SPDX-License-Identifier: MIT
#pragma once
// exec::NamedPipe and exec::NamedPipeListener: Windows named pipes awaited on the
// runtime (Windows only; not in any umbrella header).

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/detail/io_readiness.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/win/named_pipe.hpp>
#include <pollux/win/named_pipe_listener.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// A win::NamedPipe registered with the runtime's I/O driver. Make it inside a task of a
/// runtime (elsewhere: std::errc::operation_not_permitted). As win::NamedPipe requires,
/// one task at a time uses a given pipe (unlike sockets, no reader and writer at once).
/// Results by value as <pollux/exec/io_result.hpp> says. Cancel safety as
/// exec::TcpStream's: read and write are safe (a read or write dropped while it waits
/// has moved no byte); read_exact and write_all are not; a dropped connect leaves
/// nothing behind; a dropped wait_for_client leaves the instance waiting for a client.
class POLLUX_EXEC_API NamedPipe : public detail::ReadinessOps<NamedPipe> {
 public:
  NamedPipe() noexcept = default;

  /// Opens the client end of `name`, retrying while the server has no free instance
  /// (or none yet), every few milliseconds on the runtime's timers, for up to `timeout`:
  /// then std::errc::timed_out. Other errors: as win::NamedPipe::open_client.
  static Task<IoResult<NamedPipe>> connect(std::string name, win::NamedPipeOptions options,
                                           std::chrono::milliseconds timeout);
  /// Registers a pipe (a server instance, or a client end) with the current runtime.
  static NamedPipe from_win(win::NamedPipe pipe, std::error_code& ec);

  /// Movable; the moved-from NamedPipe is empty.
  NamedPipe(NamedPipe&&) noexcept = default;
  ~NamedPipe() { io_.deregister(pipe_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  NamedPipe& operator=(NamedPipe&& other) noexcept {
    if (this != &other) {
      io_.deregister(pipe_);
      pipe_ = std::move(other.pipe_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// Server instance made with win::NamedPipe::create_server: waits for a client.
  Task<std::error_code> wait_for_client();
  /// As TcpStream::read: what is available, waiting until something is; 0 is EOF.
  /// Cancel safety: safe.
  Task<IoResult<std::size_t>> read(std::span<std::byte> buf);
  /// As TcpStream::write: some of `buf`, waiting until some fits.
  /// Cancel safety: safe.
  Task<IoResult<std::size_t>> write(std::span<const std::byte> buf);
  /// As TcpStream::read_exact: fills `buf`; EOF first is std::errc::no_message_available.
  /// Cancel safety: NOT safe.
  Task<IoResult<std::size_t>> read_exact(std::span<std::byte> buf);
  /// As TcpStream::write_all. Cancel safety: NOT safe.
  Task<std::error_code> write_all(std::span<const std::byte> buf);

  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return pipe_.is_open(); }
  /// The pollux pipe, for what this type does not wrap; I/O on it directly goes through
  /// try_io() (see ready()), so that the readiness it consumes is accounted for.
  win::NamedPipe& get() noexcept { return pipe_; }

 private:
  friend class detail::ReadinessOps<NamedPipe>;
  static constexpr Interest kRegistered = Interest::readable | Interest::writable;
  auto& source() noexcept { return pipe_; }

  detail::IoHandle io_;
  win::NamedPipe pipe_;
};

/// A win::NamedPipeListener registered with the runtime's I/O driver: keeps instances
/// waiting so that clients never find the name busy. accept() is cancel-safe.
class POLLUX_EXEC_API NamedPipeListener {
 public:
  NamedPipeListener() noexcept = default;

  /// As win::NamedPipeListener::create, registered with the current runtime's I/O driver
  /// (outside a runtime: std::errc::operation_not_permitted).
  static NamedPipeListener create(std::string_view name, const win::NamedPipeOptions& options,
                                  std::size_t backlog, std::error_code& ec);

  /// Movable; the moved-from NamedPipeListener is empty.
  NamedPipeListener(NamedPipeListener&&) noexcept = default;
  ~NamedPipeListener() { io_.deregister(listener_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  NamedPipeListener& operator=(NamedPipeListener&& other) noexcept {
    if (this != &other) {
      io_.deregister(listener_);
      listener_ = std::move(other.listener_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// The next connected client, registered with the same runtime:
  /// `auto [ec, pipe] = co_await listener.accept();`
  Task<IoResult<NamedPipe>> accept();

 private:
  detail::IoHandle io_;
  win::NamedPipeListener listener_;
};

}  // namespace pollux::exec
