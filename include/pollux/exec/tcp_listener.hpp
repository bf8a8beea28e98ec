// SPDX-License-Identifier: MIT
#pragma once
// exec::TcpListener: accepts TCP connections on the runtime.

#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/exec/tcp_stream.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/tcp_listener.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// A connection accepted with the address of its peer.
struct TcpAccepted {
  /// The connection, registered with the runtime like any exec::TcpStream.
  TcpStream stream;
  /// The peer's address.
  net::SocketAddr peer;
};

/// A net::TcpListener registered with the runtime's I/O driver. Make it inside a task
/// of a runtime (elsewhere: std::errc::operation_not_permitted).
class POLLUX_EXEC_API TcpListener {
 public:
  TcpListener() noexcept = default;

  /// Binds and listens, as net::TcpListener::bind.
  static TcpListener bind(const net::SocketAddr& addr, std::error_code& ec);
  /// Adopts a pollux TcpListener and registers it with the current runtime's I/O driver
  /// (outside a runtime: std::errc::operation_not_permitted).
  static TcpListener from_net(net::TcpListener listener, std::error_code& ec);

  /// Movable; the moved-from TcpListener is empty.
  TcpListener(TcpListener&&) noexcept = default;
  ~TcpListener() { io_.deregister(listener_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  TcpListener& operator=(TcpListener&& other) noexcept {
    if (this != &other) {
      io_.deregister(listener_);
      listener_ = std::move(other.listener_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// The next connection, registered with the same runtime: `auto [ec, conn] =
  /// co_await listener.accept();`. Cancel safety: safe (a connection is taken from the
  /// backlog only when it completes).
  Task<IoResult<TcpStream>> accept();
  /// As accept(), with the peer's address. Cancel safety: safe.
  Task<IoResult<TcpAccepted>> accept_with_peer();

  /// The address this socket is bound to.
  net::SocketAddr local_addr(std::error_code& ec) const { return listener_.local_addr(ec); }
  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return listener_.is_open(); }
  /// The pollux listener, for options.
  net::TcpListener& get() noexcept { return listener_; }

 private:
  detail::IoHandle io_;
  net::TcpListener listener_;
};

}  // namespace pollux::exec
