// SPDX-License-Identifier: MIT
#include <pollux/exec/udp_socket.hpp>

#include "io_op.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

UdpSocket UdpSocket::from_net(net::UdpSocket socket, std::error_code& ec) {
  UdpSocket u;
  u.socket_ = std::move(socket);
  ec = detail::register_source(u.io_, u.socket_, Interest::readable | Interest::writable);
  if (ec) return UdpSocket{};
  return u;
}

UdpSocket UdpSocket::bind(const net::SocketAddr& addr, std::error_code& ec) {
  net::UdpSocket raw = net::UdpSocket::bind(addr, ec);
  if (ec) return UdpSocket{};
  return from_net(std::move(raw), ec);
}

Task<IoResult<std::size_t>> UdpSocket::send_to(std::span<const std::byte> buf,
                                               net::SocketAddr to) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForWrite,
      [this, buf, to](std::error_code& e) { return socket_.send_to(buf, to, e); });
}

Task<IoResult<UdpReceived>> UdpSocket::recv_from(std::span<std::byte> buf) {
  return detail::io_loop<UdpReceived>(io_, detail::ready::kForRead,
                                      [this, buf](std::error_code& e) {
                                        UdpReceived got;
                                        got.size = socket_.recv_from(buf, got.from, e);
                                        return got;
                                      });
}

Task<IoResult<std::size_t>> UdpSocket::send(std::span<const std::byte> buf) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForWrite,
      [this, buf](std::error_code& e) { return socket_.send(buf, e); });
}

Task<IoResult<std::size_t>> UdpSocket::recv(std::span<std::byte> buf) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForRead,
      [this, buf](std::error_code& e) { return socket_.recv(buf, e); });
}

}  // namespace pollux::exec
