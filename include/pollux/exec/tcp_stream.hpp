// SPDX-License-Identifier: MIT
#pragma once
// exec::TcpStream: a TCP connection whose operations are awaited on the runtime.

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
#include <pollux/net/tcp_stream.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// A net::TcpStream registered once (read and write) with the I/O driver of the runtime
/// it was made on; its operations suspend the awaiting task instead of reporting
/// would-block. Make it inside a task of a runtime: elsewhere construction fails with
/// std::errc::operation_not_permitted. It may be used from any runtime's tasks after.
///
/// One task may read while another writes; two tasks reading (or writing) at once each
/// get some of the data, in no defined split. Results come back by value, as
/// <pollux/exec/io_result.hpp> says for every exec I/O type (it also says what must live
/// until an await completes); the awaited Tasks throw nothing but std::bad_alloc. Once
/// the runtime it was made on has shut down, its operations fail with
/// std::errc::bad_file_descriptor (nothing drives its readiness any more); the same
/// holds for every exec I/O type.
class POLLUX_EXEC_API TcpStream : public detail::ReadinessOps<TcpStream> {
 public:
  TcpStream() noexcept = default;

  /// Connects: `auto [ec, stream] = co_await TcpStream::connect(addr);`. Errors: the
  /// OS's (connection_refused, network_unreachable, ...).
  /// Cancel safety: dropping it closes the socket; nothing else is left behind.
  static Task<IoResult<TcpStream>> connect(net::SocketAddr addr);
  /// Adopts a pollux stream (connected or connecting) and registers it.
  static TcpStream from_net(net::TcpStream stream, std::error_code& ec);

  /// Movable; the moved-from TcpStream is empty.
  TcpStream(TcpStream&&) noexcept = default;
  ~TcpStream() { io_.deregister(stream_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  TcpStream& operator=(TcpStream&& other) noexcept {
    // The old socket leaves the registry before its record is released.
    if (this != &other) {
      io_.deregister(stream_);
      stream_ = std::move(other.stream_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// Reads what is available (waiting until something is): `auto [ec, n] = co_await
  /// s.read(buf);` n == 0 into a non-empty buffer is EOF.
  /// Cancel safety: safe (no data is consumed until it completes).
  detail::IoCountAwait read(std::span<std::byte> buf) noexcept;
  /// Writes some of `buf` (waiting until some fits); the count written.
  /// Cancel safety: safe (nothing is sent until it completes).
  detail::IoCountAwait write(std::span<const std::byte> buf) noexcept;
  /// Fills `buf` entirely; EOF first: std::errc::no_message_available. The count read so
  /// far comes with any error. Cancel safety: NOT safe: bytes read before the drop are
  /// in `buf` but reported to nobody.
  detail::IoCountAwait read_exact(std::span<std::byte> buf) noexcept;
  /// Writes all of `buf`. Cancel safety: NOT safe: an unknown prefix may have been sent.
  detail::IoDoneAwait write_all(std::span<const std::byte> buf) noexcept;

  /// Shuts down reading, writing or both, as the net:: stream does.
  [[nodiscard]] std::error_code shutdown(net::Shutdown how) { return stream_.shutdown(how); }
  /// The address this socket is bound to.
  net::SocketAddr local_addr(std::error_code& ec) const { return stream_.local_addr(ec); }
  /// The address of the connected peer.
  net::SocketAddr peer_addr(std::error_code& ec) const { return stream_.peer_addr(ec); }
  /// Turns Nagle's algorithm off (TCP_NODELAY) or back on.
  [[nodiscard]] std::error_code set_nodelay(bool on) { return stream_.set_nodelay(on); }

  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return stream_.is_open(); }
  /// The pollux stream, for options; I/O on it directly goes through try_io() (see
  /// ready()), so that the readiness it consumes is accounted for.
  net::TcpStream& get() noexcept { return stream_; }

 private:
  friend class detail::ReadinessOps<TcpStream>;
  static constexpr Interest kRegistered = Interest::readable | Interest::writable;
  auto& source() noexcept { return stream_; }

  detail::IoHandle io_;
  net::TcpStream stream_;
};

}  // namespace pollux::exec
