#pragma once
// exec::UdpSocket: UDP datagrams awaited on the runtime.

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/udp_socket.hpp>

namespace pollux::exec {

/// A net::UdpSocket registered with the runtime's I/O driver. Make it inside a task of
/// a runtime (elsewhere: std::errc::operation_not_permitted). Every operation is
/// cancel-safe: a datagram is sent or received whole when the awaited task completes,
/// and not at all if it is dropped before.
class POLLUX_EXEC_API UdpSocket {
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

  Task<std::size_t> send_to(std::span<const std::byte> buf, net::SocketAddr to,
                            std::error_code& ec);
  /// One datagram; a longer one than `buf` is truncated.
  Task<std::size_t> recv_from(std::span<std::byte> buf, net::SocketAddr& from,
                              std::error_code& ec);
  /// Fixes the peer for send/recv (no waiting involved).
  [[nodiscard]] std::error_code connect(const net::SocketAddr& addr) { return socket_.connect(addr); }
  Task<std::size_t> send(std::span<const std::byte> buf, std::error_code& ec);
  Task<std::size_t> recv(std::span<std::byte> buf, std::error_code& ec);

  net::SocketAddr local_addr(std::error_code& ec) const { return socket_.local_addr(ec); }
  bool is_open() const noexcept { return socket_.is_open(); }
  net::UdpSocket& get() noexcept { return socket_; }

 private:
  detail::IoHandle io_;
  net::UdpSocket socket_;
};

}  // namespace pollux::exec
