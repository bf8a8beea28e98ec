// SPDX-License-Identifier: MIT
#pragma once
// TcpStream: a non-blocking TCP connection.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/sys/transfer.hpp>  // the backend's half: stream_read, stream_write

namespace pollux::inline POLLUX_ABI()::net {

/// A connected (or connecting) TCP socket; move-only, closed (and removed from its
/// Registry) by its destructor.
///
/// Every operation that can block reports std::errc::operation_would_block instead; after
/// it, wait for the next event. A read that returns 0 into a non-empty buffer is EOF.
/// Writes to a closed peer fail (broken_pipe, connection_reset): never 0, never SIGPIPE.
class POLLUX_API TcpStream {
 public:
  /// An empty stream: every operation answers std::errc::bad_file_descriptor.
  TcpStream() noexcept = default;

  /// Starts connecting; the stream turns writable when the attempt is over. Then
  /// `peer_addr()` succeeds if it connected, and `take_error()` says why if it did not.
  static TcpStream connect(const SocketAddr& addr, std::error_code& ec);
  /// Adopts a connected socket and makes it non-blocking.
  static TcpStream from_native(NativeHandle handle, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  TcpStream(TcpStream&&) noexcept = default;
  TcpStream& operator=(TcpStream&&) noexcept = default;
  ///@}

  // Inline: on Linux each is the system call and a test (pollux/sys/transfer.hpp).
  /// Reads what is available now into `buf`; 0 is end of stream (or an empty `buf`),
  /// std::errc::operation_would_block that nothing is there yet.
  std::size_t read(std::span<std::byte> buf, std::error_code& ec) { return sys::stream_read(io_, buf, ec); }
  /// Writes as much of the buffer as fits now and returns how much;
  /// std::errc::operation_would_block when nothing fits.
  std::size_t write(std::span<const std::byte> buf, std::error_code& ec) {
    return sys::stream_write(io_, buf, ec);
  }
  /// As read(), scattering into several buffers in one system call.
  std::size_t read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec);
  /// As write(), gathering from several buffers in one system call.
  std::size_t write_vectored(std::span<const std::span<const std::byte>> bufs, std::error_code& ec);
  /// Reads without removing the data from the socket's queue.
  std::size_t peek(std::span<std::byte> buf, std::error_code& ec);

  /// Shuts down reading, writing or both; the peer reads end of stream once writing is shut.
  [[nodiscard]] std::error_code shutdown(Shutdown how);
  /// The address this socket is bound to.
  SocketAddr local_addr(std::error_code& ec) const;
  /// The address of the connected peer.
  SocketAddr peer_addr(std::error_code& ec) const;
  /// The socket's pending error (SO_ERROR); ec: failing to read it. On Unix reading it
  /// clears it; Windows keeps reporting it.
  std::error_code take_error(std::error_code& ec);

  /// Turns Nagle's algorithm off (TCP_NODELAY) or back on.
  [[nodiscard]] std::error_code set_nodelay(bool on);
  /// Whether Nagle's algorithm is off (TCP_NODELAY).
  bool nodelay(std::error_code& ec) const;
  /// Sets the IP time-to-live of outgoing packets.
  [[nodiscard]] std::error_code set_ttl(int ttl);
  /// The IP time-to-live of outgoing packets.
  int ttl(std::error_code& ec) const;
  /// nullopt: close returns at once; zero: close sends RST and drops unsent data.
  [[nodiscard]] std::error_code set_linger(std::optional<std::chrono::seconds> timeout);
  /// SO_LINGER: how long a close may wait to send queued data; nullopt when off.
  std::optional<std::chrono::seconds> linger(std::error_code& ec) const;

  /// The OS handle (an fd, or a SOCKET on Windows); it stays this object's.
  NativeHandle native_handle() const noexcept { return io_.handle(); }
  /// False once released or moved from, or when never opened.
  bool is_open() const noexcept { return io_.is_open(); }
  /// Removes any registration and hands the socket over without closing it.
  NativeHandle release() noexcept { return io_.release(); }

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return io_.add_to(registry, token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return io_.modify_in(registry, token, interest);
  }
  std::error_code remove_from(const Registry& registry) { return io_.remove_from(registry); }
  ///@}

 private:
  explicit TcpStream(NativeHandle handle) noexcept : io_(handle) {}
  friend class TcpListener;
  detail::IoSource io_;
};

}  // namespace pollux::net
