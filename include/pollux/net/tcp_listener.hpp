// SPDX-License-Identifier: MIT
#pragma once
// TcpListener: a non-blocking listening TCP socket.

#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/tcp_stream.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Listens for connections; readable when one or more wait. Accept until
/// std::errc::operation_would_block. Move-only; the destructor closes it.
class POLLUX_API TcpListener {
 public:
  /// The backlog bind() asks for; the OS may cap it (somaxconn).
  static constexpr int kBacklog = 1024;

  /// An empty listener: every operation answers std::errc::bad_file_descriptor.
  TcpListener() noexcept = default;

  /// Binds and listens. On Unix SO_REUSEADDR is set first, so a restarted server can
  /// bind a port whose old connections are in TIME_WAIT (it does not allow two live
  /// listeners on one port there; Windows' SO_REUSEADDR would, so it is left off there).
  /// Port 0 picks a free port; local_addr() tells which.
  static TcpListener bind(const SocketAddr& addr, std::error_code& ec);
  /// Adopts a listening socket and makes it non-blocking.
  static TcpListener from_native(NativeHandle handle, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  TcpListener(TcpListener&&) noexcept = default;
  TcpListener& operator=(TcpListener&&) noexcept = default;
  ///@}

  /// One pending connection, non-blocking and close-on-exec.
  TcpStream accept(std::error_code& ec);
  /// The same, also storing the peer's address in `peer`.
  TcpStream accept(SocketAddr& peer, std::error_code& ec);

  /// The address this socket is bound to.
  SocketAddr local_addr(std::error_code& ec) const;
  /// The socket's pending error (SO_ERROR), which this clears; empty when there is none.
  /// `ec` reports a failure to ask.
  std::error_code take_error(std::error_code& ec);
  /// Sets the IP time-to-live of outgoing packets.
  [[nodiscard]] std::error_code set_ttl(int ttl);
  /// The IP time-to-live of outgoing packets.
  int ttl(std::error_code& ec) const;

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
  explicit TcpListener(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
