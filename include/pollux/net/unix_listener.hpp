// SPDX-License-Identifier: MIT
#pragma once
// UnixListener: a non-blocking listening Unix-domain socket (Unix only).

#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/unix_stream.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Readable when connections wait; accept until would-block. A path it binds stays in
/// the filesystem after close (as with any Unix socket): unlink it when done.
class POLLUX_API UnixListener {
 public:
  /// The listen() backlog: the connections the kernel queues before accept takes them.
  static constexpr int kBacklog = 1024;

  UnixListener() noexcept = default;

  /// Binds to a path or abstract name and listens. An existing path: address_in_use.
  static UnixListener bind(const SocketAddr& addr, std::error_code& ec);
  /// Adopts an open socket of the right kind, makes it non-blocking and owns it from
  /// then on.
  static UnixListener from_native(NativeHandle handle, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  UnixListener(UnixListener&&) noexcept = default;
  UnixListener& operator=(UnixListener&&) noexcept = default;
  ///@}

  /// One pending connection, non-blocking and close-on-exec; would-block when none waits.
  UnixStream accept(std::error_code& ec);
  /// The same, also storing the peer's address in `peer` (often unnamed).
  UnixStream accept(SocketAddr& peer, std::error_code& ec);

  /// The address this socket is bound to.
  SocketAddr local_addr(std::error_code& ec) const;
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
  explicit UnixListener(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
