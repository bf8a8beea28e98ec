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
  std::size_t size = 0;
  net::SocketAddr from;
};

/// A net::UdpSocket registered with the runtime's I/O driver. Make it inside a task of
/// a runtime (elsewhere: std::errc::operation_not_permitted). Every operation is
/// cancel-safe: a datagram is sent or received whole when the awaited task completes,
/// and not at all if it is dropped before.
class POLLUX_EXEC_API UdpSocket : public detail::ReadinessOps<UdpSocket> {
 public:
  UdpSocket() noexcept = default;

  static UdpSocket bind(const net::SocketAddr& addr, std::error_code& ec);
  static UdpSocket from_net(net::UdpSocket socket, std::error_code& ec);

  UdpSocket(UdpSocket&&) noexcept = default;
  ~UdpSocket() { io_.deregister(socket_); }
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
  Task<IoResult<std::size_t>> send(std::span<const std::byte> buf);
  Task<IoResult<std::size_t>> recv(std::span<std::byte> buf);

  net::SocketAddr local_addr(std::error_code& ec) const { return socket_.local_addr(ec); }
  bool is_open() const noexcept { return socket_.is_open(); }
  net::UdpSocket& get() noexcept { return socket_; }

 private:
  friend class detail::ReadinessOps<UdpSocket>;
  static constexpr Interest kRegistered = Interest::readable | Interest::writable;
  auto& source() noexcept { return socket_; }

  detail::IoHandle io_;
  net::UdpSocket socket_;
};

}  // namespace pollux::exec
