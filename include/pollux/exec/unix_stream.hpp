// SPDX-License-Identifier: MIT
#pragma once
// exec::UnixStream: a Unix-domain stream socket awaited on the runtime (Unix only; not
// in any umbrella header).

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/detail/io_readiness.hpp>
#include <pollux/exec/detail/io_transfer.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/unix_stream.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// As exec::TcpStream, over net::UnixStream; the same results by value
/// (<pollux/exec/io_result.hpp>) and the same cancel safety per operation (read, write:
/// safe; read_exact, write_all: not safe; connect: drops the socket).
class POLLUX_EXEC_API UnixStream : public detail::ReadinessOps<UnixStream> {
 public:
  UnixStream() noexcept = default;

  /// Connects to a Unix address: `auto [ec, stream] = co_await UnixStream::connect(addr);`.
  static Task<IoResult<UnixStream>> connect(net::SocketAddr addr);
  /// Two connected streams (socketpair), both registered.
  static std::pair<UnixStream, UnixStream> pair(std::error_code& ec);
  /// Adopts a pollux UnixStream and registers it with the current runtime's I/O driver
  /// (outside a runtime: std::errc::operation_not_permitted).
  static UnixStream from_net(net::UnixStream stream, std::error_code& ec);

  /// Movable; the moved-from UnixStream is empty.
  UnixStream(UnixStream&&) noexcept = default;
  ~UnixStream() { io_.deregister(stream_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  UnixStream& operator=(UnixStream&& other) noexcept {
    if (this != &other) {
      io_.deregister(stream_);
      stream_ = std::move(other.stream_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// As TcpStream::read: what is available, waiting until something is; 0 is EOF.
  /// Cancel safety: safe.
  detail::IoCountAwait read(std::span<std::byte> buf) noexcept;
  /// As TcpStream::write: some of `buf`, waiting until some fits.
  /// Cancel safety: safe.
  detail::IoCountAwait write(std::span<const std::byte> buf) noexcept;
  /// As TcpStream::read_exact: fills `buf`; EOF first is std::errc::no_message_available.
  /// Cancel safety: NOT safe.
  detail::IoCountAwait read_exact(std::span<std::byte> buf) noexcept;
  /// As TcpStream::write_all. Cancel safety: NOT safe.
  detail::IoDoneAwait write_all(std::span<const std::byte> buf) noexcept;

  /// Shuts down reading, writing or both, as the net:: stream does.
  [[nodiscard]] std::error_code shutdown(net::Shutdown how) { return stream_.shutdown(how); }
  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return stream_.is_open(); }
  /// The pollux socket, for options; I/O on it directly goes through try_io() (see
  /// ready()), so that the readiness it consumes is accounted for.
  net::UnixStream& get() noexcept { return stream_; }

 private:
  friend class detail::ReadinessOps<UnixStream>;
  static constexpr Interest kRegistered = Interest::readable | Interest::writable;
  auto& source() noexcept { return stream_; }

  detail::IoHandle io_;
  net::UnixStream stream_;
};

}  // namespace pollux::exec
