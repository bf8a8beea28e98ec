// SPDX-License-Identifier: MIT
#pragma once
// exec::UnixListener: accepts Unix-domain stream connections on the runtime (Unix only).

#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/exec/unix_stream.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/unix_listener.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// As exec::TcpListener, over net::UnixListener. accept() is cancel-safe.
class POLLUX_EXEC_API UnixListener {
 public:
  UnixListener() noexcept = default;

  /// Binds as net::UnixListener::bind does, and registers with the current runtime's I/O
  /// driver.
  static UnixListener bind(const net::SocketAddr& addr, std::error_code& ec);
  /// Adopts a pollux UnixListener and registers it with the current runtime's I/O driver
  /// (outside a runtime: std::errc::operation_not_permitted).
  static UnixListener from_net(net::UnixListener listener, std::error_code& ec);

  /// Movable; the moved-from UnixListener is empty.
  UnixListener(UnixListener&&) noexcept = default;
  ~UnixListener() { io_.deregister(listener_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  UnixListener& operator=(UnixListener&& other) noexcept {
    if (this != &other) {
      io_.deregister(listener_);
      listener_ = std::move(other.listener_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// `auto [ec, conn] = co_await listener.accept();` Cancel safety: safe.
  Task<IoResult<UnixStream>> accept();

  /// The address this socket is bound to.
  net::SocketAddr local_addr(std::error_code& ec) const { return listener_.local_addr(ec); }
  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return listener_.is_open(); }
  /// The pollux listener, for options.
  net::UnixListener& get() noexcept { return listener_; }

 private:
  detail::IoHandle io_;
  net::UnixListener listener_;
};

}  // namespace pollux::exec
