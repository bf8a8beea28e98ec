// SPDX-License-Identifier: MIT
#pragma once
// UnixDatagram: a non-blocking Unix-domain datagram socket (Unix only).

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Datagrams keep their boundaries; one longer than the buffer is truncated. Unlike UDP,
/// a full receiver makes the sender wait: send reports would-block, and the socket turns
/// writable again when the receiver drains. Move-only; the destructor closes.
class POLLUX_API UnixDatagram {
 public:
  UnixDatagram() noexcept = default;

  /// A socket bound to a path or abstract name. An existing path: address_in_use.
  static UnixDatagram bind(const SocketAddr& addr, std::error_code& ec);
  /// A socket with no address; peers that receive from it see an unnamed address.
  static UnixDatagram unbound(std::error_code& ec);
  /// Two connected, unnamed sockets (socketpair).
  static std::pair<UnixDatagram, UnixDatagram> pair(std::error_code& ec);
  /// Adopts an open socket of the right kind, makes it non-blocking and owns it from
  /// then on.
  static UnixDatagram from_native(NativeHandle handle, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  UnixDatagram(UnixDatagram&&) noexcept = default;
  UnixDatagram& operator=(UnixDatagram&&) noexcept = default;
  ///@}

  /// Sets the default peer of send() and recv(), and receives only from it.
  [[nodiscard]] std::error_code connect(const SocketAddr& addr);
  /// Sends one datagram to the connected peer; std::errc::operation_would_block when the
  /// send buffer is full.
  std::size_t send(std::span<const std::byte> buf, std::error_code& ec);
  /// Receives one datagram from the connected peer into `buf`.
  std::size_t recv(std::span<std::byte> buf, std::error_code& ec);
  /// Sends one datagram to `to`; std::errc::operation_would_block when the send buffer is full.
  std::size_t send_to(std::span<const std::byte> buf, const SocketAddr& to, std::error_code& ec);
  /// Receives one datagram into `buf`, and its sender's address into `from`.
  std::size_t recv_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec);

  /// Shuts down reading, writing or both; the peer reads end of stream once writing is shut.
  [[nodiscard]] std::error_code shutdown(Shutdown how);
  /// The address this socket is bound to.
  SocketAddr local_addr(std::error_code& ec) const;
  /// The address of the connected peer.
  SocketAddr peer_addr(std::error_code& ec) const;
  /// The socket's pending error (SO_ERROR), which this clears; empty when there is none.
  /// `ec` reports a failure to ask.
  std::error_code take_error(std::error_code& ec);

  /// The OS handle (an fd, or a SOCKET on Windows); it stays this object's.
  NativeHandle native_handle() const noexcept { return io_.handle(); }
  /// False once released or moved from, or when never opened.
  bool is_open() const noexcept { return io_.is_open(); }
  /// Removes any registration and gives up the handle without closing it: the caller owns
  /// it, and this object is left empty.
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
  explicit UnixDatagram(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
