// SPDX-License-Identifier: MIT
#pragma once
// exec::UdpSocket: UDP datagrams awaited on the runtime.

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/detail/io_readiness.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/udp_socket.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// What recv_from() received: the datagram's size (as stored in the buffer) and sender.
struct UdpReceived {
  /// The bytes stored in the buffer.
  std::size_t size = 0;
  /// The sender's address.
  net::SocketAddr from;
};

/// A net::UdpSocket registered with the runtime's I/O driver. Make it inside a task of
/// a runtime (elsewhere: std::errc::operation_not_permitted). Every operation is
/// cancel-safe: a datagram is sent or received whole when the awaited task completes,
/// and not at all if it is dropped before.
class POLLUX_EXEC_API UdpSocket : public detail::ReadinessOps<UdpSocket> {
 public:
  UdpSocket() noexcept = default;

  /// Binds as net::UdpSocket::bind does, and registers with the current runtime's I/O
  /// driver.
  static UdpSocket bind(const net::SocketAddr& addr, std::error_code& ec);
  /// Adopts a pollux UdpSocket and registers it with the current runtime's I/O driver
  /// (outside a runtime: std::errc::operation_not_permitted).
  static UdpSocket from_net(net::UdpSocket socket, std::error_code& ec);

  /// Movable; the moved-from UdpSocket is empty.
  UdpSocket(UdpSocket&&) noexcept = default;
  ~UdpSocket() { io_.deregister(socket_); }
  /// Deregisters and closes what this held, then takes over `other`'s.
  UdpSocket& operator=(UdpSocket&& other) noexcept {
    if (this != &other) {
      io_.deregister(socket_);
      socket_ = std::move(other.socket_);
      io_ = std::move(other.io_);
    }
    return *this;
  }

  /// Sends `buf` as one datagram to `to`: `auto [ec, n] = co_await u.send_to(buf, to);`
  Task<IoResult<std::size_t>> send_to(std::span<const std::byte> buf, net::SocketAddr to);
  /// One datagram and its sender: `auto [ec, got] = co_await u.recv_from(buf);` A longer
  /// one than `buf` is truncated.
  Task<IoResult<UdpReceived>> recv_from(std::span<std::byte> buf);
  /// Fixes the peer for send/recv (no waiting involved).
  [[nodiscard]] std::error_code connect(const net::SocketAddr& addr) { return socket_.connect(addr); }
  /// Sends `buf` as one datagram to the connected peer (see connect()).
  Task<IoResult<std::size_t>> send(std::span<const std::byte> buf);
  /// One datagram from the connected peer; a longer one than `buf` is truncated.
  Task<IoResult<std::size_t>> recv(std::span<std::byte> buf);

  /// The address this socket is bound to.
  net::SocketAddr local_addr(std::error_code& ec) const { return socket_.local_addr(ec); }
  /// False once moved from, or when never opened.
  bool is_open() const noexcept { return socket_.is_open(); }
  /// The pollux socket, for options; I/O on it directly goes through try_io() (see
  /// ready()), so that the readiness it consumes is accounted for.
  net::UdpSocket& get() noexcept { return socket_; }

 private:
  friend class detail::ReadinessOps<UdpSocket>;
  static constexpr Interest kRegistered = Interest::readable | Interest::writable;
  auto& source() noexcept { return socket_; }

  detail::IoHandle io_;
  net::UdpSocket socket_;
};

}  // namespace pollux::exec
